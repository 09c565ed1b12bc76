//! `gilstuff_value`: portable values — none, bool, int64, double, str, bytes and lists of
//! these — that carry pool arguments and results across interpreters. Made, read and
//! freed entirely in C terms: the data is copied in and out, no Python object is involved.
//!
//! Thread and GIL rules shared by every function here: any thread, with or without the
//! GIL, before `gilstuff_init`, while Python runs and after `gilstuff_finalize`. No Python
//! code runs and no interpreter is entered. A value is plain memory: several threads may
//! read one value at once, but changing it (`gilstuff_value_list_push`, `gilstuff_value_free`)
//! while another thread uses it is a data race, as for any C object.
//!
//! Representation: a `gilstuff_value *` points to a heap [`Value`]; a pointer returned by
//! `gilstuff_value_list_get` points to the element inside its list. Every str and bytes
//! reachable from a `gilstuff_value` keeps a NUL byte just past its end, in the spare
//! capacity of its buffer (see [`terminate`]), so that `gilstuff_value_get_str` can hand
//! out a C string without copying. Values enter C only through [`into_raw`], which puts
//! those bytes in place.

use std::ffi::c_char;
use std::ptr;

use super::{boundary, bytes_arg, check_out, gilstuff_error, no_panic, put};
use crate::runtime::error::{Error, Result};
use crate::runtime::status::*;
use crate::runtime::value::{Value, GILSTUFF_VALUE_MAX_DEPTH};

/// A portable value: none, bool, int64, double, str (UTF-8), bytes, or a list of values.
/// Owned by the caller once returned by a constructor or `gilstuff_value_clone`; freed
/// with `gilstuff_value_free`. Values never refer to Python objects.
pub struct gilstuff_value {
    _opaque: [u8; 0],
}

/// The kind of a `gilstuff_value`: one of the `GILSTUFF_VALUE_*` constants.
pub type gilstuff_value_kind = u32;

/// Not a value: what `gilstuff_value_get_kind` returns for NULL.
pub const GILSTUFF_VALUE_INVALID: gilstuff_value_kind = 0;
/// Python `None`.
pub const GILSTUFF_VALUE_NONE: gilstuff_value_kind = 1;
/// A `bool`.
pub const GILSTUFF_VALUE_BOOL: gilstuff_value_kind = 2;
/// A signed 64-bit integer (`int64_t`).
pub const GILSTUFF_VALUE_INT: gilstuff_value_kind = 3;
/// A `double`.
pub const GILSTUFF_VALUE_FLOAT: gilstuff_value_kind = 4;
/// UTF-8 text (may hold NUL bytes).
pub const GILSTUFF_VALUE_STR: gilstuff_value_kind = 5;
/// Bytes.
pub const GILSTUFF_VALUE_BYTES: gilstuff_value_kind = 6;
/// A list of values (becomes a Python `list`; Python tuples become lists too).
pub const GILSTUFF_VALUE_LIST: gilstuff_value_kind = 7;

// ---- the Rust side: for the pool and the other C functions ---------------------------

/// Hands `v` to C as an owned `gilstuff_value *` (never NULL). Free with
/// `gilstuff_value_free` or take back with [`take`].
pub(crate) fn into_raw(mut v: Value) -> *mut gilstuff_value {
    terminate(&mut v);
    Box::into_raw(Box::new(v)).cast()
}

/// Takes back the value behind an owned `gilstuff_value *`.
///
/// # Safety
/// `p` is NULL or an owned value from [`into_raw`] that the caller gives up.
pub(crate) unsafe fn take(p: *mut gilstuff_value, name: &str) -> Result<Value> {
    if p.is_null() {
        return Err(Error::null_pointer(name));
    }
    // SAFETY: caller's contract: `p` came from `Box::<Value>::into_raw` and is given up.
    Ok(*Box::from_raw(p.cast::<Value>()))
}

