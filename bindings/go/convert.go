package gilstuff

// #include "helpers.h"
import "C"

import (
	"math"
	"reflect"
	"runtime"
	"sync"
	"unsafe"
)

// KW holds keyword arguments. Given as the last argument of Call, CallMethod or
// Invoke it is passed as **kwargs; anywhere else it converts to a dict.
type KW map[string]any

// Tuple converts to a Python tuple (a plain slice converts to a list).
type Tuple []any

func splitKW(args []any) ([]any, KW) {
	if n := len(args); n > 0 {
		if kw, ok := args[n-1].(KW); ok {
			return args[:n-1], kw
		}
	}
	return args, nil
}

// maxDepth bounds nesting, which also stops self-referential values.
const maxDepth = 100

// encoder flattens Go values into gs_val records (Go memory without Go pointers, so it
// can be passed to C) and one byte buffer for string and bytes contents. The C side
// (objects.c) builds the Python objects from them under one GIL acquisition.
type encoder struct {
	vals []C.gs_val
	data []byte
	objs []*Object // kept alive until the C call has returned
	out  *results  // where a pool call's result is written (plain.go)
	// plain restricts the encoding to what a gilstuff_value holds (a Pool call's
	// arguments): no *Object, no dicts, tuples become lists, integers fit int64.
	plain bool
}

var encoders = sync.Pool{New: func() any { return &encoder{vals: make([]C.gs_val, 0, 8)} }}

func getEncoder() *encoder { return encoders.Get().(*encoder) }

func putEncoder(e *encoder) {
	if cap(e.vals) > 1024 || cap(e.data) > 1<<16 {
		return // let big buffers go
	}
	clear(e.objs)
	e.vals, e.data, e.objs = e.vals[:0], e.data[:0], e.objs[:0]
	encoders.Put(e)
}

func (e *encoder) valsPtr() *C.gs_val {
	if len(e.vals) == 0 {
		return nil
	}
	return &e.vals[0]
}

func (e *encoder) dataPtr() *C.char {
	if len(e.data) == 0 {
		return nil
	}
	return (*C.char)(unsafe.Pointer(&e.data[0]))
}

func (e *encoder) keepAlive() { runtime.KeepAlive(e.objs) }

// encode puts args at vals[0..len(args)] and kw (when not nil) at vals[len(args)].
func (e *encoder) encode(args []any, kw KW) error {
	e.plain = false
	n := len(args)
	if kw != nil {
		n++
	}
	e.vals = append(e.vals[:0], make([]C.gs_val, n)...)
	for i, a := range args {
		if err := e.put(i, a, 0); err != nil {
			return err
		}
	}
	if kw != nil {
		return e.put(len(args), map[string]any(kw), 0)
	}
	return nil
}

// reserve appends n empty records and returns the index of the first.
func (e *encoder) reserve(n int) int {
	i := len(e.vals)
	e.vals = append(e.vals, make([]C.gs_val, n)...)
	return i
}

func (e *encoder) set(i int, kind C.uint32_t, a, b uint64) {
	e.vals[i] = C.gs_val{kind: kind, a: C.uint64_t(a), b: C.uint64_t(b)}
}

func (e *encoder) putBytes(i int, kind C.uint32_t, s string) {
	off := len(e.data)
	e.data = append(e.data, s...)
	e.set(i, kind, uint64(off), uint64(len(s)))
}

