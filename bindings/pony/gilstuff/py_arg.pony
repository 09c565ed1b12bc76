use "collections"

// A Pony value that stands for one Python object: a PyObject as it is; a
// String as a str (UTF-8 checked); Bool as bool; None as None; every integer
// type (I8 … I128, U8 … U128, ILong, ISize, ULong, USize) as an int, at full
// width; F32 and F64 as a float. Write numbers with their type, `I64(1)` and
// `F64(2.5)`: Pony cannot pick a type for a bare literal among the many this
// union holds.
type PyScalar is (PyObject | String | Bool | None | Number)

// What calls take as an argument (and `Python.from` converts): a PyScalar, or
// `Array[U8] val` as bytes, `Array[PyScalar] val` as a list, and
// `Map[String, PyScalar] val` as a dict with str keys. One level of
// containers: for a list of lists, make the inner lists with `Python.from` (or
// `Python.list`) first.
//
//   f.call([as PyArg: I64(1); "x"; F64(2.5); true; None; other_obj])
type PyArg is
  ( PyScalar
  | Array[U8] val
  | Array[PyScalar] val
  | Map[String, PyScalar] val )
