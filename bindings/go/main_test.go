package gilstuff_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	gilstuff "github.com/gilstuff/gilstuff/bindings/go"
)

// examplesDir is the repository's examples/ directory (thing.py).
var examplesDir, _ = filepath.Abs("../../examples")

// testConfig is the configuration every in-process test shares.
func testConfig() gilstuff.Config {
	td, _ := filepath.Abs("testdata")
	return gilstuff.Config{SysPath: []string{examplesDir, td}}
}

// TestMain initialises Python once for the whole test binary. Tests that finalize run
// in a child process: the same binary re-executed with GILSTUFF_GO_CHILD set.
func TestMain(m *testing.M) {
	if name := os.Getenv(childEnv); name != "" {
		os.Exit(runChild(name))
	}
	if err := gilstuff.Init(testConfig()); err != nil {
		fmt.Fprintln(os.Stderr, "gilstuff.Init:", err)
		os.Exit(1)
	}
	code := m.Run()
	if err := gilstuff.Finalize(); err != nil {
		fmt.Fprintln(os.Stderr, "gilstuff.Finalize:", err)
		code = 1
	}
	os.Exit(code)
}
