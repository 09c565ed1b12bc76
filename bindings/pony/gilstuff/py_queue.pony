use "collections"
use "promises"

interface tag PyReceiver
  """
  An actor that takes the results of asynchronous calls made with
  `PyQueue.call_for` and `PyQueue.call_function_for`: each arrives as one
  `py_result` behaviour, with the token the request was given. Cheaper than a
  Promise (one message, no promise actor), and the result comes straight to
  the actor that asked.

  ```pony
  actor Asker is PyReceiver
    be py_result(token: U64, result: PyResult) =>
      match result
      | let n: I64 => _env.out.print(token.string() + ": " + n.string())
      | let e: PyError => _env.err.print(e.string())
      end
  ```
  """
  be py_result(token: U64, result: PyResult)
    """The outcome of the request that was given `token`."""

actor PyQueue is AsioEventNotify
  """
  Runs Python calls on worker threads of the library's own and delivers each
  result to whoever asked, so that no behaviour ever waits for the GIL or for
  a long Python call. The blocking methods of `Python` and `PyObject` hold
  their scheduler thread for as long as they wait and Python runs; a
  PyQueue's methods return at once.

  ```pony
  let queue = PyQueue
  match Python.import("time")
  | let time: PyObject =>
    match time.getattr("sleep")
    | let sleep: PyObject =>
      queue.call(sleep, [as PyArg: F64(0.3)]).next[None]({(r: PyResult) =>
        match r
        | None => env.out.print("slept")
        | let e: PyError => env.err.print(e.string())
        end
      })
    end
  end
  queue.call_function("math", "hypot", [as PyArg: F64(3); F64(4)])
    .next[None]({(r: PyResult) => env.out.print(PyValues.string(r))}) // 5.0
  ```

  A request is a callable PyObject (`call`), or a module's function by name
  (`call_function`, imported in the worker: Python caches imports), with
  PyArg arguments copied into GIL-free values; or Python's finalization
  (`finalize`). Its outcome is a `PyResult`: a `PyValue` (a copy of the
  Python result: None, Bool, I64, F64, String, bytes, PyList) or a PyError.
  Each request is delivered once, to a `Promise` the method returns, or to a
  `PyReceiver` as a behaviour call (`call_for`, `call_function_for`, cheaper).

  How it works: the C queue's worker threads run the requests and append
  completions; the queue's file descriptor (an eventfd) is readable while
  completions wait. The PyQueue subscribes it with the runtime's ASIO thread,
  as the standard library's TCPConnection subscribes a socket, and on each
  notification pops every waiting completion and delivers it. It is
  subscribed only while requests are outstanding, so that an idle PyQueue does
  not keep the program running (Pony's Timers do the same).

  What blocks: nothing that waits for Python or for a worker. Submitting
  converts the arguments and takes the C queue's lock; `dispose` frees the C
  queue only once no request runs. `PyQueue.create` starts the worker threads.

  Workers: with one (the default) requests run one at a time, in order; a
  long call delays the requests behind it, but no actor. With more, a long
  call does not hold up the others; calls that need the GIL still run one at
  a time.

  Arguments: a PyObject argument is refused with PyErrInvalidArgument
  (copying its value would need the GIL), as is a Map (the GIL-free values
  have no dict); integers must fit an I64 (PyErrOverflow). The callable of
  `call` is kept alive by the PyQueue until its request is delivered.

  Errors never hang or crash: requests after `finalize` complete with
  `PyFinalizing` or `PyFinalized`; requests cancelled before they started
  (`cancel`, `dispose`) with `PyErrCancelled`; requests made after `dispose`
  with `PyErrInvalidHandle`. A result Python cannot copy (an arbitrary object)
  is `PyErrType`.
  """
  let _q: Pointer[_GilstuffQueue] tag
  let _fd: I32
  var _broken: (PyError | None) = None
  var _event: AsioEventID = AsioEvent.none()
  // Where each outstanding request's result goes, by the user_data given to
  // the C queue at submit.
  let _pending: _Slots = _Slots
  var _disposing: Bool = false
  var _freed: Bool = false
  embed _disposed: Array[Promise[None]] = _disposed.create()
  embed _completion: _GilstuffCompletion = _GilstuffCompletion

  new create(workers: USize = 1) =>
    """
    A queue with `workers` (1 to 64) worker threads, started here. With
    another count (or if the threads cannot start) every request completes
    with the PyError that says why.
    """
    var q: Pointer[_GilstuffQueue] tag = Pointer[_GilstuffQueue]
    var fd: I32 = -1
    var err = Pointer[_GilstuffError]
    var st: U32 = @gilstuff_queue_new(workers, addressof q, addressof err)
    if st == _PyOk._code() then
      st = @gilstuff_queue_fd(q, addressof fd, addressof err)
      if st != _PyOk._code() then
        @gilstuff_queue_free(q, Pointer[Pointer[_GilstuffError]])
        q = Pointer[_GilstuffQueue]
      end
    end
    _q = q
    _fd = fd
    if st != _PyOk._code() then
      _broken = PyError._take(st, err)
      _freed = true
    end

  fun tag call(f: PyObject, args: (Array[PyArg] val | None) = None)
    : Promise[PyResult]
  =>
    """
    `f(*args)` on a worker thread; the promise is fulfilled with the result
    (copied into a PyValue) or the PyError. `f` is kept alive until then.
    """
    let p = Promise[PyResult]
    _call(f, args, _ToPromise(p))
    p

  fun tag call_function(
    module: String,
    function: String,
    args: (Array[PyArg] val | None) = None)
    : Promise[PyResult]
  =>
    """
    `module.function(*args)` on a worker thread, in the main interpreter (the
    worker imports the module; Python caches imports). As `call` otherwise.
    """
    let p = Promise[PyResult]
    _call_function(module, function, args, _ToPromise(p))
    p

  be call_for(
    receiver: PyReceiver,
    token: U64,
    f: PyObject,
    args: (Array[PyArg] val | None) = None)
  =>
    """
    `f(*args)` on a worker thread; the outcome arrives as
    `receiver.py_result(token, result)`.
    """
    _submit_call(f, args, _ToReceiver(receiver, token))

  be call_function_for(
    receiver: PyReceiver,
    token: U64,
    module: String,
    function: String,
    args: (Array[PyArg] val | None) = None)
  =>
    """
    `module.function(*args)` on a worker thread, in the main interpreter; the
    outcome arrives as `receiver.py_result(token, result)`.
    """
    _submit_function(module, function, args, _ToReceiver(receiver, token))

  fun tag finalize(): Promise[(None | PyError)] =>
    """
    `Python.finalize()` on a worker thread: no scheduler thread waits for the
    calls in flight. The promise is fulfilled once Python is down (None), or
    with the PyError `Python.finalize` would return (`PyFinalized` when it
    was down already). Requests queued behind it complete with
    `PyFinalizing` or `PyFinalized`; the PyQueue stays usable, and runs calls
    again after the next `Python.init`.
    """
    let p = Promise[(None | PyError)]
    _finalize(p)
    p

  be cancel(request: (Promise[PyResult] | Promise[(None | PyError)])) =>
    """
    Cancels the request whose promise is `request` if no worker has started
    it: it is then fulfilled with a PyError of code `PyErrCancelled`. A
    request already running (a Python call is never interrupted), delivered
    or unknown is left alone.
    """
    for p in _pending.values() do
      if p.sink.is_for(request) then _cancel(p.request); return end
    end

  be cancel_for(receiver: PyReceiver, token: U64) =>
    """
    Cancels the request made for `receiver` with `token`, as `cancel` does;
    its `py_result` then carries a PyError of code `PyErrCancelled`.
    """
    for p in _pending.values() do
      if p.sink.is_for_receiver(receiver, token) then
        _cancel(p.request)
        return
      end
    end

  be dispose(done: (Promise[None] | None) = None) =>
    """
    Frees the queue: requests no worker has started complete with
    `PyErrCancelled`, running ones complete as usual, and once none is left
    the worker threads end (without any scheduler thread waiting for a Python
    call) and `done` is fulfilled. Requests made afterwards complete with
    `PyErrInvalidHandle`. Disposing twice is harmless.
    """
    match done
    | let p: Promise[None] =>
      if _freed then p(None) else _disposed.push(p) end
    end
    if not _disposing then
      _disposing = true
      for p in _pending.values() do _cancel(p.request) end
      _free_when_idle()
    end

  be _call(f: PyObject, args: (Array[PyArg] val | None), sink: _Sink) =>
    _submit_call(f, args, sink)

  be _call_function(
    module: String,
    function: String,
    args: (Array[PyArg] val | None),
    sink: _Sink)
  =>
    _submit_function(module, function, args, sink)

  be _finalize(p: Promise[(None | PyError)]) =>
    let sink = _ToDone(p)
    match _refusal()
    | let e: PyError => sink.deliver(e); return
    end
    var id: U64 = 0
    var err = Pointer[_GilstuffError]
    let slot = _pending.reserve()
    let st = @gilstuff_queue_submit_finalize(_q, slot.u64(), addressof id,
      addressof err)
    _submitted(st, slot, id, err, sink, None)

  fun ref _submit_call(
    f: PyObject,
    args: (Array[PyArg] val | None),
    sink: _Sink)
  =>
    match _refusal()
    | let e: PyError => sink.deliver(e); return
    end
    let a = _ValueArgs
    try a.push_all(args)? else sink.deliver(a.fail()); return end
    var id: U64 = 0
    var err = Pointer[_GilstuffError]
    let slot = _pending.reserve()
    let st = @gilstuff_queue_submit_call(_q, f._ptr(), a.cpointer(), a.size(),
      slot.u64(), addressof id, addressof err)
    a.dispose()
    _submitted(st, slot, id, err, sink, f)

  fun ref _submit_function(
    module: String,
    function: String,
    args: (Array[PyArg] val | None),
    sink: _Sink)
  =>
    match _refusal()
    | let e: PyError => sink.deliver(e); return
    end
    for (what, name) in [("module name", module); ("function name", function)]
      .values()
    do
      if name.contains("\x00") then
        sink.deliver(PyError._pony(PyErrInvalidArgument, what + " has a NUL byte"))
        return
      end
    end
    let a = _ValueArgs
    try a.push_all(args)? else sink.deliver(a.fail()); return end
    var id: U64 = 0
    var err = Pointer[_GilstuffError]
    let slot = _pending.reserve()
    let st = @gilstuff_queue_submit_function(_q, _Interp(), module.cstring(),
      function.cstring(), a.cpointer(), a.size(), slot.u64(), addressof id,
      addressof err)
    a.dispose()
    _submitted(st, slot, id, err, sink, None)

  be _event_notify(event: AsioEventID, flags: U32, arg: U32) =>
    if AsioEvent.disposable(flags) then
      @pony_asio_event_destroy(event)
    elseif AsioEvent.readable(flags) then
      _drain()
    end

  be _drain_more() =>
    _drain()

  fun ref _refusal(): (PyError | None) =>
    """Why no request can be made now, if none can."""
    match _broken
    | let e: PyError => return e
    end
    if _disposing then
      PyError._pony(PyErrInvalidHandle,
        "the PyQueue was disposed: it takes no more requests")
    end

  fun ref _submitted(
    st: U32,
    slot: USize,
    id: U64,
    err: Pointer[_GilstuffError] tag,
    sink: _Sink,
    keep: (PyObject | None))
  =>
    if st == _PyOk._code() then
      _pending.fill(slot, _Pending(sink, keep, id))
      // Subscribed after the submit: epoll reports an fd that is readable
      // already when it is added, so a request that completes first is not
      // missed.
      if _event.is_null() then
        _event = @pony_asio_event_create(this, _fd.u32(), AsioEvent.read(), 0,
          true)
      end
    else
      // Refused at once (Python not running, a stale callable): no completion.
      _pending.unreserve(slot)
      sink.deliver(PyError._take(st, err))
    end

  fun ref _drain() =>
    """
    Pops and delivers the waiting completions. The event is edge-triggered and
    the fd stays readable until the queue is empty, so this pops until none is
    left; after a batch it yields (a message to itself) so that a flood of
    completions does not hold the scheduler thread.
    """
    if _freed then return end
    let c = _completion
    var budget: USize = 256
    while budget > 0 do
      var n: USize = 0
      c.result = Pointer[_GilstuffValue]
      c.error' = Pointer[_GilstuffError]
      let st = @gilstuff_queue_poll(_q, c, 1, addressof n,
        Pointer[Pointer[_GilstuffError]])
      if (st != _PyOk._code()) or (n == 0) then break end
      _deliver(c)
      budget = budget - 1
    end
    if budget == 0 then
      _drain_more()
    elseif _pending.size() == 0 then
      _unsubscribe()
      _free_when_idle()
    end

  fun ref _deliver(c: _GilstuffCompletion) =>
    let result: PyResult =
      if c.status == _PyOk._code() then
        if c.result.is_null() then None else _Values.take(c.result) end
      else
        if not c.result.is_null() then @gilstuff_value_free(c.result) end
        PyError._take(c.status, c.error')
      end
    match _pending.take(c.user_data.usize(), c.request)
    | let p: _Pending => p.sink.deliver(result)
    end

  fun ref _cancel(id: U64) =>
    // The cancelled request's completion (PyErrCancelled) arrives through the
    // fd like any other, so delivery has one path.
    @gilstuff_queue_cancel(_q, id, Pointer[Bool],
      Pointer[Pointer[_GilstuffError]])

  fun ref _unsubscribe() =>
    if not _event.is_null() then
      @pony_asio_event_unsubscribe(_event)
      _event = AsioEvent.none()
    end

  fun ref _free_when_idle() =>
    """
    Frees the C queue once disposed and no request is outstanding: no worker
    runs a request then, so `gilstuff_queue_free` only joins idle threads.
    """
    if _disposing and (_pending.size() == 0) and (not _freed) then
      _unsubscribe()
      @gilstuff_queue_free(_q, Pointer[Pointer[_GilstuffError]])
      _freed = true
    end
    if _freed then
      for p in _disposed.values() do p(None) end
      _disposed.clear()
    end

  fun _final() =>
    // Collected without `dispose`: nothing is outstanding (an outstanding
    // request keeps an ASIO event, which keeps this actor alive), so the
    // workers are idle and the free only joins them.
    if not _freed then
      @gilstuff_queue_free(_q, Pointer[Pointer[_GilstuffError]])
    end

class val _Pending
  """
  An outstanding request: its id in the C queue, where its outcome goes, and
  the callable kept alive until then.
  """
  let sink: _Sink
  let keep: (PyObject | None)
  let request: U64

  new val create(sink': _Sink, keep': (PyObject | None), request': U64) =>
    sink = sink'
    keep = keep'
    request = request'

class _Slots
  """
  The outstanding requests, each in a slot whose index is the request's
  `user_data` in the C queue: a completion finds its request with one array
  access, and slots are reused (a hash map by request id, with one insert and
  one removal per call, fills with deleted entries that slow every lookup).
  """
  let _slots: Array[(_Pending | None)] = _slots.create()
  let _free: Array[USize] = _free.create()
  var _size: USize = 0

  fun size(): USize =>
    """How many requests are outstanding."""
    _size

  fun ref reserve(): USize =>
    """A slot for a request about to be submitted."""
    try _free.pop()? else _slots.push(None); _slots.size() - 1 end

  fun ref unreserve(slot: USize) =>
    """Gives back a slot whose submit failed."""
    _free.push(slot)

  fun ref fill(slot: USize, p: _Pending) =>
    try _slots(slot)? = p end
    _size = _size + 1

  fun ref take(slot: USize, request: U64): (_Pending | None) =>
    """The request in `slot` if it is `request`, emptying the slot."""
    try
      match _slots(slot)?
      | let p: _Pending if p.request == request =>
        _slots(slot)? = None
        _free.push(slot)
        _size = _size - 1
        p
      end
    end

  fun values(): Iterator[_Pending] ref^ =>
    """The outstanding requests (a snapshot)."""
    let out = Array[_Pending](_size)
    for s in _slots.values() do
      match s
      | let p: _Pending => out.push(p)
      end
    end
    out.values()

trait val _Sink
  """Delivers one request's outcome."""
  fun deliver(r: PyResult)
  fun is_for(request: Any tag): Bool => false
  fun is_for_receiver(receiver: PyReceiver, token: U64): Bool => false

class val _ToPromise is _Sink
  let _p: Promise[PyResult]
  new val create(p: Promise[PyResult]) => _p = p
  fun deliver(r: PyResult) => _p(r)
  fun is_for(request: Any tag): Bool => request is _p

class val _ToDone is _Sink
  let _p: Promise[(None | PyError)]
  new val create(p: Promise[(None | PyError)]) => _p = p
  fun deliver(r: PyResult) =>
    match r
    | let e: PyError => _p(e)
    else _p(None)
    end
  fun is_for(request: Any tag): Bool => request is _p

class val _ToReceiver is _Sink
  let _r: PyReceiver
  let _token: U64
  new val create(r: PyReceiver, token: U64) =>
    _r = r
    _token = token
  fun deliver(r: PyResult) => _r.py_result(_token, r)
  fun is_for_receiver(receiver: PyReceiver, token: U64): Bool =>
    (receiver is _r) and (token == _token)
