// Which thread starts and ends Python: the `origin` parameter of
// `Python.init`. tests/pony/checker checks each `_value()` against the
// header's GILSTUFF_ORIGIN_* constants.

// Who runs `Py_InitializeFromConfig` and `Py_FinalizeEx`.
type PyOrigin is (PyOriginOwned | PyOriginCaller)

primitive PyOriginOwned
  """
  The default: a thread of the library's own starts Python and, at
  `Python.finalize`, ends it, so any behaviour on any scheduler thread may
  finalize.
  """
  fun _value(): U32 => 0

primitive PyOriginCaller
  """
  The thread that calls `Python.init` becomes Python's main thread and must be
  the one that calls `Python.finalize` (`PyErrWrongThread` otherwise). A
  behaviour does not choose its scheduler thread: use this only from a pinned
  actor (package `actor_pinning`), which keeps one thread.
  """
  fun _value(): U32 => 1
