package gilstuff_test

import (
	"sync"
	"testing"

	gilstuff "github.com/gilstuff/gilstuff/bindings/go"
)

var (
	benchPoolOnce sync.Once
	benchPool     *gilstuff.Pool
	benchPoolErr  error
)

// poolFor returns a 2-interpreter pool shared by the pool benchmarks (kept until the
// process ends: Finalize ends it).
func poolFor(b *testing.B) *gilstuff.Pool {
	benchPoolOnce.Do(func() { benchPool, benchPoolErr = gilstuff.NewPool(2, nil) })
	if benchPoolErr != nil {
		b.Fatal(benchPoolErr)
	}
	return benchPool
}

// BenchmarkPoolCall: one goroutine, gotest_pool.add(1, 2) through the pool: argument
// conversion to gilstuff_values, interpreter switch, call, result back to Go.
func BenchmarkPoolCall(b *testing.B) {
	p := poolFor(b)
	for b.Loop() {
		if r, err := p.Call("gotest_pool", "add", 1, 2); err != nil || r != int64(3) {
			b.Fatal(r, err)
		}
	}
}

// BenchmarkPoolCallParallel: GOMAXPROCS goroutines on the 2-interpreter pool.
func BenchmarkPoolCallParallel(b *testing.B) {
	p := poolFor(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.Call("gotest_pool", "add", 1, 2); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkMainCallAdd: the same add(1, 2) in the main interpreter through the object
// API (Call + Int + Close), for comparison with BenchmarkPoolCall.
func BenchmarkMainCallAdd(b *testing.B) {
	m := must(gilstuff.Import("gotest_pool"))
	defer m.Close()
	add := must(m.Attr("add"))
	defer add.Close()
	for b.Loop() {
		r, err := add.Call(1, 2)
		if err != nil {
			b.Fatal(err)
		}
		if v, err := r.Int(); err != nil || v != 3 {
			b.Fatal(v, err)
		}
		r.Close()
	}
}

// BenchmarkSumSquares: a CPU-bound function (sum of squares below 20,000) from
// GOMAXPROCS goroutines, in the shared main interpreter vs the pool. With own-GIL
// interpreters (3.12+) the pool runs them in parallel; before 3.12 both are serial.
func BenchmarkSumSquares(b *testing.B) {
	const n = 20000
	b.Run("main", func(b *testing.B) {
		m := must(gilstuff.Import("gotest_pool"))
		defer m.Close()
		f := must(m.Attr("sum_squares"))
		defer f.Close()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := f.Invoke(n); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("pool", func(b *testing.B) {
		p := poolFor(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := p.Call("gotest_pool", "sum_squares", n); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
