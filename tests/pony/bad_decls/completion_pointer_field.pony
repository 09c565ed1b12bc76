// A pointer field of a mirrored struct must point to the right opaque type.
// edit: _gilstuff_completion.pony | var result: Pointer[_GilstuffValue] tag = Pointer[_GilstuffValue] | var result: Pointer[_GilstuffError] tag = Pointer[_GilstuffError]
// expect: struct _GilstuffCompletion.result: Pointer[_GilstuffError] tag does not match C gilstuff_value *
