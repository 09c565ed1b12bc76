//! `gilstuff_object`: Python objects as validated handles — create, read, use, release.
//!
//! Thread and GIL rules shared by every function here unless its comment says otherwise:
//! any thread; the call takes the GIL of the object's interpreter itself and gives it back
//! before returning (inside a gilstuff callback on the same thread it runs directly).

use std::ffi::{c_char, CStr};

use super::buffer::{self, gilstuff_buffer};
use super::interp::{self, gilstuff_interp};
use super::{arg_cstr, boundary, bytes_arg, check_out, gilstuff_error, put};
use crate::runtime::error::{Error, Result};
use crate::runtime::handles::Token;
use crate::runtime::object::{self, Text};
use crate::runtime::status::*;

/// An owned reference to a Python object, tagged with its interpreter and the
/// init/finalize epoch. An opaque token, never dereferenced: a released, stale or foreign
/// handle is detected (`GILSTUFF_ERR_INVALID_HANDLE` / `GILSTUFF_ERR_WRONG_INTERPRETER`)
/// instead of crashing. Release each handle once with `gilstuff_object_release`.
/// The token's value is a small integer, not an address: a garbage-collected host must
/// keep it in an integer (Go `uintptr`), never in a slot its collector traces as a pointer.
pub struct gilstuff_object {
    _opaque: [u8; 0],
}

fn token(h: *const gilstuff_object) -> Token {
    h as Token
}

fn optional_token(h: *const gilstuff_object) -> Option<Token> {
    (!h.is_null()).then(|| token(h))
}

/// Runs `make` and writes the new handle to `*out`.
fn make(out: *mut *mut gilstuff_object, err: *mut *mut gilstuff_error, make: impl FnOnce() -> Result<Token>) -> gilstuff_status {
    boundary(err, || {
        check_out(out, "out")?;
        put(out, make()? as *mut gilstuff_object)
    })
}

/// Reads a value into `*out`.
fn read<T>(out: *mut T, err: *mut *mut gilstuff_error, read: impl FnOnce() -> Result<T>) -> gilstuff_status {
    boundary(err, || {
        check_out(out, "out")?;
        put(out, read()?)
    })
}

/// The handles of a C array `items[0..n]`.
///
/// # Safety
/// `items` is NULL (then `n` must be 0) or points to `n` readable handles.
unsafe fn tokens<'a>(items: *const *mut gilstuff_object, n: usize, name: &str) -> Result<&'a [Token]> {
    if n == 0 {
        return Ok(&[]);
    }
    if items.is_null() {
        return Err(Error::null_pointer(name));
    }
    // SAFETY: caller's contract; a handle is pointer-sized like `Token`.
    Ok(std::slice::from_raw_parts(items.cast::<Token>(), n))
}

// ---- create -------------------------------------------------------------------------

/// A new handle to `None` in `interp` (NULL = main interpreter).
#[no_mangle]
pub extern "C" fn gilstuff_none(interp: *mut gilstuff_interp, out: *mut *mut gilstuff_object, err: *mut *mut gilstuff_error) -> gilstuff_status {
    make(out, err, || object::none(interp::id(interp)?))
}

/// A new handle to `True` or `False` in `interp` (NULL = main).
#[no_mangle]
pub extern "C" fn gilstuff_bool(interp: *mut gilstuff_interp, value: bool, out: *mut *mut gilstuff_object, err: *mut *mut gilstuff_error) -> gilstuff_status {
    make(out, err, || object::boolean(interp::id(interp)?, value))
}

/// A new Python `int` from a signed 64-bit value, in `interp` (NULL = main).
#[no_mangle]
pub extern "C" fn gilstuff_int(interp: *mut gilstuff_interp, value: i64, out: *mut *mut gilstuff_object, err: *mut *mut gilstuff_error) -> gilstuff_status {
    make(out, err, || object::int(interp::id(interp)?, value))
}

/// A new Python `int` from an unsigned 64-bit value, in `interp` (NULL = main).
#[no_mangle]
pub extern "C" fn gilstuff_uint(interp: *mut gilstuff_interp, value: u64, out: *mut *mut gilstuff_object, err: *mut *mut gilstuff_error) -> gilstuff_status {
    make(out, err, || object::uint(interp::id(interp)?, value))
}

