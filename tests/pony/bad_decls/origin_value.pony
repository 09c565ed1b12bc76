// edit: py_origin.pony | fun _value(): U32 => 1 | fun _value(): U32 => 2
// expect: PyOriginCaller._value() is 2, the header's GILSTUFF_ORIGIN_CALLER is 1
