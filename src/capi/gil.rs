//! Running host code with the GIL held, and giving it back inside such code.

use std::ffi::{c_char, c_void};

use super::{arg_cstr, boundary, gilstuff_error};
use crate::runtime::error::Error;
use crate::runtime::enter;
use crate::runtime::status::gilstuff_status;

/// A host function run by `gilstuff_with_gil` / `gilstuff_without_gil`. Return
/// `GILSTUFF_OK`, or another status to make the call fail with it.
#[allow(non_camel_case_types)]
pub type gilstuff_callback = Option<unsafe extern "C" fn(userdata: *mut c_void) -> gilstuff_status>;

/// Calls `cb(userdata)` on this thread with the main interpreter's GIL held and this
/// thread's own thread state attached, then gives both back.
///
/// Inside `cb` you may use the raw CPython C API, call any gilstuff function (nested
/// calls run directly, without re-acquiring), and call `PyGILState_Ensure`/`Release`.
/// A Python exception left set by `cb` is cleared and returned as `GILSTUFF_ERR_PYTHON`;
/// a non-OK status returned by `cb` is returned with a message naming it (the details
/// of a failed gilstuff call made inside `cb` are in that call's own `err`: carry them
/// out through `userdata` if the host needs them).
///
/// Thread and GIL rules: any thread; the first call on an OS thread creates its thread
/// state, later calls reuse it. Do not call `gilstuff_finalize` or
/// `gilstuff_thread_unregister` inside `cb`. Keep `cb` short or use
/// `gilstuff_without_gil` around blocking work: other threads wait for the GIL meanwhile.
#[no_mangle]
pub extern "C" fn gilstuff_with_gil(
    cb: gilstuff_callback,
    userdata: *mut c_void,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    super::interp::gilstuff_with_interp(std::ptr::null_mut(), cb, userdata, err)
}

/// Inside a `gilstuff_with_gil` callback: releases the GIL, calls `cb(userdata)`, and
/// takes the GIL back before returning. Use it around blocking host work (I/O, waiting
/// for another thread) so that other threads can run Python meanwhile. `cb` must not
/// touch Python objects except through gilstuff calls, which take the GIL themselves.
///
/// Returns `GILSTUFF_ERR_WRONG_THREAD` outside a callback, or `cb`'s non-OK status.
///
/// Thread and GIL rules: only on a thread that is inside `gilstuff_with_gil` (holding
/// the GIL through gilstuff).
#[no_mangle]
pub extern "C" fn gilstuff_without_gil(
    cb: gilstuff_callback,
    userdata: *mut c_void,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    boundary(err, || {
        let cb = cb.ok_or_else(|| Error::null_pointer("cb"))?;
        // SAFETY: as in `gilstuff_with_gil`.
        enter::without_gil(|| unsafe { cb(userdata) })
    })
}

/// Executes Python source `code` (UTF-8, NUL-terminated) in the namespace of `__main__`,
/// as a module body (statements, not an expression). An exception raised by the code,
/// `SystemExit` included, is returned as `GILSTUFF_ERR_PYTHON`: it never ends the process.
///
/// Thread and GIL rules: any thread, with or without the GIL held through gilstuff.
#[no_mangle]
pub extern "C" fn gilstuff_run_string(code: *const c_char, err: *mut *mut gilstuff_error) -> gilstuff_status {
    boundary(err, || {
        // SAFETY: `code` is NULL or a NUL-terminated string (header contract).
        let code = unsafe { arg_cstr(code, "code") }?;
        enter::run_string(code)
    })
}
