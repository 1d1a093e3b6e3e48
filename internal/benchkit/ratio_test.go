package benchkit_test

import (
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenguard/tokenguard/internal/benchkit"
)

// The order of the steps rotates from batch to batch, so each step takes
// each position equally often, and every step runs Batch times in a row.
func TestRatioRotatesStepOrder(t *testing.T) {
	var order []int
	step := func(i int) func() error {
		return func() error { order = append(order, i); return nil }
	}
	r := benchkit.Ratio{Steps: []func() error{step(0), step(1), step(2)}, Batch: 2}
	if _, err := r.Measure(3); err != nil {
		t.Fatal(err)
	}
	want := []int{0, 0, 1, 1, 2, 2, 1, 1, 2, 2, 0, 0, 2, 2, 0, 0, 1, 1}
	if !slices.Equal(order, want) {
		t.Fatalf("steps ran in the order %v, want %v", order, want)
	}
}

// Each step's time is the clock's advance over its own calls only, summed
// over the batches; a zero Batch means DefaultBatch calls.
func TestRatioTimesEachStepAlone(t *testing.T) {
	var now time.Duration
	calls := make([]int, 2)
	step := func(i int, d time.Duration) func() error {
		return func() error { calls[i]++; now += d; return nil }
	}
	r := benchkit.Ratio{
		Steps: []func() error{step(0, time.Millisecond), step(1, 3*time.Millisecond)},
		Clock: func() time.Duration { return now },
	}
	total, err := r.Measure(5)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{5 * benchkit.DefaultBatch, 5 * benchkit.DefaultBatch}; !slices.Equal(calls, want) {
		t.Fatalf("calls = %v, want %v", calls, want)
	}
	want := benchkit.Times{40 * time.Millisecond, 120 * time.Millisecond}
	if !slices.Equal(total, want) {
		t.Fatalf("total = %v, want %v", total, want)
	}
	if got := total.Ratio(1, 0); got != 3 {
		t.Fatalf("Ratio(1, 0) = %v, want 3", got)
	}
}

// A failing step stops the measurement after its batch, with an error that
// names the step and wraps what it returned.
func TestRatioStopsAtFailingStep(t *testing.T) {
	errStep := errors.New("step failed")
	calls := 0
	r := benchkit.Ratio{
		Steps: []func() error{
			func() error { calls++; return nil },
			func() error { return errStep },
		},
		Batch: 1,
	}
	_, err := r.Measure(10)
	if !errors.Is(err, errStep) {
		t.Fatalf("Measure error = %v, want %v", err, errStep)
	}
	if calls != 1 {
		t.Fatalf("the good step ran %d times, want 1 (one batch)", calls)
	}
}

// Serial and Parallel report through Report, with every step run equally
// often, and a failing step fails the benchmark. (Each testing.Benchmark
// takes about a second, the default benchmark time.)
func TestRatioBenchmarks(t *testing.T) {
	for _, mode := range []struct {
		name string
		run  func(benchkit.Ratio) func(*testing.B)
	}{
		{"serial", func(r benchkit.Ratio) func(*testing.B) { return r.Serial }},
		{"parallel", func(r benchkit.Ratio) func(*testing.B) { return r.Parallel }},
	} {
		t.Run(mode.name, func(t *testing.T) {
			var n0, n1 atomic.Int64
			var reported benchkit.Times
			r := benchkit.Ratio{
				Steps: []func() error{
					func() error { n0.Add(1); return nil },
					func() error { n1.Add(1); return nil },
				},
				Report: func(b *testing.B, total benchkit.Times) {
					reported = total
					b.ReportMetric(total.Ratio(1, 0), "x-baseline")
				},
			}
			res := testing.Benchmark(mode.run(r))
			if res.N == 0 || n0.Load() == 0 || n0.Load() != n1.Load() {
				t.Fatalf("N = %d, steps ran %d and %d times", res.N, n0.Load(), n1.Load())
			}
			if _, ok := res.Extra["x-baseline"]; !ok || len(reported) != 2 {
				t.Fatalf("metrics %v, totals %v: Report was not called", res.Extra, reported)
			}

			r.Steps[1] = func() error { return errors.New("validation failed") }
			if res := testing.Benchmark(mode.run(r)); res.N != 0 {
				t.Fatalf("a failing step still gave a result of %d iterations", res.N)
			}
		})
	}
}