/// A new Python `float`, in `interp` (NULL = main).
#[no_mangle]
pub extern "C" fn gilstuff_float(interp: *mut gilstuff_interp, value: f64, out: *mut *mut gilstuff_object, err: *mut *mut gilstuff_error) -> gilstuff_status {
    make(out, err, || object::float(interp::id(interp)?, value))
}

/// A new Python `str` from `len` bytes of UTF-8 at `data` (not NUL-terminated; NUL bytes
/// are kept). `data` may be NULL when `len` is 0. Invalid UTF-8: `GILSTUFF_ERR_INVALID_UTF8`.
#[no_mangle]
pub extern "C" fn gilstuff_str(
    interp: *mut gilstuff_interp,
    data: *const c_char,
    len: usize,
    out: *mut *mut gilstuff_object,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    make(out, err, || {
        // SAFETY: `data` points to `len` bytes (header contract).
        let bytes = unsafe { bytes_arg(data.cast(), len, "data") }?;
        let text = std::str::from_utf8(bytes).map_err(|e| Error::invalid_utf8("data", e))?;
        object::str(interp::id(interp)?, text)
    })
}

/// A new Python `bytes` copied from `len` bytes at `data` (NULL allowed when `len` is 0).
#[no_mangle]
pub extern "C" fn gilstuff_bytes(
    interp: *mut gilstuff_interp,
    data: *const u8,
    len: usize,
    out: *mut *mut gilstuff_object,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    make(out, err, || {
        // SAFETY: `data` points to `len` bytes (header contract).
        let bytes = unsafe { bytes_arg(data, len, "data") }?;
        object::bytes(interp::id(interp)?, bytes)
    })
}

/// A new `tuple` of the objects of `items[0..n]` (the handles stay the caller's).
/// `items` may be NULL when `n` is 0. Every item must belong to `interp`.
#[no_mangle]
pub extern "C" fn gilstuff_tuple(
    interp: *mut gilstuff_interp,
    items: *const *mut gilstuff_object,
    n: usize,
    out: *mut *mut gilstuff_object,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    // SAFETY: `items` points to `n` handles (header contract).
    make(out, err, || object::sequence(interp::id(interp)?, unsafe { tokens(items, n, "items") }?, false))
}

/// A new `list` of the objects of `items[0..n]`; as `gilstuff_tuple` otherwise.
#[no_mangle]
pub extern "C" fn gilstuff_list(
    interp: *mut gilstuff_interp,
    items: *const *mut gilstuff_object,
    n: usize,
    out: *mut *mut gilstuff_object,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    // SAFETY: as in `gilstuff_tuple`.
    make(out, err, || object::sequence(interp::id(interp)?, unsafe { tokens(items, n, "items") }?, true))
}

/// A new empty `dict`, in `interp` (NULL = main).
#[no_mangle]
pub extern "C" fn gilstuff_dict(interp: *mut gilstuff_interp, out: *mut *mut gilstuff_object, err: *mut *mut gilstuff_error) -> gilstuff_status {
    make(out, err, || object::dict(interp::id(interp)?))
}

/// `container[key] = value` (dict, list, or any object supporting item assignment).
#[no_mangle]
pub extern "C" fn gilstuff_setitem(
    container: *mut gilstuff_object,
    key: *mut gilstuff_object,
    value: *mut gilstuff_object,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    boundary(err, || object::setitem(token(container), token(key), token(value)))
}

// ---- read ---------------------------------------------------------------------------

/// `*out` = the int's value. Not an int (or `__index__`): `GILSTUFF_ERR_TYPE`; outside
/// int64 range: `GILSTUFF_ERR_OVERFLOW`.
#[no_mangle]
pub extern "C" fn gilstuff_to_int(obj: *mut gilstuff_object, out: *mut i64, err: *mut *mut gilstuff_error) -> gilstuff_status {
    read(out, err, || object::to_int(token(obj)))
}

/// `*out` = the int's value. Negative or above `UINT64_MAX`: `GILSTUFF_ERR_OVERFLOW`.
#[no_mangle]
pub extern "C" fn gilstuff_to_uint(obj: *mut gilstuff_object, out: *mut u64, err: *mut *mut gilstuff_error) -> gilstuff_status {
    read(out, err, || object::to_uint(token(obj)))
}

