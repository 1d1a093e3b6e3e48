package benchkit_test

import (
	"fmt"
	"time"

	"github.com/tokenguard/tokenguard/internal/benchkit"
)

// A validator that takes 1.1 times as long as the baseline reports
// "x-baseline" 1.1. Here a fake clock stands in for the thread's CPU time
// and each step says how long it takes; a benchmark leaves Clock nil, passes
// real steps and calls Run(b, "RS256") instead of Measure.
func ExampleRatio() {
	var now time.Duration
	work := func(d time.Duration) func() error {
		return func() error { now += d; return nil }
	}
	r := benchkit.Ratio{
		Steps: []func() error{work(100 * time.Microsecond), work(110 * time.Microsecond)},
		Clock: func() time.Duration { return now },
	}
	total, err := r.Measure(4)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(total)
	fmt.Printf("x-baseline %.2f\n", total.Ratio(1, 0))
	// Output:
	// [3.2ms 3.52ms]
	// x-baseline 1.10
}
