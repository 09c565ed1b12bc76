// remove: gilstuff_version
// file: python.pony
// expect: @gilstuff_version declared outside ffi.pony
use @gilstuff_version[Pointer[U8]]()
