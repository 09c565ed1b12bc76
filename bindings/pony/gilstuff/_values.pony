use "collections"

// The header's value kinds (`gilstuff_value_kind`) and nesting limit,
// private: only the conversions below read them. tests/pony/checker compares
// each with include/gilstuff.h.
primitive _PyValueInvalid
  fun _kind(): U32 => 0
primitive _PyValueNone
  fun _kind(): U32 => 1
primitive _PyValueBool
  fun _kind(): U32 => 2
primitive _PyValueInt
  fun _kind(): U32 => 3
primitive _PyValueFloat
  fun _kind(): U32 => 4
primitive _PyValueStr
  fun _kind(): U32 => 5
primitive _PyValueBytes
  fun _kind(): U32 => 6
primitive _PyValueList
  fun _kind(): U32 => 7
primitive _PyValueMaxDepth
  fun _limit(): USize => 100

class _ValueArgs
  """
  The arguments of one asynchronous call: PyArgs turned into C values (no
  Python involved), handed to a submit, which copies them, then freed.

  A PyArg that has no GIL-free form fails with a PyError kept for `fail()`: a
  PyObject (copying what it refers to needs the GIL: pass Pony values, or use
  the PyObject's own blocking methods), a Map (the C values have no dict), an
  integer beyond the 64-bit signed range (PyErrOverflow).
  """
  let _items: Array[Pointer[_GilstuffValue] tag]
  var _error: (PyError | None) = None
  var _err: Pointer[_GilstuffError] = Pointer[_GilstuffError]

  new create(n: USize = 0) =>
    _items = Array[Pointer[_GilstuffValue] tag](n)

  fun cpointer(): Pointer[Pointer[_GilstuffValue] tag] tag =>
    """The values as the `const gilstuff_value *const *` C takes."""
    _items.cpointer()

  fun size(): USize =>
    _items.size()

  fun ref push_all(args: (ReadSeq[PyArg] box | None)) ? =>
    """Converts every argument, in order; on failure frees what was made."""
    match args
    | let a: ReadSeq[PyArg] box =>
      _items.reserve(a.size())
      for v in a.values() do
        _items.push(try value(v)? else dispose(); error end)
      end
    end

  fun ref fail(): PyError =>
    """Frees the values and returns why a conversion failed."""
    dispose()
    match _error
    | let e: PyError => e
    else PyError._pony(PyErrInvalidArgument, "an argument was not converted")
    end

  fun ref dispose() =>
    """Frees every value made (a submit has copied them)."""
    for v in _items.values() do @gilstuff_value_free(v) end
    _items.clear()

  fun ref value(v: PyArg): Pointer[_GilstuffValue] tag ? =>
    """A new C value for `v`, owned by the caller."""
    match v
    | let o: PyObject =>
      _refuse(PyErrInvalidArgument, "a PyObject cannot be an argument of an "
        + "asynchronous call (copying the object it refers to needs the GIL): "
        + "pass Pony values, or call it with its own blocking methods")?
    | let s: String =>
      var out: Pointer[_GilstuffValue] tag = Pointer[_GilstuffValue]
      _check(@gilstuff_value_str(s.cpointer(), s.size(), addressof out,
        addressof _err))?
      out
    | let b: Bool => @gilstuff_value_bool(b)
    | None => @gilstuff_value_none()
    | let i: I128 =>
      if (i >= I64.min_value().i128()) and (i <= I64.max_value().i128()) then
        @gilstuff_value_int(i.i64())
      else
        _too_big(i.string())?
      end
    | let u: U128 =>
      if u <= I64.max_value().u128() then
        @gilstuff_value_int(u.i64())
      else
        _too_big(u.string())?
      end
    | let i: Signed => @gilstuff_value_int(i.i64())
    | let u: Unsigned =>
      if u.u64() <= I64.max_value().u64() then
        @gilstuff_value_int(u.i64())
      else
        _too_big(u.string())?
      end
    | let f: Float => @gilstuff_value_float(f.f64())
    | let b: Array[U8] val =>
      var out: Pointer[_GilstuffValue] tag = Pointer[_GilstuffValue]
      _check(@gilstuff_value_bytes(b.cpointer(), b.size(), addressof out,
        addressof _err))?
      out
    | let a: Array[PyScalar] val =>
      let list = @gilstuff_value_list_new()
      for x in a.values() do
        let item = try value(x)? else @gilstuff_value_free(list); error end
        let st = @gilstuff_value_list_push(list, item, addressof _err)
        if st != _PyOk._code() then
          // On failure the list did not take the item.
          @gilstuff_value_free(item)
          @gilstuff_value_free(list)
          _check(st)?
        end
      end
      list
    | let m: Map[String, PyScalar] val =>
      _refuse(PyErrInvalidArgument, "a Map cannot be an argument of an "
        + "asynchronous call (its values have no dict): pass a list of "
        + "pairs, or build the dict in Python")?
    end

  fun ref _check(st: U32) ? =>
    if st != _PyOk._code() then
      _error = PyError._take(st, _err = Pointer[_GilstuffError])
      error
    end

  fun ref _refuse(code: PyErrorCode, message: String)
    : Pointer[_GilstuffValue] tag ?
  =>
    _error = PyError._pony(code, message)
    error

  fun ref _too_big(digits: String): Pointer[_GilstuffValue] tag ? =>
    _refuse(PyErrOverflow, digits + " does not fit the 64-bit int of an "
      + "asynchronous call's arguments")?

