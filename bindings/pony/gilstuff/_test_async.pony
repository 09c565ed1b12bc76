use "collections"
use "pony_test"
use "promises"
use "time"

// The async path (PyQueue). Each test disposes its queue before it completes.

class \nodoc\ iso _TestAsyncSlowCall is _PyTest
  """
  A 300 ms Python call (`time.sleep(0.3)`) through a PyQueue: while it runs,
  another actor keeps running behaviours, never waiting more than 150 ms for
  its next one. run_ponyc.py also runs this with one scheduler thread, where a
  blocking call would stop every other actor for the whole 300 ms (the
  control test `_TestBlockingSlowCall` shows it does).
  """
  fun name(): String => "async/300 ms call does not delay other actors"

  fun ref apply(h: TestHelper) ? =>
    let sleep = _Ok[PyObject](h, _Py.eval(h, "__import__('time')")?
      .getattr("sleep"))?
    h.long_test(30_000_000_000)
    let queue = PyQueue
    _SlowCallRace(h, queue, sleep)

class \nodoc\ iso _TestBlockingSlowCall is _PyTest
  """
  The control for `_TestAsyncSlowCall`, registered only when the program runs
  on one scheduler thread: the same 300 ms call made by a behaviour through
  the blocking `PyObject.invoke` stops the other actor for at least 250 ms.
  It shows that the async test's measurement can see a blocked scheduler
  thread.
  """
  fun name(): String => "async/control: a blocking 300 ms call delays others"

  fun ref apply(h: TestHelper) ? =>
    let sleep = _Ok[PyObject](h, _Py.eval(h, "__import__('time')")?
      .getattr("sleep"))?
    h.long_test(30_000_000_000)
    _SlowCallRace(h, None, sleep)

actor \nodoc\ _SlowCallRace is PyReceiver
  """
  Starts a ticker, then the slow call (async through `queue`, or blocking in
  another actor's behaviour when `queue` is None); when the call returns,
  stops the ticker and checks the longest gap between two of its behaviours.
  """
  let _h: TestHelper
  let _queue: (PyQueue | None)
  let _ticker: _Ticker
  let _start: U64
  var _call_ns: U64 = 0

  new create(h: TestHelper, queue: (PyQueue | None), sleep: PyObject) =>
    _h = h
    _queue = queue
    _start = Time.nanos()
    _ticker = _Ticker(_start)
    match queue
    | let q: PyQueue => q.call_for(this, 1, sleep, [as PyArg: F64(0.3)])
    else _Blocker(this, sleep)
    end

  be py_result(token: U64, result: PyResult) =>
    _returned(match result | let e: PyError => e else None end)

  be blocked(result: (None | PyError)) =>
    _returned(result)

  fun ref _returned(result: (None | PyError)) =>
    _call_ns = Time.nanos() - _start
    match result
    | let e: PyError => _h.fail("time.sleep(0.3): " + e.string())
    end
    _ticker.stop(this)

  be ticked(ticks: USize, max_gap: U64) =>
    let ms = {(ns: U64): String => (ns / 1_000_000).string() + " ms"}
    _h.log("call " + ms(_call_ns) + ", " + ticks.string()
      + " behaviours of another actor meanwhile, longest gap " + ms(max_gap))
    _h.assert_true(_call_ns >= 280_000_000, "the call took " + ms(_call_ns))
    match _queue
    | let q: PyQueue =>
      _h.assert_true(ticks >= 20, ticks.string() + " ticks")
      _h.assert_true(max_gap < 150_000_000,
        "another actor waited " + ms(max_gap) + " for its next behaviour")
      q.dispose()
    else
      _h.assert_true(max_gap >= 250_000_000,
        "the blocking call let the other actor run: longest gap "
        + ms(max_gap))
    end
    _h.complete(true)

actor \nodoc\ _Blocker
  new create(race: _SlowCallRace, sleep: PyObject) =>
    race.blocked(sleep.invoke([as PyArg: F64(0.3)]))