/// `*out` = the float's (or int's) value. An int too large for a double:
/// `GILSTUFF_ERR_OVERFLOW`; other types: `GILSTUFF_ERR_TYPE`.
#[no_mangle]
pub extern "C" fn gilstuff_to_float(obj: *mut gilstuff_object, out: *mut f64, err: *mut *mut gilstuff_error) -> gilstuff_status {
    read(out, err, || object::to_float(token(obj)))
}

/// `*out` = `bool(obj)` (Python truthiness; `__bool__` may raise).
#[no_mangle]
pub extern "C" fn gilstuff_to_bool(obj: *mut gilstuff_object, out: *mut bool, err: *mut *mut gilstuff_error) -> gilstuff_status {
    read(out, err, || object::to_bool(token(obj)))
}

/// `*out` = whether the object is `None`.
#[no_mangle]
pub extern "C" fn gilstuff_is_none(obj: *mut gilstuff_object, out: *mut bool, err: *mut *mut gilstuff_error) -> gilstuff_status {
    read(out, err, || object::is_none(token(obj)))
}

/// `*out` = `len(obj)`.
#[no_mangle]
pub extern "C" fn gilstuff_len(obj: *mut gilstuff_object, out: *mut usize, err: *mut *mut gilstuff_error) -> gilstuff_status {
    read(out, err, || object::len(token(obj)))
}

fn read_buffer(obj: *mut gilstuff_object, kind: Text, out: *mut gilstuff_buffer, err: *mut *mut gilstuff_error) -> gilstuff_status {
    read(out, err, || object::read_text(token(obj), kind, buffer::copy))
}

/// `*out` = the str's text as UTF-8, in a new buffer (free it with
/// `gilstuff_buffer_free`). Not a str: `GILSTUFF_ERR_TYPE`; a str holding lone
/// surrogates: `GILSTUFF_ERR_INVALID_UTF8`.
#[no_mangle]
pub extern "C" fn gilstuff_to_str(obj: *mut gilstuff_object, out: *mut gilstuff_buffer, err: *mut *mut gilstuff_error) -> gilstuff_status {
    read_buffer(obj, Text::Str, out, err)
}

/// `*out` = a copy of the contents of a `bytes` or `bytearray`, in a new buffer (free it
/// with `gilstuff_buffer_free`). Other types: `GILSTUFF_ERR_TYPE`.
#[no_mangle]
pub extern "C" fn gilstuff_to_bytes(obj: *mut gilstuff_object, out: *mut gilstuff_buffer, err: *mut *mut gilstuff_error) -> gilstuff_status {
    read_buffer(obj, Text::Bytes, out, err)
}

/// `*out` = `repr(obj)` as UTF-8, in a new buffer (free it with `gilstuff_buffer_free`).
#[no_mangle]
pub extern "C" fn gilstuff_repr(obj: *mut gilstuff_object, out: *mut gilstuff_buffer, err: *mut *mut gilstuff_error) -> gilstuff_status {
    read_buffer(obj, Text::Repr, out, err)
}

/// `*out` = the name of `type(obj)` (`"int"`, `"mymodule.Thing"`), in a new buffer.
#[no_mangle]
pub extern "C" fn gilstuff_type_name(obj: *mut gilstuff_object, out: *mut gilstuff_buffer, err: *mut *mut gilstuff_error) -> gilstuff_status {
    read_buffer(obj, Text::TypeName, out, err)
}

fn read_into(obj: *mut gilstuff_object, kind: Text, buf: *mut u8, cap: usize, nul: bool, len: *mut usize, err: *mut *mut gilstuff_error) -> gilstuff_status {
    boundary(err, || {
        check_out(len, "len")?;
        if buf.is_null() && cap > 0 {
            return Err(Error::null_pointer("buf"));
        }
        let needed = object::read_text(token(obj), kind, |bytes| {
            let fits = bytes.len() + nul as usize <= cap;
            if fits {
                // SAFETY: `buf` holds `cap` writable bytes (contract) and the copy fits.
                unsafe {
                    std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf, bytes.len());
                    if nul {
                        *buf.add(bytes.len()) = 0;
                    }
                }
            }
            (bytes.len(), fits)
        })?;
        put(len, needed.0)?;
        if !needed.1 {
            return Err(Error::new(
                GILSTUFF_ERR_BUFFER_TOO_SMALL,
                format!("the buffer holds {cap} bytes but {} are needed", needed.0 + nul as usize),
            ));
        }
        Ok(())
    })
}

