package excerpt_test

import (
	"fmt"
	"strings"

	"github.com/tokenguard/tokenguard/internal/excerpt"
)

func Example() {
	// A claim value in a refusal: short, printable, one line.
	fmt.Println(excerpt.Of("admin\r\nlevel=0"))
	fmt.Println(len(excerpt.Of(strings.Repeat("a", 1000))))
	// A server's error description that echoes the token sent.
	fmt.Println(excerpt.Text("token eyJhbGciOi.x.y is not active", "eyJhbGciOi.x.y"))
	// Output:
	// admin��level=0
	// 67
	// token [redacted] is not active
}
