// A C field named after a Pony keyword (gilstuff_completion.error) is the Pony field
// `error'`; any other name is a mismatch.
// edit: _gilstuff_completion.pony | var error': Pointer | var err: Pointer
// expect: struct _GilstuffCompletion fields ['user_data', 'request', 'status', 'result', 'err'] differ from C gilstuff_completion fields
