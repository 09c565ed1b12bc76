// `const char *name` must be `Pointer[U8] tag` (what String.cstring() gives).
// expect: @gilstuff_import: parameter 2 (name: Pointer[U8]) does not match C const char *
use @gilstuff_import[U32](interp: Pointer[_GilstuffInterp] tag, name: Pointer[U8],
  out: Pointer[Pointer[_GilstuffObject] tag], err: Pointer[Pointer[_GilstuffError]])
