primitive Python
  """
  Starting and stopping the shared interpreter, and making Python values from
  nothing. Every call takes the GIL itself and gives it back before it returns, so it
  may run in any behaviour on any scheduler thread; while it waits for the GIL it
  blocks that scheduler thread (keep Python calls short).
  """
  fun init(sys_path: (String | None) = None, isolated: Bool = false,
    python_home: (String | None) = None): (None | PyError)
  =>
    """
    Starts Python on a thread of the library's own. `sys_path`: directories to put in
    front of `sys.path`, ':'-separated. Strings are copied during the call.
    """
    let cfg = GilstuffConfig
    cfg.isolated = isolated
    match sys_path | let s: String => cfg.sys_path = s.cstring() end
    match python_home | let s: String => cfg.python_home = s.cstring() end
    var err = Pointer[_GilstuffError]
    _Result.none(@gilstuff_init(cfg, addressof err), err)

  fun init_with(cfg: GilstuffConfig): (None | PyError) =>
    """Starts Python with a config you filled (strings must outlive this call)."""
    var err = Pointer[_GilstuffError]
    _Result.none(@gilstuff_init(cfg, addressof err), err)

  fun finalize(): (None | PyError) =>
    """
    Waits for calls in flight, then ends Python on the thread that started it: call it
    from any behaviour. PyObjects collected afterwards only free their handles.
    """
    var err = Pointer[_GilstuffError]
    _Result.none(@gilstuff_finalize(addressof err), err)

  fun is_initialized(): Bool => @gilstuff_is_initialized()

  fun version(): String => String.copy_cstring(@gilstuff_version())

  fun python_version(): String => String.copy_cstring(@gilstuff_python_version())

  fun run_string(code: String): (None | PyError) =>
    """Runs statements in `__main__`."""
    var err = Pointer[_GilstuffError]
    _Result.none(@gilstuff_run_string(code.cstring(), addressof err), err)

  fun import(name: String): (PyObject | PyError) =>
    var out: Pointer[_GilstuffObject] tag = Pointer[_GilstuffObject]
    var err = Pointer[_GilstuffError]
    let st = @gilstuff_import(_main(), name.cstring(), addressof out, addressof err)
    _Result.obj(st, out, err)

  fun eval(expr: String, globals: (PyObject | None) = None): (PyObject | PyError) =>
    """Evaluates an expression in `globals` (a dict), or in `__main__`."""
    var out: Pointer[_GilstuffObject] tag = Pointer[_GilstuffObject]
    var err = Pointer[_GilstuffError]
    let st = @gilstuff_eval(_main(), expr.cstring(), _Handles.opt(globals),
      addressof out, addressof err)
    _Result.obj(st, out, err)

  fun exec(code: String, globals: (PyObject | None) = None): (None | PyError) =>
    var err = Pointer[_GilstuffError]
    _Result.none(@gilstuff_exec(_main(), code.cstring(), _Handles.opt(globals),
      addressof err), err)

  fun main_dict(): (PyObject | PyError) =>
    var out: Pointer[_GilstuffObject] tag = Pointer[_GilstuffObject]
    var err = Pointer[_GilstuffError]
    _Result.obj(@gilstuff_main_dict(_main(), addressof out, addressof err), out, err)

  fun none(): (PyObject | PyError) =>
    var out: Pointer[_GilstuffObject] tag = Pointer[_GilstuffObject]
    var err = Pointer[_GilstuffError]
    _Result.obj(@gilstuff_none(_main(), addressof out, addressof err), out, err)

  fun bool(v: Bool): (PyObject | PyError) =>
    var out: Pointer[_GilstuffObject] tag = Pointer[_GilstuffObject]
    var err = Pointer[_GilstuffError]
    _Result.obj(@gilstuff_bool(_main(), v, addressof out, addressof err), out, err)

  fun int(v: I64): (PyObject | PyError) =>
    var out: Pointer[_GilstuffObject] tag = Pointer[_GilstuffObject]
    var err = Pointer[_GilstuffError]
    _Result.obj(@gilstuff_int(_main(), v, addressof out, addressof err), out, err)

  fun uint(v: U64): (PyObject | PyError) =>
    var out: Pointer[_GilstuffObject] tag = Pointer[_GilstuffObject]
    var err = Pointer[_GilstuffError]
    _Result.obj(@gilstuff_uint(_main(), v, addressof out, addressof err), out, err)

  fun float(v: F64): (PyObject | PyError) =>
    var out: Pointer[_GilstuffObject] tag = Pointer[_GilstuffObject]
    var err = Pointer[_GilstuffError]
    _Result.obj(@gilstuff_float(_main(), v, addressof out, addressof err), out, err)

  fun str(v: String): (PyObject | PyError) =>
    """A Python str; invalid UTF-8 is an error (`Status.err_invalid_utf8()`)."""
    var out: Pointer[_GilstuffObject] tag = Pointer[_GilstuffObject]
    var err = Pointer[_GilstuffError]
    _Result.obj(@gilstuff_str(_main(), v.cpointer(), v.size(), addressof out,
      addressof err), out, err)

  fun bytes(v: ReadSeq[U8] val): (PyObject | PyError) =>
    let a: Array[U8] val = match v
      | let arr: Array[U8] val => arr
      else recover val Array[U8](v.size()).>concat(v.values()) end
      end
    var out: Pointer[_GilstuffObject] tag = Pointer[_GilstuffObject]
    var err = Pointer[_GilstuffError]
    _Result.obj(@gilstuff_bytes(_main(), a.cpointer(), a.size(), addressof out,
      addressof err), out, err)

  fun tuple(items: ReadSeq[PyObject] box): (PyObject | PyError) =>
    let h = _Handles.array(items)
    var out: Pointer[_GilstuffObject] tag = Pointer[_GilstuffObject]
    var err = Pointer[_GilstuffError]
    _Result.obj(@gilstuff_tuple(_main(), h.cpointer(), h.size(), addressof out,
      addressof err), out, err)

  fun list(items: ReadSeq[PyObject] box): (PyObject | PyError) =>
    let h = _Handles.array(items)
    var out: Pointer[_GilstuffObject] tag = Pointer[_GilstuffObject]
    var err = Pointer[_GilstuffError]
    _Result.obj(@gilstuff_list(_main(), h.cpointer(), h.size(), addressof out,
      addressof err), out, err)

  fun dict(): (PyObject | PyError) =>
    var out: Pointer[_GilstuffObject] tag = Pointer[_GilstuffObject]
    var err = Pointer[_GilstuffError]
    _Result.obj(@gilstuff_dict(_main(), addressof out, addressof err), out, err)

  fun _main(): Pointer[_GilstuffInterp] tag =>
    // Null: the main interpreter (the only one until sub-interpreters are bound).
    Pointer[_GilstuffInterp]
