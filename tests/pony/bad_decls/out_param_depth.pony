// The error out-parameter is gilstuff_error **: one Pointer too few.
// expect: @gilstuff_finalize: parameter 1 (err: Pointer[_GilstuffError]) does not match C gilstuff_error **
use @gilstuff_finalize[U32](err: Pointer[_GilstuffError])