primitive _Values
  """Copies C values (results of the queue) into PyValues."""
  fun take(v: Pointer[_GilstuffValue] tag): PyResult =>
    """`v` as a PyValue; frees `v` (owned by the caller) either way."""
    let r = read(v, 0)
    @gilstuff_value_free(v)
    r

  fun read(v: Pointer[_GilstuffValue] tag, depth: USize): PyResult =>
    """`v` (borrowed, not freed) as a PyValue."""
    var err = Pointer[_GilstuffError]
    let kind = @gilstuff_value_get_kind(v)
    if kind == _PyValueNone._kind() then
      None
    elseif kind == _PyValueBool._kind() then
      var b = false
      let st = @gilstuff_value_get_bool(v, addressof b, addressof err)
      if st == _PyOk._code() then b else PyError._take(st, err) end
    elseif kind == _PyValueInt._kind() then
      var i: I64 = 0
      let st = @gilstuff_value_get_int(v, addressof i, addressof err)
      if st == _PyOk._code() then i else PyError._take(st, err) end
    elseif kind == _PyValueFloat._kind() then
      var f: F64 = 0
      let st = @gilstuff_value_get_float(v, addressof f, addressof err)
      if st == _PyOk._code() then f else PyError._take(st, err) end
    elseif kind == _PyValueStr._kind() then
      var data = recover val Pointer[U8] end
      var len: USize = 0
      let st = @gilstuff_value_get_str(v, addressof data, addressof len,
        addressof err)
      if st == _PyOk._code() then
        recover val String.copy_cpointer(data, len) end
      else
        PyError._take(st, err)
      end
    elseif kind == _PyValueBytes._kind() then
      var data = recover val Pointer[U8] end
      var len: USize = 0
      let st = @gilstuff_value_get_bytes(v, addressof data, addressof len,
        addressof err)
      if st == _PyOk._code() then
        (recover val String.copy_cpointer(data, len) end).array()
      else
        PyError._take(st, err)
      end
    elseif kind == _PyValueList._kind() then
      if depth >= _PyValueMaxDepth._limit() then
        return PyError._pony(PyErrInvalidArgument, "a list nested more than "
          + _PyValueMaxDepth._limit().string() + " levels deep")
      end
      var n: USize = 0
      let st = @gilstuff_value_list_len(v, addressof n, addressof err)
      if st != _PyOk._code() then return PyError._take(st, err) end
      let items = recover iso Array[PyValue](n) end
      var i: USize = 0
      while i < n do
        var item: Pointer[_GilstuffValue] tag = Pointer[_GilstuffValue]
        let st' = @gilstuff_value_list_get(v, i, addressof item, addressof err)
        if st' != _PyOk._code() then return PyError._take(st', err) end
        match read(item, depth + 1)
        | let x: PyValue => items.push(x)
        | let e: PyError => return e
        end
        i = i + 1
      end
      PyList(consume items)
    else
      PyError._pony(PyErrType, "a value of unknown kind " + kind.string())
    end
