//! Starting and stopping gilstuff, and registering threads.

use std::ffi::{c_char, CString};
use std::sync::OnceLock;

use super::config::{self, gilstuff_config};
use super::{boundary, gilstuff_error, no_panic};
use crate::runtime::enter;
use crate::runtime::lifecycle;
use crate::runtime::status::gilstuff_status;

/// Starts Python and makes gilstuff calls possible from any thread.
///
/// `cfg` may be NULL for the defaults (see `gilstuff_config_init`). By default a thread of
/// the library's own initialises Python and parks; `gilstuff_finalize` later has that
/// thread finalise it, so finalize may be called from any thread. If Python is already
/// initialised in this process (the library was loaded into a Python program), init
/// attaches to it and `gilstuff_finalize` detaches without finalising.
///
/// Returns `GILSTUFF_ALREADY_INITIALIZED` while running, `GILSTUFF_FINALIZING` while a
/// finalize is in progress, `GILSTUFF_ERR_INIT_FAILED` if Python cannot start, and
/// argument errors for a bad `cfg`. After `gilstuff_finalize` it may be called again.
///
/// Thread and GIL rules: any thread not holding the GIL. With `GILSTUFF_ORIGIN_CALLER` the
/// calling thread becomes Python's main thread and must be the one to finalize.
#[no_mangle]
pub extern "C" fn gilstuff_init(cfg: *const gilstuff_config, err: *mut *mut gilstuff_error) -> gilstuff_status {
    boundary(err, || {
        // SAFETY: `cfg` is NULL or a valid config (header contract).
        let opts = unsafe { config::options(cfg) }?;
        lifecycle::init(opts)
    })
}

/// Stops new calls, waits for calls in flight on other threads to return, ends every
/// sub-interpreter (joining their non-daemon Python threads), ends Python where it was
/// started, and frees every thread state. Handles and cached thread states of this run
/// become stale; later calls return `GILSTUFF_FINALIZED` until the next `gilstuff_init`.
/// Attached to a Python the host started, it detaches instead (Python keeps running) and
/// frees the thread states gilstuff made; if the host's Python exits first, gilstuff
/// stops itself the same way from an `atexit` hook.
///
/// Returns `GILSTUFF_NOT_INITIALIZED` / `GILSTUFF_FINALIZING` / `GILSTUFF_FINALIZED` when
/// there is nothing to finalize; `GILSTUFF_ERR_INTERP_BUSY` (gilstuff keeps running) when
/// a sub-interpreter still runs daemon Python threads; `GILSTUFF_ERR_WRONG_THREAD` inside
/// a gilstuff callback, on a thread that holds a Python thread state (after its own
/// `PyGILState_Ensure`, or a Python thread calling through `ctypes.PyDLL`), on a Python
/// `threading.Thread` (Python's shutdown would wait for that very thread), or, with
/// `GILSTUFF_ORIGIN_CALLER`, from another thread than the one that called init.
///
/// Thread and GIL rules: any host thread (origin owned), not inside a gilstuff callback,
/// not holding the GIL. It blocks until calls in flight have returned: do not call it
/// while one of your own callbacks waits for the thread calling it.
#[no_mangle]
pub extern "C" fn gilstuff_finalize(err: *mut *mut gilstuff_error) -> gilstuff_status {
    boundary(err, lifecycle::finalize)
}

/// Whether gilstuff is running (initialised and not finalizing or finalized).
///
/// Thread and GIL rules: any thread, any time.
#[no_mangle]
pub extern "C" fn gilstuff_is_initialized() -> bool {
    no_panic(false, lifecycle::is_initialized)
}

/// The version of the CPython that gilstuff was built against and links, e.g. `"3.12.1"`.
/// Static string: never free it.
///
/// Thread and GIL rules: any thread, any time (before init too).
#[no_mangle]
pub extern "C" fn gilstuff_python_version() -> *const c_char {
    static VERSION: OnceLock<CString> = OnceLock::new();
    no_panic(c"unknown".as_ptr(), || {
        VERSION
            .get_or_init(|| {
                // SAFETY: Py_GetVersion returns a static string and may be called before init.
                let full = unsafe { std::ffi::CStr::from_ptr(pyo3_ffi::Py_GetVersion()) };
                let full = full.to_string_lossy();
                CString::new(full.split_whitespace().next().unwrap_or("unknown")).expect("no NUL")
            })
            .as_ptr()
    })
}

/// The version of gilstuff itself, e.g. `"0.1.0"`. Static string: never free it.
///
/// Thread and GIL rules: any thread, any time.
#[no_mangle]
pub extern "C" fn gilstuff_version() -> *const c_char {
    static VERSION: &std::ffi::CStr = match std::ffi::CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => panic!("version has no NUL"),
    };
    no_panic(VERSION.as_ptr(), || VERSION.as_ptr())
}

/// Creates this OS thread's thread state now, instead of lazily at its first call.
/// Optional: every call registers the thread when needed. The thread state is kept
/// until `gilstuff_thread_unregister`, the thread's exit, or `gilstuff_finalize`.
///
/// Thread and GIL rules: any thread; returns with the GIL released (a no-op inside a
/// callback).
#[no_mangle]
pub extern "C" fn gilstuff_thread_register(err: *mut *mut gilstuff_error) -> gilstuff_status {
    boundary(err, enter::register_thread)
}

/// Deletes this OS thread's thread states now (Python `threading.local` data of this
/// thread goes with them). The next call on this thread makes new ones. Optional: a
/// thread's states are deleted when it exits. Returns the lifecycle status when gilstuff
/// is not running (there is nothing to delete then).
///
/// Thread and GIL rules: any thread, not inside a gilstuff callback
/// (`GILSTUFF_ERR_WRONG_THREAD`), not holding the GIL.
#[no_mangle]
pub extern "C" fn gilstuff_thread_unregister(err: *mut *mut gilstuff_error) -> gilstuff_status {
    boundary(err, enter::unregister_thread)
}