/// The value behind a `const gilstuff_value *` argument.
///
/// # Safety
/// `p` is NULL or a live value (owned or borrowed from a list) that outlives `'a` and is
/// not changed meanwhile.
pub(crate) unsafe fn borrow<'a>(p: *const gilstuff_value, name: &str) -> Result<&'a Value> {
    // SAFETY: caller's contract; a `gilstuff_value *` always points to a `Value`.
    p.cast::<Value>().as_ref().ok_or_else(|| Error::null_pointer(name))
}

/// Puts a NUL byte just past the end of every str and bytes in `v`, in the spare
/// capacity of its buffer (reserving one byte if there is none). The contents and
/// lengths do not change; the byte stays valid as long as the buffer is not changed,
/// and nothing changes a str or bytes once it is inside a `gilstuff_value` (moving a
/// `String` or `Vec` does not move its buffer).
fn terminate(v: &mut Value) {
    fn nul_after(buf: &mut Vec<u8>) {
        buf.reserve_exact(1); // a no-op when there is spare capacity already
        buf.spare_capacity_mut()[0].write(0);
    }
    match v {
        // SAFETY: only the spare capacity is written: the contents stay valid UTF-8.
        Value::Str(s) => nul_after(unsafe { s.as_mut_vec() }),
        Value::Bytes(b) => nul_after(b),
        // Recursion depth: values made here or by `from_python` nest at most
        // GILSTUFF_VALUE_MAX_DEPTH levels.
        Value::List(items) => items.iter_mut().for_each(terminate),
        Value::None | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
    }
}

/// A pointer to `buf.len() + 1` readable bytes: `buf` followed by the NUL `terminate`
/// wrote into the spare capacity of the `String`/`Vec` that `buf` is the contents of.
///
/// Aliasing note: the allocation holds those `len + 1` initialised bytes and nothing
/// writes to it while the value lives, so the read past the slice stays inside live,
/// initialised, unchanged memory. Tree Borrows allows it through a pointer taken from a
/// slice; Stacked Borrows would confine the pointer to the slice. `Vec::as_ptr` is
/// documented to cover the whole buffer, but `String` has no inherent `as_ptr` (its
/// `as_ptr` is `str`'s), so both kinds go through the slice pointer.
fn terminated_ptr(buf: &[u8]) -> *const u8 {
    buf.as_ptr()
}

fn wrong_kind(v: &Value, wanted: &str) -> Error {
    let a = |kind: &str| if kind == "int" { "an" } else { "a" };
    let got = v.kind_name();
    Error::new(GILSTUFF_ERR_TYPE, format!("expected {} {wanted} value, got {} {got} value", a(wanted), a(got)))
}

// ---- create -------------------------------------------------------------------------

/// A new value `None`, owned by the caller (free with `gilstuff_value_free`). Never
/// returns NULL (running out of memory aborts the process, as everywhere in gilstuff).
///
/// Thread and GIL rules: any thread, with or without the GIL; Python is not involved.
#[no_mangle]
pub extern "C" fn gilstuff_value_none() -> *mut gilstuff_value {
    no_panic(ptr::null_mut(), || into_raw(Value::None))
}

/// A new bool value, owned by the caller. Never NULL, as `gilstuff_value_none`.
///
/// Thread and GIL rules: any thread, with or without the GIL; Python is not involved.
#[no_mangle]
pub extern "C" fn gilstuff_value_bool(value: bool) -> *mut gilstuff_value {
    no_panic(ptr::null_mut(), || into_raw(Value::Bool(value)))
}

/// A new int value (Python `int`), owned by the caller. Never NULL, as `gilstuff_value_none`.
///
/// Thread and GIL rules: any thread, with or without the GIL; Python is not involved.
#[no_mangle]
pub extern "C" fn gilstuff_value_int(value: i64) -> *mut gilstuff_value {
    no_panic(ptr::null_mut(), || into_raw(Value::Int(value)))
}

/// A new float value (Python `float`; NaN and infinities allowed), owned by the caller.
/// Never NULL, as `gilstuff_value_none`.
///
/// Thread and GIL rules: any thread, with or without the GIL; Python is not involved.
#[no_mangle]
pub extern "C" fn gilstuff_value_float(value: f64) -> *mut gilstuff_value {
    no_panic(ptr::null_mut(), || into_raw(Value::Float(value)))
}

