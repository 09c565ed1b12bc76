// expect: @gilstuff_object_release: parameter 1 (obj: Pointer[_GilstuffError] tag) does not match C gilstuff_object *
use @gilstuff_object_release[U32](obj: Pointer[_GilstuffError] tag,
  err: Pointer[Pointer[_GilstuffError]])
