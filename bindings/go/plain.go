package gilstuff

// #include "helpers.h"
import "C"

import (
	"math"
	"reflect"
	"unsafe"
)

// Plain values: the Go side of gilstuff_value, what crosses between interpreters in a
// Pool call. Arguments are flattened into the same gs_val records as for the object
// API (convert.go), restricted to the kinds a gilstuff_value holds; the result comes
// back flattened into Go buffers (pool.c) and is rebuilt here.

// encodePlain puts args at vals[0..len(args)].
func (e *encoder) encodePlain(args []any) error {
	e.vals = append(e.vals[:0], make([]C.gs_val, len(args))...)
	for i, a := range args {
		if err := e.putPlain(i, a, 0); err != nil {
			return err
		}
	}
	return nil
}

func (e *encoder) putPlain(i int, v any, depth int) error {
	if depth > maxDepth {
		return errorf(ErrInvalidArgument, "value nested deeper than %d levels", maxDepth)
	}
	switch x := v.(type) {
	case nil:
		e.set(i, C.GS_NONE, 0, 0)
	case bool:
		var a uint64
		if x {
			a = 1
		}
		e.set(i, C.GS_BOOL, a, 0)
	case int:
		e.set(i, C.GS_INT, uint64(x), 0)
	case int64:
		e.set(i, C.GS_INT, uint64(x), 0)
	case float64:
		e.set(i, C.GS_FLOAT, math.Float64bits(x), 0)
	case string:
		e.putBytes(i, C.GS_STR, x)
	case []byte:
		if x == nil { // as ValueOf: a nil slice is None
			e.set(i, C.GS_NONE, 0, 0)
			break
		}
		e.putBytes(i, C.GS_BYTES, unsafe.String(unsafe.SliceData(x), len(x)))
	case []any:
		if x == nil {
			e.set(i, C.GS_NONE, 0, 0)
			break
		}
		return e.putPlainSeq(i, len(x), func(k int) any { return x[k] }, depth)
	default:
		return e.putPlainReflect(i, reflect.ValueOf(v), depth)
	}
	return nil
}

func (e *encoder) putPlainSeq(i int, n int, item func(int) any, depth int) error {
	first := e.reserve(n)
	for k := 0; k < n; k++ {
		if err := e.putPlain(first+k, item(k), depth+1); err != nil {
			return err
		}
	}
	e.set(i, C.GS_LIST, uint64(first), uint64(n))
	return nil
}

func (e *encoder) putPlainReflect(i int, v reflect.Value, depth int) error {
	switch v.Kind() {
	case reflect.Bool:
		return e.putPlain(i, v.Bool(), depth)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.set(i, C.GS_INT, uint64(v.Int()), 0)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := v.Uint()
		if u > math.MaxInt64 {
			return errorf(ErrOverflow, "%d does not fit a plain int (int64)", u)
		}
		e.set(i, C.GS_INT, u, 0)
	case reflect.Float32, reflect.Float64:
		e.set(i, C.GS_FLOAT, math.Float64bits(v.Float()), 0)
	case reflect.String:
		e.putBytes(i, C.GS_STR, v.String())
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return e.putPlain(i, v.Bytes(), depth)
		}
		if v.Kind() == reflect.Slice && v.IsNil() {
			e.set(i, C.GS_NONE, 0, 0)
			return nil
		}
		return e.putPlainSeq(i, v.Len(), func(k int) any { return v.Index(k).Interface() }, depth)
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			e.set(i, C.GS_NONE, 0, 0)
			return nil
		}
		if _, ok := v.Interface().(*Object); !ok { // objects do not cross interpreters
			return e.putPlain(i, v.Elem().Interface(), depth+1)
		}
		fallthrough
	default:
		return errorf(ErrInvalidArgument, "cannot pass Go type %s as a plain value "+
			"(nil, bool, integer, float, string, []byte, or slices of these)", v.Type())
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
