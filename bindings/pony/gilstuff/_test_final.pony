use "collections"
use "pony_test"

class \nodoc\ iso _TestFinalReleases is _PyTest
  """
  PyObjects the collector frees release their Python objects, and only those:
  an actor makes 100 objects on its own heap, keeps 10, drops 90 and collects;
  the count Python keeps (`__init__` adds one, `__del__` takes one) must go
  from 100 to 10.
  """
  fun name(): String => "lifetime/_final releases collected objects"

  fun ref apply(h: TestHelper) ? =>
    let tracked = _Py.define(h, [
      "class Tracked:"
      "    alive = 0"
      "    def __init__(self):"
      "        Tracked.alive += 1"
      "    def __del__(self):"
      "        Tracked.alive -= 1"
    ], "Tracked")?
    h.long_test(30_000_000_000)
    let dropper = _Dropper(h)
    dropper.make(tracked, 100, {()(h, dropper) =>
      try h.assert_eq[I64](100, _Py.eval_i64(h, "Tracked.alive")?) end
      dropper.drop(10, {()(h) =>
        // This call's entry into Python applies the decrefs _final queued.
        try h.assert_eq[I64](10, _Py.eval_i64(h, "Tracked.alive")?) end
        h.complete(true)
      } val)
    } val)

actor \nodoc\ _Dropper
  """
  Makes PyObjects on its own heap (so that its own collection frees them),
  keeps them, and drops all but a few to the collector. Each step ends with
  `next`, called in a behaviour that runs after the step's collection.
  """
  let _h: TestHelper
  var _kept: Array[PyObject] = _kept.create()

  new create(h: TestHelper) =>
    _h = h

  be make(f: PyObject, n: USize, next: {()} val) =>
    """Calls `f` `n` times and keeps the results."""
    for i in Range(0, n) do
      match f.call()
      | let o: PyObject => _kept.push(o)
      | let e: PyError => _h.fail("making objects: " + e.string())
      end
    end
    next()

  be drop(keep: USize, next: {()} val) =>
    """Keeps the first `keep` objects, drops the others and collects."""
    _kept.truncate(keep)
    _Gc.after_this_behaviour()
    _collected(next)

  be _collected(next: {()} val) =>
    next()