actor \nodoc\ _Ticker
  """One behaviour after another until stopped; the longest gap between two."""
  var _last: U64
  var _max_gap: U64 = 0
  var _ticks: USize = 0
  var _stopped: Bool = false

  new create(start: U64) =>
    _last = start
    tick()

  be tick() =>
    if not _stopped then
      _mark()
      tick()
    end

  be stop(race: _SlowCallRace) =>
    _mark()
    _stopped = true
    race.ticked(_ticks, _max_gap)

  fun ref _mark() =>
    let now = Time.nanos()
    _max_gap = _max_gap.max(now - _last)
    _last = now
    _ticks = _ticks + 1

actor \nodoc\ _Collect is PyReceiver
  """
  Collects the results of `expected` requests (tokens 1..expected), then runs
  `check` on them. A token delivered twice fails the test.
  """
  let _h: TestHelper
  let _expected: USize
  let _check: {(TestHelper, Map[U64, PyResult] box, _Collect)} val
  let _results: Map[U64, PyResult] = _results.create()

  new create(
    h: TestHelper,
    expected: USize,
    check: {(TestHelper, Map[U64, PyResult] box, _Collect)} val)
  =>
    _h = h
    _expected = expected
    _check = check

  be py_result(token: U64, result: PyResult) =>
    if _results.contains(token) then
      _h.fail("token " + token.string() + " delivered twice")
    end
    _results(token) = result
    if _results.size() == _expected then _check(_h, _results, this) end

  be add(token: U64, result: PyResult) =>
    """For results that come through a promise."""
    py_result(token, result)

primitive \nodoc\ _Expect
  """Checks on collected results."""
  fun value(h: TestHelper, r: Map[U64, PyResult] box, token: U64, want: String,
    loc: SourceLoc = __loc)
  =>
    """The result of `token` is a value whose PyValues.string() is `want`."""
    match try r(token)? else PyError._pony(PyErrPanic, "missing") end
    | let e: PyError =>
      h.fail(_Where(loc) + "token " + token.string() + ": " + e.string())
    | let v: PyValue =>
      h.assert_eq[String](want, PyValues.string(v),
        _Where(loc) + "token " + token.string())
    end

  fun fails(h: TestHelper, r: Map[U64, PyResult] box, token: U64,
    code: PyErrorCode, loc: SourceLoc = __loc): PyError
  =>
    """The result of `token` is a PyError of `code`."""
    match try r(token)? else PyError._pony(PyErrPanic, "missing") end
    | let e: PyError =>
      h.assert_eq[String](code.string(), e.code.string(),
        _Where(loc) + "token " + token.string() + ": " + e.string())
      e
    | let v: PyValue =>
      h.fail(_Where(loc) + "token " + token.string() + " succeeded ("
        + PyValues.string(v) + "), expected " + code.string())
      PyError._pony(PyErrPanic, "succeeded")
    end

