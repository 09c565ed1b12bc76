// A status primitive left out of PyErrorCode: a `match` on PyError.code could not
// name it, and an exhaustive match would miss it.
// edit: py_error_code.pony | PyErrCancelled ) | PyErrCanceled )
// expect: PyErrCancelled is not in the union PyErrorCode
// expect: PyErrCanceled in the union PyErrorCode mirrors no macro of the header
