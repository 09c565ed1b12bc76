struct _GilstuffBuffer
  """Mirror of C `gilstuff_buffer`: bytes the library allocated, freed by it."""
  var data: Pointer[U8] = Pointer[U8]
  var len: USize = 0

primitive _Buffer
  """Turns a filled buffer into a Pony String (a copy) and gives the buffer back."""
  fun string(st: U32, buf: _GilstuffBuffer, err: Pointer[_GilstuffError] tag)
    : (String | PyError)
  =>
    if st != Status.ok() then return PyError._take(st, err) end
    let s: String = String.copy_cpointer(buf.data, buf.len)
    @gilstuff_buffer_free(buf)
    s

  fun bytes(st: U32, buf: _GilstuffBuffer, err: Pointer[_GilstuffError] tag)
    : (Array[U8] val | PyError)
  =>
    match string(st, buf, err)
    | let s: String => s.array()
    | let e: PyError => e
    end
