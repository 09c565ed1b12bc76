"""
The threaded counter on Pony: N Incrementer actors each call `thing.inc()`
1,000 times, one behaviour per call, through one shared interpreter; when all
are done the Counter prints the count and finalizes Python, from whichever
scheduler thread runs that behaviour.

  make pony-lib
  ponyc --path="$PWD/lib" examples/pony/threaded-counter
  cd examples/pony/threaded-counter && ../../../threaded-counter 8

`thing.py` sits next to this file; the program puts "." in front of
`sys.path`, so run it from this folder.
"""
use "collections"
use "gilstuff"

actor Main
  new create(env: Env) =>
    let actors = try env.args(1)?.usize()? else 8 end
    match _Load()
    | (let thing: PyObject, let inc: PyObject) =>
      Counter(env, thing, inc, actors, 1000)
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
