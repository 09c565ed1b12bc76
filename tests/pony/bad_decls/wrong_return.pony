// expect: @gilstuff_init: return type I32 does not match C uint32_t
use @gilstuff_init[I32](cfg: _GilstuffConfig, err: Pointer[Pointer[_GilstuffError]])
