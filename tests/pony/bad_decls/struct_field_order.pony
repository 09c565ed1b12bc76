// edit: buffer.pony | var data: Pointer[U8] = Pointer[U8] | var len2: USize = 0
// expect: struct _GilstuffBuffer fields ['len2', 'len'] differ from C gilstuff_buffer fields ['data', 'len']
