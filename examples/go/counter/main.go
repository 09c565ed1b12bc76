// Command counter is the seed counter in Go: many goroutines call thing.inc() of
// examples/thing.py at once, yielding between calls so that they hop between OS
// threads, and the total must come out exact.
//
//	make demo-go
//	counter -goroutines 1000 -calls 100 -syspath examples
package main

import (
	"flag"
	"fmt"
	"log"
	"runtime"
	"sync"
	"time"

	gilstuff "github.com/gilstuff/gilstuff/bindings/go"
)

func main() {
	goroutines := flag.Int("goroutines", 1000, "goroutines calling at once")
	calls := flag.Int("calls", 100, "calls of thing.inc per goroutine")
	syspath := flag.String("syspath", ".", "directory holding thing.py")
	flag.Parse()
	log.SetFlags(0)

	if err := gilstuff.Init(gilstuff.Config{SysPath: []string{*syspath}}); err != nil {
		log.Fatal(err)
	}
	if err := run(*goroutines, *calls); err != nil {
		log.Fatal(err)
	}
	if err := gilstuff.Finalize(); err != nil {
		log.Fatal(err)
	}
}

func run(goroutines, calls int) error {
	thing, err := gilstuff.Import("thing")
	if err != nil {
		return err
	}
	defer thing.Close()
	inc, err := thing.Attr("inc")
	if err != nil {
		return err
	}
	defer inc.Close()

	start := time.Now()
	errs := make(chan error, goroutines)
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < calls; i++ {
				if err := inc.Invoke(); err != nil {
					errs <- err
					return
				}
				runtime.Gosched()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return err
	}

	x, err := thing.Attr("x")
	if err != nil {
		return err
	}
	defer x.Close()
	got, err := x.Int()
	if err != nil {
		return err
	}
	want := int64(goroutines * calls)
	fmt.Printf("x = %d (want %d): %d goroutines x %d calls in %v, %.0f ns/call, Python %s\n",
		got, want, goroutines, calls, elapsed.Round(time.Millisecond),
		float64(elapsed.Nanoseconds())/float64(want), gilstuff.PythonVersion())
	if got != want {
		return fmt.Errorf("counter is %d, want %d", got, want)
	}
	return nil
}
