package gilstuff

// #include "helpers.h"
import "C"

import (
	"strings"
	"unsafe"
)

// cString passes a Go string to a C helper, which copies it into a NUL-terminated
// buffer (on its stack when short): no C.CString allocation per call. The Go memory
// holds no Go pointers and is pinned for the duration of the cgo call. A Go string
// with a NUL inside cannot be a C string.
func cString(s string) (*C.char, C.size_t, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, 0, errorf(ErrInvalidArgument, "string %.40q contains a NUL byte", s)
	}
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s)), nil
}