/// Copies the str's UTF-8 text into `buf` (capacity `cap` bytes) and NUL-terminates it.
/// `*len` = the text's length in bytes without the NUL, written on success AND on
/// `GILSTUFF_ERR_BUFFER_TOO_SMALL` (then nothing is copied: retry with `*len + 1`).
/// `buf` may be NULL when `cap` is 0, to ask for the size.
#[no_mangle]
pub extern "C" fn gilstuff_to_str_into(obj: *mut gilstuff_object, buf: *mut c_char, cap: usize, len: *mut usize, err: *mut *mut gilstuff_error) -> gilstuff_status {
    read_into(obj, Text::Str, buf.cast(), cap, true, len, err)
}

/// Copies the contents of a `bytes`/`bytearray` into `buf` (capacity `cap`). `*len` =
/// the number of bytes, written on success AND on `GILSTUFF_ERR_BUFFER_TOO_SMALL`.
#[no_mangle]
pub extern "C" fn gilstuff_to_bytes_into(obj: *mut gilstuff_object, buf: *mut u8, cap: usize, len: *mut usize, err: *mut *mut gilstuff_error) -> gilstuff_status {
    read_into(obj, Text::Bytes, buf, cap, false, len, err)
}

/// `*out` = a new handle to `obj[key]`.
#[no_mangle]
pub extern "C" fn gilstuff_getitem(
    obj: *mut gilstuff_object,
    key: *mut gilstuff_object,
    out: *mut *mut gilstuff_object,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    make(out, err, || object::getitem(token(obj), token(key)))
}

// ---- use ----------------------------------------------------------------------------

/// `*out` = the module `name` (e.g. `"os.path"`), imported in `interp` (NULL = main).
#[no_mangle]
pub extern "C" fn gilstuff_import(interp: *mut gilstuff_interp, name: *const c_char, out: *mut *mut gilstuff_object, err: *mut *mut gilstuff_error) -> gilstuff_status {
    make(out, err, || {
        // SAFETY: `name` is NULL or NUL-terminated (header contract).
        let name = unsafe { arg_cstr(name, "name") }?;
        object::import(interp::id(interp)?, name)
    })
}

/// `*out` = `getattr(obj, name)`.
#[no_mangle]
pub extern "C" fn gilstuff_getattr(obj: *mut gilstuff_object, name: *const c_char, out: *mut *mut gilstuff_object, err: *mut *mut gilstuff_error) -> gilstuff_status {
    make(out, err, || {
        // SAFETY: as in `gilstuff_import`.
        let name = unsafe { arg_cstr(name, "name") }?;
        object::getattr(token(obj), name)
    })
}

/// `setattr(obj, name, value)`.
#[no_mangle]
pub extern "C" fn gilstuff_setattr(obj: *mut gilstuff_object, name: *const c_char, value: *mut gilstuff_object, err: *mut *mut gilstuff_error) -> gilstuff_status {
    boundary(err, || {
        // SAFETY: as in `gilstuff_import`.
        let name = unsafe { arg_cstr(name, "name") }?;
        object::setattr(token(obj), name, token(value))
    })
}

/// `*out` = `callable(*args[0..nargs], **kwargs)`. `args` may be NULL when `nargs` is 0;
/// `kwargs` is a dict handle or NULL (not a dict: `GILSTUFF_ERR_TYPE`). The argument
/// handles stay the caller's. An exception raised by the call — `SystemExit` and
/// `KeyboardInterrupt` included — is returned as `GILSTUFF_ERR_PYTHON`.
#[no_mangle]
pub extern "C" fn gilstuff_call(
    callable: *mut gilstuff_object,
    args: *const *mut gilstuff_object,
    nargs: usize,
    kwargs: *mut gilstuff_object,
    out: *mut *mut gilstuff_object,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    // SAFETY: `args` points to `nargs` handles (header contract).
    make(out, err, || object::call(token(callable), unsafe { tokens(args, nargs, "args") }?, optional_token(kwargs)))
}

