package gilstuff_test

import (
	"sort"
	"sync"
	"testing"
	"time"

	gilstuff "github.com/gilstuff/gilstuff/bindings/go"
	"github.com/gilstuff/gilstuff/bindings/go/internal/cfloor"
)

// The benchmarks call `lambda: None` (made once in __main__), as the core benchmark's
// floor does.

var (
	benchOnce sync.Once
	benchFn   *gilstuff.Object
	benchErr  error
)

func noneFn(b *testing.B) *gilstuff.Object {
	benchOnce.Do(func() {
		if benchFn, benchErr = gilstuff.Eval("lambda: None"); benchErr != nil {
			return
		}
		benchErr = cfloor.Setup("lambda: None")
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchFn
}

// BenchmarkCall: one goroutine, Call + Close of the result (two cgo calls).
func BenchmarkCall(b *testing.B) {
	f := noneFn(b)
	for b.Loop() {
		r, err := f.Call()
		if err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}

// BenchmarkInvoke: one goroutine, a call whose result is dropped inside the same cgo
// call: the like-for-like of the C floor.
func BenchmarkInvoke(b *testing.B) {
	f := noneFn(b)
	for b.Loop() {
		if err := f.Invoke(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallParallel: GOMAXPROCS goroutines calling at once (they share one GIL).
func BenchmarkCallParallel(b *testing.B) {
	f := noneFn(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r, err := f.Call()
			if err != nil {
				b.Error(err)
				return
			}
			r.Close()
		}
	})
}

func BenchmarkInvokeParallel(b *testing.B) {
	f := noneFn(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := f.Invoke(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCallArgs converts an int and a str per call.
func BenchmarkCallArgs(b *testing.B) {
	f := must(gilstuff.Eval("lambda a, b: None"))
	defer f.Close()
	for b.Loop() {
		if err := f.Invoke(42, "hello"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWithGIL10: ten nested calls under one acquisition, per op.
func BenchmarkWithGIL10(b *testing.B) {
	f := noneFn(b)
	body := func() error {
		for i := 0; i < 10; i++ {
			if err := f.Invoke(); err != nil {
				return err
			}
		}
		return nil
	}
	for b.Loop() {
		if err := gilstuff.WithGIL(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEmptyCgo: the cost of crossing into C and back.
func BenchmarkEmptyCgo(b *testing.B) {
	for b.Loop() {
		cfloor.Noop()
	}
}

// BenchmarkFloor: the raw C API with a persistent thread state, looped in C.
func BenchmarkFloor(b *testing.B) {
	noneFn(b)
	if err := cfloor.Run(b.N); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCLib: the same call through gilstuff from C, looped in C (no Go, no cgo
// per call): what the library itself adds to the floor.
func BenchmarkCLib(b *testing.B) {
	noneFn(b)
	if err := cfloor.RunLib(b.N); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRatio times the floor, an empty cgo call, Invoke and Call+Close in
// interleaved rounds (so that they see the same machine load) and reports the medians
// and (Go call − empty cgo) / floor. Target for Invoke: ≤ 1.2. (testing.Benchmark
// cannot be nested inside a running benchmark, hence the manual timing.)
func BenchmarkRatio(b *testing.B) {
	f := noneFn(b)
	const rounds, n = 7, 200000
	timeIt := func(run func(n int)) float64 {
		start := time.Now()
		run(n)
		return float64(time.Since(start).Nanoseconds()) / n
	}
	kinds := []struct {
		name string
		run  func(n int)
		ns   []float64
	}{
		{"floor", func(n int) {
			if err := cfloor.Run(n); err != nil {
				b.Fatal(err)
			}
		}, nil},
		{"cgo", func(n int) {
			for i := 0; i < n; i++ {
				cfloor.Noop()
			}
		}, nil},
		{"clib", func(n int) {
			if err := cfloor.RunLib(n); err != nil {
				b.Fatal(err)
			}
		}, nil},
		{"invoke", func(n int) {
			for i := 0; i < n; i++ {
				if err := f.Invoke(); err != nil {
					b.Fatal(err)
				}
			}
		}, nil},
		{"call+close", func(n int) {
			for i := 0; i < n; i++ {
				r, err := f.Call()
				if err != nil {
					b.Fatal(err)
				}
				r.Close()
			}
		}, nil},
	}
	b.ResetTimer()
	for r := 0; r < rounds; r++ {
		for k := range kinds {
			kinds[k].ns = append(kinds[k].ns, timeIt(kinds[k].run))
		}
	}
	median := func(xs []float64) float64 {
		sort.Float64s(xs)
		return xs[len(xs)/2]
	}
	floor, cgo, clib := median(kinds[0].ns), median(kinds[1].ns), median(kinds[2].ns)
	invoke, call := median(kinds[3].ns), median(kinds[4].ns)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(floor, "floor-ns")
	b.ReportMetric(cgo, "cgo-ns")
	b.ReportMetric(clib, "clib-ns")
	b.ReportMetric(invoke, "invoke-ns")
	b.ReportMetric(call, "call+close-ns")
	b.ReportMetric((invoke-cgo)/floor, "invoke-ratio")
	b.ReportMetric((call-cgo)/floor, "call-ratio")
	b.ReportMetric(invoke-cgo-clib, "binding-ns")
	b.Logf("medians of %d rounds: floor %.1f ns, empty cgo %.1f ns, gilstuff from C %.1f ns (%.2fx floor), "+
		"Invoke %.1f ns, Call+Close %.1f ns; (Invoke-cgo)/floor = %.2f, (Call+Close-cgo)/floor = %.2f; "+
		"Go binding adds %.1f ns to the C library call",
		rounds, floor, cgo, clib, clib/floor, invoke, call, (invoke-cgo)/floor, (call-cgo)/floor, invoke-cgo-clib)
}
