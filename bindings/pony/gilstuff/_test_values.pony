use "collections"
use "pony_test"

primitive \nodoc\ _Show
  """A Python function that describes its arguments: `type:repr` each."""
  fun define(h: TestHelper): PyObject ? =>
    _Py.define(h, [
      "def _show(x):"
      "    if isinstance(x, dict):"
      "        return 'dict:' + repr(sorted(x.items()))"
      "    return type(x).__name__ + ':' + repr(x)"
      "def kinds(*a, **k):"
      "    return ' '.join([_show(x) for x in a] +"
      "                    [n + '=' + _show(v) for n, v in sorted(k.items())])"
    ], "kinds")?

  fun call(
    h: TestHelper,
    kinds: PyObject,
    args: ReadSeq[PyArg] box,
    kwargs: (ReadSeq[(String, PyArg)] box | None) = None,
    loc: SourceLoc = __loc)
    : String ?
  =>
    let r = _Ok[PyObject](h, kinds.call(args, kwargs), loc)?
    _Ok[String](h, r.to_str(), loc)?

class \nodoc\ iso _TestArgumentKinds is _PyTest
  fun name(): String => "values/argument kinds, ints of every width"

  fun ref apply(h: TestHelper) ? =>
    let kinds = _Show.define(h)?
    let other = _Py.eval(h, "('t', 1)")?
    h.assert_eq[String](
      "int:1 str:'x' float:2.5 bool:True NoneType:None tuple:('t', 1)",
      _Show.call(h, kinds,
        [as PyArg: I64(1); "x"; F64(2.5); true; None; other])?)
    h.assert_eq[String](
      "int:-128 int:-32768 int:-2147483648 int:-9223372036854775808 "
        + "int:-170141183460469231731687303715884105728 int:-1 int:-2",
      _Show.call(h, kinds, [as PyArg:
        I8.min_value(); I16.min_value(); I32.min_value(); I64.min_value()
        I128.min_value(); ILong(-1); ISize(-2)])?)
    h.assert_eq[String](
      "int:255 int:65535 int:4294967295 int:18446744073709551615 "
        + "int:340282366920938463463374607431768211455 int:3 int:4 float:0.5",
      _Show.call(h, kinds, [as PyArg:
        U8.max_value(); U16.max_value(); U32.max_value(); U64.max_value()
        U128.max_value(); ULong(3); USize(4); F32(0.5)])?)
    // Just beyond 64 bits, both ways.
    h.assert_eq[String]("int:9223372036854775808 int:-9223372036854775809",
      _Show.call(h, kinds,
        [as PyArg: I128(9223372036854775808); I128(-9223372036854775809)])?)
    h.assert_eq[U64](U64.max_value(),
      _Ok[U64](h, _Py.from(h, U64.max_value())?.to_u64())?)
    h.assert_eq[I64](I64.min_value(),
      _Ok[I64](h, _Py.from(h, I64.min_value())?.to_i64())?)

class \nodoc\ iso _TestKeywordArguments is _PyTest
  fun name(): String => "values/keyword arguments"

  fun ref apply(h: TestHelper) ? =>
    let kinds = _Show.define(h)?
    let other = _Py.eval(h, "('t', 1)")?
    h.assert_eq[String]("str:'a' n=int:3 obj=tuple:('t', 1) sep=str:'-'",
      _Show.call(h, kinds, [as PyArg: "a"],
        [("sep", "-"); ("n", I32(3)); ("obj", other)])?)
    h.assert_eq[String]("flag=bool:False",
      _Show.call(h, kinds, Array[PyArg],
        [as (String, PyArg): ("flag", false)])?)
    // invoke and call_method take the same arguments.
    let log = _Py.define(h, [
      "calls = []"
      "class Log:"
      "    def add(self, *a, **k):"
      "        calls.append((a, k))"
      "        return len(calls)"
      "log = Log()"
    ], "log")?
    let add = _Ok[PyObject](h, log.getattr("add"))?
    _Ok[None](h,
      add.invoke([as PyArg: I64(1)], [as (String, PyArg): ("k", "v")]))?
    let n = _Ok[PyObject](h,
      log.call_method("add", None, [as (String, PyArg): ("only", true)]))?
    h.assert_eq[I64](2, _Ok[I64](h, n.to_i64())?)
    h.assert_eq[String]("[((1,), {'k': 'v'}), ((), {'only': True})]",
      _Ok[String](h, _Py.eval(h, "calls")?.repr())?)

