package recent_test

import (
	"fmt"

	"github.com/tokenguard/tokenguard/internal/recent"
)

func Example() {
	// Remember the audiences of accepted tokens; a later token with the
	// same text finds its entry.
	type seen struct{ text string }
	var l recent.List[seen]
	for _, aud := range []string{`["a","b"]`, `["c"]`} {
		l.Store(&seen{text: aud})
	}
	hit := l.Find(func(s *seen) bool { return s.text == `["c"]` })
	miss := l.Find(func(s *seen) bool { return s.text == `["d"]` })
	fmt.Println(hit != nil, miss != nil)
	// Output:
	// true false
}
