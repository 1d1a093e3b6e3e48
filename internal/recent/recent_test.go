package recent

import (
	"sync"
	"testing"
)

// A List keeps the last Len values, replacing the oldest, and finds each.
func TestListKeepsTheLast(t *testing.T) {
	var l List[int]
	if l.Find(func(*int) bool { return true }) != nil {
		t.Fatal("an empty List found a value")
	}
	vals := make([]int, Len+2)
	for i := range vals {
		vals[i] = i
		l.Store(&vals[i])
	}
	for i, v := range vals {
		got := l.Find(func(p *int) bool { return *p == v })
		if kept := i >= len(vals)-Len; (got != nil) != kept {
			t.Errorf("value %d: found %v; kept %v", v, got != nil, kept)
		}
	}
}

// Stores and finds from many goroutines race on nothing (go test -race).
func TestListConcurrent(t *testing.T) {
	var l List[string]
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				s := string(rune('a' + (g+i)%26))
				l.Store(&s)
				if v := l.Find(func(p *string) bool { return *p == s }); v != nil && *v != s {
					t.Errorf("found %q for %q", *v, s)
				}
			}
		})
	}
	wg.Wait()
}
