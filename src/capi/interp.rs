//! `gilstuff_interp`: sub-interpreters, and which interpreter a call works in.

use std::ffi::c_void;
use std::mem::size_of;

use super::gil::gilstuff_callback;
use super::{boundary, check_out, gilstuff_error, no_panic, put};
use crate::runtime::error::{Error, Result};
use crate::runtime::enter;
use crate::runtime::interp::{self, Gen};
use crate::runtime::state;
use crate::runtime::subinterp::{self, InterpOptions};
use crate::runtime::status::*;

/// A Python interpreter: the main one or a sub-interpreter. An opaque token, never
/// dereferenced: a freed or made-up one gives `GILSTUFF_ERR_INVALID_HANDLE`. Wherever a
/// function takes a `gilstuff_interp *`, NULL means the main interpreter.
pub struct gilstuff_interp {
    _opaque: [u8; 0],
}

/// The interpreter a `gilstuff_interp *` argument names (NULL = main).
pub(crate) fn id(interp: *mut gilstuff_interp) -> Result<Gen> {
    match interp as usize {
        0 | 1 => Ok(0),
        token => {
            let gen = token as Gen - 1;
            match interp::lookup(gen) {
                Ok(_) => Ok(gen),
                // Finalize ended it: report that, as for every call after finalize.
                Err(_) if !state::is_initialized() => Err(state::refusal(state::state())),
                Err(e) => Err(e),
            }
        }
    }
}

pub(crate) fn token(gen: Gen) -> *mut gilstuff_interp {
    (gen as usize + 1) as *mut gilstuff_interp
}

/// Options for `gilstuff_interp_new`. Fill it with `gilstuff_interp_config_init` first:
/// fields are added at the end and `size` says which ones your program knows.
#[repr(C)]
pub struct gilstuff_interp_config {
    /// `sizeof(gilstuff_interp_config)` as your program was compiled.
    pub size: u32,
    /// Give the interpreter its own GIL, so it runs in parallel with the others
    /// (CPython 3.12+; default on there). On older CPython: `GILSTUFF_ERR_UNSUPPORTED`.
    pub own_gil: bool,
    /// Isolated module state and allocator (required for `own_gil`; default = `own_gil`).
    pub isolated_modules: bool,
    /// Allow the `threading` module to start threads in it (default on).
    pub allow_threads: bool,
    /// Allow daemon threads (default off on 3.12+, where isolated interpreters forbid them).
    pub allow_daemon_threads: bool,
    /// Refuse to import extension modules that do not support sub-interpreters
    /// (single-phase init): an ImportError instead of a crash (default = `own_gil`).
    pub check_multi_interp_extensions: bool,
}

/// Fills `*cfg` with the defaults for the linked CPython: on 3.12+ an isolated
/// interpreter with its own GIL; before 3.12 a legacy shared-GIL interpreter. NULL is a no-op.
///
/// Thread and GIL rules: any thread, any time.
#[no_mangle]
pub extern "C" fn gilstuff_interp_config_init(cfg: *mut gilstuff_interp_config) {
    no_panic((), || {
        if cfg.is_null() {
            return;
        }
        let d = InterpOptions::default();
        // SAFETY: `cfg` points to writable memory for one config (header contract).
        unsafe {
            cfg.write(gilstuff_interp_config {
                size: size_of::<gilstuff_interp_config>() as u32,
                own_gil: d.own_gil,
                isolated_modules: d.isolated_modules,
                allow_threads: d.allow_threads,
                allow_daemon_threads: d.allow_daemon_threads,
                check_multi_interp_extensions: d.check_multi_interp_extensions,
            })
        }
    })
}

/// The options a C config (NULL = defaults) asks for.
///
/// # Safety
/// `cfg` is NULL or points to a readable `gilstuff_interp_config`.
pub(crate) unsafe fn options(cfg: *const gilstuff_interp_config) -> Result<InterpOptions> {
    let Some(cfg) = cfg.as_ref() else { return Ok(InterpOptions::default()) };
    if (cfg.size as usize) < size_of::<gilstuff_interp_config>() {
        return Err(Error::new(
            GILSTUFF_ERR_INVALID_ARGUMENT,
            "cfg->size is too small: fill the config with gilstuff_interp_config_init",
        ));
    }
    Ok(InterpOptions {
        own_gil: cfg.own_gil,
        isolated_modules: cfg.isolated_modules,
        allow_threads: cfg.allow_threads,
        allow_daemon_threads: cfg.allow_daemon_threads,
        check_multi_interp_extensions: cfg.check_multi_interp_extensions,
    })
}

