#![allow(non_camel_case_types)]

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
        unsafe { *err = Box::into_raw(Box::new(gilstuff_error(e))) };
    }
    code
}

/// Runs `f` inside a panic boundary for functions with no error out-parameter.
pub(crate) fn no_panic<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
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
