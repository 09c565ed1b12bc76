use "collections"

class _Args
  """
  One C call in the making: Pony arguments turned into handles, the
  out-parameters, and what becomes of the result.

  A PyObject lends its own handle; every other PyArg is converted into a new
  handle, which is released as soon as the call has returned (without the GIL,
  so the decref is queued for the next entry, as `_final` would do, but without
  waiting for the collector). A conversion that fails raises `error` and keeps
  its PyError for `fail()`.

  ```pony
  let a = _Args
  try
    a.push_all(args)?
    a.obj(@gilstuff_call(h, a.cpointer(), a.size(), a.kwargs(kw)?,
      addressof a.out, addressof a.err))
  else
    a.fail()
  end
  ```
  """
  let _items: Array[Pointer[_GilstuffObject] tag]
  let _made: Array[Pointer[_GilstuffObject] tag] = _made.create()
  var _error: (PyError | None) = None
  // The C call's out-parameters: `addressof a.out`, `addressof a.err`.
  var out: Pointer[_GilstuffObject] tag = Pointer[_GilstuffObject]
  var err: Pointer[_GilstuffError] = Pointer[_GilstuffError]

  new create(n: USize = 0) =>
    _items = Array[Pointer[_GilstuffObject] tag](n)

  fun cpointer(): Pointer[Pointer[_GilstuffObject] tag] tag =>
    """The pushed handles as the `gilstuff_object *const *` C takes."""
    _items.cpointer()

  fun size(): USize =>
    """How many handles were pushed."""
    _items.size()

  fun ref obj(st: U32): (PyObject | PyError) =>
    """Ends the call: its result as a PyObject, or its error."""
    _dispose()
    if st == _PyOk._code() then
      PyObject._own(out)
    else
      PyError._take(st, err)
    end

  fun ref none(st: U32): (None | PyError) =>
    """Ends a call that returns nothing but its status."""
    _dispose()
    if st == _PyOk._code() then None else PyError._take(st, err) end

  fun ref keep(h: Pointer[_GilstuffObject] tag): PyObject =>
    """Ends the call with a handle made here as its result (not released)."""
    try _made.delete(_made.find(h)?)? end
    _dispose()
    PyObject._own(h)

  fun ref fail(): PyError =>
    """Ends a call whose arguments could not be converted."""
    _dispose()
    match _error
    | let e: PyError => e
    else PyError._pony(PyErrInvalidArgument, "an argument was not converted")
    end

  fun ref text(s: String, what: String): Pointer[U8] tag ? =>
    """
    `s` as a C string; a NUL byte in it (where C would end the text) is an
    error.
    """
    if s.contains("\x00") then
      _error = PyError._pony(PyErrInvalidArgument, what + " has a NUL byte")
      error
    end
    s.cstring()

  fun ref push_handle(h: Pointer[_GilstuffObject] tag) =>
    """Pushes a handle the caller keeps alive for the call."""
    _items.push(h)

  fun ref push_all(args: (ReadSeq[PyArg] box | None)) ? =>
    """Converts every argument, in order."""
    match args
    | let a: ReadSeq[PyArg] box =>
      _items.reserve(a.size())
      for v in a.values() do _items.push(handle(v)?) end
    end

  fun ref kwargs(kw: (ReadSeq[(String, PyArg)] box | None))
    : Pointer[_GilstuffObject] tag ?
  =>
    """A dict of the keyword arguments; null (no keywords) for None."""
    match kw
    | let pairs: ReadSeq[(String, PyArg)] box =>
      let d = fresh(@gilstuff_dict(_Interp(), addressof out, addressof err))?
      for (name, v) in pairs.values() do
        check(@gilstuff_setitem(d, handle(name)?, handle(v)?, addressof err))?
      end
      d
    else
      Pointer[_GilstuffObject]
    end

  fun ref handle(v: PyArg): Pointer[_GilstuffObject] tag ? =>
    """A handle for `v`: its own for a PyObject, a new one otherwise."""
    match v
    | let o: PyObject => o._ptr()
    | let s: String =>
      fresh(@gilstuff_str(_Interp(), s.cpointer(), s.size(), addressof out,
        addressof err))?
    | let b: Bool =>
      fresh(@gilstuff_bool(_Interp(), b, addressof out, addressof err))?
    | None => fresh(@gilstuff_none(_Interp(), addressof out, addressof err))?
    | let i: I128 =>
      if (i >= I64.min_value().i128()) and (i <= I64.max_value().i128()) then
        _int(i.i64())?
      else
        _big(i.string())?
      end
    | let u: U128 =>
      if u <= U64.max_value().u128() then
        _uint(u.u64())?
      else
        _big(u.string())?
      end
    | let i: Signed => _int(i.i64())?
    | let u: Unsigned => _uint(u.u64())?
    | let f: Float =>
      fresh(@gilstuff_float(_Interp(), f.f64(), addressof out, addressof err))?
    | let b: Array[U8] val =>
      fresh(@gilstuff_bytes(_Interp(), b.cpointer(), b.size(), addressof out,
        addressof err))?
    | let a: Array[PyScalar] val => _list(a)?
    | let m: Map[String, PyScalar] val =>
      let d = fresh(@gilstuff_dict(_Interp(), addressof out, addressof err))?
      for (k, x) in m.pairs() do
        check(@gilstuff_setitem(d, handle(k)?, handle(x)?, addressof err))?
      end
      d
    end

  fun ref fresh(st: U32): Pointer[_GilstuffObject] tag ? =>
    """The handle a C call just made (released with the others), or error."""
    check(st)?
    _made.push(out)
    out

  fun ref check(st: U32) ? =>
    """Raises `error`, keeping the PyError, when the C call failed."""
    if st != _PyOk._code() then
      _error = PyError._take(st, err = Pointer[_GilstuffError])
      error
    end

  fun ref _list(a: Array[PyScalar] val): Pointer[_GilstuffObject] tag ? =>
    // The elements get handles of their own, released once the list has them.
    let items = _Args(a.size())
    let list =
      try
        for x in a.values() do items._items.push(items.handle(x)?) end
        fresh(@gilstuff_list(_Interp(), items.cpointer(), items.size(),
          addressof out, addressof err))?
      else
        _error = items._error
        items._dispose()
        error
      end
    items._dispose()
    list

  fun ref _int(v: I64): Pointer[_GilstuffObject] tag ? =>
    fresh(@gilstuff_int(_Interp(), v, addressof out, addressof err))?

  fun ref _uint(v: U64): Pointer[_GilstuffObject] tag ? =>
    fresh(@gilstuff_uint(_Interp(), v, addressof out, addressof err))?

  fun ref _big(digits: String): Pointer[_GilstuffObject] tag ? =>
    // An int beyond 64 bits: Python's `int(digits)`.
    let builtins = fresh(@gilstuff_import(_Interp(), "builtins".cstring(),
      addressof out, addressof err))?
    let int_type = fresh(@gilstuff_getattr(builtins, "int".cstring(),
      addressof out, addressof err))?
    var arg = handle(digits)?
    fresh(@gilstuff_call(int_type, addressof arg, 1, Pointer[_GilstuffObject],
      addressof out, addressof err))?

  fun ref _dispose() =>
    for h in _made.values() do
      @gilstuff_object_release(h, Pointer[Pointer[_GilstuffError]])
    end
    _made.clear()

primitive _Interp
  """
  The interpreter every call works in: null, the main one (sub-interpreters
  are not bound for Pony yet).
  """
  fun apply(): Pointer[_GilstuffInterp] tag =>
    Pointer[_GilstuffInterp]