class \nodoc\ iso _TestAsyncValues is _PyTest
  """
  Results of every kind, arguments of every kind, a Python exception with its
  type, message and traceback, a result that is no portable value, and
  arguments refused before any worker sees them.
  """
  fun name(): String => "async/values, exceptions, refused arguments"

  fun ref apply(h: TestHelper) ? =>
    let echo = _Py.define(h, [
      "def boom(what):"
      "    raise ValueError('bad ' + what)"
      "def echo(*args):"
      "    return args"
      "def kinds():"
      "    return [None, True, -5, 2.5, 'h\\u00e9', b'\\x00a', [1, [2]], (3,)]"
      "def opaque():"
      "    return object()"
      "def huge():"
      "    return 2 ** 70"
    ], "echo")?
    h.long_test(30_000_000_000)
    let queue = PyQueue
    let c = _Collect(h, 14, {(h: TestHelper, r: Map[U64, PyResult] box, c: _Collect) =>
      let e = _Expect.fails(h, r, 1, PyErrPython)
      h.assert_eq[String]("ValueError: bad value", e.string())
      h.assert_true(e.traceback_text().contains("in boom"), e.traceback_text())
      _Expect.value(h, r, 2, "[None, True, -5, 2.5, 'h\u00e9', b'\\x00a', "
        + "[1, [2]], [3]]")
      _Expect.value(h, r, 3, "[1, 'x', 2.5, True, None, b'\\x00a', [1, 'y'], "
        + "7, -3, 9223372036854775807]")
      _Expect.fails(h, r, 4, PyErrType)
      _Expect.fails(h, r, 5, PyErrOverflow)
      _Expect.value(h, r, 6, "[2]")
      _Expect.fails(h, r, 7, PyErrInvalidArgument)
      _Expect.fails(h, r, 8, PyErrInvalidArgument)
      _Expect.fails(h, r, 9, PyErrOverflow)
      _Expect.fails(h, r, 10, PyErrInvalidUTF8)
      _Expect.fails(h, r, 11, PyErrInvalidArgument)
      h.assert_eq[String]("ModuleNotFoundError",
        _Py.type_of(_Expect.fails(h, r, 12, PyErrPython)))
      _Expect.value(h, r, 13, "5.0")
      _Expect.value(h, r, 14, "[]")
      queue.dispose()
      h.complete(true)
    } val)
    queue.call_function_for(c, 1, "__main__", "boom", [as PyArg: "value"])
    queue.call_function_for(c, 2, "__main__", "kinds")
    queue.call_function_for(c, 3, "__main__", "echo", [as PyArg:
      I64(1); "x"; F64(2.5); true; None; recover val [as U8: 0; 97] end
      recover val [as PyScalar: I64(1); "y"] end; U8(7); I128(-3)
      U64(I64.max_value().u64())])
    queue.call_function_for(c, 4, "__main__", "opaque")
    queue.call_function_for(c, 5, "__main__", "huge")
    queue.call_for(c, 6, echo, [as PyArg: I64(2)])
    // Refused before any worker sees them.
    queue.call_for(c, 7, echo, [as PyArg: echo])
    queue.call_for(c, 8, echo, [as PyArg:
      recover val Map[String, PyScalar] .> update("k", I64(1)) end])
    queue.call_for(c, 9, echo, [as PyArg: U64.max_value()])
    queue.call_for(c, 10, echo, [as PyArg:
      recover val String.from_array([as U8: 0xFF]) end])
    queue.call_function_for(c, 11, "__main__\x00", "echo")
    queue.call_function_for(c, 12, "no_such_module_here", "f")
    // Through a promise.
    queue.call_function("math", "hypot", [as PyArg: F64(3); F64(4)])
      .next[None]({(r: PyResult) => c.add(13, r)})
    queue.call(echo).next[None]({(r: PyResult) => c.add(14, r)})

class \nodoc\ iso _TestAsyncBadQueue is UnitTest
  """A queue with 0 or 65 workers: every request fails with the reason."""
  fun name(): String => "async/bad worker count"

  fun ref apply(h: TestHelper) =>
    h.long_test(10_000_000_000)
    let c = _Collect(h, 3, {(h: TestHelper, r: Map[U64, PyResult] box, c: _Collect) =>
      let e = _Expect.fails(h, r, 1, PyErrInvalidArgument)
      h.assert_true(e.message.contains("workers"), e.message)
      _Expect.fails(h, r, 2, PyErrInvalidArgument)
      _Expect.fails(h, r, 3, PyErrInvalidArgument)
      h.complete(true)
    } val)
    let none = PyQueue(0)
    none.call_function_for(c, 1, "math", "hypot")
    none.finalize().next[None]({(r: (None | PyError)) =>
      match r
      | let e: PyError => c.add(2, e)
      else c.add(2, None)
      end
    })
    let many = PyQueue(65)
    many.call_function_for(c, 3, "math", "hypot")
    none.dispose()
    many.dispose()

