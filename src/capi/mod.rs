#![allow(non_camel_case_types)]
// Every function here takes raw pointers from C and checks them; C callers cannot mark
// anything `unsafe`, so the lint's advice does not apply to this surface.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

//! The C surface: every `extern "C"` function declared in `include/gilstuff.h`.
//!
//! Each function checks its arguments, runs the safe core inside [`boundary`] (which
//! catches panics, so none unwinds into C) and reports errors through an optional
//! `gilstuff_error **err` out-parameter, written only on failure.

pub mod buffer;
pub mod config;
pub mod error;
pub mod gil;
pub mod interp;
pub mod lifecycle;
pub mod object;
pub mod pool;
pub mod queue;
pub mod value;

use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::runtime::error::{Error, Result};
use crate::runtime::status::{gilstuff_status, GILSTUFF_OK};
pub use error::gilstuff_error;

/// Runs `f`, turning its error or panic into a status and, if `err` is not NULL, a
/// `gilstuff_error` written to `*err`.
pub(crate) fn boundary(err: *mut *mut gilstuff_error, f: impl FnOnce() -> Result<()>) -> gilstuff_status {
    let e = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => return GILSTUFF_OK,
        Ok(Err(e)) => e,
        Err(payload) => Error::from_panic(payload),
    };
    let code = e.code;
    if !err.is_null() {
        // SAFETY: the caller passes NULL or a valid `gilstuff_error *` slot (header contract).
        unsafe { *err = Box::into_raw(Box::new(gilstuff_error(e.into_data()))) };
    }
    code
}

/// Runs `f` inside a panic boundary for functions with no error out-parameter.
pub(crate) fn no_panic<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

/// Checks that the out-parameter `out` (named `name`) is not NULL, before any work.
pub(crate) fn check_out<T>(out: *mut T, name: &str) -> Result<()> {
    if out.is_null() {
        return Err(Error::null_pointer(name));
    }
    Ok(())
}

/// Writes `value` to an out-parameter checked by `check_out`.
pub(crate) fn put<T>(out: *mut T, value: T) -> Result<()> {
    // SAFETY: `out` was checked non-NULL by `check_out` and points to writable memory
    // for one `T` (header contract).
    unsafe { out.write(value) };
    Ok(())
}

/// The bytes argument `data[0..len]` (named `name`); `data` may be NULL only when `len` is 0.
///
/// # Safety
/// `data` is NULL or points to `len` readable bytes.
pub(crate) unsafe fn bytes_arg<'a>(data: *const u8, len: usize, name: &str) -> Result<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if data.is_null() {
        return Err(Error::null_pointer(name));
    }
    if len > isize::MAX as usize {
        return Err(Error::new(
            crate::runtime::status::GILSTUFF_ERR_INVALID_ARGUMENT,
            format!("`{name}` length {len} is larger than any buffer can be"),
        ));
    }
    // SAFETY: caller's contract; `len` fits a slice.
    Ok(std::slice::from_raw_parts(data, len))
}

/// A required, NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that outlives the returned reference.
pub(crate) unsafe fn arg_str<'a>(p: *const c_char, name: &str) -> Result<&'a str> {
    arg_cstr(p, name)?.to_str().map_err(|e| Error::invalid_utf8(name, e))
}

/// A required, NUL-terminated string argument, UTF-8 checked.
///
/// # Safety
/// As for [`arg_str`].
pub(crate) unsafe fn arg_cstr<'a>(p: *const c_char, name: &str) -> Result<&'a CStr> {
    if p.is_null() {
        return Err(Error::null_pointer(name));
    }
    let s = CStr::from_ptr(p);
    s.to_str().map_err(|e| Error::invalid_utf8(name, e))?;
    Ok(s)
}
