package gilstuff

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// semaphore bounds the goroutines inside cgo calls that may wait for the GIL. Each of
// them holds an OS thread, so without a bound 20,000 goroutines calling at once would
// make 20,000 threads (and the Go runtime stops the process at 10,000).
//
// One word holds both counts, so that the fast path is a single atomic add on each side
// (a locked instruction after a Python call waits for the call's stores to drain, so
// each one counts): the low 32 bits are the slots held, the high 32 bits the goroutines
// waiting. Waiters park on a sync.Cond.
type semaphore struct {
	state atomic.Int64
	limit atomic.Int64 // read on every acquire; changed by Init
	mu    sync.Mutex
	cond  sync.Cond
}

const (
	heldMask = 1<<32 - 1
	waiter   = 1 << 32
)

func newSemaphore(limit int) *semaphore {
	s := &semaphore{}
	s.init(limit)
	return s
}

func (s *semaphore) init(limit int) {
	s.cond.L = &s.mu
	s.setLimit(limit)
}

// setLimit changes the bound (limit <= 0: GOMAXPROCS); waiters recheck it.
func (s *semaphore) setLimit(limit int) {
	if limit <= 0 {
		limit = runtime.GOMAXPROCS(0)
	}
	s.limit.Store(int64(limit))
	s.mu.Lock()
	s.cond.Broadcast()
	s.mu.Unlock()
}

// held is the number of slots taken (for tests).
func (s *semaphore) held() int64 { return s.state.Load() & heldMask }

// tryAcquire takes a slot if one is free. It may overshoot the limit for an instant;
// a failed attempt gives its add back in acquireSlow or undoAcquire.
func (s *semaphore) tryAcquire() bool {
	return s.state.Add(1)&heldMask <= s.limit.Load()
}

// undoAcquire gives back a failed tryAcquire's add without waiting.
func (s *semaphore) undoAcquire() { s.release() }

// acquireSlow waits for a slot after a failed tryAcquire (whose add it gives back).
func (s *semaphore) acquireSlow() {
	s.mu.Lock()
	// Give the overshooting add back and announce the wait in one step: a release either
	// sees the waiter and signals (under mu, so after we are in Wait), or we see its
	// decrement below.
	s.state.Add(waiter - 1)
	for {
		v := s.state.Load()
		if v&heldMask < s.limit.Load() && s.state.CompareAndSwap(v, v+1-waiter) {
			break
		}
		s.cond.Wait()
	}
	s.mu.Unlock()
}

// release gives a slot back; small enough to inline into every call site.
func (s *semaphore) release() {
	if s.state.Add(-1) >= waiter {
		s.wake()
	}
}

func (s *semaphore) wake() {
	s.mu.Lock()
	s.cond.Signal()
	s.mu.Unlock()
}

// sem bounds every gilstuff cgo call of the process; Init sets its limit.
var sem semaphore

func init() { sem.init(0) }

// enter takes a slot before a cgo call that may wait for the GIL, and returns what
// leave must be given. A call nested in a WithGIL callback already holds the GIL and
// never waits, so when the semaphore is full it proceeds without a slot (waiting
// would deadlock against goroutines that hold slots and wait for that GIL).
func enter() *semaphore {
	if !sem.tryAcquire() {
		return enterSlow()
	}
	return &sem
}

func enterSlow() *semaphore {
	if inCallback() {
		sem.undoAcquire()
		return nil
	}
	sem.acquireSlow()
	return &sem
}

func leave(s *semaphore) {
	if s != nil {
		s.release()
	}
}
