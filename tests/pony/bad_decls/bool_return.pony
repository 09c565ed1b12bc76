// expect: @gilstuff_is_initialized: return type U8 does not match C bool
use @gilstuff_is_initialized[U8]()