class \nodoc\ iso _TestContainers is _PyTest
  fun name(): String => "values/arrays, maps, bytes, tuples, items"

  fun ref apply(h: TestHelper) ? =>
    let kinds = _Show.define(h)?
    let list: Array[PyScalar] val = [I64(1); "two"; None; U8(3)]
    let bytes: Array[U8] val = [0; 1; 255]
    let map = recover val
      Map[String, PyScalar] .> update("a", I64(1)) .> update("b", "two")
    end
    h.assert_eq[String](
      "list:[1, 'two', None, 3] bytes:b'\\x00\\x01\\xff' "
        + "dict:[('a', 1), ('b', 'two')]",
      _Show.call(h, kinds, [as PyArg: list; bytes; map])?)
    // Nested containers: the inner ones made first.
    let inner = _Py.from(h, list)?
    let outer = _Ok[PyObject](h, Python.list([as PyArg: inner; list; map]))?
    h.assert_eq[String](
      "[[1, 'two', None, 3], [1, 'two', None, 3], {'a': 1, 'b': 'two'}]",
      _Ok[String](h, outer.repr())?)
    h.assert_eq[USize](3, _Ok[USize](h, outer.len())?)
    let t = _Ok[PyObject](h, Python.tuple([as PyArg: I64(1); "x"]))?
    h.assert_eq[String]("(1, 'x')", _Ok[String](h, t.repr())?)
    let d = _Ok[PyObject](h,
      Python.dict([(I64(1), "one"); ("k", F64(0.5))]))?
    h.assert_eq[String]("{1: 'one', 'k': 0.5}", _Ok[String](h, d.repr())?)
    _Ok[None](h, d.setitem(I64(2), list))?
    let item = _Ok[PyObject](h, d.getitem(I64(2)))?
    h.assert_eq[String]("[1, 'two', None, 3]", _Ok[String](h, item.repr())?)
    let back = _Ok[Array[U8] val](h, _Py.from(h, bytes)?.to_bytes())?
    h.assert_array_eq[U8](bytes, back)
    let e = _Fails[PyObject](h, d.getitem("missing"), PyErrPython)?
    h.assert_eq[String]("KeyError", _Py.type_of(e))
    _Fails[USize](h, _Py.from(h, I64(1))?.len(), PyErrPython)?

class \nodoc\ iso _TestStringable is _PyTest
  fun name(): String => "values/string() is str(), repr(), type_name()"

  fun ref apply(h: TestHelper) ? =>
    let s = _Py.from(h, "hi")?
    h.assert_eq[String]("hi", s.string())
    h.assert_eq[String]("'hi'", _Ok[String](h, s.repr())?)
    h.assert_eq[String]("str", _Ok[String](h, s.type_name())?)
    let l = _Py.from(h, recover val [as PyScalar: I64(1); "a"] end)?
    h.assert_eq[String]("[1, 'a']", l.string())
    let bad = _Py.define(h, [
      "class NoStr:"
      "    def __str__(self):"
      "        raise ValueError('no str')"
      "bad = NoStr()"
    ], "bad")?
    h.assert_eq[String]("<PyError: ValueError: no str>", bad.string())
    h.assert_eq[String]("__main__.NoStr", _Ok[String](h, bad.type_name())?)
    _Fails[String](h, l.to_str(), PyErrType)?

class \nodoc\ iso _TestEqualityAndHash is _PyTest
  fun name(): String => "values/py_eq and py_hash"

  fun ref apply(h: TestHelper) ? =>
    let one = _Py.from(h, I64(1))?
    h.assert_true(_Ok[Bool](h, one.py_eq(F64(1.0)))?)
    h.assert_false(_Ok[Bool](h, one.py_eq("1"))?)
    h.assert_true(_Ok[Bool](h, one.py_eq(_Py.eval(h, "1")?))?)
    let abc = _Py.from(h, "abc")?
    h.assert_eq[I64](_Py.eval_i64(h, "hash('abc')")?,
      _Ok[I64](h, abc.py_hash())?)
    let e = _Fails[I64](h, _Py.eval(h, "[1]")?.py_hash(), PyErrPython)?
    h.assert_eq[String]("TypeError", _Py.type_of(e))
    let odd = _Py.define(h, [
      "class Odd:"
      "    def __eq__(self, other):"
      "        raise RuntimeError('no eq')"
      "odd = Odd()"
    ], "odd")?
    _Fails[Bool](h, odd.py_eq(I64(1)), PyErrPython)?
