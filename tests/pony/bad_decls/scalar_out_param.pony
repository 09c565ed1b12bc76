// expect: @gilstuff_to_int: parameter 2 (out: Pointer[U64]) does not match C int64_t *
use @gilstuff_to_int[U32](obj: Pointer[_GilstuffObject] tag, out: Pointer[U64],
  err: Pointer[Pointer[_GilstuffError]])
