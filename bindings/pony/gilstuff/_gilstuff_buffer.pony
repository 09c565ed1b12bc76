struct _GilstuffBuffer
  """
  Mirror of C `gilstuff_buffer`: bytes the library allocated, freed by it.
  `data` is `val` to Pony: nothing writes to it between the call that fills it
  and the free.
  """
  var data: Pointer[U8] val = recover Pointer[U8] end
  var len: USize = 0

primitive _Buffer
  """Turns a filled buffer into a Pony String or Array (a copy) and frees it."""
  fun string(st: U32, buf: _GilstuffBuffer, err: Pointer[_GilstuffError] tag)
    : (String | PyError)
  =>
    if st != _PyOk._code() then return PyError._take(st, err) end
    let data = buf.data
    let len = buf.len
    let s = recover val String.copy_cpointer(data, len) end
    @gilstuff_buffer_free(buf)
    s

  fun bytes(st: U32, buf: _GilstuffBuffer, err: Pointer[_GilstuffError] tag)
    : (Array[U8] val | PyError)
  =>
    match string(st, buf, err)
    | let s: String => s.array()
    | let e: PyError => e
    end
