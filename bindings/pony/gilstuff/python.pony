primitive Python
  """
  Starting and stopping the shared interpreter, running code in it, and making
  Python objects from Pony values. Every call but `is_initialized`, `version`
  and `python_version` takes the GIL itself and gives it back before it
  returns, so it may run in any behaviour on any scheduler thread; while it
  waits for the GIL it blocks that scheduler thread (keep Python calls short).
  """
  fun init(
    sys_path: Array[String] val = recover val Array[String] end,
    isolated: Bool = false,
    python_home: (String | None) = None,
    program_name: (String | None) = None,
    origin: PyOrigin = PyOriginOwned,
    install_signal_handlers: Bool = false,
    switch_interval_us: U32 = 0)
    : (None | PyError)
  =>
    """
    Starts Python; from any behaviour, once (and again after `finalize`).

    * `sys_path`: directories to put in front of `sys.path`, in order (none may
      contain `:`, the separator of the C library's `PYTHONPATH`-like field).
    * `isolated`: ignore `PYTHON*` environment variables and the user site
      directory.
    * `python_home`: the prefix holding `lib/pythonX.Y`, or None to find it as
      `python3` would.
    * `program_name`: `sys.executable`-style name, or None for the default.
    * `origin`: which thread starts and ends Python (see `PyOriginOwned`).
    * `install_signal_handlers`: let Python install its handlers (SIGINT
      becomes KeyboardInterrupt); off by default: Pony owns the process's
      signals.
    * `switch_interval_us`: the GIL switch interval in microseconds; 0 keeps
      Python's 5 ms.

    `PyAlreadyInitialized` while Python runs, `PyErrInitFailed` when it cannot
    start, `PyErrInvalidArgument` for a `:` in a `sys_path` entry or a NUL byte
    in any string.
    """
    for dir in sys_path.values() do
      if dir.contains(":") then
        return PyError._pony(PyErrInvalidArgument,
          "sys_path entry \"" + dir + "\" contains ':', the C separator")
      end
    end
    let path: String = ":".join(sys_path.values())
    for s in [as (String | None): path; python_home; program_name].values() do
      match s
      | let t: String if t.contains("\x00") =>
        return PyError._pony(PyErrInvalidArgument, "a string has a NUL byte")
      end
    end
    let cfg = _GilstuffConfig
    cfg.origin = origin._value()
    if path.size() > 0 then cfg.sys_path = path.cstring() end
    match python_home | let s: String => cfg.python_home = s.cstring() end
    match program_name | let s: String => cfg.program_name = s.cstring() end
    cfg.isolated = isolated
    cfg.install_signal_handlers = install_signal_handlers
    cfg.switch_interval_us = switch_interval_us
    var err = Pointer[_GilstuffError]
    _Result.none(@gilstuff_init(cfg, addressof err), err)

  fun finalize(): (None | PyError) =>
    """
    Ends Python: refuses new calls (`PyFinalizing`), waits for calls in flight
    on other threads (blocking this scheduler thread meanwhile), then has the
    thread that started Python run `Py_FinalizeEx`. From any behaviour (with
    `PyOriginCaller`: from the thread that called `init`). Afterwards every
    call returns `PyFinalized` until the next `init`; PyObjects collected later
    only free their handles.
    """
    var err = Pointer[_GilstuffError]
    _Result.none(@gilstuff_finalize(addressof err), err)

  fun is_initialized(): Bool =>
    """Whether Python is running (initialised, not finalizing or finalized)."""
    @gilstuff_is_initialized()

  fun version(): String =>
    """The version of the gilstuff library, e.g. `"0.1.0"`."""
    _CString.copy(@gilstuff_version())

  fun python_version(): String =>
    """The version of the CPython gilstuff was built for, e.g. `"3.11.7"`."""
    _CString.copy(@gilstuff_python_version())

  fun import(name: String): (PyObject | PyError) =>
    """The module `name` (`"os.path"` too), imported if it was not yet."""
    let a = _Args
    try
      let n = a.text(name, "module name")?
      a.obj(@gilstuff_import(_Interp(), n, addressof a.out, addressof a.err))
    else
      a.fail()
    end

  fun eval(expr: String, globals: (PyObject | None) = None)
    : (PyObject | PyError)
  =>
    """The value of the expression `expr`, in `globals` (a dict) or __main__."""
    let a = _Args
    try
      let e = a.text(expr, "expression")?
      a.obj(@gilstuff_eval(_Interp(), e, _Handle.opt(globals), addressof a.out,
        addressof a.err))
    else
      a.fail()
    end

  fun exec(code: String, globals: (PyObject | None) = None): (None | PyError) =>
    """Runs the statements `code` in `globals` (a dict) or in `__main__`."""
    let a = _Args
    try
      let c = a.text(code, "code")?
      a.none(@gilstuff_exec(_Interp(), c, _Handle.opt(globals),
        addressof a.err))
    else
      a.fail()
    end

  fun main_dict(): (PyObject | PyError) =>
    """The namespace dict of `__main__`."""
    let a = _Args
    a.obj(@gilstuff_main_dict(_Interp(), addressof a.out, addressof a.err))

  fun from(value: PyArg): (PyObject | PyError) =>
    """
    The Python object for a Pony value, converted as call arguments are (see
    `PyArg`); a PyObject is returned as it is.
    """
    match value
    | let o: PyObject => o
    else
      let a = _Args
      try a.keep(a.handle(value)?) else a.fail() end
    end

  fun tuple(items: ReadSeq[PyArg] box): (PyObject | PyError) =>
    """A tuple of the items."""
    let a = _Args
    try
      a.push_all(items)?
      a.obj(@gilstuff_tuple(_Interp(), a.cpointer(), a.size(), addressof a.out,
        addressof a.err))
    else
      a.fail()
    end

  fun list(items: ReadSeq[PyArg] box): (PyObject | PyError) =>
    """A list of the items (any PyArg, lists and dicts included)."""
    let a = _Args
    try
      a.push_all(items)?
      a.obj(@gilstuff_list(_Interp(), a.cpointer(), a.size(), addressof a.out,
        addressof a.err))
    else
      a.fail()
    end

  fun dict(pairs: ReadSeq[(PyArg, PyArg)] box = Array[(PyArg, PyArg)])
    : (PyObject | PyError)
  =>
    """A dict of the key/value pairs, in order; keys: any hashable PyArg."""
    let a = _Args
    try
      let d = a.fresh(@gilstuff_dict(_Interp(), addressof a.out,
        addressof a.err))?
      for (k, v) in pairs.values() do
        a.check(@gilstuff_setitem(d, a.handle(k)?, a.handle(v)?,
          addressof a.err))?
      end
      a.keep(d)
    else
      a.fail()
    end

primitive _Handle
  """The handle of an optional PyObject: null for None."""
  fun opt(o: (PyObject | None)): Pointer[_GilstuffObject] tag =>
    match o
    | let x: PyObject => x._ptr()
    else Pointer[_GilstuffObject]
    end
