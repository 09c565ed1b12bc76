//go:build gilstuff_pkgconfig

package gilstuff

// Linking through pkg-config: `go build -tags gilstuff_pkgconfig` with gilstuff.pc
// (installed by `make install`) on PKG_CONFIG_PATH.

// #cgo pkg-config: gilstuff
import "C"
