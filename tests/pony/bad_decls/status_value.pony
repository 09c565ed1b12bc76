// edit: py_error_code.pony | fun _code(): U32 => 12 | fun _code(): U32 => 13
// expect: PyErrType._code() is 13, the header's GILSTUFF_ERR_TYPE is 12
