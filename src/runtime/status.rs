//! Status codes: the value every fallible gilstuff function returns.
//!
//! `gilstuff_status` is a plain `uint32_t` with named constants rather than a Rust enum so
//! that any value a C host hands back (a callback's return, a stray integer passed to
//! `gilstuff_status_name`) is valid on the Rust side: no out-of-range enum, no UB.
//!
//! Naming rule: lifecycle states are bare (`GILSTUFF_NOT_INITIALIZED`); errors carry `ERR_`.

/// The result of a gilstuff call: `GILSTUFF_OK` (0) or one of the `GILSTUFF_*` codes.
#[allow(non_camel_case_types)]
pub type gilstuff_status = u32;

/// Success.
pub const GILSTUFF_OK: gilstuff_status = 0;
/// A Python exception was raised; the error carries its type, message and traceback.
pub const GILSTUFF_ERR_PYTHON: gilstuff_status = 1;
/// A required pointer argument was NULL.
pub const GILSTUFF_ERR_NULL_POINTER: gilstuff_status = 2;
/// A string argument was not valid UTF-8.
pub const GILSTUFF_ERR_INVALID_UTF8: gilstuff_status = 3;
/// An argument had a value outside what the function accepts.
pub const GILSTUFF_ERR_INVALID_ARGUMENT: gilstuff_status = 4;
/// `gilstuff_init` has not been called (or failed).
pub const GILSTUFF_NOT_INITIALIZED: gilstuff_status = 5;
/// `gilstuff_init` was called while gilstuff is already running.
pub const GILSTUFF_ALREADY_INITIALIZED: gilstuff_status = 6;
/// `gilstuff_finalize` is in progress: no new calls enter Python.
pub const GILSTUFF_FINALIZING: gilstuff_status = 7;
/// `gilstuff_finalize` has completed; call `gilstuff_init` to start again.
pub const GILSTUFF_FINALIZED: gilstuff_status = 8;
/// The call is not allowed on this thread (or from inside a callback).
pub const GILSTUFF_ERR_WRONG_THREAD: gilstuff_status = 9;
/// A handle is NULL-like, released, from an earlier init/finalize epoch, or of a freed interpreter.
pub const GILSTUFF_ERR_INVALID_HANDLE: gilstuff_status = 10;
/// A handle belongs to another interpreter than the one the call works in.
pub const GILSTUFF_ERR_WRONG_INTERPRETER: gilstuff_status = 11;
/// A value has the wrong Python type for the conversion asked for.
pub const GILSTUFF_ERR_TYPE: gilstuff_status = 12;
/// A number does not fit the C type asked for.
pub const GILSTUFF_ERR_OVERFLOW: gilstuff_status = 13;
/// A caller-provided buffer is too small; the needed size was reported.
pub const GILSTUFF_ERR_BUFFER_TOO_SMALL: gilstuff_status = 14;
/// The feature needs a newer CPython than the one linked.
pub const GILSTUFF_ERR_UNSUPPORTED: gilstuff_status = 15;
/// An interpreter cannot be freed because Python threads still run in it.
pub const GILSTUFF_ERR_INTERP_BUSY: gilstuff_status = 16;
/// Python could not be initialised.
pub const GILSTUFF_ERR_INIT_FAILED: gilstuff_status = 17;
/// A callback returned a status that is not one of the `GILSTUFF_*` codes.
pub const GILSTUFF_ERR_UNKNOWN_STATUS: gilstuff_status = 18;
/// A Rust panic was caught at the C boundary (a gilstuff bug: please report it).
pub const GILSTUFF_ERR_PANIC: gilstuff_status = 19;
/// An asynchronous request was cancelled before it started (`gilstuff_queue_cancel`).
pub const GILSTUFF_ERR_CANCELLED: gilstuff_status = 20;

/// The constant's name, e.g. `"GILSTUFF_ERR_PYTHON"`, or `None` for an unknown code.
pub fn name(status: gilstuff_status) -> Option<&'static std::ffi::CStr> {
    Some(match status {
        GILSTUFF_OK => c"GILSTUFF_OK",
        GILSTUFF_ERR_PYTHON => c"GILSTUFF_ERR_PYTHON",
        GILSTUFF_ERR_NULL_POINTER => c"GILSTUFF_ERR_NULL_POINTER",
        GILSTUFF_ERR_INVALID_UTF8 => c"GILSTUFF_ERR_INVALID_UTF8",
        GILSTUFF_ERR_INVALID_ARGUMENT => c"GILSTUFF_ERR_INVALID_ARGUMENT",
        GILSTUFF_NOT_INITIALIZED => c"GILSTUFF_NOT_INITIALIZED",
        GILSTUFF_ALREADY_INITIALIZED => c"GILSTUFF_ALREADY_INITIALIZED",
        GILSTUFF_FINALIZING => c"GILSTUFF_FINALIZING",
        GILSTUFF_FINALIZED => c"GILSTUFF_FINALIZED",
        GILSTUFF_ERR_WRONG_THREAD => c"GILSTUFF_ERR_WRONG_THREAD",
        GILSTUFF_ERR_INVALID_HANDLE => c"GILSTUFF_ERR_INVALID_HANDLE",
        GILSTUFF_ERR_WRONG_INTERPRETER => c"GILSTUFF_ERR_WRONG_INTERPRETER",
        GILSTUFF_ERR_TYPE => c"GILSTUFF_ERR_TYPE",
        GILSTUFF_ERR_OVERFLOW => c"GILSTUFF_ERR_OVERFLOW",
        GILSTUFF_ERR_BUFFER_TOO_SMALL => c"GILSTUFF_ERR_BUFFER_TOO_SMALL",
        GILSTUFF_ERR_UNSUPPORTED => c"GILSTUFF_ERR_UNSUPPORTED",
        GILSTUFF_ERR_INTERP_BUSY => c"GILSTUFF_ERR_INTERP_BUSY",
        GILSTUFF_ERR_INIT_FAILED => c"GILSTUFF_ERR_INIT_FAILED",
        GILSTUFF_ERR_UNKNOWN_STATUS => c"GILSTUFF_ERR_UNKNOWN_STATUS",
        GILSTUFF_ERR_PANIC => c"GILSTUFF_ERR_PANIC",
        GILSTUFF_ERR_CANCELLED => c"GILSTUFF_ERR_CANCELLED",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The largest defined status code.
    const LAST_STATUS: gilstuff_status = GILSTUFF_ERR_CANCELLED;

    #[test]
    fn every_code_up_to_the_last_has_a_name_and_no_other_does() {
        for code in 0..=LAST_STATUS {
            let n = name(code).expect("named").to_str().unwrap();
            assert!(n.starts_with("GILSTUFF_"), "{n}");
        }
        assert!(name(LAST_STATUS + 1).is_none());
        assert!(name(u32::MAX).is_none());
    }
}
