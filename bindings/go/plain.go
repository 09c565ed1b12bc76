package gilstuff

// #include "helpers.h"
import "C"

import (
	"math"
	"unsafe"
)

// Plain values: the Go side of gilstuff_value, what crosses between interpreters in a
// Pool call. Arguments are flattened into the same gs_val records as for the object
// API (convert.go), restricted to the kinds a gilstuff_value holds; the result comes
// back flattened into Go buffers (pool.c) and is rebuilt here.

// encodePlain puts args at vals[0..len(args)], as plain values only.
func (e *encoder) encodePlain(args []any) error {
	e.plain = true
	e.vals = append(e.vals[:0], make([]C.gs_val, len(args))...)
	for i, a := range args {
		if err := e.put(i, a, 0); err != nil {
			return err
		}
	}
	return nil
}

// results holds the Go buffers a pool call's result is flattened into when it fits.
type results struct {
	vals []C.gs_val
	data []byte
}

// resultBuffers returns the encoder's result buffers (kept with it in the sync.Pool).
func (e *encoder) resultBuffers() *results {
	if e.out == nil {
		e.out = &results{vals: make([]C.gs_val, 16), data: make([]byte, 256)}
	}
	return e.out
}

func (r *results) valsPtr() *C.gs_val { return &r.vals[0] }
func (r *results) dataPtr() *C.char   { return (*C.char)(unsafe.Pointer(&r.data[0])) }

// decode rebuilds the Go value from the flattened result, and frees the result's C
// buffers when it did not fit the Go ones.
func (r *results) decode(res C.gs_res_pool) any {
	vals, data := r.vals, r.data
	inC := res.vals != r.valsPtr() || res.data != r.dataPtr() && res.ndata > 0
	if inC {
		vals = unsafe.Slice((*C.gs_val)(unsafe.Pointer(res.vals)), int(res.nvals))
		if res.ndata > 0 {
			data = unsafe.Slice((*byte)(unsafe.Pointer(res.data)), int(res.ndata))
		}
	}
	v := decodePlain(vals, data, 0)
	if inC {
		C.gs_pool_result_free(res.vals, r.valsPtr(), res.data, r.dataPtr())
	}
	return v
}

// decodePlain copies record i (and its items) into Go values.
func decodePlain(vals []C.gs_val, data []byte, i int) any {
	x := vals[i]
	switch x.kind {
	case C.GS_BOOL:
		return x.a != 0
	case C.GS_INT:
		return int64(x.a)
	case C.GS_FLOAT:
		return math.Float64frombits(uint64(x.a))
	case C.GS_STR:
		return string(data[x.a : x.a+x.b])
	case C.GS_BYTES:
		return append([]byte{}, data[x.a:x.a+x.b]...)
	case C.GS_LIST:
		l := make([]any, int(x.b))
		for k := range l {
			l[k] = decodePlain(vals, data, int(x.a)+k)
		}
		return l
	}
	return nil
}
