// Mirrors are named after the macro, acronyms in upper case (Pony's style guide).
// edit: py_error_code.pony | primitive PyErrInvalidUTF8 | primitive PyErrInvalidUtf8
// expect: GILSTUFF_ERR_INVALID_UTF8 = 3 has no primitive PyErrInvalidUTF8
// expect: PyErrInvalidUtf8 mirrors no macro of the header
