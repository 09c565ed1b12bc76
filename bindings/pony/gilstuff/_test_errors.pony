use "pony_test"

class \nodoc\ iso _TestStatusCodes is UnitTest
  """Every C status code maps to the primitive of that code (no Python)."""
  fun name(): String => "errors/status codes"

  fun apply(h: TestHelper) =>
    var n: U32 = 1
    while n <= 20 do
      h.assert_eq[U32](n, _ErrorCodes(n)._code(), "code " + n.string())
      n = n + 1
    end
    h.assert_is[PyErrorCode](PyErrUnknownStatus, _ErrorCodes(0))
    h.assert_is[PyErrorCode](PyErrUnknownStatus, _ErrorCodes(1000))
    h.assert_eq[String]("GILSTUFF_ERR_PYTHON", PyErrPython.string())
    h.assert_eq[String]("GILSTUFF_FINALIZED", PyFinalized.string())
    h.assert_eq[String]("GILSTUFF_ERR_CANCELLED", PyErrCancelled.string())
    h.assert_eq[String]("worth retrying", _Advice(PyFinalizing))

primitive \nodoc\ _Advice
  """A match without `else`: it compiles only while it names every code."""
  fun apply(code: PyErrorCode): String =>
    match code
    | PyErrPython => "look at the traceback"
    | PyNotInitialized | PyFinalized => "start Python first"
    | PyFinalizing => "worth retrying"
    | PyErrCancelled => "asked for"
    | PyErrNullPointer | PyErrInvalidUTF8 | PyErrInvalidArgument | PyErrType
    | PyErrOverflow | PyErrBufferTooSmall => "fix the argument"
    | PyAlreadyInitialized | PyErrWrongThread | PyErrInvalidHandle
    | PyErrWrongInterpreter | PyErrUnsupported | PyErrInterpBusy
    | PyErrInitFailed | PyErrUnknownStatus | PyErrPanic => "fix the program"
    end

class \nodoc\ iso _TestPythonException is _PyTest
  fun name(): String => "errors/Python exception: type, message, traceback"

  fun ref apply(h: TestHelper) ? =>
    let boom = _Py.define(h, [
      "def boom(what):"
      "    raise ValueError('bad ' + what)"
    ], "boom")?
    let e = _Fails[PyObject](h, boom.call([as PyArg: "value"]), PyErrPython)?
    h.assert_eq[String]("ValueError", _Py.type_of(e))
    h.assert_eq[String]("bad value", e.message)
    h.assert_eq[String]("ValueError: bad value", e.string())
    let tb = e.traceback_text()
    h.assert_true(tb.contains("Traceback (most recent call last)"), tb)
    h.assert_true(tb.contains("in boom"), tb)
    h.assert_true(tb.contains("ValueError: bad value"), tb)
    // string() stays on one line whatever the message holds.
    let multi = _Py.define(h, [
      "def multi():"
      "    raise RuntimeError('line one\\nline two')"
    ], "multi")?
    let m = _Fails[None](h, multi.invoke(), PyErrPython)?
    h.assert_eq[String]("RuntimeError: line one line two", m.string())
    h.assert_eq[String]("line one\nline two", m.message)
    let bare = _Py.define(h, [
      "def bare():"
      "    raise KeyboardInterrupt"
    ], "bare")?
    let k = _Fails[None](h, bare.invoke(), PyErrPython)?
    h.assert_eq[String]("KeyboardInterrupt", k.string())
    // Errors that are not exceptions carry no type and no traceback.
    let big = _Py.eval(h, "2 ** 64")?
    let o = _Fails[I64](h, big.to_i64(), PyErrOverflow)?
    h.assert_true(o.python_type is None)
    h.assert_eq[String]("", o.traceback_text())
    h.assert_true(o.string().at("GILSTUFF_ERR_OVERFLOW: "), o.string())
    // Syntax errors in eval and exec too.
    let s = _Fails[PyObject](h, Python.eval("1 +"), PyErrPython)?
    h.assert_eq[String]("SyntaxError", _Py.type_of(s))

