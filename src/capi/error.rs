//! `gilstuff_error`: reading and freeing the error objects, and status names.

use std::ffi::c_char;
use std::ptr;

use super::no_panic;
use crate::runtime::error::ErrorData;
use crate::runtime::status::{self, gilstuff_status, GILSTUFF_ERR_INVALID_ARGUMENT};

/// An error: a status code, a message and, for Python exceptions, the exception's type
/// name and formatted traceback. Created by gilstuff when a call fails, owned by the
/// caller, freed with `gilstuff_error_free`. Immutable: it may be read from any thread.
pub struct gilstuff_error(pub(crate) ErrorData);

/// The name of a status code, e.g. `"GILSTUFF_ERR_PYTHON"`; `"GILSTUFF_UNKNOWN_STATUS"`
/// for a value that is not a status code. The string is static: never free it.
///
/// Thread and GIL rules: any thread, any time, with or without the GIL.
#[no_mangle]
pub extern "C" fn gilstuff_status_name(status: gilstuff_status) -> *const c_char {
    no_panic(c"GILSTUFF_UNKNOWN_STATUS".as_ptr(), || {
        status::name(status).unwrap_or(c"GILSTUFF_UNKNOWN_STATUS").as_ptr()
    })
}

/// The error's status code; `GILSTUFF_ERR_INVALID_ARGUMENT` if `err` is NULL.
///
/// Thread and GIL rules: any thread, with or without the GIL.
#[no_mangle]
pub extern "C" fn gilstuff_error_code(err: *const gilstuff_error) -> gilstuff_status {
    // SAFETY: `err` is NULL or a live error from gilstuff (header contract).
    no_panic(GILSTUFF_ERR_INVALID_ARGUMENT, || unsafe { err.as_ref() }.map_or(GILSTUFF_ERR_INVALID_ARGUMENT, |e| e.0.code))
}

/// The error's message (UTF-8, never NULL for a non-NULL `err`), owned by `err`: valid
/// until `gilstuff_error_free(err)`. NULL if `err` is NULL.
///
/// Thread and GIL rules: any thread, with or without the GIL.
#[no_mangle]
pub extern "C" fn gilstuff_error_message(err: *const gilstuff_error) -> *const c_char {
    // SAFETY: as in `gilstuff_error_code`.
    no_panic(ptr::null(), || unsafe { err.as_ref() }.map_or(ptr::null(), |e| e.0.message.as_ptr()))
}

/// The Python exception's type name (`"ZeroDivisionError"`, `"mymodule.MyError"`), or
/// NULL when the error is not a Python exception (or `err` is NULL). Owned by `err`.
///
/// Thread and GIL rules: any thread, with or without the GIL.
#[no_mangle]
pub extern "C" fn gilstuff_error_python_type(err: *const gilstuff_error) -> *const c_char {
    // SAFETY: as in `gilstuff_error_code`.
    no_panic(ptr::null(), || {
        unsafe { err.as_ref() }.and_then(|e| e.0.python_type.as_ref()).map_or(ptr::null(), |s| s.as_ptr())
    })
}

/// The Python traceback formatted as `traceback.format_exception` does, or NULL when
/// the error is not a Python exception (or `err` is NULL). Owned by `err`.
///
/// Thread and GIL rules: any thread, with or without the GIL.
#[no_mangle]
pub extern "C" fn gilstuff_error_traceback(err: *const gilstuff_error) -> *const c_char {
    // SAFETY: as in `gilstuff_error_code`.
    no_panic(ptr::null(), || {
        unsafe { err.as_ref() }.and_then(|e| e.0.traceback.as_ref()).map_or(ptr::null(), |s| s.as_ptr())
    })
}

/// Frees an error returned through a `gilstuff_error **err` out-parameter. NULL is a no-op.
/// Free each error exactly once.
///
/// Thread and GIL rules: any thread, with or without the GIL, before or after finalize.
#[no_mangle]
pub extern "C" fn gilstuff_error_free(err: *mut gilstuff_error) {
    no_panic((), || {
        if !err.is_null() {
            // SAFETY: `err` came from `Box::into_raw` in `boundary` and is freed once (contract).
            drop(unsafe { Box::from_raw(err) });
        }
    })
}
