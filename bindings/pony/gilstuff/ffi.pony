// Every C function of include/gilstuff.h that the package uses, declared
// once, here. tests/pony/checker/check_ffi.py compares each declaration with
// the header (types by the table in tests/pony/checker/type_table.py);
// functions left out on purpose are listed, with the reason, in
// tests/pony/deliberately_absent.txt.

// libgilstuff.a, and the libpython it was built against: `make pony-lib` puts
// both in lib/ (libgilstuff_python.so is a link to that Python's
// libpythonX.Y.so).
use "lib:gilstuff"
use "lib:gilstuff_python"
// What the Rust runtime inside libgilstuff.a needs besides libc (glibc 2.34+
// folds rt and util into libc; older glibc and musl keep them as separate
// archives).
use "lib:gcc_s" if linux
use "lib:rt" if linux
use "lib:util" if linux

// Lifecycle, versions
use @gilstuff_config_init[None](cfg: _GilstuffConfig)
use @gilstuff_init[U32](
  cfg: _GilstuffConfig,
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_finalize[U32](err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_is_initialized[Bool]()
use @gilstuff_python_version[Pointer[U8] val]()
use @gilstuff_version[Pointer[U8] val]()
use @gilstuff_status_name[Pointer[U8] val](status: U32)

// Errors
use @gilstuff_error_code[U32](err: Pointer[_GilstuffError] tag)
use @gilstuff_error_message[Pointer[U8] val](err: Pointer[_GilstuffError] tag)
use @gilstuff_error_python_type[Pointer[U8] val](
  err: Pointer[_GilstuffError] tag)
use @gilstuff_error_traceback[Pointer[U8] val](err: Pointer[_GilstuffError] tag)
use @gilstuff_error_free[None](err: Pointer[_GilstuffError] tag)

// Creating values (interp: a null Pointer[_GilstuffInterp] is the main one)
use @gilstuff_none[U32](
  interp: Pointer[_GilstuffInterp] tag,
  out: Pointer[Pointer[_GilstuffObject] tag],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_bool[U32](
  interp: Pointer[_GilstuffInterp] tag,
  v: Bool,
  out: Pointer[Pointer[_GilstuffObject] tag],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_int[U32](
  interp: Pointer[_GilstuffInterp] tag,
  v: I64,
  out: Pointer[Pointer[_GilstuffObject] tag],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_uint[U32](
  interp: Pointer[_GilstuffInterp] tag,
  v: U64,
  out: Pointer[Pointer[_GilstuffObject] tag],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_float[U32](
  interp: Pointer[_GilstuffInterp] tag,
  v: F64,
  out: Pointer[Pointer[_GilstuffObject] tag],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_str[U32](
  interp: Pointer[_GilstuffInterp] tag,
  data: Pointer[U8] tag,
  len: USize,
  out: Pointer[Pointer[_GilstuffObject] tag],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_bytes[U32](
  interp: Pointer[_GilstuffInterp] tag,
  data: Pointer[U8] tag,
  len: USize,
  out: Pointer[Pointer[_GilstuffObject] tag],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_tuple[U32](
  interp: Pointer[_GilstuffInterp] tag,
  items: Pointer[Pointer[_GilstuffObject] tag] tag,
  n: USize,
  out: Pointer[Pointer[_GilstuffObject] tag],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_list[U32](
  interp: Pointer[_GilstuffInterp] tag,
  items: Pointer[Pointer[_GilstuffObject] tag] tag,
  n: USize,
  out: Pointer[Pointer[_GilstuffObject] tag],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_dict[U32](
  interp: Pointer[_GilstuffInterp] tag,
  out: Pointer[Pointer[_GilstuffObject] tag],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_setitem[U32](
  container: Pointer[_GilstuffObject] tag,
  key: Pointer[_GilstuffObject] tag,
  value: Pointer[_GilstuffObject] tag,
  err: Pointer[Pointer[_GilstuffError]])

// Reading values
use @gilstuff_to_int[U32](
  obj: Pointer[_GilstuffObject] tag,
  out: Pointer[I64],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_to_uint[U32](
  obj: Pointer[_GilstuffObject] tag,
  out: Pointer[U64],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_to_float[U32](
  obj: Pointer[_GilstuffObject] tag,
  out: Pointer[F64],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_to_bool[U32](
  obj: Pointer[_GilstuffObject] tag,
  out: Pointer[Bool],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_to_str[U32](
  obj: Pointer[_GilstuffObject] tag,
  out: _GilstuffBuffer,
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_to_bytes[U32](
  obj: Pointer[_GilstuffObject] tag,
  out: _GilstuffBuffer,
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_repr[U32](
  obj: Pointer[_GilstuffObject] tag,
  out: _GilstuffBuffer,
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_type_name[U32](
  obj: Pointer[_GilstuffObject] tag,
  out: _GilstuffBuffer,
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_len[U32](
  obj: Pointer[_GilstuffObject] tag,
  out: Pointer[USize],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_getitem[U32](
  obj: Pointer[_GilstuffObject] tag,
  key: Pointer[_GilstuffObject] tag,
  out: Pointer[Pointer[_GilstuffObject] tag],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_is_none[U32](
  obj: Pointer[_GilstuffObject] tag,
  out: Pointer[Bool],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_buffer_free[None](buf: _GilstuffBuffer)

// Using values
use @gilstuff_import[U32](
  interp: Pointer[_GilstuffInterp] tag,
  name: Pointer[U8] tag,
  out: Pointer[Pointer[_GilstuffObject] tag],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_getattr[U32](
  obj: Pointer[_GilstuffObject] tag,
  name: Pointer[U8] tag,
  out: Pointer[Pointer[_GilstuffObject] tag],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_setattr[U32](
  obj: Pointer[_GilstuffObject] tag,
  name: Pointer[U8] tag,
  value: Pointer[_GilstuffObject] tag,
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_call[U32](
  callable: Pointer[_GilstuffObject] tag,
  args: Pointer[Pointer[_GilstuffObject] tag] tag,
  nargs: USize,
  kwargs: Pointer[_GilstuffObject] tag,
  out: Pointer[Pointer[_GilstuffObject] tag],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_invoke[U32](
  callable: Pointer[_GilstuffObject] tag,
  args: Pointer[Pointer[_GilstuffObject] tag] tag,
  nargs: USize,
  kwargs: Pointer[_GilstuffObject] tag,
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_call_method[U32](
  obj: Pointer[_GilstuffObject] tag,
  name: Pointer[U8] tag,
  args: Pointer[Pointer[_GilstuffObject] tag] tag,
  nargs: USize,
  kwargs: Pointer[_GilstuffObject] tag,
  out: Pointer[Pointer[_GilstuffObject] tag],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_eval[U32](
  interp: Pointer[_GilstuffInterp] tag,
  expr: Pointer[U8] tag,
  globals: Pointer[_GilstuffObject] tag,
  out: Pointer[Pointer[_GilstuffObject] tag],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_exec[U32](
  interp: Pointer[_GilstuffInterp] tag,
  code: Pointer[U8] tag,
  globals: Pointer[_GilstuffObject] tag,
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_main_dict[U32](
  interp: Pointer[_GilstuffInterp] tag,
  out: Pointer[Pointer[_GilstuffObject] tag],
  err: Pointer[Pointer[_GilstuffError]])

// Lifetime: release works from any thread, before or after finalize (what
// _final needs)
use @gilstuff_object_release[U32](
  obj: Pointer[_GilstuffObject] tag,
  err: Pointer[Pointer[_GilstuffError]])

// GIL-free values: what the completion queue takes as arguments and hands
// back as results. Plain heap data; none of these enters Python.
use @gilstuff_value_none[Pointer[_GilstuffValue] tag]()
use @gilstuff_value_bool[Pointer[_GilstuffValue] tag](v: Bool)
use @gilstuff_value_int[Pointer[_GilstuffValue] tag](v: I64)
use @gilstuff_value_float[Pointer[_GilstuffValue] tag](v: F64)
use @gilstuff_value_str[U32](
  data: Pointer[U8] tag,
  len: USize,
  out: Pointer[Pointer[_GilstuffValue] tag],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_value_bytes[U32](
  data: Pointer[U8] tag,
  len: USize,
  out: Pointer[Pointer[_GilstuffValue] tag],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_value_list_new[Pointer[_GilstuffValue] tag]()
use @gilstuff_value_list_push[U32](
  list: Pointer[_GilstuffValue] tag,
  item: Pointer[_GilstuffValue] tag,
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_value_free[None](value: Pointer[_GilstuffValue] tag)
use @gilstuff_value_get_kind[U32](value: Pointer[_GilstuffValue] tag)
use @gilstuff_value_get_bool[U32](
  value: Pointer[_GilstuffValue] tag,
  out: Pointer[Bool],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_value_get_int[U32](
  value: Pointer[_GilstuffValue] tag,
  out: Pointer[I64],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_value_get_float[U32](
  value: Pointer[_GilstuffValue] tag,
  out: Pointer[F64],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_value_get_str[U32](
  value: Pointer[_GilstuffValue] tag,
  data: Pointer[Pointer[U8] val],
  len: Pointer[USize],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_value_get_bytes[U32](
  value: Pointer[_GilstuffValue] tag,
  data: Pointer[Pointer[U8] val],
  len: Pointer[USize],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_value_list_len[U32](
  value: Pointer[_GilstuffValue] tag,
  out: Pointer[USize],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_value_list_get[U32](
  list: Pointer[_GilstuffValue] tag,
  index: USize,
  out: Pointer[Pointer[_GilstuffValue] tag],
  err: Pointer[Pointer[_GilstuffError]])

// The completion queue (PyQueue): none of these waits for Python. Submitting
// copies the arguments and returns; poll and cancel take the queue's lock;
// free waits for running requests, which PyQueue only calls when none runs.
use @gilstuff_queue_new[U32](
  workers: USize,
  out: Pointer[Pointer[_GilstuffQueue] tag],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_queue_fd[U32](
  q: Pointer[_GilstuffQueue] tag,
  out: Pointer[I32],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_queue_submit_call[U32](
  q: Pointer[_GilstuffQueue] tag,
  callable: Pointer[_GilstuffObject] tag,
  args: Pointer[Pointer[_GilstuffValue] tag] tag,
  nargs: USize,
  user_data: U64,
  request: Pointer[U64],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_queue_submit_function[U32](
  q: Pointer[_GilstuffQueue] tag,
  interp: Pointer[_GilstuffInterp] tag,
  module: Pointer[U8] tag,
  function: Pointer[U8] tag,
  args: Pointer[Pointer[_GilstuffValue] tag] tag,
  nargs: USize,
  user_data: U64,
  request: Pointer[U64],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_queue_submit_finalize[U32](
  q: Pointer[_GilstuffQueue] tag,
  user_data: U64,
  request: Pointer[U64],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_queue_cancel[U32](
  q: Pointer[_GilstuffQueue] tag,
  request: U64,
  cancelled: Pointer[Bool],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_queue_poll[U32](
  q: Pointer[_GilstuffQueue] tag,
  out: _GilstuffCompletion,
  max: USize,
  n: Pointer[USize],
  err: Pointer[Pointer[_GilstuffError]])
use @gilstuff_queue_free[U32](
  q: Pointer[_GilstuffQueue] tag,
  err: Pointer[Pointer[_GilstuffError]])

// Pony's runtime: the ASIO events PyQueue subscribes the queue's fd with, as
// the standard library's TCPConnection and Timers do (packages/net,
// packages/time).
use @pony_asio_event_create[AsioEventID](owner: AsioEventNotify, fd: U32,
  flags: U32, nsec: U64, noisy: Bool)
use @pony_asio_event_unsubscribe[None](event: AsioEventID)
use @pony_asio_event_destroy[None](event: AsioEventID)
