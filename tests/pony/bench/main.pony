"""
bench-pony: async calls through a PyQueue vs blocking calls from behaviours, in
the same run. Not a test: it prints numbers and ratios, and enforces nothing.

  make bench-pony                 (builds lib/, compiles this with ponyc, runs it)
  bench [--actors 64] [--calls 2000] [--latency-calls 2000] [--runs 3]
        [--workers 1] [--inflight 4]

The callable is `noop = lambda: None`: the work measured is gilstuff's and
Pony's, not Python's.

* throughput, 64 actors x N calls each:
  - blocking: each actor calls `noop.invoke()` once per behaviour (the
    threaded-counter pattern), holding its scheduler thread while it waits
    for the GIL;
  - async: each actor submits `noop` with `PyQueue.call_for` and submits the
    next one from its `py_result` behaviour (1 request in flight per actor),
    then with `--inflight` requests in flight per actor;
* latency, one actor, one call after the other: the time per call of the
  blocking path and of the async round trip (submit, worker, eventfd, ASIO,
  delivery), the difference being the latency the async path adds per call;
  once through a PyReceiver, once through a Promise.

Each measurement runs `--runs` times (phases interleaved); the median is
printed, with the smallest and largest run in brackets.

For comparison, `make bench-async` measures the same C queue without Pony:
there a round trip costs a few microseconds. What the Pony path adds on top is
the runtime's: a message to the PyQueue actor, the ASIO thread's epoll wake-up
and its message back, and scheduler threads that went idle between calls and
must be woken (on a 2-vCPU machine they also compete with the queue's worker
thread for the CPUs).
"""
use "collections"
use "format"
use "gilstuff"
use "promises"
use "time"

use @pony_schedulers[U32]()

actor Main
  new create(env: Env) =>
    let o = _Options(env)
    if o.bad then
      env.err.print("usage: bench [--actors N] [--calls N] [--latency-calls N] "
        + "[--runs N] [--workers N] [--inflight N]")
      env.exitcode(2)
      return
    end
    match Python.init()
    | let e: PyError =>
      env.err.print("bench-pony: init: " + e.string())
      env.exitcode(1)
      return
    end
    match Python.eval("lambda: None")
    | let noop: PyObject => _Bench(env, o, noop, PyQueue(o.workers))
    | let e: PyError =>
      env.err.print("bench-pony: " + e.string())
      env.exitcode(1)
      Python.finalize()
    end

class val _Options
  var actors: USize = 64
  var calls: USize = 2000
  var latency_calls: USize = 2000
  var runs: USize = 3
  var workers: USize = 1
  var inflight: USize = 4
  var bad: Bool = false

  new val create(env: Env) =>
    let args = env.args
    var i: USize = 1
    try
      while i < args.size() do
        let v = args(i + 1)?.usize()?
        match args(i)?
        | "--actors" => actors = v
        | "--calls" => calls = v
        | "--latency-calls" => latency_calls = v
        | "--runs" => runs = v.max(1)
        | "--workers" => workers = v
        | "--inflight" => inflight = v.max(1)
        else bad = true
        end
        i = i + 2
      end
    else
      bad = true
    end

primitive _Blocking
primitive _Async
primitive _Promised
type _Kind is (_Blocking | _Async | _Promised)

