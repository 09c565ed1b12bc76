package gilstuff

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
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
	if peak.Load() > 3 || s.held() != 0 {
		t.Fatalf("peak %d holders (limit 3), %d left", peak.Load(), s.held())
	}
}

// A failed attempt overshoots for an instant; giving it back leaves the count exact and
// wakes a waiter that the overshoot may have turned away.
func TestSemaphoreUndoAndSetLimit(t *testing.T) {
	s := newSemaphore(1)
	if !s.tryAcquire() {
		t.Fatal("first slot refused")
	}
	if s.tryAcquire() {
		t.Fatal("second slot granted with limit 1")
	}
	s.undoAcquire()
	if s.held() != 1 {
		t.Fatalf("held %d after undo, want 1", s.held())
	}
	got := make(chan struct{})
	go func() {
		if !s.tryAcquire() {
			s.acquireSlow()
		}
		close(got)
	}()
	select {
	case <-got:
		t.Fatal("a waiter got a slot beyond the limit")
	case <-time.After(50 * time.Millisecond):
	}
	s.setLimit(2) // raising the limit lets the waiter in
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("waiter not woken by setLimit")
	}
	s.release()
	s.release()
	if s.state.Load() != 0 {
		t.Fatalf("state %#x after all releases, want 0", s.state.Load())
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
