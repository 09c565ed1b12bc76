"""
The threaded counter on Pony: Main starts Python, N Incrementer actors each call
`thing.inc()` 1,000 times, one behaviour per call, and when all are done Main prints
the count and finalizes Python, from whichever scheduler thread runs that behaviour.

  make pony-lib
  ponyc --path="$PWD/lib" examples/pony/threaded-counter
  cd examples/pony/threaded-counter && ../../../threaded-counter 8

`thing.py` sits next to this file; the program puts "." in front of `sys.path`, so
run it from this folder (or set PYTHONPATH).
"""
use "collections"
use "gilstuff"

actor Main
  let _env: Env
  let _actors: USize
  let _calls: USize = 1000
  var _done: USize = 0
  var _failed: Bool = false
  var _thing: (PyObject | None) = None

  new create(env: Env) =>
    _env = env
    _actors = try env.args(1)?.usize()? else 8 end
    match Python.init(where sys_path = ".")
    | let e: PyError => _fail("starting Python", e)
    else
      _start()
    end

  fun ref _start() =>
    match Python.import("thing")
    | let thing: PyObject =>
      _thing = thing
      match thing.getattr("inc")
      | let inc: PyObject =>
        // One PyObject shared by every actor: it is `val`, and gilstuff takes the GIL
        // for each call, so no actor needs its own.
        for i in Range(0, _actors) do
          Incrementer(this, inc, _calls)
        end
        if _actors == 0 then _finish() end
      | let e: PyError => _fail("thing.inc", e)
      end
    | let e: PyError => _fail("import thing", e)
    end

  be done(failure: (PyError | None)) =>
    match failure
    | let e: PyError => _report("thing.inc()", e); _failed = true
    end
    _done = _done + 1
    if _done == _actors then _finish() end

  fun ref _finish() =>
    let total: (I64 | PyError) =
      match _thing
      | let thing: PyObject =>
        match thing.getattr("x")
        | let x: PyObject => x.to_i64()
        | let e: PyError => e
        end
      else I64(-1)
      end
    match total
    | let n: I64 =>
      _env.out.print("actors=" + _actors.string() + " calls_per_actor=" + _calls.string()
        + " total=" + n.string())
      if n != (_actors * _calls).i64() then _failed = true end
    | let e: PyError => _report("reading thing.x", e); _failed = true
    end
    // Any thread may finalize: this behaviour runs on whichever scheduler thread
    // picked Main up. PyObjects still alive (like _thing) are released by their
    // _final after this, which then only frees the handles.
    match Python.finalize()
    | let e: PyError => _report("finalizing Python", e); _failed = true
    end
    if _failed then _env.exitcode(1) end

  fun ref _fail(what: String, e: PyError) =>
    _report(what, e)
    _env.exitcode(1)
    Python.finalize()

  fun _report(what: String, e: PyError) =>
    _env.err.print(what + " failed: " + e.string())

actor Incrementer
  """Calls `inc` once per behaviour, so that between two calls the actor may move to
  another scheduler thread and other actors get their turn."""
  let _main: Main
  let _inc: PyObject
  var _left: USize

  new create(main: Main, inc: PyObject, calls: USize) =>
    _main = main
    _inc = inc
    _left = calls
    if calls == 0 then main.done(None) else step() end

  be step() =>
    // invoke: the call's result is dropped inside the C call, so no PyObject is left
    // for the collector to release later.
    match _inc.invoke()
    | None =>
      _left = _left - 1
      if _left > 0 then step() else _main.done(None) end
    | let e: PyError => _main.done(e)
    end
