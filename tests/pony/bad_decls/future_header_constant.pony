// A new status code must be mirrored in Status.
// header-add: #define GILSTUFF_ERR_TIMEOUT 20
// expect: GILSTUFF_ERR_TIMEOUT = 20 has no Status.err_timeout() in the package
