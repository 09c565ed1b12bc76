"""
The threaded counter on Pony: N Incrementer actors each call `thing.inc()`
1,000 times, one behaviour per call, through one shared interpreter; when all
are done the Counter prints the count and finalizes Python, from whichever
scheduler thread runs that behaviour.

  make pony-lib
  ponyc --path="$PWD/lib" examples/pony/threaded-counter
  cd examples/pony/threaded-counter && ../../../threaded-counter 8
  cd examples/pony/threaded-counter && ../../../threaded-counter --async 8

Two modes:

* blocking (the default): each behaviour calls `inc.invoke()`, which waits for
  the GIL on its scheduler thread;
* `--async`: each actor submits `inc` to a PyQueue and gets the result as a
  `py_result` behaviour; a worker thread of the library runs the calls, and no
  scheduler thread ever waits for the GIL. The total is read with
  `thing.get()` and Python is finalized through the queue as well.

`thing.py` sits next to this file; the program puts "." in front of
`sys.path`, so run it from this folder.
"""
use "collections"
use "gilstuff"

actor Main
  new create(env: Env) =>
    var actors: USize = 8
    var async = false
    for arg in env.args.slice(1).values() do
      if arg == "--async" then
        async = true
      else
        try actors = arg.usize()? else
          env.err.print("usage: threaded-counter [--async] [actors]")
          env.exitcode(2)
          return
        end
      end
    end
    match _Load()
    | (let thing: PyObject, let inc: PyObject) =>
      if async then
        AsyncCounter(env, PyQueue, inc, actors, 1000)
      else
        Counter(env, thing, inc, actors, 1000)
      end
    | let e: PyError =>
      env.err.print("starting Python failed: " + e.string())
      env.exitcode(1)
      Python.finalize()
    end

primitive _Load
  """
  Starts Python and looks up what the Counter needs, so that the Counter gets
  both PyObjects in its constructor and keeps them in `let` fields: no
  `(PyObject | None)` field, no partial constructor.
  """
  fun apply(): ((PyObject, PyObject) | PyError) =>
    match Python.init(where sys_path = ["."]) | let e: PyError => return e end
    let thing =
      match Python.import("thing")
      | let m: PyObject => m
      | let e: PyError => return e
      end
    match thing.getattr("inc")
    | let inc: PyObject => (thing, inc)
    | let e: PyError => e
    end

actor Counter
  """Starts the Incrementers, collects their results, reads the count."""
  let _env: Env
  let _thing: PyObject
  let _actors: USize
  let _calls: USize
  var _done: USize = 0
  var _failed: Bool = false

  new create(
    env: Env,
    thing: PyObject,
    inc: PyObject,
    actors: USize,
    calls: USize)
  =>
    _env = env
    _thing = thing
    _actors = actors
    _calls = calls
    // One PyObject shared by every actor: it is `val`, and gilstuff takes the
    // GIL for each call, so no actor needs its own.
    for i in Range(0, actors) do
      Incrementer(this, inc, calls)
    end
    if actors == 0 then _finish() end

  be done(failure: (PyError | None)) =>
    match failure
    | let e: PyError => _fail("thing.inc()", e)
    end
    _done = _done + 1
    if _done == _actors then _finish() end

  fun ref _finish() =>
    let total =
      match _thing.getattr("x")
      | let x: PyObject => x.to_i64()
      | let e: PyError => e
      end
    match total
    | let n: I64 =>
      _env.out.print("actors=" + _actors.string() + " calls_per_actor="
        + _calls.string() + " total=" + n.string())
      if n != (_actors * _calls).i64() then _failed = true end
    | let e: PyError => _fail("reading thing.x", e)
    end
    // Any thread may finalize: this behaviour runs on whichever scheduler
    // thread picked the Counter up. PyObjects still alive (like _thing) are
    // released by their _final after this, which then only frees the handles.
    match Python.finalize()
    | let e: PyError => _fail("finalizing Python", e)
    end
    if _failed then _env.exitcode(1) end

  fun ref _fail(what: String, e: PyError) =>
    _env.err.print(what + " failed: " + e.string())
    _failed = true

actor Incrementer
  """
  Calls `inc` once per behaviour, so that between two calls the actor may move
  to another scheduler thread and other actors get their turn.
  """
  let _counter: Counter
  let _inc: PyObject
  var _left: USize

  new create(counter: Counter, inc: PyObject, calls: USize) =>
    _counter = counter
    _inc = inc
    _left = calls
    if calls == 0 then counter.done(None) else step() end

  be step() =>
    // invoke: the call's result is dropped inside the C call, so no PyObject
    // is left for the collector to release later.
    match _inc.invoke()
    | None =>
      _left = _left - 1
      if _left > 0 then step() else _counter.done(None) end
    | let e: PyError => _counter.done(e)
    end

actor AsyncCounter is PyReceiver
  """
  The `--async` mode: starts the AsyncIncrementers, collects their results,
  then reads the count and finalizes Python through the same PyQueue, so
  that no behaviour of this program waits for the GIL after startup.
  """
  let _env: Env
  let _queue: PyQueue
  let _actors: USize
  let _calls: USize
  var _done: USize = 0
  var _failed: Bool = false

  new create(
    env: Env,
    queue: PyQueue,
    inc: PyObject,
    actors: USize,
    calls: USize)
  =>
    _env = env
    _queue = queue
    _actors = actors
    _calls = calls
    for i in Range(0, actors) do
      AsyncIncrementer(this, queue, inc, calls)
    end
    if actors == 0 then _finish() end

  be done(failure: (PyError | None)) =>
    match failure
    | let e: PyError => _fail("thing.inc()", e.string())
    end
    _done = _done + 1
    if _done == _actors then _finish() end

  fun ref _finish() =>
    _queue.call_function_for(this, 0, "thing", "get")

  be py_result(token: U64, result: PyResult) =>
    match result
    | let n: I64 =>
      _env.out.print("actors=" + _actors.string() + " calls_per_actor="
        + _calls.string() + " total=" + n.string() + " mode=async")
      if n != (_actors * _calls).i64() then _failed = true end
    | let e: PyError => _fail("thing.get()", e.string())
    | let v: PyValue => _fail("thing.get()", "not an int: " + PyValues.string(v))
    end
    let self: AsyncCounter tag = this
    _queue.finalize().next[None]({(r: (None | PyError)) => self.finalized(r)})

  be finalized(result: (None | PyError)) =>
    match result
    | let e: PyError => _fail("finalizing Python", e.string())
    end
    // The queue's worker threads end once no request is left.
    _queue.dispose()
    if _failed then _env.exitcode(1) end

  fun ref _fail(what: String, why: String) =>
    _env.err.print(what + " failed: " + why)
    _failed = true

actor AsyncIncrementer is PyReceiver
  """
  Submits `inc` to the queue, one request at a time; each result arrives as a
  `py_result` behaviour, which submits the next.
  """
  let _counter: AsyncCounter
  let _queue: PyQueue
  let _inc: PyObject
  var _left: USize

  new create(counter: AsyncCounter, queue: PyQueue, inc: PyObject,
    calls: USize)
  =>
    _counter = counter
    _queue = queue
    _inc = inc
    _left = calls
    if calls == 0 then counter.done(None) else queue.call_for(this, 0, inc) end

  be py_result(token: U64, result: PyResult) =>
    match result
    | let e: PyError => _counter.done(e)
    else
      _left = _left - 1
      if _left > 0 then _queue.call_for(this, 0, _inc) else _counter.done(None) end
    end
