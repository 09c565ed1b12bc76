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