class \nodoc\ iso _TestSystemExit is _PyTest
  fun name(): String => "errors/SystemExit does not end the program"

  fun ref apply(h: TestHelper) ? =>
    let sys = _Ok[PyObject](h, Python.import("sys"))?
    let e = _Fails[PyObject](h,
      sys.call_method("exit", [as PyArg: I64(3)]), PyErrPython)?
    h.assert_eq[String]("SystemExit", _Py.type_of(e))
    h.assert_eq[I64](2, _Py.eval_i64(h, "1 + 1")?)

class \nodoc\ iso _TestOverflow is _PyTest
  fun name(): String => "errors/overflow and wrong types"

  fun ref apply(h: TestHelper) ? =>
    h.assert_eq[I64](I64.max_value(), _Py.eval_i64(h, "2 ** 63 - 1")?)
    _Fails[I64](h, _Py.eval(h, "2 ** 63")?.to_i64(), PyErrOverflow)?
    _Fails[I64](h, _Py.eval(h, "-2 ** 63 - 1")?.to_i64(), PyErrOverflow)?
    _Fails[U64](h, _Py.eval(h, "-1")?.to_u64(), PyErrOverflow)?
    _Fails[U64](h, _Py.eval(h, "2 ** 64")?.to_u64(), PyErrOverflow)?
    _Fails[F64](h, _Py.eval(h, "10 ** 400")?.to_f64(), PyErrOverflow)?
    _Fails[I64](h, _Py.eval(h, "'7'")?.to_i64(), PyErrType)?
    _Fails[Array[U8] val](h, _Py.eval(h, "'7'")?.to_bytes(), PyErrType)?

class \nodoc\ iso _TestBadUTF8 is _PyTest
  fun name(): String => "errors/bad UTF-8 both ways"

  fun ref apply(h: TestHelper) ? =>
    let bad = recover val String.from_array([0xC3; 0x28]) end
    _Fails[PyObject](h, Python.from(bad), PyErrInvalidUTF8)?
    let count = _Py.define(h, [
      "n = 0"
      "def count(*a, **k):"
      "    global n"
      "    n += 1"
    ], "count")?
    // A bad argument fails the call before Python runs it, keyword names too.
    _Fails[None](h, count.invoke([as PyArg: I64(1); bad]), PyErrInvalidUTF8)?
    _Fails[PyObject](h, count.call(None, [as (String, PyArg): (bad, I64(1))]),
      PyErrInvalidUTF8)?
    let in_list: Array[PyScalar] val = [bad]
    _Fails[PyObject](h, count.call([as PyArg: in_list]), PyErrInvalidUTF8)?
    h.assert_eq[I64](0, _Py.eval_i64(h, "n")?)
    _Ok[None](h, count.invoke([as PyArg: "fine"]))?
    h.assert_eq[I64](1, _Py.eval_i64(h, "n")?)
    // A str with a lone surrogate has no UTF-8.
    _Fails[String](h, _Py.eval(h, "'a\\ud800'")?.to_str(), PyErrInvalidUTF8)?

class \nodoc\ iso _TestNulInNames is _PyTest
  fun name(): String => "errors/NUL bytes and ':' in C strings"

  fun ref apply(h: TestHelper) ? =>
    let sys = _Ok[PyObject](h, Python.import("sys"))?
    _Fails[PyObject](h, sys.getattr("path\x00x"), PyErrInvalidArgument)?
    _Fails[PyObject](h, Python.import("s\x00ys"), PyErrInvalidArgument)?
    _Fails[None](h, Python.exec("x = 1\x00"), PyErrInvalidArgument)?
    _Fails[None](h, Python.init(where sys_path = ["/a:/b"]),
      PyErrInvalidArgument)?
    // A NUL inside a str argument is data, not a terminator.
    h.assert_eq[USize](3, _Ok[USize](h, _Py.from(h, "a\x00b")?.len())?)