/// A new str value copied from `len` bytes of UTF-8 at `data` (not NUL-terminated; NUL
/// bytes are kept). `data` may be NULL when `len` is 0. On success `*out` is a new value
/// owned by the caller. Errors: `GILSTUFF_ERR_NULL_POINTER` (`data` with `len > 0`, or
/// `out`), `GILSTUFF_ERR_INVALID_UTF8`.
///
/// Thread and GIL rules: any thread, with or without the GIL; Python is not involved.
#[no_mangle]
pub extern "C" fn gilstuff_value_str(
    data: *const c_char,
    len: usize,
    out: *mut *mut gilstuff_value,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    boundary(err, || {
        check_out(out, "out")?;
        // SAFETY: `data` points to `len` readable bytes (header contract).
        let bytes = unsafe { bytes_arg(data.cast(), len, "data") }?;
        let text = std::str::from_utf8(bytes).map_err(|e| Error::invalid_utf8("data", e))?;
        let mut s = String::with_capacity(text.len() + 1);
        s.push_str(text);
        put(out, into_raw(Value::Str(s)))
    })
}

/// A new bytes value copied from `len` bytes at `data` (NULL allowed when `len` is 0).
/// On success `*out` is a new value owned by the caller. Errors:
/// `GILSTUFF_ERR_NULL_POINTER` (`data` with `len > 0`, or `out`).
///
/// Thread and GIL rules: any thread, with or without the GIL; Python is not involved.
#[no_mangle]
pub extern "C" fn gilstuff_value_bytes(
    data: *const u8,
    len: usize,
    out: *mut *mut gilstuff_value,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    boundary(err, || {
        check_out(out, "out")?;
        // SAFETY: `data` points to `len` readable bytes (header contract).
        let bytes = unsafe { bytes_arg(data, len, "data") }?;
        let mut b = Vec::with_capacity(bytes.len() + 1);
        b.extend_from_slice(bytes);
        put(out, into_raw(Value::Bytes(b)))
    })
}

/// A new empty list value, owned by the caller; fill it with `gilstuff_value_list_push`.
/// Never NULL, as `gilstuff_value_none`.
///
/// Thread and GIL rules: any thread, with or without the GIL; Python is not involved.
#[no_mangle]
pub extern "C" fn gilstuff_value_list_new() -> *mut gilstuff_value {
    no_panic(ptr::null_mut(), || into_raw(Value::List(Vec::new())))
}

/// Appends `item` to the list value `list`.
///
/// Ownership: on success the list takes `item` — do not use or free `item` afterwards
/// (read it back through `gilstuff_value_list_get`). On failure nothing changes and
/// `item` stays the caller's, to free. `list` must be a value the caller owns (not one
/// borrowed from `gilstuff_value_list_get`) and `item` a value the caller owns.
///
/// Errors: `GILSTUFF_ERR_NULL_POINTER`; `GILSTUFF_ERR_INVALID_ARGUMENT` when `item` is
/// `list` itself or the list would nest more than `GILSTUFF_VALUE_MAX_DEPTH` (100) levels
/// deep; `GILSTUFF_ERR_TYPE` when `list` is not a list value.
///
/// Thread and GIL rules: any thread, with or without the GIL; Python is not involved.
/// No other thread may use `list` or `item` during the call.
#[no_mangle]
pub extern "C" fn gilstuff_value_list_push(
    list: *mut gilstuff_value,
    item: *mut gilstuff_value,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    boundary(err, || {
        if list.is_null() {
            return Err(Error::null_pointer("list"));
        }
        if item.is_null() {
            return Err(Error::null_pointer("item"));
        }
        if list == item {
            return Err(Error::new(GILSTUFF_ERR_INVALID_ARGUMENT, "a list value cannot contain itself"));
        }
        // SAFETY: `list` is a live value owned by the caller, used by no one else during
        // the call (header contract), and not `item`.
        let Value::List(items) = (unsafe { &mut *list.cast::<Value>() }) else {
            // SAFETY: as above.
            return Err(wrong_kind(unsafe { &*list.cast::<Value>() }, "list"));
        };
        // SAFETY: `item` is a live value owned by the caller (header contract).
        if unsafe { borrow(item, "item") }?.depth_exceeds(GILSTUFF_VALUE_MAX_DEPTH - 1) {
            return Err(Error::new(
                GILSTUFF_ERR_INVALID_ARGUMENT,
                format!("the list would nest more than {GILSTUFF_VALUE_MAX_DEPTH} levels deep"),
            ));
        }
        // Anything that could fail (or panic) happens before `item` is taken.
        items.reserve(1);
        // SAFETY: `item` is owned by the caller, who gives it up on success (header contract).
        let v = unsafe { take(item, "item") }?;
        items.push(v);
        Ok(())
    })
}

