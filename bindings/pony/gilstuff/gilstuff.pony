"""
# gilstuff package

Lets actors call into one shared CPython interpreter, on a stock `ponyc`: no
patched runtime, no C shim. Every call takes the GIL and this scheduler
thread's Python thread state itself and gives them back before it returns, so
an actor may run its next behaviour on another scheduler thread.

```pony
use "gilstuff"

actor Main
  new create(env: Env) =>
    match Python.init(where sys_path = ["."])
    | let e: PyError => env.err.print(e.string()); return
    end
    match Python.import("math")
    | let math: PyObject =>
      match math.call_method("hypot", [as PyArg: F64(3); I64(4)])
      | let r: PyObject => env.out.print(r.string()) // 5.0
      | let e: PyError => env.err.print(e.string())
      end
    | let e: PyError => env.err.print(e.string())
    end
    Python.finalize()
```

`Python` starts and stops the interpreter and makes objects; `PyObject` is an
owned reference to a Python object, shareable between actors (`val`); `PyArg`
is what calls accept: Pony values, converted in the same call. Results are
unions such as `(PyObject | PyError)` and `(I64 | PyError)`: match on them.
`PyError.code` is one primitive per status code (`PyErrPython`,
`PyFinalized`, …, the union `PyErrorCode`), so that a match can be exhaustive.
`PyQueue` runs calls on worker threads of the library's own and delivers each
result to the actor that asked, so that no behaviour waits for Python.

The same call without blocking the scheduler thread, through a `PyQueue`
(the result arrives as a behaviour of a `PyReceiver`, or fulfils a Promise):

```pony
actor Asker is PyReceiver
  let _env: Env
  let _queue: PyQueue

  new create(env: Env, queue: PyQueue) =>
    _env = env
    _queue = queue
    queue.call_function_for(this, 1, "math", "hypot", [as PyArg: F64(3); I64(4)])

  be py_result(token: U64, result: PyResult) =>
    _env.out.print(PyValues.string(result)) // 5.0
    _queue.dispose() // ends the worker threads (would cancel queued requests)
```

## The rules

* **Which calls block.** Every method of `Python` and `PyObject` but
  `Python.is_initialized`, `Python.version` and `Python.python_version` enters
  Python: it waits for the GIL, and while it waits or Python runs, its
  scheduler thread runs no other actor. With many actors calling at once,
  every scheduler thread can end up waiting for the one GIL. Keep each call
  short, make one call per behaviour so that other actors get turns in
  between, and do not call blocking Python code (I/O, `time.sleep`, waiting on
  a queue) from a behaviour: send it to a `PyQueue`. Pinned actors
  (`actor_pinning`) block only their own thread. Converting a `PyArg` enters
  Python once per value (a PyObject argument costs nothing);
  `PyObject.invoke()` without arguments is the cheapest call.
* **Which calls do not block.** Nothing a `PyQueue` does waits for Python or
  for its workers: `call`, `call_function`, `call_for`, `call_function_for`,
  `finalize`, `cancel` and `dispose` are messages to the PyQueue actor, which
  converts the arguments (no Python involved), hands the request to a worker
  thread and returns to other work. Results come back as behaviour calls (a
  `PyReceiver`'s `py_result`) or fulfil a `Promise[PyResult]`: a `PyValue`
  copied out of Python (None, Bool, I64, F64, String, bytes, PyList), or a
  PyError. `PyQueue.finalize` shuts Python down on a worker, waiting there
  for the calls in flight. Creating a PyQueue starts its threads.
* **Async is for long calls, not for many short ones.** A round trip through a
  PyQueue costs tens of microseconds (a submit, a worker thread, the eventfd,
  Pony's ASIO thread, two messages), against well under a microsecond for a
  short blocking call (`make bench-pony` measures both). Use it for calls that
  may take long or wait on something, and whenever a scheduler thread must
  stay free; keep quick calls blocking.
* **`Python.finalize` blocks** its scheduler thread until the calls in flight
  on other threads have returned; calls made meanwhile return `PyFinalizing`,
  calls made afterwards `PyFinalized`, at once, never hanging. Any behaviour
  may finalize (the library's own thread runs `Py_FinalizeEx`), unless `init`
  was given `PyOriginCaller`. `PyQueue.finalize` does the same without
  blocking any scheduler thread.
* **`_final` releases.** A PyObject releases its reference when Pony collects
  it, on whichever thread that is, at any time, also at exit after the
  scheduler has stopped. The release never blocks: without the GIL it queues
  the decref for the next call into Python; after `Python.finalize` (or for an
  object of an earlier init) it only frees the handle. You never release
  anything by hand; a Python object lives until its PyObjects are collected,
  which depends on the collecting actors' heaps (`--ponygcinitial`,
  `--ponygcfactor`).
* **Init again.** After `finalize`, `init` starts a fresh interpreter;
  PyObjects of the earlier one give `PyErrInvalidHandle`.
* **A PyObject in a `let` field.** Look the objects up before making the actor
  and pass them to its constructor (examples/pony/threaded-counter does), so
  that the actor keeps `let _f: PyObject`, with neither a `(PyObject | None)`
  field nor a partial constructor.
* **Signals.** Python installs no signal handlers unless `init` asks it to:
  Pony owns the process's signals.

## Linking

The package says `use "lib:gilstuff"` (the static library) and
`use "lib:gilstuff_python"` (a link to the libpython that library was built
for). `make pony-lib` lays both out in `lib/` with a link to this package;
then `ponyc --path=$PWD/lib your-program`. See bindings/pony/README.md.

## Not offered

Sub-interpreters and pools (a PyQueue works in the main interpreter); GIL-free
values other than as a PyQueue's arguments and results; `gilstuff_with_gil`
callbacks (Pony code would run holding the GIL on a scheduler thread); thread
registration (a behaviour does not pick its thread).
tests/pony/deliberately_absent.txt gives the reason for each C function left
out.
"""
