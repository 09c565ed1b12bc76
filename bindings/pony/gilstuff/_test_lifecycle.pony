use "collections"
use "pony_test"

class \nodoc\ iso _TestFinalizeFromAnotherActor is _PyTest
  """
  Python started by the test's actor is finalized by another actor while
  three more keep calling into it: finalize succeeds, and each caller stops on
  `PyFinalizing` or `PyFinalized`, never another error, never a hang.
  """
  fun name(): String => "lifecycle/finalize from another actor, calls in flight"

  fun ref apply(h: TestHelper) ? =>
    let inc = _Py.define(h, _Counter.lines(), "inc")?
    h.long_test(60_000_000_000)
    _Shutdown(h, inc, 3)

actor \nodoc\ _Shutdown
  let _h: TestHelper
  let _callers: USize
  var _running: USize = 0
  var _stopped: USize = 0
  var _finalized: Bool = false

  new create(h: TestHelper, inc: PyObject, callers: USize) =>
    _h = h
    _callers = callers
    for i in Range(0, callers) do _Caller(this, inc) end

  be running() =>
    """A caller has made its first calls: once all have, finalize."""
    _running = _running + 1
    if _running == _callers then _Finalizer(this) end

  be finalized(result: (None | PyError)) =>
    match result
    | let e: PyError => _h.fail("finalize: " + e.string())
    end
    _h.assert_false(Python.is_initialized())
    _finalized = true
    _check()

  be stopped(calls: USize, e: PyError) =>
    _h.assert_true((e.code is PyFinalizing) or (e.code is PyFinalized),
      "a caller stopped on " + e.string())
    _h.assert_true(calls >= 50, "a caller stopped after " + calls.string())
    _stopped = _stopped + 1
    _check()

  fun ref _check() =>
    if _finalized and (_stopped == _callers) then _h.complete(true) end

actor \nodoc\ _Finalizer
  new create(shutdown: _Shutdown) =>
    shutdown.finalized(Python.finalize())

actor \nodoc\ _Caller
  """Calls `inc` once per behaviour until a call fails."""
  let _shutdown: _Shutdown
  let _inc: PyObject
  var _calls: USize = 0

  new create(shutdown: _Shutdown, inc: PyObject) =>
    _shutdown = shutdown
    _inc = inc
    step()

  be step() =>
    match _inc.invoke()
    | None =>
      _calls = _calls + 1
      if _calls == 50 then _shutdown.running() end
      step()
    | let e: PyError => _shutdown.stopped(_calls, e)
    end

class \nodoc\ iso _TestCallsAfterFinalize is _PyTest
  fun name(): String => "lifecycle/calls after finalize return PyFinalized"

  fun ref apply(h: TestHelper) ? =>
    let list = _Py.eval(h, "[1, 2]")?
    let len = _Py.eval(h, "len")?
    _Ok[None](h, Python.finalize())?
    h.assert_false(Python.is_initialized())
    _Fails[PyObject](h, Python.import("sys"), PyFinalized)?
    _Fails[None](h, Python.exec("x = 1"), PyFinalized)?
    _Fails[PyObject](h, Python.from(I64(1)), PyFinalized)?
    _Fails[PyObject](h, Python.from("text"), PyFinalized)?
    _Fails[USize](h, list.len(), PyFinalized)?
    _Fails[PyObject](h, len.call([list]), PyFinalized)?
    _Fails[None](h, len.invoke(), PyFinalized)?
    _Fails[None](h, Python.finalize(), PyFinalized)?
    h.assert_eq[String]("<PyError: GILSTUFF_FINALIZED: ",
      list.string().trim(0, 30))

class \nodoc\ iso _TestReinit is _PyTest
  """
  Init again after finalize: a fresh interpreter; objects of the first one give
  PyErrInvalidHandle, and when the collector frees them during the second run
  their `_final` only frees the handles.
  """
  fun name(): String => "lifecycle/re-init"

  fun ref apply(h: TestHelper) ? =>
    _Fails[None](h, Python.init(), PyAlreadyInitialized)?
    _Ok[None](h, Python.exec("marker = 1"))?
    let make_list = _Py.eval(h, "lambda: [1, 2, 3]")?
    let old = _Ok[PyObject](h, make_list.call())?
    h.long_test(30_000_000_000)
    let dropper = _Dropper(h)
    dropper.make(make_list, 50, {()(h, dropper, old) =>
      try
        _Ok[None](h, Python.finalize())?
        _Ok[None](h, Python.init())?
        h.assert_true(Python.is_initialized())
        _Fails[USize](h, old.len(), PyErrInvalidHandle)?
        let e = _Fails[PyObject](h, Python.eval("marker"), PyErrPython)?
        h.assert_eq[String]("NameError", _Py.type_of(e))
        h.assert_eq[I64](2, _Py.eval_i64(h, "len([1, 2])")?)
      else
        h.complete(false)
      end
      // The 50 lists of the first run, collected now.
      dropper.drop(0, {()(h) =>
        try h.assert_eq[I64](6, _Py.eval_i64(h, "sum([1, 2, 3])")?) end
        h.complete(true)
      } val)
    } val)
