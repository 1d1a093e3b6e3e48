package benchkit

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// DefaultBatch is how many consecutive calls of one step a Ratio times
// together when its Batch is zero.
const DefaultBatch = 8

// Ratio times several steps (say the baseline, the shared pipeline and a
// validator, on the same token) against each other in one benchmark, which
// keeps their ratios meaningful on a machine whose load changes from second
// to second, where two separate wall-clock benchmarks are not comparable.
//
// Each benchmark iteration is one batch: every step runs Batch times in a
// row and the run is timed with Clock. The order of the steps rotates from
// batch to batch, because whatever runs right after the baseline pays for
// some of its garbage and cache misses (about 4% for RS256 when the order is
// fixed): each step takes each position equally often. The goroutine is
// locked to its OS thread so that ThreadCPU measures its work alone.
type Ratio struct {
	// Steps are the timed operations; each returns nil on success. A step
	// that fails fails the benchmark.
	Steps []func() error
	// Batch is how many consecutive calls of a step are timed together;
	// zero means DefaultBatch.
	Batch int
	// Report turns the total time of each step, indexed like Steps, into
	// metrics with b.ReportMetric. It is called once per benchmark run.
	Report func(b *testing.B, total Times)
	// Clock reads the time; nil means ThreadCPU. Tests give it a fake
	// clock that the steps advance.
	Clock func() time.Duration
}

// Times holds the total time each step took, indexed like Ratio.Steps.
type Times []time.Duration

// Ratio returns t[num] / t[den], the figure a Report passes to
// b.ReportMetric (as "x-baseline", for instance).
func (t Times) Ratio(num, den int) float64 { return float64(t[num]) / float64(t[den]) }

// Run runs r as the sub-benchmarks name+"/serial" (Serial) and
// name+"/parallel" (Parallel).
func (r Ratio) Run(b *testing.B, name string) {
	b.Run(name+"/serial", r.Serial)
	b.Run(name+"/parallel", r.Parallel)
}

// Serial runs one batch per iteration of b on the calling goroutine and
// reports the totals. It stops b at the first batch in which a step fails.
func (r Ratio) Serial(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	total := make(Times, len(r.Steps))
	round := 0
	for b.Loop() {
		if err := r.batch(total, round); err != nil {
			b.Fatal(err)
		}
		round++
	}
	r.report(b, total)
}

// Parallel runs batches from b.RunParallel's goroutines, each locked to its
// thread and timing itself, and reports the sums over all of them. A
// goroutine stops at the first batch in which a step fails, and b fails.
func (r Ratio) Parallel(b *testing.B) {
	var mu sync.Mutex
	total := make(Times, len(r.Steps))
	b.RunParallel(func(pb *testing.PB) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		local := make(Times, len(r.Steps))
		round := 0
		for pb.Next() {
			if err := r.batch(local, round); err != nil {
				b.Error(err)
				break
			}
			round++
		}
		mu.Lock()
		for i := range total {
			total[i] += local[i]
		}
		mu.Unlock()
	})
	r.report(b, total)
}

// Measure runs rounds batches on the calling goroutine, outside any
// benchmark, and returns the total time of each step; it stops at the first
// batch in which a step fails. It is how a test or an example checks a Ratio
// (with a fake Clock) without waiting for a benchmark's time budget.
func (r Ratio) Measure(rounds int) (Times, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	total := make(Times, len(r.Steps))
	for round := range rounds {
		if err := r.batch(total, round); err != nil {
			return total, err
		}
	}
	return total, nil
}

// batch runs every step Batch times, starting with step round mod
// len(Steps), adds each step's time to sum and returns the first failure.
func (r Ratio) batch(sum Times, round int) error {
	n := r.Batch
	if n <= 0 {
		n = DefaultBatch
	}
	clock := r.Clock
	if clock == nil {
		clock = ThreadCPU
	}
	var first error
	for k := range r.Steps {
		i := (k + round) % len(r.Steps)
		t0 := clock()
		for range n {
			if err := r.Steps[i](); err != nil && first == nil {
				first = fmt.Errorf("step %d: %w", i, err)
			}
		}
		sum[i] += clock() - t0
	}
	return first
}

func (r Ratio) report(b *testing.B, total Times) {
	if r.Report != nil {
		r.Report(b, total)
	}
}
