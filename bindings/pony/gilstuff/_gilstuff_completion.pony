struct _GilstuffCompletion
  """
  Mirror of C `gilstuff_completion`: one finished request, filled by
  `gilstuff_queue_poll`. `result` and `error'` (C `error`, a Pony keyword)
  become the caller's: PyQueue converts and frees both.
  """
  var user_data: U64 = 0
  var request: U64 = 0
  var status: U32 = 0
  var result: Pointer[_GilstuffValue] tag = Pointer[_GilstuffValue]
  var error': Pointer[_GilstuffError] tag = Pointer[_GilstuffError]
