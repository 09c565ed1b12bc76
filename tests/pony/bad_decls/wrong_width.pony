// size_t is USize, not U32.
// expect: @gilstuff_str: parameter 3 (len: U32) does not match C size_t len
use @gilstuff_str[U32](interp: Pointer[_GilstuffInterp] tag,
  data: Pointer[U8] tag, len: U32,
  out: Pointer[Pointer[_GilstuffObject] tag], err: Pointer[Pointer[_GilstuffError]])