/// A deep copy of `value`, owned by the caller; NULL if `value` is NULL. Works on
/// borrowed list elements too.
///
/// Thread and GIL rules: any thread, with or without the GIL; Python is not involved.
#[no_mangle]
pub extern "C" fn gilstuff_value_clone(value: *const gilstuff_value) -> *mut gilstuff_value {
    no_panic(ptr::null_mut(), || {
        // SAFETY: `value` is NULL or a live value (header contract).
        match unsafe { borrow(value, "value") } {
            Ok(v) => into_raw(v.clone()),
            Err(_) => ptr::null_mut(),
        }
    })
}

/// Frees a value owned by the caller and everything in it (list elements included).
/// NULL is a no-op. Never pass a pointer borrowed from `gilstuff_value_list_get`, nor a
/// value already given to `gilstuff_value_list_push` or freed.
///
/// Thread and GIL rules: any thread, with or without the GIL; Python is not involved.
#[no_mangle]
pub extern "C" fn gilstuff_value_free(value: *mut gilstuff_value) {
    no_panic((), || {
        // SAFETY: `value` is NULL or an owned value the caller gives up (header contract).
        drop(unsafe { take(value, "value") });
    })
}

// ---- read ---------------------------------------------------------------------------

/// The kind of `value` (`GILSTUFF_VALUE_NONE` … `GILSTUFF_VALUE_LIST`);
/// `GILSTUFF_VALUE_INVALID` if `value` is NULL.
///
/// Thread and GIL rules: any thread, with or without the GIL; Python is not involved.
#[no_mangle]
pub extern "C" fn gilstuff_value_get_kind(value: *const gilstuff_value) -> gilstuff_value_kind {
    no_panic(GILSTUFF_VALUE_INVALID, || {
        // SAFETY: `value` is NULL or a live value (header contract).
        match unsafe { borrow(value, "value") } {
            Ok(Value::None) => GILSTUFF_VALUE_NONE,
            Ok(Value::Bool(_)) => GILSTUFF_VALUE_BOOL,
            Ok(Value::Int(_)) => GILSTUFF_VALUE_INT,
            Ok(Value::Float(_)) => GILSTUFF_VALUE_FLOAT,
            Ok(Value::Str(_)) => GILSTUFF_VALUE_STR,
            Ok(Value::Bytes(_)) => GILSTUFF_VALUE_BYTES,
            Ok(Value::List(_)) => GILSTUFF_VALUE_LIST,
            Err(_) => GILSTUFF_VALUE_INVALID,
        }
    })
}

/// Reads a value of one kind into `*out` with `read`, which returns `None` for other kinds.
fn read<T>(
    value: *const gilstuff_value,
    out: *mut T,
    err: *mut *mut gilstuff_error,
    wanted: &str,
    read: impl FnOnce(&Value) -> Option<T>,
) -> gilstuff_status {
    boundary(err, || {
        // SAFETY: `value` is NULL or a live value (header contract).
        let v = unsafe { borrow(value, "value") }?;
        check_out(out, "out")?;
        put(out, read(v).ok_or_else(|| wrong_kind(v, wanted))?)
    })
}

