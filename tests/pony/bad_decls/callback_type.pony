// The callback is `gilstuff_status (*)(void *)`: a bare lambda returning U32.
// unabsent: gilstuff_with_gil
// expect: @gilstuff_with_gil: parameter 1 (cb: @{(Pointer[None]): I32}) does not match C gilstuff_callback cb: expected @{(Pointer[None]): U32}
use @gilstuff_with_gil[U32](cb: @{(Pointer[None]): I32}, userdata: Pointer[None],
  err: Pointer[Pointer[_GilstuffError]])
