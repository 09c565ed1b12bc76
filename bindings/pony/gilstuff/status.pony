primitive Status
  """
  The C library's status codes (`GILSTUFF_*`), for matching `PyError.code`.
  tests/pony checks every value against include/gilstuff.h.
  """
  fun ok(): U32 => 0
  fun err_python(): U32 => 1
  fun err_null_pointer(): U32 => 2
  fun err_invalid_utf8(): U32 => 3
  fun err_invalid_argument(): U32 => 4
  fun not_initialized(): U32 => 5
  fun already_initialized(): U32 => 6
  fun finalizing(): U32 => 7
  fun finalized(): U32 => 8
  fun err_wrong_thread(): U32 => 9
  fun err_invalid_handle(): U32 => 10
  fun err_wrong_interpreter(): U32 => 11
  fun err_type(): U32 => 12
  fun err_overflow(): U32 => 13
  fun err_buffer_too_small(): U32 => 14
  fun err_unsupported(): U32 => 15
  fun err_interp_busy(): U32 => 16
  fun err_init_failed(): U32 => 17
  fun err_unknown_status(): U32 => 18
  fun err_panic(): U32 => 19

  fun name(code: U32): String =>
    """`"GILSTUFF_ERR_PYTHON"` and so on."""
    String.copy_cstring(@gilstuff_status_name(code))
