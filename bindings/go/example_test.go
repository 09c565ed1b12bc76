package gilstuff_test

import (
	"errors"
	"fmt"
	"log"

	gilstuff "github.com/gilstuff/gilstuff/bindings/go"
)

func ExampleInit() {
	// Once per process, from any goroutine. (A library that shares the process with
	// other users of gilstuff may find it already running: that is fine too.)
	err := gilstuff.Init(gilstuff.Config{SysPath: []string{"../../examples"}})
	if err != nil && !errors.Is(err, gilstuff.ErrAlreadyInitialized) {
		log.Fatal(err)
	}
	// At the end of main, on any goroutine: defer gilstuff.Finalize()

	v, err := gilstuff.Eval("__import__('sys').version_info[0]")
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	major, _ := v.Int()
	fmt.Println("Python", major)
	// Output: Python 3
}

func ExampleImport() {
	math, err := gilstuff.Import("math")
	if err != nil {
		log.Fatal(err)
	}
	defer math.Close()

	// Call a method of the module...
	gcd, err := math.CallMethod("gcd", 12, 18)
	if err != nil {
		log.Fatal(err)
	}
	defer gcd.Close()
	g, _ := gcd.Int()

	// ...or take the function and call it.
	hypot, err := math.Attr("hypot")
	if err != nil {
		log.Fatal(err)
	}
	defer hypot.Close()
	h, err := hypot.Call(3, 4)
	if err != nil {
		log.Fatal(err)
	}
	defer h.Close()
	f, _ := h.Float()

	fmt.Println(g, f)
	// Output: 6 5
}

func ExampleObject_Call() {
	builtins, err := gilstuff.Import("builtins")
	if err != nil {
		log.Fatal(err)
	}
	defer builtins.Close()
	sorted, err := builtins.Attr("sorted")
	if err != nil {
		log.Fatal(err)
	}
	defer sorted.Close()

	// Go values convert to Python; a trailing KW is passed as keyword arguments.
	r, err := sorted.Call([]string{"pear", "fig", "apple"}, gilstuff.KW{"key": nil, "reverse": true})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	s, _ := r.Repr()
	fmt.Println(s)
	// Output: ['pear', 'fig', 'apple']
}

func ExampleWithGIL() {
	// One GIL acquisition for several operations: the calls inside run nested.
	var total int64
	err := gilstuff.WithGIL(func() error {
		if err := gilstuff.Exec("_ex_data = [3, 4, 5]"); err != nil {
			return err
		}
		s, err := gilstuff.Eval("sum(_ex_data)")
		if err != nil {
			return err
		}
		defer s.Close()
		total, err = s.Int()
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(total)
	// Output: 12
}

func ExampleError() {
	_, err := gilstuff.Eval("1/0")
	var e *gilstuff.Error
	if errors.As(err, &e) {
		fmt.Println(e.Code.String(), e.PythonType)
	}
	fmt.Println(errors.Is(err, gilstuff.ErrPython))
	// Output:
	// GILSTUFF_ERR_PYTHON ZeroDivisionError
	// true
}
