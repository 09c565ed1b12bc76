package gilstuff

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// semaphore bounds the goroutines inside cgo calls that may wait for the GIL. Each of
// them holds an OS thread, so without a bound 20,000 goroutines calling at once would
// make 20,000 threads (and the Go runtime stops the process at 10,000). The fast path is
// one atomic add on each side; waiters park on a sync.Cond.
type semaphore struct {
	n       atomic.Int64 // slots held
	waiting atomic.Int64 // goroutines in acquireSlow
	limit   int64
	mu      sync.Mutex
	cond    sync.Cond
}

func newSemaphore(limit int) *semaphore {
	if limit <= 0 {
		limit = runtime.GOMAXPROCS(0)
	}
	s := &semaphore{limit: int64(limit)}
	s.cond.L = &s.mu
	return s
}

// tryAcquire never overshoots the limit, so a failed attempt has nothing to undo.
func (s *semaphore) tryAcquire() bool {
	for {
		v := s.n.Load()
		if v >= s.limit {
			return false
		}
		if s.n.CompareAndSwap(v, v+1) {
			return true
		}
	}
}

func (s *semaphore) acquireSlow() {
	s.mu.Lock()
	// Announce the wait before retrying: a release either sees waiting > 0 and
	// signals (under mu, so after we are in Wait), or we see its decrement.
	s.waiting.Add(1)
	for !s.tryAcquire() {
		s.cond.Wait()
	}
	s.waiting.Add(-1)
	s.mu.Unlock()
}

func (s *semaphore) release() {
	s.n.Add(-1)
	if s.waiting.Load() > 0 {
		s.mu.Lock()
		s.cond.Signal()
		s.mu.Unlock()
	}
}

var sem atomic.Pointer[semaphore]

func init() { sem.Store(newSemaphore(0)) }

// enter takes a slot before a cgo call that may wait for the GIL, and returns what
// leave must be given. A call nested in a WithGIL callback already holds the GIL and
// never waits, so when the semaphore is full it proceeds without a slot (waiting
// would deadlock against goroutines that hold slots and wait for that GIL).
func enter() *semaphore {
	s := sem.Load()
	if s.tryAcquire() {
		return s
	}
	if inCallback() {
		return nil
	}
	s.acquireSlow()
	return s
}

func leave(s *semaphore) {
	if s != nil {
		s.release()
	}
}
