primitive _Result
  """Turns what a gilstuff call left behind into the value the wrappers return."""
  fun none(st: U32, err: Pointer[_GilstuffError] tag): (None | PyError) =>
    if st == Status.ok() then None else PyError._take(st, err) end

  fun obj(st: U32, out: Pointer[_GilstuffObject] tag, err: Pointer[_GilstuffError] tag)
    : (PyObject | PyError)
  =>
    if st == Status.ok() then PyObject._own(out) else PyError._take(st, err) end

primitive _Handles
  """The C view of PyObject arguments: an array of handle pointers."""
  fun array(objs: ReadSeq[PyObject] box): Array[Pointer[_GilstuffObject] tag] =>
    let a = Array[Pointer[_GilstuffObject] tag](objs.size())
    for o in objs.values() do a.push(o._ptr()) end
    a

  fun opt(obj: (PyObject | None)): Pointer[_GilstuffObject] tag =>
    match obj
    | let o: PyObject => o._ptr()
    else Pointer[_GilstuffObject]
    end
