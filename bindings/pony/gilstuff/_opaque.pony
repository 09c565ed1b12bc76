// Stand-ins for the C library's opaque types: only ever seen as Pointer[_X],
// never dereferenced, so an empty primitive is all the type system needs.

primitive _GilstuffError
  """`gilstuff_error`: read through PyError, which copies it and frees it."""

primitive _GilstuffObject
  """`gilstuff_object`: an owned Python reference, wrapped by PyObject."""

primitive _GilstuffInterp
  """`gilstuff_interp`: a null pointer to it means the main interpreter."""

primitive _GilstuffValue
  """
  `gilstuff_value`: a GIL-free value (arguments and results of the queue),
  converted from PyArg and to PyValue by `_Values`.
  """

primitive _GilstuffQueue
  """`gilstuff_queue`: a completion queue, owned by one PyQueue actor."""
