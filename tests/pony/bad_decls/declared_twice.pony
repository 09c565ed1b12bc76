// keep
// expect: @gilstuff_version declared twice
use @gilstuff_version[Pointer[U8]]()