actor \nodoc\ _WaitFor
  """
  Evaluates a Python expression (a short blocking call) once per behaviour
  until it is true, then runs `next`: to know that a request has started.
  """
  let _h: TestHelper
  let _expr: String
  let _next: {()} val
  var _left: USize = 5000

  new create(h: TestHelper, expr: String, next: {()} val) =>
    _h = h
    _expr = expr
    _next = next
    poll()

  be poll() =>
    match Python.eval(_expr)
    | let o: PyObject =>
      match o.to_bool()
      | let b: Bool => if b then _next(); return end
      | let e: PyError => _h.fail(_expr + ": " + e.string()); return
      end
    | let e: PyError => _h.fail(_expr + ": " + e.string()); return
    end
    _left = _left - 1
    if _left == 0 then _h.fail("never true: " + _expr) else poll() end

primitive \nodoc\ _Started
  """Python functions that say when they started, in `__main__`."""
  fun lines(): Array[String] val =>
    [ "import threading, time"
      "started = threading.Event()"
      "def slow(seconds, result):"
      "    started.set()"
      "    time.sleep(seconds)"
      "    return result"
    ]

class \nodoc\ iso _TestAsyncCancel is _PyTest
  """
  With one worker busy, a queued request is cancelled by its receiver and
  token, another by its promise: both complete with PyErrCancelled; the
  running one completes as usual, and cancelling it afterwards does nothing.
  """
  fun name(): String => "async/cancel"

  fun ref apply(h: TestHelper) ? =>
    _Py.define(h, _Started.lines(), "slow")?
    h.long_test(30_000_000_000)
    let queue = PyQueue(1)
    let c = _Collect(h, 3, {(h: TestHelper, r: Map[U64, PyResult] box, c: _Collect) =>
      _Expect.value(h, r, 1, "7")
      let e = _Expect.fails(h, r, 2, PyErrCancelled)
      h.assert_true(e.message.contains("cancelled"), e.message)
      _Expect.fails(h, r, 3, PyErrCancelled)
      // Already delivered: nothing happens. A second delivery would reach
      // the collector (and fail the test) before the dispose promise is
      // fulfilled: Pony delivers messages in causal order.
      queue.cancel_for(c, 1)
      let done = Promise[None]
      done.next[None]({(n: None) => h.complete(true)})
      queue.dispose(done)
    } val)
    queue.call_function_for(c, 1, "__main__", "slow", [as PyArg: F64(0.2); I64(7)])
    queue.call_function_for(c, 2, "__main__", "slow", [as PyArg: F64(0); I64(8)])
    let p = queue.call_function("__main__", "slow", [as PyArg: F64(0); I64(9)])
    p.next[None]({(r: PyResult) => c.add(3, r)})
    queue.cancel_for(c, 2)
    queue.cancel(p)

class \nodoc\ iso _TestAsyncDispose is _PyTest
  """
  Dispose while a request runs and another waits: the waiting one completes
  with PyErrCancelled, the running one with its result, then the dispose
  promise is fulfilled; requests afterwards fail with PyErrInvalidHandle;
  disposing again is harmless.
  """
  fun name(): String => "async/dispose with requests in flight"

  fun ref apply(h: TestHelper) ? =>
    _Py.define(h, _Started.lines(), "slow")?
    h.long_test(30_000_000_000)
    let queue = PyQueue(1)
    let c = _DisposeCheck(h, queue)
    queue.call_function_for(c, 1, "__main__", "slow", [as PyArg: F64(0.2); "done"])
    queue.call_function_for(c, 2, "__main__", "slow", [as PyArg: F64(0); "never"])
    _WaitFor(h, "started.is_set()", {()(c, queue) =>
      let done = Promise[None]
      done.next[None]({(n: None)(c) => c.disposed()})
      queue.dispose(done)
    } val)

