// The package's tests. After `make pony-lib`,
//   ponyc --path=$PWD/lib -o build/pony bindings/pony/gilstuff
// builds them as the program `gilstuff`; `make test-pony` builds and runs them.
//
// Every test that needs Python starts it in `set_up` and finalizes it in
// `tear_down`, in the exclusion group "python": those tests run one after the
// other, each with an interpreter of its own (gilstuff can init again after
// finalize in one process), and a failed test cannot leave Python running for
// the next.
use "pony_test"

// The runtime's collector, for the tests of `_final` (as the standard
// library's own tests use it): collect this actor's heap after the current
// behaviour.
use @pony_ctx[Pointer[None]]()
use @pony_triggergc[None](ctx: Pointer[None])
// How many scheduler threads the runtime started (--ponymaxthreads).
use @pony_schedulers[U32]()

actor \nodoc\ Main is TestList
  new create(env: Env) => PonyTest(env, this)
  new make() => None

  fun tag tests(test: PonyTest) =>
    test(_TestStatusCodes)
    test(_TestArgumentKinds)
    test(_TestKeywordArguments)
    test(_TestContainers)
    test(_TestStringable)
    test(_TestEqualityAndHash)
    test(_TestPythonException)
    test(_TestSystemExit)
    test(_TestOverflow)
    test(_TestBadUTF8)
    test(_TestNulInNames)
    test(_TestCounterManyActors)
    test(_TestFinalReleases)
    test(_TestFinalizeFromAnotherActor)
    test(_TestCallsAfterFinalize)
    test(_TestReinit)
    test(_TestAsyncSlowCall)
    test(_TestAsyncValues)
    test(_TestAsyncBadQueue)
    test(_TestAsyncCancel)
    test(_TestAsyncDispose)
    test(_TestAsyncAfterFinalize)
    test(_TestAsyncFinalizeReinit)
    // The control of the slow-call test holds only on one scheduler thread
    // (run_ponyc.py runs the async tests once more with --ponymaxthreads 1).
    if @pony_schedulers() == 1 then test(_TestBlockingSlowCall) end

trait \nodoc\ _PyTest is UnitTest
  """A test with a Python of its own: started before it, finalized after it."""
  fun exclusion_group(): String => "python"

  fun ref set_up(h: TestHelper) ? =>
    _Ok[None](h, Python.init())?

  fun ref tear_down(h: TestHelper) =>
    // Nothing to do when the test finalized already (PyFinalized).
    Python.finalize()

primitive \nodoc\ _Ok
  """The value of a result, or a failed test naming the error and the caller."""
  fun apply[A: Any val](h: TestHelper, r: (A | PyError), loc: SourceLoc = __loc)
    : A ?
  =>
    match r
    | let e: PyError => h.fail(_Where(loc) + e.string()); error
    | let a: A => a
    end

primitive \nodoc\ _Fails
  """The error of a result that must fail with `code`."""
  fun apply[A: Any val](
    h: TestHelper,
    r: (A | PyError),
    code: PyErrorCode,
    loc: SourceLoc = __loc)
    : PyError ?
  =>
    match r
    | let e: PyError =>
      h.assert_eq[String](code.string(), e.code.string(),
        _Where(loc) + e.string())
      e
    else
      h.fail(_Where(loc) + "succeeded, expected " + code.string())
      error
    end

primitive \nodoc\ _Where
  fun apply(loc: SourceLoc): String =>
    loc.file() + ":" + loc.line().string() + ": "

primitive \nodoc\ _Py
  """Shorthands: Python code from lines, objects the tests define and read."""
  fun define(h: TestHelper, lines: Array[String] val, name: String)
    : PyObject ?
  =>
    """Runs `lines` in `__main__`, then returns its global `name`."""
    _Ok[None](h, Python.exec("\n".join(lines.values())))?
    eval(h, name)?

  fun eval(h: TestHelper, expr: String, loc: SourceLoc = __loc): PyObject ? =>
    _Ok[PyObject](h, Python.eval(expr), loc)?

  fun eval_i64(h: TestHelper, expr: String, loc: SourceLoc = __loc): I64 ? =>
    _Ok[I64](h, eval(h, expr, loc)?.to_i64(), loc)?

  fun from(h: TestHelper, v: PyArg, loc: SourceLoc = __loc): PyObject ? =>
    _Ok[PyObject](h, Python.from(v), loc)?

  fun type_of(e: PyError): String =>
    match e.python_type
    | let t: String => t
    else ""
    end

primitive \nodoc\ _Gc
  """Has the runtime collect the calling actor's heap after this behaviour."""
  fun after_this_behaviour() =>
    @pony_triggergc(@pony_ctx())