/// Creates a sub-interpreter (`cfg` NULL = defaults) and writes it to `*out`.
/// `GILSTUFF_ERR_UNSUPPORTED` for `own_gil` (and other options) before CPython 3.12.
/// The calling thread keeps the thread state made for it; other threads get theirs on
/// their first call into it.
///
/// Thread and GIL rules: any thread, also from inside a callback of any interpreter;
/// creations are serialised internally.
#[no_mangle]
pub extern "C" fn gilstuff_interp_new(
    cfg: *const gilstuff_interp_config,
    out: *mut *mut gilstuff_interp,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    boundary(err, || {
        check_out(out, "out")?;
        // SAFETY: `cfg` is NULL or a valid config (header contract).
        let opts = unsafe { options(cfg) }?;
        put(out, token(subinterp::create(opts)?.gen))
    })
}

/// Ends a sub-interpreter: waits for calls running in it on other threads (5 seconds at
/// most), joins its non-daemon Python threads (as `Py_FinalizeEx` does for main),
/// deletes the thread states threads keep for it, and ends it. Its object handles become
/// invalid. `GILSTUFF_ERR_INTERP_BUSY` (nothing freed, the interpreter stays usable)
/// while daemon Python threads still run in it or gilstuff calls in it do not return in
/// time. `GILSTUFF_ERR_INVALID_HANDLE` for a freed interpreter or the main one;
/// `GILSTUFF_ERR_WRONG_THREAD` from inside a call running in it.
///
/// Thread and GIL rules: any thread, including one that never entered the interpreter,
/// also from inside a callback of another interpreter (it is left while waiting).
#[no_mangle]
pub extern "C" fn gilstuff_interp_free(interp: *mut gilstuff_interp, err: *mut *mut gilstuff_error) -> gilstuff_status {
    boundary(err, || match id(interp)? {
        0 => Err(Error::new(GILSTUFF_ERR_INVALID_HANDLE, "the main interpreter cannot be freed: use gilstuff_finalize")),
        gen => subinterp::free(gen),
    })
}

/// CPython's interpreter ID (`PyInterpreterState_GetID`: 0 for main, growing for each
/// new one), or -1 for an invalid or freed interpreter.
///
/// Thread and GIL rules: any thread, with or without the GIL.
#[no_mangle]
pub extern "C" fn gilstuff_interp_id(interp: *mut gilstuff_interp) -> i64 {
    no_panic(-1, || match id(interp) {
        Ok(0) => 0,
        Ok(gen) => interp::lookup(gen).map_or(-1, |i| i.python_id()),
        Err(_) => -1,
    })
}

/// The main interpreter (never NULL; passing NULL means the same).
///
/// Thread and GIL rules: any thread, any time.
#[no_mangle]
pub extern "C" fn gilstuff_interp_main() -> *mut gilstuff_interp {
    no_panic(token(0), || token(0))
}

/// Calls `cb(userdata)` on this thread inside interpreter `interp` (NULL = main) with
/// its GIL held and this thread's own thread state for it attached; as
/// `gilstuff_with_gil` otherwise. Nested calls may switch interpreters: the outer one
/// is left for the duration and entered again afterwards.
///
/// Thread and GIL rules: any thread; each (thread, interpreter) pair keeps one thread
/// state across calls. Inside `cb`, `PyGILState_Ensure`/`Release` work on CPython 3.12+
/// (they find the sub-interpreter's state); before 3.12 they deadlock on a
/// sub-interpreter (CPython does not support mixing them with sub-interpreters).
#[no_mangle]
pub extern "C" fn gilstuff_with_interp(
    interp: *mut gilstuff_interp,
    cb: gilstuff_callback,
    userdata: *mut c_void,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    boundary(err, || {
        let cb = cb.ok_or_else(|| Error::null_pointer("cb"))?;
        let gen = id(interp)?;
        // SAFETY: `cb` is a host function taking `userdata` (header contract).
        enter::with_gil(gen, || unsafe { cb(userdata) })
    })
}