actor \nodoc\ _DisposeCheck is PyReceiver
  let _h: TestHelper
  let _queue: PyQueue
  let _results: Map[U64, PyResult] = _results.create()
  var _disposed: Bool = false

  new create(h: TestHelper, queue: PyQueue) =>
    _h = h
    _queue = queue

  be py_result(token: U64, result: PyResult) =>
    _results(token) = result
    if token == 3 then
      let e = _Expect.fails(_h, _results, 3, PyErrInvalidHandle)
      _h.assert_true(e.message.contains("disposed"), e.message)
      let again = Promise[None]
      again.next[None]({(n: None)(h = _h) => h.complete(true)})
      _queue.dispose(again)
    end

  be disposed() =>
    // Causal order: the queue delivered both results before it fulfilled the
    // dispose promise.
    _h.assert_eq[USize](2, _results.size())
    _Expect.value(_h, _results, 1, "'done'")
    _Expect.fails(_h, _results, 2, PyErrCancelled)
    _queue.call_function_for(this, 3, "math", "hypot")

class \nodoc\ iso _TestAsyncAfterFinalize is _PyTest
  """
  After `Python.finalize`, requests fail at once with PyFinalized: a call, a
  module function, an async finalize. Nothing hangs.
  """
  fun name(): String => "async/requests after finalize"

  fun ref apply(h: TestHelper) ? =>
    let echo = _Py.define(h, ["def echo(*a):"; "    return a"], "echo")?
    _Ok[None](h, Python.finalize())?
    h.long_test(10_000_000_000)
    let queue = PyQueue
    let c = _Collect(h, 3, {(h: TestHelper, r: Map[U64, PyResult] box, c: _Collect) =>
      _Expect.fails(h, r, 1, PyFinalized)
      _Expect.fails(h, r, 2, PyFinalized)
      _Expect.fails(h, r, 3, PyFinalized)
      queue.dispose()
      h.complete(true)
    } val)
    queue.call_for(c, 1, echo, [as PyArg: I64(1)])
    queue.call_function_for(c, 2, "math", "hypot")
    queue.finalize().next[None]({(r: (None | PyError)) =>
      match r
      | let e: PyError => c.add(3, e)
      else c.add(3, None)
      end
    })

class \nodoc\ iso _TestAsyncFinalizeReinit is _PyTest
  """
  `PyQueue.finalize` with a call in flight on the other worker: the call
  completes with its result, then Python is down; a request after it fails
  with PyFinalized; after `Python.init` the same queue runs calls again.
  """
  fun name(): String => "async/finalize with a call in flight, then re-init"

  fun ref apply(h: TestHelper) ? =>
    _Py.define(h, _Started.lines(), "slow")?
    h.long_test(30_000_000_000)
    let queue = PyQueue(2)
    let c = _ReinitCheck(h, queue)
    queue.call_function_for(c, 1, "__main__", "slow", [as PyArg: F64(0.2); I64(42)])
    _WaitFor(h, "started.is_set()", {()(c, queue) =>
      queue.finalize().next[None]({(r: (None | PyError))(c) => c.finalized(r)})
    } val)

actor \nodoc\ _ReinitCheck is PyReceiver
  let _h: TestHelper
  let _queue: PyQueue
  let _results: Map[U64, PyResult] = _results.create()
  var _finalized: Bool = false

  new create(h: TestHelper, queue: PyQueue) =>
    _h = h
    _queue = queue

  be finalized(r: (None | PyError)) =>
    match r
    | let e: PyError => _h.fail("async finalize: " + e.string())
    end
    _h.assert_false(Python.is_initialized())
    _finalized = true
    _queue.call_function_for(this, 2, "math", "hypot", [as PyArg: F64(3); F64(4)])

  be py_result(token: U64, result: PyResult) =>
    _results(token) = result
    match token
    | 1 => _Expect.value(_h, _results, 1, "42")
    | 2 =>
      _h.assert_true(_finalized)
      _h.assert_true(_results.contains(1), "the call in flight was delivered")
      _Expect.fails(_h, _results, 2, PyFinalized)
      match Python.init()
      | let e: PyError => _h.fail("init again: " + e.string())
      end
      _queue.call_function_for(this, 3, "math", "hypot",
        [as PyArg: F64(3); F64(4)])
    | 3 =>
      _Expect.value(_h, _results, 3, "5.0")
      _queue.dispose()
      _h.complete(true)
    end
