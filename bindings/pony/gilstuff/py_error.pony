class val PyError is Stringable
  """
  Why a gilstuff call failed: a status code, a message and, for a Python
  exception, its type name and formatted traceback. A value returned in a
  union, not an `error`, so that none of this is lost on the way to whoever
  handles it.

  ```pony
  match f.call([as PyArg: I64(1)])
  | let r: PyObject => env.out.print(r.string())
  | let e: PyError =>
    match e.code
    | PyErrPython => env.err.print(e.string() + "\n" + e.traceback_text())
    | PyFinalized => None // Python was shut down meanwhile
    else env.err.print(e.string())
    end
  end
  ```
  """
  let code: PyErrorCode
    """What kind of failure: match on it."""
  let message: String
    """The library's message; for a Python exception, `str(exception)`."""
  let python_type: (String | None)
    """The exception's type name (`"ValueError"`, `"mod.MyError"`)."""
  let traceback: (String | None)
    """The traceback, formatted as `traceback.format_exception` does."""

  new val _take(code': U32, err: Pointer[_GilstuffError] tag) =>
    """Copies the C error (which may be null) and frees it."""
    code = _ErrorCodes(code')
    if err.is_null() then
      message = _StatusName(code')
      python_type = None
      traceback = None
    else
      message = _CString.copy(@gilstuff_error_message(err))
      python_type = _CString.opt(@gilstuff_error_python_type(err))
      traceback = _CString.opt(@gilstuff_error_traceback(err))
      @gilstuff_error_free(err)
    end

  new val _pony(code': PyErrorCode, message': String) =>
    """An error found on the Pony side, before any C call."""
    code = code'
    message = message'
    python_type = None
    traceback = None

  fun string(): String iso^ =>
    """
    One line: `ValueError: bad value` for a Python exception (`ValueError`
    when it has no message), `GILSTUFF_FINALIZED: <message>` otherwise. Line
    breaks in the message become spaces; the traceback is in `traceback` (or
    `traceback_text()`).
    """
    let s = recover String end
    match python_type
    | let t: String =>
      s.append(t)
      // An exception without a message: the library's message is the type.
      if message == t then return consume s end
    else
      s.append(code.string())
    end
    s.append(":")
    for line in message.split_by("\n").values() do
      if line.size() > 0 then
        s.append(" ")
        s.append(line)
      end
    end
    consume s

  fun traceback_text(): String =>
    """The traceback, or "" when the error is not a Python exception."""
    match traceback
    | let t: String => t
    else ""
    end

primitive _CString
  """Copies C strings owned by the library (`const char *`, `val` to Pony)."""
  fun copy(p: Pointer[U8] val): String =>
    if p.is_null() then "" else recover val String.copy_cstring(p) end end

  fun opt(p: Pointer[U8] val): (String | None) =>
    if p.is_null() then None else copy(p) end
