package gilstuff_test

import (
	"runtime"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

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

// BenchmarkRatio times the floor, an empty cgo call, the library called from C, Invoke
// and Call+Close in many short interleaved rounds, and reports the medians and the
// median over rounds of (Go call − empty cgo) / floor, each round's ratio made from
// measurements taken within a few milliseconds of each other (this kind of VM changes
// speed by up to 2x for seconds at a time, which whole-run medians would mix in).
// Target for Invoke: ≤ 1.2. (testing.Benchmark cannot be nested inside a running
// benchmark, hence the manual timing.)
func BenchmarkRatio(b *testing.B) {
	f := noneFn(b)
	// The floor runs on one OS thread; so does everything else here, so that the ratio
	// compares call costs, not the Go scheduler moving the goroutine between threads.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pinThread(b)
	const rounds, n = 101, 10000
	timeIt := func(run func(n int)) float64 {
		start := time.Now()
		run(n)
		return float64(time.Since(start).Nanoseconds()) / n
	}
	check := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	kinds := []struct {
		name string
		run  func(n int)
	}{
		{"floor", func(n int) { check(cfloor.Run(n)) }},
		{"cgo", func(n int) {
			for i := 0; i < n; i++ {
				cfloor.Noop()
			}
		}},
		{"clib", func(n int) { check(cfloor.RunLib(n)) }},
		{"invoke", func(n int) {
			for i := 0; i < n; i++ {
				check(f.Invoke())
			}
		}},
		{"call+close", func(n int) {
			for i := 0; i < n; i++ {
				r, err := f.Call()
				check(err)
				r.Close()
			}
		}},
	}
	ns := make([][]float64, len(kinds))
	var clibRatio, invokeRatio, callRatio []float64
	b.ResetTimer()
	for r := 0; r < rounds; r++ {
		t := make([]float64, len(kinds))
		for i := range kinds {
			k := (i + r) % len(kinds) // rotate the order: no kind always runs first
			t[k] = timeIt(kinds[k].run)
			ns[k] = append(ns[k], t[k])
		}
		floor, cgo := t[0], t[1]
		clibRatio = append(clibRatio, t[2]/floor)
		invokeRatio = append(invokeRatio, (t[3]-cgo)/floor)
		callRatio = append(callRatio, (t[4]-cgo)/floor)
	}
	median := func(xs []float64) float64 {
		sort.Float64s(xs)
		return xs[len(xs)/2]
	}
	floor, cgo, clib := median(ns[0]), median(ns[1]), median(ns[2])
	invoke, call := median(ns[3]), median(ns[4])
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(floor, "floor-ns")
	b.ReportMetric(cgo, "cgo-ns")
	b.ReportMetric(clib, "clib-ns")
	b.ReportMetric(invoke, "invoke-ns")
	b.ReportMetric(call, "call+close-ns")
	b.ReportMetric(median(invokeRatio), "invoke-ratio")
	b.ReportMetric(median(callRatio), "call-ratio")
	b.Logf("medians of %d rounds: floor %.1f ns, empty cgo %.1f ns, gilstuff from C %.1f ns, Invoke %.1f ns, "+
		"Call+Close %.1f ns; per-round medians: clib/floor = %.2f, (Invoke-cgo)/floor = %.2f, (Call+Close-cgo)/floor = %.2f",
		rounds, floor, cgo, clib, invoke, call, median(clibRatio), median(invokeRatio), median(callRatio))
}

// pinThread keeps the calling (locked) OS thread on one CPU, the first it may run on,
// for the rest of its life: the measured loops then never pay for a move between CPUs,
// which on a small VM can cost more than what is measured.
func pinThread(b *testing.B) {
	var mask [16]uint64
	size := unsafe.Sizeof(mask)
	if _, _, e := syscall.RawSyscall(syscall.SYS_SCHED_GETAFFINITY, 0, size, uintptr(unsafe.Pointer(&mask))); e != 0 {
		b.Logf("sched_getaffinity: %v; not pinned", e)
		return
	}
	for i, word := range mask {
		if word != 0 {
			var one [16]uint64
			one[i] = word & -word // the lowest CPU in the mask
			if _, _, e := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, 0, size, uintptr(unsafe.Pointer(&one))); e != 0 {
				b.Logf("sched_setaffinity: %v; not pinned", e)
			}
			return
		}
	}
}
