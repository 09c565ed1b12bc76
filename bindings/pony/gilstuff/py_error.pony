class val PyError
  """
  Why a gilstuff call failed: the status code and its name, a message and, for a
  Python exception, its type name and formatted traceback. A value, not a `?`, so
  that none of this is lost on the way to whoever handles it.
  """
  let code: U32
  let status: String
  let message: String
  let python_type: (String | None)
  let traceback: (String | None)

  new val _take(code': U32, err: Pointer[_GilstuffError] tag) =>
    """Copies the C error (which may be null) and frees it."""
    code = code'
    status = Status.name(code')
    if err.is_null() then
      message = status
      python_type = None
      traceback = None
    else
      message = _CString.copy(@gilstuff_error_message(err))
      python_type = _CString.opt(@gilstuff_error_python_type(err))
      traceback = _CString.opt(@gilstuff_error_traceback(err))
      @gilstuff_error_free(err)
    end

  fun string(): String iso^ =>
    let s = recover iso String end
    s.append(status)
    s.append(": ")
    s.append(message)
    match traceback
    | let t: String => s.append("\n"); s.append(t)
    end
    consume s

primitive _CString
  fun copy(p: Pointer[U8] box): String iso^ =>
    if p.is_null() then recover iso String end else String.copy_cstring(p) end

  fun opt(p: Pointer[U8] box): (String | None) =>
    if p.is_null() then None else String.copy_cstring(p) end
