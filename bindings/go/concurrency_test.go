package gilstuff_test

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gilstuff "github.com/gilstuff/gilstuff/bindings/go"
)

// Behaviour 1: the seed counter from 1,000 goroutines x 100 calls of thing.inc, with
// runtime.Gosched() between calls (so goroutines hop between OS threads), adds exactly
// 100,000.
func TestSeedCounter(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	}
	const goroutines, calls = 1000, 100
	thing := must(gilstuff.Import("thing"))
	defer closeOK(t, thing)
	inc := must(thing.Attr("inc"))
	defer closeOK(t, inc)
	before := evalInt(t, "__import__('thing').x")
	var wg sync.WaitGroup
	var failed atomic.Int64
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < calls; i++ {
				if err := inc.Invoke(); err != nil {
					failed.Add(1)
					t.Error(err)
					return
				}
				runtime.Gosched()
			}
		}()
	}
	wg.Wait()
	if got := evalInt(t, "__import__('thing').x") - before; got != goroutines*calls {
		t.Fatalf("counter advanced by %d, want %d (%d goroutines failed)", got, goroutines*calls, failed.Load())
	}
}

// osThreads reads the process's thread count from /proc/self/status.
func osThreads(t testing.TB) int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status:", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	t.Fatal("no Threads: line")
	return 0
}

// Behaviour 2: 20,000 goroutines each making one call at once complete without
// crashing, and the OS thread count stays bounded: the surplus waits in Go.
func TestTwentyThousandGoroutines(t *testing.T) {
	const goroutines = 20000
	get := must(gilstuff.Eval("lambda i: i + 1"))
	defer closeOK(t, get)
	start := osThreads(t)
	var peak atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if n := int64(osThreads(t)); n > peak.Load() {
				peak.Store(n)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	var sum atomic.Int64
	release := make(chan struct{})
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-release // all start at once
			r, err := get.Call(1)
			if err != nil {
				t.Error(err)
				return
			}
			v, err := r.Int()
			if err != nil {
				t.Error(err)
			}
			sum.Add(v)
			if err := r.Close(); err != nil {
				t.Error(err)
			}
		}()
	}
	// Hold the GIL for a while as the goroutines start: each call then has to wait.
	// Without the bound every waiting goroutine would hold an OS thread in cgo (the
	// Go runtime hands their Ps to new threads), past the runtime's 10,000 limit.
	err := gilstuff.WithGIL(func() error {
		close(release)
		time.Sleep(300 * time.Millisecond)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(stop)
	<-sampled
	if sum.Load() != 2*goroutines {
		t.Fatalf("sum %d, want %d", sum.Load(), 2*goroutines)
	}
	// Bound: the Go runtime's own threads (GOMAXPROCS, sysmon, GC, cgo callbacks,
	// the race runtime) plus the semaphore's slots — not one thread per goroutine.
	limit := start + 4*runtime.GOMAXPROCS(0) + 32
	t.Logf("OS threads: %d at start, peak %d (bound %d)", start, peak.Load(), limit)
	if peak.Load() > int64(limit) {
		t.Fatalf("peak of %d OS threads, bound %d", peak.Load(), limit)
	}
}

// A WithGIL callback's nested calls must not wait for a semaphore slot: the slots may
// all be held by goroutines that wait for the very GIL the callback holds.
func TestNestedCallsBypassFullSemaphore(t *testing.T) {
	f := must(gilstuff.Eval("lambda: None"))
	defer closeOK(t, f)
	var wg sync.WaitGroup
	err := gilstuff.WithGIL(func() error {
		for g := 0; g < 4*runtime.GOMAXPROCS(0); g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := f.Invoke(); err != nil {
					t.Error(err)
				}
			}()
		}
		time.Sleep(50 * time.Millisecond) // let them take every slot and block
		for i := 0; i < 10; i++ {
			if err := f.Invoke(); err != nil {
				return err
			}
		}
		return gilstuff.WithGIL(func() error { return f.Invoke() }) // nested WithGIL
	})
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
}
