// expect: @gilstuff_buffer_free: return type U32 does not match C void
use @gilstuff_buffer_free[U32](buf: _GilstuffBuffer)
