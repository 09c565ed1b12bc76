package gilstuff_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"

	gilstuff "github.com/gilstuff/gilstuff/bindings/go"
)

// Behaviour 3: Init on one goroutine, Finalize on another goroutine locked to another
// OS thread, while goroutines are calling: no Python warnings on stderr, calls
// afterwards return ErrFinalized, and Init works again. Python is initialised once per
// process in these tests, so this runs in a child: the test binary re-executed.
func TestFinalizeOnAnotherThread(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=finalize")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	t.Logf("child stdout:\n%s", stdout.String())
	if err != nil || !strings.Contains(stdout.String(), "CHILD OK") {
		t.Fatalf("child failed: %v\nstderr:\n%s", err, stderr.String())
	}
	if stderr.Len() != 0 {
		t.Fatalf("child wrote to stderr:\n%s", stderr.String())
	}
}

func init() { children["finalize"] = finalizeScenario }

func finalizeScenario() error {
	// The init goroutine keeps its thread until the end, so that the finalizing
	// goroutine cannot be scheduled on it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	initTID := syscall.Gettid()
	if err := gilstuff.Init(testConfig()); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	thing, err := gilstuff.Import("thing")
	if err != nil {
		return err
	}
	inc, err := thing.Attr("inc")
	if err != nil {
		return err
	}
	kept, err := gilstuff.Eval("[1, 2]") // never closed before finalize
	if err != nil {
		return err
	}

	// Callers that keep calling until Python goes away.
	started := make(chan struct{})
	var wg sync.WaitGroup
	callerErrs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			once := false
			for {
				err := inc.Invoke()
				if !once {
					once = true
					started <- struct{}{}
				}
				if err != nil {
					if !errors.Is(err, gilstuff.ErrFinalizing) && !errors.Is(err, gilstuff.ErrFinalized) {
						callerErrs <- err
					}
					return
				}
				runtime.Gosched()
			}
		}()
	}
	for g := 0; g < 16; g++ {
		<-started
	}

	// Finalize from a goroutine locked to its own OS thread (it ends with the goroutine).
	type fin struct {
		tid int
		err error
	}
	done := make(chan fin)
	go func() {
		runtime.LockOSThread() // not unlocked: the thread exits with the goroutine
		done <- fin{syscall.Gettid(), gilstuff.Finalize()}
	}()
	f := <-done
	if f.err != nil {
		return fmt.Errorf("finalize: %w", f.err)
	}
	if f.tid == initTID {
		return fmt.Errorf("finalize ran on the init thread %d", f.tid)
	}
	wg.Wait()
	close(callerErrs)
	for err := range callerErrs {
		return fmt.Errorf("caller: %w", err)
	}

	// Everything afterwards is ErrFinalized, never a crash or a hang.
	checks := map[string]error{
		"Invoke":   inc.Invoke(),
		"Import":   second(gilstuff.Import("thing")),
		"Eval":     second(gilstuff.Eval("1")),
		"Exec":     gilstuff.Exec("pass"),
		"ValueOf":  second(gilstuff.ValueOf(1)),
		"WithGIL":  gilstuff.WithGIL(func() error { return nil }),
		"Finalize": gilstuff.Finalize(),
	}
	for what, err := range checks {
		if !errors.Is(err, gilstuff.ErrFinalized) {
			return fmt.Errorf("%s after finalize: %v, want ErrFinalized", what, err)
		}
	}
	// Close after finalize only frees the handle.
	if err := inc.Close(); err != nil {
		return fmt.Errorf("close after finalize: %w", err)
	}
	if err := inc.Close(); !errors.Is(err, gilstuff.ErrInvalidHandle) {
		return fmt.Errorf("second close: %v", err)
	}
	if gilstuff.IsInitialized() {
		return errors.New("IsInitialized after finalize")
	}

	// Init again: a fresh interpreter; handles of the first run are stale.
	if err := gilstuff.Init(testConfig()); err != nil {
		return fmt.Errorf("re-init: %w", err)
	}
	if _, err := kept.Len(); !errors.Is(err, gilstuff.ErrInvalidHandle) {
		return fmt.Errorf("stale handle: %v, want ErrInvalidHandle", err)
	}
	if err := kept.Close(); err != nil {
		return fmt.Errorf("close stale: %w", err)
	}
	if err := thing.Close(); err != nil {
		return fmt.Errorf("close stale: %w", err)
	}
	thing2, err := gilstuff.Import("thing")
	if err != nil {
		return err
	}
	r, err := thing2.CallMethod("inc")
	if err != nil {
		return err
	}
	if v, err := r.Int(); err != nil || v != 1 {
		return fmt.Errorf("fresh counter: %d, %v", v, err)
	}
	r.Close()
	thing2.Close()
	if err := gilstuff.Finalize(); err != nil {
		return fmt.Errorf("second finalize: %w", err)
	}
	return nil
}

func second[T any](_ T, err error) error { return err }
