primitive _Result
  """The value a method returns for the status of a C call that made nothing."""
  fun none(st: U32, err: Pointer[_GilstuffError] tag): (None | PyError) =>
    if st == _PyOk._code() then None else PyError._take(st, err) end