/// The bool in a bool value. Errors: `GILSTUFF_ERR_NULL_POINTER`, `GILSTUFF_ERR_TYPE`
/// for any other kind (no conversion).
///
/// Thread and GIL rules: any thread, with or without the GIL; Python is not involved.
#[no_mangle]
pub extern "C" fn gilstuff_value_get_bool(value: *const gilstuff_value, out: *mut bool, err: *mut *mut gilstuff_error) -> gilstuff_status {
    read(value, out, err, "bool", |v| match v {
        Value::Bool(b) => Some(*b),
        _ => None,
    })
}

/// The integer in an int value. Errors: `GILSTUFF_ERR_NULL_POINTER`, `GILSTUFF_ERR_TYPE`
/// for any other kind (a bool or float is not converted).
///
/// Thread and GIL rules: any thread, with or without the GIL; Python is not involved.
#[no_mangle]
pub extern "C" fn gilstuff_value_get_int(value: *const gilstuff_value, out: *mut i64, err: *mut *mut gilstuff_error) -> gilstuff_status {
    read(value, out, err, "int", |v| match v {
        Value::Int(i) => Some(*i),
        _ => None,
    })
}

/// The number in a float value. Errors: `GILSTUFF_ERR_NULL_POINTER`, `GILSTUFF_ERR_TYPE`
/// for any other kind (an int is not converted).
///
/// Thread and GIL rules: any thread, with or without the GIL; Python is not involved.
#[no_mangle]
pub extern "C" fn gilstuff_value_get_float(value: *const gilstuff_value, out: *mut f64, err: *mut *mut gilstuff_error) -> gilstuff_status {
    read(value, out, err, "float", |v| match v {
        Value::Float(f) => Some(*f),
        _ => None,
    })
}

/// The text of a str value: `*data` points to `*len` bytes of UTF-8 followed by a NUL
/// byte (not counted in `*len`), so it is also a C string, cut short if the text holds NUL
/// bytes. Borrowed from `value`: valid until `value` (or the list holding it) is freed;
/// never free it. Both out-parameters are written on success only. Errors:
/// `GILSTUFF_ERR_NULL_POINTER` (`value`, `data` or `len`), `GILSTUFF_ERR_TYPE` for
/// another kind.
///
/// Thread and GIL rules: any thread, with or without the GIL; Python is not involved.
#[no_mangle]
pub extern "C" fn gilstuff_value_get_str(
    value: *const gilstuff_value,
    data: *mut *const c_char,
    len: *mut usize,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    boundary(err, || {
        // SAFETY: `value` is NULL or a live value (header contract).
        let v = unsafe { borrow(value, "value") }?;
        check_out(data, "data")?;
        check_out(len, "len")?;
        let Value::Str(s) = v else { return Err(wrong_kind(v, "str")) };
        put(data, terminated_ptr(s.as_bytes()).cast())?;
        put(len, s.len())
    })
}

/// The contents of a bytes value: `*data` points to `*len` bytes followed by a NUL byte
/// not counted in `*len` (so `*data` is never NULL, even when `*len` is 0). Borrowed from
/// `value`: valid until `value` (or the list holding it) is freed; never free it. Both
/// out-parameters are written on success only. Errors: `GILSTUFF_ERR_NULL_POINTER`,
/// `GILSTUFF_ERR_TYPE` for another kind.
///
/// Thread and GIL rules: any thread, with or without the GIL; Python is not involved.
#[no_mangle]
pub extern "C" fn gilstuff_value_get_bytes(
    value: *const gilstuff_value,
    data: *mut *const u8,
    len: *mut usize,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    boundary(err, || {
        // SAFETY: `value` is NULL or a live value (header contract).
        let v = unsafe { borrow(value, "value") }?;
        check_out(data, "data")?;
        check_out(len, "len")?;
        let Value::Bytes(b) = v else { return Err(wrong_kind(v, "bytes")) };
        put(data, terminated_ptr(b))?;
        put(len, b.len())
    })
}

