package gilstuff_test

import (
	"errors"
	"fmt"
	"log"
	"sync"

	gilstuff "github.com/gilstuff/gilstuff/bindings/go"
)

func ExamplePool_Call() {
	// Two sub-interpreters (each with its own GIL on CPython 3.12+). gotest_pool is
	// testdata/gotest_pool.py, on the sys.path given to Init.
	pool, err := gilstuff.NewPool(2, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	// Any goroutine may call; arguments and results are plain Go values.
	sums := make([]any, 4)
	var wg sync.WaitGroup
	for i := range sums {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sums[i], _ = pool.Call("gotest_pool", "sum_squares", 10*(i+1))
		}()
	}
	wg.Wait()
	fmt.Println(sums...)

	echo, _ := pool.Call("gotest_pool", "echo", []any{"go", 1, 2.5, []byte("b"), nil})
	fmt.Printf("%#v\n", echo)

	_, err = pool.Call("gotest_pool", "boom", "no")
	var e *gilstuff.Error
	if errors.As(err, &e) {
		fmt.Println(e.PythonType, e.Message)
	}
	// Output:
	// 285 2470 8555 20540
	// []interface {}{"go", 1, 2.5, []uint8{0x62}, interface {}(nil)}
	// ValueError no
}
