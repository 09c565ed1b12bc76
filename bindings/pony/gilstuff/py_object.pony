class val PyObject
  """
  An owned reference to a Python object. Immutable on the Pony side (`val`), so
  actors may share it: what it points at changes only through Python, under the GIL,
  which every method takes for the length of one C call.

  When Pony collects it, `_final` releases the reference. Pony runs `_final` on
  whichever thread collects the object, and at exit after the scheduler threads have
  stopped, possibly after `Python.finalize()`: `gilstuff_object_release` is safe in
  all of those cases (without the GIL it queues the decref; after finalize it only
  frees the handle).
  """
  let _handle: Pointer[_GilstuffObject] tag

  new val _own(handle: Pointer[_GilstuffObject] tag) =>
    _handle = handle

  fun _final() =>
    @gilstuff_object_release(_handle, Pointer[Pointer[_GilstuffError]])

  fun _ptr(): Pointer[_GilstuffObject] tag => _handle

  fun getattr(name: String): (PyObject | PyError) =>
    var out: Pointer[_GilstuffObject] tag = Pointer[_GilstuffObject]
    var err = Pointer[_GilstuffError]
    _Result.obj(@gilstuff_getattr(_handle, name.cstring(), addressof out,
      addressof err), out, err)

  fun setattr(name: String, value: PyObject): (None | PyError) =>
    var err = Pointer[_GilstuffError]
    _Result.none(@gilstuff_setattr(_handle, name.cstring(), value._ptr(),
      addressof err), err)

  fun call(args: ReadSeq[PyObject] box = Array[PyObject],
    kwargs: (PyObject | None) = None): (PyObject | PyError)
  =>
    """`self(*args, **kwargs)`; `kwargs` must be a dict."""
    let h = _Handles.array(args)
    var out: Pointer[_GilstuffObject] tag = Pointer[_GilstuffObject]
    var err = Pointer[_GilstuffError]
    _Result.obj(@gilstuff_call(_handle, h.cpointer(), h.size(), _Handles.opt(kwargs),
      addressof out, addressof err), out, err)

  fun invoke(args: ReadSeq[PyObject] box = Array[PyObject],
    kwargs: (PyObject | None) = None): (None | PyError)
  =>
    """`self(*args, **kwargs)` for its effect: the result is dropped inside the call."""
    let h = _Handles.array(args)
    var err = Pointer[_GilstuffError]
    _Result.none(@gilstuff_invoke(_handle, h.cpointer(), h.size(), _Handles.opt(kwargs),
      addressof err), err)

  fun call_method(name: String, args: ReadSeq[PyObject] box = Array[PyObject],
    kwargs: (PyObject | None) = None): (PyObject | PyError)
  =>
    let h = _Handles.array(args)
    var out: Pointer[_GilstuffObject] tag = Pointer[_GilstuffObject]
    var err = Pointer[_GilstuffError]
    _Result.obj(@gilstuff_call_method(_handle, name.cstring(), h.cpointer(), h.size(),
      _Handles.opt(kwargs), addressof out, addressof err), out, err)

  fun getitem(key: PyObject): (PyObject | PyError) =>
    var out: Pointer[_GilstuffObject] tag = Pointer[_GilstuffObject]
    var err = Pointer[_GilstuffError]
    _Result.obj(@gilstuff_getitem(_handle, key._ptr(), addressof out, addressof err),
      out, err)

  fun setitem(key: PyObject, value: PyObject): (None | PyError) =>
    var err = Pointer[_GilstuffError]
    _Result.none(@gilstuff_setitem(_handle, key._ptr(), value._ptr(), addressof err),
      err)

  fun clone(): (PyObject | PyError) =>
    """A second reference to the same object, released on its own."""
    var out: Pointer[_GilstuffObject] tag = Pointer[_GilstuffObject]
    var err = Pointer[_GilstuffError]
    _Result.obj(@gilstuff_object_clone(_handle, addressof out, addressof err), out, err)

  fun to_i64(): (I64 | PyError) =>
    var v: I64 = 0
    var err = Pointer[_GilstuffError]
    let st = @gilstuff_to_int(_handle, addressof v, addressof err)
    if st == Status.ok() then v else PyError._take(st, err) end

  fun to_u64(): (U64 | PyError) =>
    var v: U64 = 0
    var err = Pointer[_GilstuffError]
    let st = @gilstuff_to_uint(_handle, addressof v, addressof err)
    if st == Status.ok() then v else PyError._take(st, err) end

  fun to_f64(): (F64 | PyError) =>
    var v: F64 = 0
    var err = Pointer[_GilstuffError]
    let st = @gilstuff_to_float(_handle, addressof v, addressof err)
    if st == Status.ok() then v else PyError._take(st, err) end

  fun to_bool(): (Bool | PyError) =>
    """Python truthiness."""
    var v: Bool = false
    var err = Pointer[_GilstuffError]
    let st = @gilstuff_to_bool(_handle, addressof v, addressof err)
    if st == Status.ok() then v else PyError._take(st, err) end

  fun is_none(): (Bool | PyError) =>
    var v: Bool = false
    var err = Pointer[_GilstuffError]
    let st = @gilstuff_is_none(_handle, addressof v, addressof err)
    if st == Status.ok() then v else PyError._take(st, err) end

  fun size(): (USize | PyError) =>
    """`len(self)`."""
    var v: USize = 0
    var err = Pointer[_GilstuffError]
    let st = @gilstuff_len(_handle, addressof v, addressof err)
    if st == Status.ok() then v else PyError._take(st, err) end

  fun to_str(): (String | PyError) =>
    """The value of a Python str (a str with lone surrogates is an error)."""
    let buf = _GilstuffBuffer
    var err = Pointer[_GilstuffError]
    _Buffer.string(@gilstuff_to_str(_handle, buf, addressof err), buf, err)

  fun to_bytes(): (Array[U8] val | PyError) =>
    """The contents of a bytes or bytearray."""
    let buf = _GilstuffBuffer
    var err = Pointer[_GilstuffError]
    _Buffer.bytes(@gilstuff_to_bytes(_handle, buf, addressof err), buf, err)

  fun repr(): (String | PyError) =>
    let buf = _GilstuffBuffer
    var err = Pointer[_GilstuffError]
    _Buffer.string(@gilstuff_repr(_handle, buf, addressof err), buf, err)

  fun type_name(): (String | PyError) =>
    let buf = _GilstuffBuffer
    var err = Pointer[_GilstuffError]
    _Buffer.string(@gilstuff_type_name(_handle, buf, addressof err), buf, err)
