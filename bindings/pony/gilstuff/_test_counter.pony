use "collections"
use "pony_test"

class \nodoc\ iso _TestCounterManyActors is _PyTest
  """The seed program: many actors, one call per behaviour, one counter."""
  fun name(): String => "counter/64 actors x 200 calls"

  fun ref apply(h: TestHelper) ? =>
    let inc = _Py.define(h, _Counter.lines(), "inc")?
    h.long_test(60_000_000_000)
    _Tally(h, inc, 64, 200)

primitive \nodoc\ _Counter
  """Python's side of the counter (examples/thing.py), thread-safe."""
  fun lines(): Array[String] val =>
    [ "import threading"
      "x = 0"
      "_lock = threading.Lock()"
      "def inc():"
      "    global x"
      "    with _lock:"
      "        x += 1" ]

actor \nodoc\ _Tally
  let _h: TestHelper
  let _expected: I64
  var _left: USize

  new create(h: TestHelper, inc: PyObject, actors: USize, calls: USize) =>
    _h = h
    _expected = (actors * calls).i64()
    _left = actors
    for i in Range(0, actors) do _Incrementer(this, inc, calls) end

  be done(failure: (PyError | None)) =>
    match failure
    | let e: PyError => _h.fail("inc(): " + e.string())
    end
    _left = _left - 1
    if _left == 0 then
      try
        _h.assert_eq[I64](_expected, _Py.eval_i64(_h, "x")?)
        _h.complete(true)
      else
        _h.complete(false)
      end
    end

actor \nodoc\ _Incrementer
  let _tally: _Tally
  let _inc: PyObject
  var _left: USize

  new create(tally: _Tally, inc: PyObject, calls: USize) =>
    _tally = tally
    _inc = inc
    _left = calls
    step()

  be step() =>
    match _inc.invoke()
    | None =>
      _left = _left - 1
      if _left > 0 then step() else _tally.done(None) end
    | let e: PyError => _tally.done(e)
    end
