// A multi-line declaration that forgot kwargs.
// expect: @gilstuff_call: 5 parameters, the header has 6
use @gilstuff_call[U32](
  callable: Pointer[_GilstuffObject] tag,
  args: Pointer[Pointer[_GilstuffObject] tag] tag,
  nargs: USize,
  out: Pointer[Pointer[_GilstuffObject] tag],
  err: Pointer[Pointer[_GilstuffError]])
