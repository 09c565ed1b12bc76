// The header's status codes, one primitive each, so that `match err.code` can
// be exhaustive; `string()` gives the C name. tests/pony/checker checks every
// `_code()` against include/gilstuff.h: GILSTUFF_ERR_PYTHON is PyErrPython,
// GILSTUFF_FINALIZED is PyFinalized, and so on.

// Why a call failed: every status code but GILSTUFF_OK.
type PyErrorCode is
  ( PyErrPython
  | PyErrNullPointer
  | PyErrInvalidUTF8
  | PyErrInvalidArgument
  | PyNotInitialized
  | PyAlreadyInitialized
  | PyFinalizing
  | PyFinalized
  | PyErrWrongThread
  | PyErrInvalidHandle
  | PyErrWrongInterpreter
  | PyErrType
  | PyErrOverflow
  | PyErrBufferTooSmall
  | PyErrUnsupported
  | PyErrInterpBusy
  | PyErrInitFailed
  | PyErrUnknownStatus
  | PyErrPanic
  | PyErrCancelled )

primitive _PyOk
  """`GILSTUFF_OK`: success, never inside a PyError."""
  fun _code(): U32 => 0

primitive PyErrPython is _StatusCode
  """
  A Python exception was raised (`SystemExit` and `KeyboardInterrupt` too: they
  do not end the program); `PyError.python_type` and `PyError.traceback` say
  which and where.
  """
  fun _code(): U32 => 1

primitive PyErrNullPointer is _StatusCode
  """A required pointer was null (a bug in this package if you see it)."""
  fun _code(): U32 => 2

primitive PyErrInvalidUTF8 is _StatusCode
  """A String was not valid UTF-8, or a Python str holds lone surrogates."""
  fun _code(): U32 => 3

primitive PyErrInvalidArgument is _StatusCode
  """
  An argument had a value the call does not accept (for example a NUL byte in a
  name, or a `:` in a `sys_path` entry).
  """
  fun _code(): U32 => 4

primitive PyNotInitialized is _StatusCode
  """`Python.init` has not been called (or failed)."""
  fun _code(): U32 => 5

primitive PyAlreadyInitialized is _StatusCode
  """`Python.init` was called while Python is running."""
  fun _code(): U32 => 6

primitive PyFinalizing is _StatusCode
  """`Python.finalize` is in progress: no new call enters Python."""
  fun _code(): U32 => 7

primitive PyFinalized is _StatusCode
  """`Python.finalize` has completed; `Python.init` starts Python again."""
  fun _code(): U32 => 8

primitive PyErrWrongThread is _StatusCode
  """
  The call is not allowed on this thread: `Python.finalize` with
  `PyOriginCaller` from another thread than the one that called `Python.init`.
  """
  fun _code(): U32 => 9

primitive PyErrInvalidHandle is _StatusCode
  """A PyObject made before the last `Python.finalize` was used after init."""
  fun _code(): U32 => 10

primitive PyErrWrongInterpreter is _StatusCode
  """A PyObject of another interpreter was passed (sub-interpreters only)."""
  fun _code(): U32 => 11

primitive PyErrType is _StatusCode
  """The object has the wrong Python type for the conversion asked for."""
  fun _code(): U32 => 12

primitive PyErrOverflow is _StatusCode
  """A Python number does not fit the Pony type asked for."""
  fun _code(): U32 => 13

primitive PyErrBufferTooSmall is _StatusCode
  """A caller's buffer is too small (never here: the package makes Strings)."""
  fun _code(): U32 => 14

primitive PyErrUnsupported is _StatusCode
  """The feature needs a newer CPython than the one linked."""
  fun _code(): U32 => 15

primitive PyErrInterpBusy is _StatusCode
  """A sub-interpreter cannot be freed while its Python threads run."""
  fun _code(): U32 => 16

primitive PyErrInitFailed is _StatusCode
  """Python could not be started (`PyError.message` says why)."""
  fun _code(): U32 => 17

primitive PyErrUnknownStatus is _StatusCode
  """The library returned a status code this package does not know."""
  fun _code(): U32 => 18

primitive PyErrPanic is _StatusCode
  """A bug inside gilstuff was caught at its boundary: please report it."""
  fun _code(): U32 => 19

primitive PyErrCancelled is _StatusCode
  """
  A request of a PyQueue was cancelled before a worker started it
  (`PyQueue.cancel`, or `PyQueue.dispose` with requests still queued).
  """
  fun _code(): U32 => 20

trait val _StatusCode is Stringable
  """What the status primitives share: their C value and name."""
  fun _code(): U32

  fun string(): String iso^ =>
    """The header's name of the code: `"GILSTUFF_ERR_PYTHON"` and so on."""
    _StatusName(_code())

primitive _StatusName
  """The header's name of a status code: `"GILSTUFF_ERR_PYTHON"` and so on."""
  fun apply(code: U32): String iso^ =>
    let name = @gilstuff_status_name(code)
    recover String.copy_cstring(name) end

primitive _ErrorCodes
  """The primitive for a status code the C library returned."""
  fun apply(code: U32): PyErrorCode =>
    match code
    | PyErrPython._code() => PyErrPython
    | PyErrNullPointer._code() => PyErrNullPointer
    | PyErrInvalidUTF8._code() => PyErrInvalidUTF8
    | PyErrInvalidArgument._code() => PyErrInvalidArgument
    | PyNotInitialized._code() => PyNotInitialized
    | PyAlreadyInitialized._code() => PyAlreadyInitialized
    | PyFinalizing._code() => PyFinalizing
    | PyFinalized._code() => PyFinalized
    | PyErrWrongThread._code() => PyErrWrongThread
    | PyErrInvalidHandle._code() => PyErrInvalidHandle
    | PyErrWrongInterpreter._code() => PyErrWrongInterpreter
    | PyErrType._code() => PyErrType
    | PyErrOverflow._code() => PyErrOverflow
    | PyErrBufferTooSmall._code() => PyErrBufferTooSmall
    | PyErrUnsupported._code() => PyErrUnsupported
    | PyErrInterpBusy._code() => PyErrInterpBusy
    | PyErrInitFailed._code() => PyErrInitFailed
    | PyErrPanic._code() => PyErrPanic
    | PyErrCancelled._code() => PyErrCancelled
    else
      // GILSTUFF_ERR_UNKNOWN_STATUS itself, or a code of a newer library.
      PyErrUnknownStatus
    end
