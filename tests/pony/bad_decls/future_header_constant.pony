// A new status code must be mirrored by a primitive named after it.
// header-add: #define GILSTUFF_ERR_TIMEOUT 20
// expect: GILSTUFF_ERR_TIMEOUT = 20 has no primitive PyErrTimeout with one constant function
