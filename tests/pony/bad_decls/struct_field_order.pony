// edit: _gilstuff_buffer.pony | var data: Pointer[U8] val = recover Pointer[U8] end | var len2: USize = 0
// expect: struct _GilstuffBuffer fields ['len2', 'len'] differ from C gilstuff_buffer fields ['data', 'len']