/// The number of elements of a list value. Errors: `GILSTUFF_ERR_NULL_POINTER`,
/// `GILSTUFF_ERR_TYPE` for another kind.
///
/// Thread and GIL rules: any thread, with or without the GIL; Python is not involved.
#[no_mangle]
pub extern "C" fn gilstuff_value_list_len(value: *const gilstuff_value, out: *mut usize, err: *mut *mut gilstuff_error) -> gilstuff_status {
    read(value, out, err, "list", |v| match v {
        Value::List(items) => Some(items.len()),
        _ => None,
    })
}

/// Element `index` of a list value, borrowed: valid until the list is freed or pushed
/// to (a push may move the elements); never free it and never push to it. Errors:
/// `GILSTUFF_ERR_NULL_POINTER`, `GILSTUFF_ERR_TYPE` for another kind,
/// `GILSTUFF_ERR_INVALID_ARGUMENT` when `index` is not below the length.
///
/// Thread and GIL rules: any thread, with or without the GIL; Python is not involved.
#[no_mangle]
pub extern "C" fn gilstuff_value_list_get(
    list: *const gilstuff_value,
    index: usize,
    out: *mut *const gilstuff_value,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    boundary(err, || {
        // SAFETY: `list` is NULL or a live value (header contract).
        let v = unsafe { borrow(list, "list") }?;
        check_out(out, "out")?;
        let Value::List(items) = v else { return Err(wrong_kind(v, "list")) };
        let item = items.get(index).ok_or_else(|| {
            Error::new(
                GILSTUFF_ERR_INVALID_ARGUMENT,
                format!("index {index} is out of range for a list of {} values", items.len()),
            )
        })?;
        put(out, (item as *const Value).cast())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spare_byte(buf: &[u8], cap: usize) -> u8 {
        assert!(cap > buf.len(), "no spare byte");
        // SAFETY: `terminate` initialised the byte just past the end, inside the capacity.
        unsafe { *terminated_ptr(buf).add(buf.len()) }
    }

    #[test]
    fn terminate_puts_a_nul_after_every_str_and_bytes() {
        let exact = String::from("abc"); // capacity == len: a byte must be reserved
        let mut v = Value::List(vec![
            Value::Str(exact),
            Value::Str(String::new()),
            Value::Bytes(vec![]),
            Value::List(vec![Value::Bytes(vec![1, 2, 3])]),
        ]);
        terminate(&mut v);
        let Value::List(items) = &v else { unreachable!() };
        for item in items.iter().chain(match &items[3] {
            Value::List(inner) => inner.iter(),
            _ => unreachable!(),
        }) {
            match item {
                Value::Str(s) => assert_eq!(spare_byte(s.as_bytes(), s.capacity()), 0),
                Value::Bytes(b) => assert_eq!(spare_byte(b, b.capacity()), 0),
                _ => {}
            }
        }
        let Value::Str(s) = &items[0] else { unreachable!() };
        assert_eq!(s, "abc");
    }

    #[test]
    fn the_nul_survives_moves_into_a_list() {
        let list = gilstuff_value_list_new();
        for i in 0..100 {
            let mut item = ptr::null_mut();
            let text = format!("item {i}");
            assert_eq!(gilstuff_value_str(text.as_ptr().cast(), text.len(), &mut item, ptr::null_mut()), GILSTUFF_OK);
            assert_eq!(gilstuff_value_list_push(list, item, ptr::null_mut()), GILSTUFF_OK);
        }
        for i in 0..100 {
            let mut item = ptr::null();
            assert_eq!(gilstuff_value_list_get(list, i, &mut item, ptr::null_mut()), GILSTUFF_OK);
            let (mut data, mut len) = (ptr::null(), 0);
            assert_eq!(gilstuff_value_get_str(item, &mut data, &mut len, ptr::null_mut()), GILSTUFF_OK);
            // SAFETY: a NUL-terminated string borrowed from `list`.
            let c = unsafe { std::ffi::CStr::from_ptr(data) };
            assert_eq!(c.to_str().unwrap(), format!("item {i}"));
            assert_eq!(len, c.to_bytes().len());
        }
        gilstuff_value_free(list);
    }
}
