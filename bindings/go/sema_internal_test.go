package gilstuff

import (
	"sync"
	"sync/atomic"
	"testing"
)

func TestSemaphoreBounds(t *testing.T) {
	s := newSemaphore(3)
	var in, peak atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 200; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if !s.tryAcquire() {
					s.acquireSlow()
				}
				n := in.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				in.Add(-1)
				s.release()
			}
		}()
	}
	wg.Wait()
	if peak.Load() > 3 || s.n.Load() != 0 {
		t.Fatalf("peak %d holders (limit 3), %d left", peak.Load(), s.n.Load())
	}
}

func BenchmarkSemaphore(b *testing.B) {
	s := newSemaphore(4)
	for b.Loop() {
		if !s.tryAcquire() {
			s.acquireSlow()
		}
		s.release()
	}
}