/// `callable(*args[0..nargs], **kwargs)` for its effect: as `gilstuff_call`, but the
/// result is dropped before the call returns, so there is no handle to release. The
/// cheapest way to call Python from a host thread: one GIL entry, no handle made.
/// Any thread; enters the callable's interpreter (or only counts a frame when already
/// inside it).
#[no_mangle]
pub extern "C" fn gilstuff_invoke(
    callable: *mut gilstuff_object,
    args: *const *mut gilstuff_object,
    nargs: usize,
    kwargs: *mut gilstuff_object,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    // SAFETY: `args` points to `nargs` handles (header contract).
    boundary(err, || object::invoke(token(callable), unsafe { tokens(args, nargs, "args") }?, optional_token(kwargs)))
}

/// `*out` = `obj.name(*args[0..nargs], **kwargs)`; as `gilstuff_call` otherwise.
#[no_mangle]
pub extern "C" fn gilstuff_call_method(
    obj: *mut gilstuff_object,
    name: *const c_char,
    args: *const *mut gilstuff_object,
    nargs: usize,
    kwargs: *mut gilstuff_object,
    out: *mut *mut gilstuff_object,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    make(out, err, || {
        // SAFETY: as in `gilstuff_import` and `gilstuff_call`.
        let name = unsafe { arg_cstr(name, "name") }?;
        object::call_method(token(obj), name, unsafe { tokens(args, nargs, "args") }?, optional_token(kwargs))
    })
}


/// `*out` = the value of the Python expression `expr`, evaluated with `globals` (a dict
/// handle) as globals and locals, or `__main__`'s namespace when `globals` is NULL.
#[no_mangle]
pub extern "C" fn gilstuff_eval(
    interp: *mut gilstuff_interp,
    expr: *const c_char,
    globals: *mut gilstuff_object,
    out: *mut *mut gilstuff_object,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    make(out, err, || {
        // SAFETY: `expr` is NULL or NUL-terminated (header contract).
        let expr: &CStr = unsafe { arg_cstr(expr, "expr") }?;
        object::eval(interp::id(interp)?, expr, optional_token(globals))
    })
}

/// Executes the statements `code` with `globals` (a dict handle, or NULL for
/// `__main__`'s namespace).
#[no_mangle]
pub extern "C" fn gilstuff_exec(interp: *mut gilstuff_interp, code: *const c_char, globals: *mut gilstuff_object, err: *mut *mut gilstuff_error) -> gilstuff_status {
    boundary(err, || {
        // SAFETY: `code` is NULL or NUL-terminated (header contract).
        let code: &CStr = unsafe { arg_cstr(code, "code") }?;
        object::exec(interp::id(interp)?, code, optional_token(globals))
    })
}

/// `*out` = the namespace dict of `__main__` in `interp` (NULL = main).
#[no_mangle]
pub extern "C" fn gilstuff_main_dict(interp: *mut gilstuff_interp, out: *mut *mut gilstuff_object, err: *mut *mut gilstuff_error) -> gilstuff_status {
    make(out, err, || object::main_dict(interp::id(interp)?))
}

// ---- lifetime -----------------------------------------------------------------------

/// `*out` = a second handle to the same object (a new reference); release both.
#[no_mangle]
pub extern "C" fn gilstuff_object_clone(obj: *mut gilstuff_object, out: *mut *mut gilstuff_object, err: *mut *mut gilstuff_error) -> gilstuff_status {
    make(out, err, || object::clone(token(obj)))
}

/// Releases the handle and its reference. A second release of the same handle returns
/// `GILSTUFF_ERR_INVALID_HANDLE`; NULL returns `GILSTUFF_ERR_NULL_POINTER`.
///
/// Thread and GIL rules: any thread, with or without the GIL, before or after finalize,
/// never blocks. Inside a gilstuff call of the object's interpreter the reference is
/// dropped at once; otherwise it is queued and dropped at that interpreter's next entry.
/// After `gilstuff_finalize` (or for a handle of an earlier init) only the handle is freed.
#[no_mangle]
pub extern "C" fn gilstuff_object_release(obj: *mut gilstuff_object, err: *mut *mut gilstuff_error) -> gilstuff_status {
    boundary(err, || {
        if obj.is_null() {
            return Err(Error::null_pointer("obj"));
        }
        object::release(token(obj))
    })
}
