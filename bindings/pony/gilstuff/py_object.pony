class val PyObject is Stringable
  """
  An owned reference to a Python object. Immutable on the Pony side (`val`),
  so any number of actors may share one: what it points at changes only through
  Python, under the GIL, which every method takes for the length of one C call
  (and waits for, blocking its scheduler thread meanwhile).

  Arguments are Pony values, converted in the same call (see `PyArg`):

  ```pony
  match f.call([as PyArg: I64(1); "x"; F64(2.5); true; None; other_obj],
    [as (String, PyArg): ("sep", ", ")])
  | let r: PyObject => env.out.print(r.string())
  | let e: PyError => env.err.print(e.string())
  end
  ```

  When Pony collects a PyObject, `_final` releases its reference. Pony runs
  `_final` on whichever thread collects the object, and at exit after the
  scheduler threads have stopped, possibly after `Python.finalize()`: the
  release is safe in all of those cases. Without the GIL it queues the decref
  for the next call into Python; after finalize (or for an object of an earlier
  init) it only frees the handle.

  Equality and hashing: PyObject is not `Equatable` or `Hashable`, because
  Pony's `eq` and `hash` may neither fail nor block, while Python's `==` and
  `hash()` run arbitrary Python code under the GIL and may raise (`hash([])` is
  a TypeError). Use `py_eq` and `py_hash`, which return a PyError instead. `is`
  compares PyObjects, not the Python objects (two PyObjects may refer to the
  same Python object).
  """
  let _handle: Pointer[_GilstuffObject] tag

  new val _own(handle: Pointer[_GilstuffObject] tag) =>
    _handle = handle

  fun _final() =>
    @gilstuff_object_release(_handle, Pointer[Pointer[_GilstuffError]])

  fun _ptr(): Pointer[_GilstuffObject] tag =>
    _handle

  fun getattr(name: String): (PyObject | PyError) =>
    """`self.name`."""
    let a = _Args
    try
      let n = a.text(name, "attribute name")?
      a.obj(@gilstuff_getattr(_handle, n, addressof a.out, addressof a.err))
    else
      a.fail()
    end

  fun setattr(name: String, value: PyArg): (None | PyError) =>
    """`self.name = value`."""
    let a = _Args
    try
      let n = a.text(name, "attribute name")?
      a.none(@gilstuff_setattr(_handle, n, a.handle(value)?, addressof a.err))
    else
      a.fail()
    end

  fun call(
    args: (ReadSeq[PyArg] box | None) = None,
    kwargs: (ReadSeq[(String, PyArg)] box | None) = None)
    : (PyObject | PyError)
  =>
    """`self(*args, **kwargs)`."""
    let a = _Args
    try
      a.push_all(args)?
      let kw = a.kwargs(kwargs)?
      a.obj(@gilstuff_call(_handle, a.cpointer(), a.size(), kw, addressof a.out,
        addressof a.err))
    else
      a.fail()
    end

  fun invoke(
    args: (ReadSeq[PyArg] box | None) = None,
    kwargs: (ReadSeq[(String, PyArg)] box | None) = None)
    : (None | PyError)
  =>
    """
    `self(*args, **kwargs)` for its effect: the result is dropped inside the C
    call, so there is no PyObject to make and later collect. Without arguments,
    the cheapest way to call Python: one C call, nothing allocated.
    """
    if (args is None) and (kwargs is None) then
      var err = Pointer[_GilstuffError]
      let st = @gilstuff_invoke(_handle, Pointer[Pointer[_GilstuffObject] tag],
        0, Pointer[_GilstuffObject], addressof err)
      _Result.none(st, err)
    else
      let a = _Args
      try
        a.push_all(args)?
        let kw = a.kwargs(kwargs)?
        a.none(@gilstuff_invoke(_handle, a.cpointer(), a.size(), kw,
          addressof a.err))
      else
        a.fail()
      end
    end

  fun call_method(
    name: String,
    args: (ReadSeq[PyArg] box | None) = None,
    kwargs: (ReadSeq[(String, PyArg)] box | None) = None)
    : (PyObject | PyError)
  =>
    """`self.name(*args, **kwargs)`."""
    let a = _Args
    try
      let n = a.text(name, "method name")?
      a.push_all(args)?
      let kw = a.kwargs(kwargs)?
      a.obj(@gilstuff_call_method(_handle, n, a.cpointer(), a.size(), kw,
        addressof a.out, addressof a.err))
    else
      a.fail()
    end

  fun getitem(key: PyArg): (PyObject | PyError) =>
    """`self[key]`."""
    let a = _Args
    try
      let k = a.handle(key)?
      a.obj(@gilstuff_getitem(_handle, k, addressof a.out, addressof a.err))
    else
      a.fail()
    end

  fun setitem(key: PyArg, value: PyArg): (None | PyError) =>
    """`self[key] = value`."""
    let a = _Args
    try
      let k = a.handle(key)?
      a.none(@gilstuff_setitem(_handle, k, a.handle(value)?, addressof a.err))
    else
      a.fail()
    end

  fun to_i64(): (I64 | PyError) =>
    """
    The value of an int (or of an object with `__index__`); PyErrOverflow
    beyond I64, PyErrType for other types.
    """
    var v: I64 = 0
    var err = Pointer[_GilstuffError]
    let st = @gilstuff_to_int(_handle, addressof v, addressof err)
    if st == _PyOk._code() then v else PyError._take(st, err) end

  fun to_u64(): (U64 | PyError) =>
    """The value of an int; PyErrOverflow when negative or beyond U64."""
    var v: U64 = 0
    var err = Pointer[_GilstuffError]
    let st = @gilstuff_to_uint(_handle, addressof v, addressof err)
    if st == _PyOk._code() then v else PyError._take(st, err) end

  fun to_f64(): (F64 | PyError) =>
    """The value of a float or int; PyErrOverflow for an int beyond F64."""
    var v: F64 = 0
    var err = Pointer[_GilstuffError]
    let st = @gilstuff_to_float(_handle, addressof v, addressof err)
    if st == _PyOk._code() then v else PyError._take(st, err) end

  fun to_bool(): (Bool | PyError) =>
    """Python truthiness, `bool(self)` (`__bool__` may raise)."""
    var v: Bool = false
    var err = Pointer[_GilstuffError]
    let st = @gilstuff_to_bool(_handle, addressof v, addressof err)
    if st == _PyOk._code() then v else PyError._take(st, err) end

  fun is_none(): (Bool | PyError) =>
    """Whether this is Python's `None`."""
    var v: Bool = false
    var err = Pointer[_GilstuffError]
    let st = @gilstuff_is_none(_handle, addressof v, addressof err)
    if st == _PyOk._code() then v else PyError._take(st, err) end

  fun len(): (USize | PyError) =>
    """
    `len(self)`. Not called `size()`: Pony's `size()` cannot fail, and `len()`
    raises for objects without a length.
    """
    var v: USize = 0
    var err = Pointer[_GilstuffError]
    let st = @gilstuff_len(_handle, addressof v, addressof err)
    if st == _PyOk._code() then v else PyError._take(st, err) end

  fun to_str(): (String | PyError) =>
    """The text of a Python str (PyErrType for other types: see `string()`)."""
    let buf: _GilstuffBuffer ref = _GilstuffBuffer
    var err = Pointer[_GilstuffError]
    _Buffer.string(@gilstuff_to_str(_handle, buf, addressof err), buf, err)

  fun to_bytes(): (Array[U8] val | PyError) =>
    """The contents of a bytes or bytearray."""
    let buf: _GilstuffBuffer ref = _GilstuffBuffer
    var err = Pointer[_GilstuffError]
    _Buffer.bytes(@gilstuff_to_bytes(_handle, buf, addressof err), buf, err)

  fun repr(): (String | PyError) =>
    """`repr(self)`."""
    let buf: _GilstuffBuffer ref = _GilstuffBuffer
    var err = Pointer[_GilstuffError]
    _Buffer.string(@gilstuff_repr(_handle, buf, addressof err), buf, err)

  fun type_name(): (String | PyError) =>
    """The name of `type(self)`: `"int"`, `"mymodule.Thing"`."""
    let buf: _GilstuffBuffer ref = _GilstuffBuffer
    var err = Pointer[_GilstuffError]
    _Buffer.string(@gilstuff_type_name(_handle, buf, addressof err), buf, err)

  fun string(): String iso^ =>
    """
    `str(self)`, as `print` shows it. `Stringable` cannot fail: when `str()`
    raises (or Python is not running) the text is `<PyError: …>` with the
    error's line.
    """
    match _Stdlib("builtins", "str", _handle)
    | let s: PyObject =>
      match s.to_str()
      | let t: String => t.clone()
      | let e: PyError => _unprintable(e)
      end
    | let e: PyError => _unprintable(e)
    end

  fun py_eq(that: PyArg): (Bool | PyError) =>
    """Python's `self == that` (which may run `__eq__` and raise)."""
    match _Stdlib("operator", "eq", _handle, [that])
    | let r: PyObject => r.to_bool()
    | let e: PyError => e
    end

  fun py_hash(): (I64 | PyError) =>
    """Python's `hash(self)`: a TypeError for unhashable objects (lists)."""
    match _Stdlib("builtins", "hash", _handle)
    | let r: PyObject => r.to_i64()
    | let e: PyError => e
    end

  fun _unprintable(e: PyError): String iso^ =>
    // What string() shows when str(self) fails.
    let s = recover String end
    s.append("<PyError: ")
    s.append(e.string())
    s.append(">")
    consume s

primitive _Stdlib
  """A function of Python's standard library: `module.name(first, *rest)`."""
  fun apply(
    module: String,
    name: String,
    first: Pointer[_GilstuffObject] tag,
    rest: ReadSeq[PyArg] box = Array[PyArg])
    : (PyObject | PyError)
  =>
    match Python.import(module)
    | let m: PyObject =>
      let a = _Args(1 + rest.size())
      try
        let n = a.text(name, "function name")?
        a.push_handle(first)
        a.push_all(rest)?
        a.obj(@gilstuff_call_method(m._ptr(), n, a.cpointer(), a.size(),
          Pointer[_GilstuffObject], addressof a.out, addressof a.err))
      else
        a.fail()
      end
    | let e: PyError => e
    end
