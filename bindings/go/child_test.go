package gilstuff_test

import (
	"fmt"
	"os"
)

// childEnv names the scenario a re-executed test binary runs instead of the tests.
const childEnv = "GILSTUFF_GO_CHILD"

var children = map[string]func() error{}

func runChild(name string) int {
	f, ok := children[name]
	if !ok {
		fmt.Fprintln(os.Stderr, "unknown child scenario", name)
		return 2
	}
	if err := f(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	fmt.Println("CHILD OK")
	return 0
}
