// A mirrored struct is passed as itself (Pony passes structs by pointer);
// Pointer[_GilstuffConfig] would be a gilstuff_config **.
// expect: @gilstuff_config_init: parameter 1 (cfg: Pointer[_GilstuffConfig]) does not match C gilstuff_config *
use @gilstuff_config_init[None](cfg: Pointer[_GilstuffConfig])
