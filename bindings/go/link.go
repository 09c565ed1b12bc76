//go:build !gilstuff_pkgconfig

package gilstuff

// Default linking: -lgilstuff from the compiler's search path, plus whatever
// CGO_CFLAGS / CGO_LDFLAGS add (mk/go.mk points them at the tree's own build; see
// README.md for an install elsewhere). Build with -tags gilstuff_pkgconfig to ask
// pkg-config instead.

// #cgo LDFLAGS: -lgilstuff
import "C"
