// A mirrored struct that is only passed by pointer (gilstuff_queue_poll) still has its
// field types checked: gilstuff_completion.status is a uint32_t status.
// edit: _gilstuff_completion.pony | var status: U32 = 0 | var status: U64 = 0
// expect: struct _GilstuffCompletion.status: U64 does not match C uint32_t