func (e *encoder) put(i int, v any, depth int) error {
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
	case int32:
		e.set(i, C.GS_INT, uint64(x), 0)
	case uint64:
		return e.putUint(i, x)
	case float64:
		e.set(i, C.GS_FLOAT, math.Float64bits(x), 0)
	case string:
		e.putBytes(i, C.GS_STR, x)
	case []byte:
		if x == nil {
			e.set(i, C.GS_NONE, 0, 0)
			break
		}
		e.putBytes(i, C.GS_BYTES, unsafe.String(unsafe.SliceData(x), len(x)))
	case *Object:
		if e.plain {
			return e.notPlain(reflect.TypeOf(v))
		}
		h, err := x.handle()
		if err != nil {
			return err
		}
		e.objs = append(e.objs, x)
		e.set(i, C.GS_OBJ, uint64(h), 0)
	case Tuple:
		kind := C.uint32_t(C.GS_TUPLE)
		if e.plain {
			kind = C.GS_LIST // a gilstuff_value has lists only
		}
		return e.putSeq(i, kind, len(x), func(k int) any { return x[k] }, depth)
	case []any:
		if e.plain && x == nil { // a nil slice is None, as ValueOf gives it
			e.set(i, C.GS_NONE, 0, 0)
			break
		}
		return e.putSeq(i, C.GS_LIST, len(x), func(k int) any { return x[k] }, depth)
	case KW:
		return e.put(i, map[string]any(x), depth)
	case map[string]any:
		if e.plain {
			return e.notPlain(reflect.TypeOf(v))
		}
		first := e.reserve(2 * len(x))
		k := first
		for key, val := range x {
			e.putBytes(k, C.GS_STR, key)
			if err := e.put(k+1, val, depth+1); err != nil {
				return err
			}
			k += 2
		}
		e.set(i, C.GS_DICT, uint64(first), uint64(len(x)))
	default:
		return e.putReflect(i, reflect.ValueOf(v), depth)
	}
	return nil
}

func (e *encoder) putSeq(i int, kind C.uint32_t, n int, item func(int) any, depth int) error {
	first := e.reserve(n)
	for k := 0; k < n; k++ {
		if err := e.put(first+k, item(k), depth+1); err != nil {
			return err
		}
	}
	e.set(i, kind, uint64(first), uint64(n))
	return nil
}

// putReflect handles the kinds the type switch does not name: other integer and float
// widths, named types, typed slices, arrays and maps.
func (e *encoder) putReflect(i int, v reflect.Value, depth int) error {
	switch v.Kind() {
	case reflect.Bool:
		return e.put(i, v.Bool(), depth)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.set(i, C.GS_INT, uint64(v.Int()), 0)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return e.putUint(i, v.Uint())
	case reflect.Float32, reflect.Float64:
		e.set(i, C.GS_FLOAT, math.Float64bits(v.Float()), 0)
	case reflect.String:
		e.putBytes(i, C.GS_STR, v.String())
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return e.put(i, v.Bytes(), depth)
		}
		if v.Kind() == reflect.Slice && v.IsNil() {
			e.set(i, C.GS_NONE, 0, 0)
			return nil
		}
		return e.putSeq(i, C.GS_LIST, v.Len(), func(k int) any { return v.Index(k).Interface() }, depth)
	case reflect.Map:
		if e.plain {
			return e.notPlain(v.Type())
		}
		if v.IsNil() {
			e.set(i, C.GS_NONE, 0, 0)
			return nil
		}
		first := e.reserve(2 * v.Len())
		k := first
		for it := v.MapRange(); it.Next(); k += 2 {
			if err := e.put(k, it.Key().Interface(), depth+1); err != nil {
				return err
			}
			if err := e.put(k+1, it.Value().Interface(), depth+1); err != nil {
				return err
			}
		}
		e.set(i, C.GS_DICT, uint64(first), uint64(v.Len()))
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			e.set(i, C.GS_NONE, 0, 0)
			return nil
		}
		return e.put(i, v.Elem().Interface(), depth+1)
	default:
		if e.plain {
			return e.notPlain(v.Type())
		}
		return errorf(ErrInvalidArgument, "cannot convert Go type %s to Python", v.Type())
	}
	return nil
}

// putUint encodes an unsigned integer: a Python int, or in plain mode an int64.
func (e *encoder) putUint(i int, u uint64) error {
	if !e.plain {
		e.set(i, C.GS_UINT, u, 0)
		return nil
	}
	if u > math.MaxInt64 {
		return errorf(ErrOverflow, "%d does not fit a plain int (int64)", u)
	}
	e.set(i, C.GS_INT, u, 0)
	return nil
}

// notPlain is the error for a Go value a gilstuff_value cannot hold.
func (e *encoder) notPlain(t reflect.Type) error {
	return errorf(ErrInvalidArgument, "cannot pass Go type %s as a plain value "+
		"(nil, bool, integer, float, string, []byte, or slices of these)", t)
}