class val _Phase
  let name: String
  let kind: _Kind
  let actors: USize
  let calls: USize
  let inflight: USize

  new val create(name': String, kind': _Kind, actors': USize, calls': USize,
    inflight': USize = 1)
  =>
    name = name'
    kind = kind'
    actors = actors'
    calls = calls'
    inflight = inflight'

  fun total(): USize => actors * calls

actor _Bench
  """Runs every phase `runs` times, interleaved, then prints the medians."""
  let _env: Env
  let _o: _Options
  let _noop: PyObject
  let _queue: PyQueue
  let _phases: Array[_Phase] val
  let _ns: Array[Array[U64]] = _ns.create()
  var _run: USize = 0
  var _phase: USize = 0
  var _failed: Bool = false

  new create(env: Env, o: _Options, noop: PyObject, queue: PyQueue) =>
    _env = env
    _o = o
    _noop = noop
    _queue = queue
    _phases = recover val
      [ _Phase("blocking", _Blocking, o.actors, o.calls)
        _Phase("async", _Async, o.actors, o.calls)
        _Phase("async-window", _Async, o.actors, o.calls, o.inflight)
        _Phase("lat-blocking", _Blocking, 1, o.latency_calls)
        _Phase("lat-async", _Async, 1, o.latency_calls)
        _Phase("lat-promise", _Promised, 1, o.latency_calls) ]
    end
    for p in _phases.values() do _ns.push(Array[U64]) end
    let pyv = Python.python_version()
    let version = try pyv.split(" ")(0)? else pyv end
    _env.out.print("bench-pony: CPython " + version + ", "
      + @pony_schedulers().string()
      + " scheduler threads, PyQueue with " + o.workers.string()
      + " worker(s), median of " + o.runs.string() + " runs")
    _start()

  fun ref _start() =>
    try
      let p = _phases(_phase)?
      let t0 = Time.nanos()
      match p.kind
      | _Blocking => _BlockingRun(this, p, _noop, t0)
      | _Async => _AsyncRun(this, p, _noop, _queue, t0)
      | _Promised => _PromiseCaller(this, p, _noop, _queue, t0)
      end
    end

  be finished(ns: U64, failure: (PyError | None)) =>
    match failure
    | let e: PyError =>
      _env.err.print("bench-pony: a call failed: " + e.string())
      _failed = true
    end
    try _ns(_phase)?.push(ns) end
    _phase = _phase + 1
    if _phase == _phases.size() then
      _phase = 0
      _run = _run + 1
    end
    if (_run < _o.runs) and not _failed then _start() else _report() end

  fun _median(i: USize): F64 =>
    """Median nanoseconds per call of phase `i`."""
    try
      let p = _phases(i)?
      let sorted = Sort[Array[U64], U64](_ns(i)?.clone())
      sorted(sorted.size() / 2)?.f64() / p.total().f64()
    else
      0
    end

  fun _spread(i: USize): String =>
    """`  [min–max]` ns per call of phase `i` over the runs (this VM is noisy)."""
    try
      let p = _phases(i)?
      let sorted = Sort[Array[U64], U64](_ns(i)?.clone())
      let f = {(ns: U64): String =>
        Format.float[F64](ns.f64() / p.total().f64() where fmt = FormatFix,
          prec = 0)}
      "  [" + f(sorted(0)?) + "-" + f(sorted(sorted.size() - 1)?) + "]"
    else
      ""
    end

  fun _line(label: String, ns: F64, extra: String = ""): String =>
    let n: String = Format.float[F64](ns where fmt = FormatFix, prec = 0, width = 9)
    let rate: String = Format.float[F64](1e9 / ns where fmt = FormatFix, prec = 0, width = 10)
    label + n + " ns/call " + rate + " calls/s" + extra

  fun ref _report() =>
    if not _failed then
      let o = _o
      let b = _median(0)
      let a = _median(1)
      let w = _median(2)
      let lb = _median(3)
      let la = _median(4)
      let lp = _median(5)
      let r = {(x: F64, y: F64): String =>
        "  (" + Format.float[F64](x / y where prec = 2) + "x blocking)"}
      _env.out.print("[1] throughput, " + o.actors.string() + " actors x "
        + o.calls.string() + " calls")
      _env.out.print(_line("    blocking noop.invoke() per behaviour:      ", b,
        _spread(0)))
      _env.out.print(_line("    async call_for, 1 in flight per actor:     ", a,
        r(a, b) + _spread(1)))
      _env.out.print(_line("    async call_for, " + o.inflight.string()
        + " in flight per actor:     ", w, r(w, b) + _spread(2)))
      _env.out.print("[2] latency, one actor, " + o.latency_calls.string()
        + " calls one after the other")
      _env.out.print(_line("    blocking noop.invoke() per behaviour:      ", lb,
        _spread(3)))
      _env.out.print(_line("    async round trip, PyReceiver:              ", la,
        "  -> latency added " + Format.float[F64](la - lb where fmt = FormatFix, prec = 0)
        + " ns/call" + _spread(4)))
      _env.out.print(_line("    async round trip, Promise:                 ", lp,
        "  -> latency added " + Format.float[F64](lp - lb where fmt = FormatFix, prec = 0)
        + " ns/call" + _spread(5)))
    end
    _queue.dispose()
    match Python.finalize()
    | let e: PyError => _env.err.print("bench-pony: finalize: " + e.string())
    end
    if _failed then _env.exitcode(1) end

actor _BlockingRun
  """`actors` actors, each calling noop.invoke() once per behaviour."""
  let _bench: _Bench
  let _t0: U64
  var _left: USize
  var _failure: (PyError | None) = None

  new create(bench: _Bench, p: _Phase, noop: PyObject, t0: U64) =>
    _bench = bench
    _t0 = t0
    _left = p.actors
    for i in Range(0, p.actors) do _BlockingCaller(this, noop, p.calls) end

  be done(failure: (PyError | None)) =>
    match failure | let e: PyError => _failure = e end
    _left = _left - 1
    if _left == 0 then _bench.finished(Time.nanos() - _t0, _failure) end

actor _BlockingCaller
  let _run: _BlockingRun
  let _noop: PyObject
  var _left: USize

  new create(run: _BlockingRun, noop: PyObject, calls: USize) =>
    _run = run
    _noop = noop
    _left = calls
    step()

  be step() =>
    match _noop.invoke()
    | let e: PyError => _run.done(e)
    else
      _left = _left - 1
      if _left > 0 then step() else _run.done(None) end
    end

actor _AsyncRun
  """
  `actors` actors, each submitting noop to the queue with `inflight`
  requests in flight, the next one from each `py_result` behaviour.
  """
  let _bench: _Bench
  let _t0: U64
  var _left: USize
  var _failure: (PyError | None) = None

  new create(bench: _Bench, p: _Phase, noop: PyObject, queue: PyQueue,
    t0: U64)
  =>
    _bench = bench
    _t0 = t0
    _left = p.actors
    for i in Range(0, p.actors) do
      _AsyncCaller(this, noop, queue, p.calls, p.inflight)
    end

  be done(failure: (PyError | None)) =>
    match failure | let e: PyError => _failure = e end
    _left = _left - 1
    if _left == 0 then _bench.finished(Time.nanos() - _t0, _failure) end

actor _AsyncCaller is PyReceiver
  let _run: _AsyncRun
  let _noop: PyObject
  let _queue: PyQueue
  var _to_submit: USize
  var _to_receive: USize
  var _failure: (PyError | None) = None

  new create(run: _AsyncRun, noop: PyObject, queue: PyQueue, calls: USize,
    inflight: USize)
  =>
    _run = run
    _noop = noop
    _queue = queue
    _to_submit = calls
    _to_receive = calls
    for i in Range(0, inflight.min(calls)) do _submit() end

  fun ref _submit() =>
    _to_submit = _to_submit - 1
    _queue.call_for(this, 0, _noop)

  be py_result(token: U64, result: PyResult) =>
    match result | let e: PyError => _failure = e end
    _to_receive = _to_receive - 1
    if _to_submit > 0 then _submit() end
    if _to_receive == 0 then _run.done(_failure) end

actor _PromiseCaller
  """One actor, one call at a time, each result through a Promise."""
  let _bench: _Bench
  let _noop: PyObject
  let _queue: PyQueue
  let _t0: U64
  var _left: USize
  var _failure: (PyError | None) = None

  new create(bench: _Bench, p: _Phase, noop: PyObject, queue: PyQueue,
    t0: U64)
  =>
    _bench = bench
    _noop = noop
    _queue = queue
    _t0 = t0
    _left = p.calls
    _next()

  fun ref _next() =>
    let self: _PromiseCaller tag = this
    _queue.call(_noop).next[None]({(r: PyResult) => self.got(r)})

  be got(r: PyResult) =>
    match r | let e: PyError => _failure = e end
    _left = _left - 1
    if _left > 0 then _next() else _bench.finished(Time.nanos() - _t0, _failure) end
