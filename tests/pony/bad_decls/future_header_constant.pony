// A new status code must be mirrored by a primitive named after it.
// header-add: #define GILSTUFF_ERR_TIMEOUT 21
// expect: GILSTUFF_ERR_TIMEOUT = 21 has no primitive PyErrTimeout with one constant function
