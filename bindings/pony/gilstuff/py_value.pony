use "format"

// What an asynchronous call (PyQueue) gives back: a copy of the Python
// result, made by the worker thread while it held the GIL, so that reading it
// never enters Python. None, bool, int (64-bit), float, str, bytes and
// list/tuple (as PyList) of these; any other result completes with a PyError
// of code PyErrType, an int beyond 64 bits with PyErrOverflow.
//
//   match result
//   | let n: I64 => env.out.print(n.string())
//   | let s: String => env.out.print(s)
//   | let l: PyList => env.out.print(l.size().string() + " items")
//   | let e: PyError => env.err.print(e.string())
//   end
type PyValue is (None | Bool | I64 | F64 | String | Array[U8] val | PyList)

// A PyQueue request's outcome: the call's result or why it failed.
type PyResult is (PyValue | PyError)

class val PyList is Stringable
  """
  A Python list (or tuple) copied out of Python: a PyValue for each element,
  in order. A plain Pony value: reading it never enters Python.
  """
  let _items: Array[PyValue] val

  new val create(items': Array[PyValue] val) =>
    """A list of `items`."""
    _items = items'

  fun size(): USize =>
    """The number of elements."""
    _items.size()

  fun apply(i: USize): PyValue ? =>
    """Element `i`; an error when `i` is not below `size()`."""
    _items(i)?

  fun values(): Iterator[PyValue] =>
    """The elements, in order."""
    _items.values()

  fun items(): Array[PyValue] val =>
    """The elements as an array."""
    _items

  fun string(): String iso^ =>
    """
    Python's notation for the list, as far as Pony values go: `[1, 'a', None]`
    (strings quoted without escaping, bytes as `b'…'` with `\xNN` for each
    byte that is not printable ASCII).
    """
    let s = recover String end
    s.append("[")
    var first = true
    for v in _items.values() do
      if not first then s.append(", ") end
      first = false
      s.append(PyValues.string(v))
    end
    s.append("]")
    consume s

primitive PyValues
  """Helpers for PyValue results."""
  fun string(v: PyResult): String iso^ =>
    """
    `v` as Python would print its `repr`, close enough for messages and
    tests: `None`, `True`, `42`, `2.5`, `5.0`, `'text'`, `b'\x00a'`, `[1, 2]`;
    for a PyError, its `string()`.
    """
    match v
    | let e: PyError => e.string()
    | None => "None".clone()
    | let b: Bool => if b then "True".clone() else "False".clone() end
    | let i: I64 => i.string()
    | let f: F64 =>
      // Python writes an integral float with ".0" (5.0); Pony's string() not.
      let s: String iso = f.string()
      if not (s.contains(".") or s.contains("e") or s.contains("n")) then
        s.append(".0")
      end
      consume s
    | let t: String =>
      let s = recover String(t.size() + 2) end
      s.append("'")
      s.append(t)
      s.append("'")
      consume s
    | let b: Array[U8] val =>
      let s = recover String(b.size() + 3) end
      s.append("b'")
      for c in b.values() do
        if (c >= 0x20) and (c < 0x7F) and (c != '\\') and (c != '\'') then
          s.push(c)
        else
          s.append("\\x")
          s.append(Format.int[U8](c where fmt = FormatHexSmallBare, width = 2,
            fill = '0'))
        end
      end
      s.append("'")
      consume s
    | let l: PyList => l.string()
    end
