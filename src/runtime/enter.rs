//! Entering and leaving an interpreter for one gilstuff call: the hot path.
//!
//! CPython's current thread state is the truth for what this thread holds. Entering
//! interpreter I:
//! - if the thread has a thread state of I attached (a gilstuff call further out, a Python
//!   thread calling through `ctypes.PyDLL`, host code after its own `PyGILState_Ensure`),
//!   the call runs on it: nothing to take or give back;
//! - otherwise whatever is attached (another interpreter's state, or a state host code or
//!   Python made) is saved, the thread's kept state for I is attached, and on leaving it
//!   is detached and the saved one attached again.
//! The main interpreter takes the same path as every sub-interpreter: its kept state is
//! attached directly, never through `PyGILState_Ensure`.
//!
//! Every entry also counts as a call in flight (the thread's flag, for finalize; the
//! interpreter's counter, for `gilstuff_interp_free`) until it leaves.

use std::marker::PhantomData;

use pyo3_ffi as ffi;

use super::cpython;
use super::error::{Error, Result};
use super::interp::{self, Gen, Interp};
use super::kept;
#[cfg(Py_3_12)]
use super::quarantine;
use super::state;
use super::status::*;
use super::thread::{self, Life, ThreadCtx};

/// Proof that this thread runs in an interpreter with its GIL held. Dropping it gives back
/// what entering took. Not `Send`: it belongs to its thread.
pub(crate) struct Entered {
    ctx: &'static ThreadCtx,
    interp: &'static Interp,
    /// What was attached before this entry, attached again on leaving (NULL: nothing).
    prev: *mut ffi::PyThreadState,
    /// Whether this entry attached the thread's kept state (else it ran on what was there).
    swapped: bool,
    _not_send: PhantomData<*mut ()>,
}

/// Why an entry was refused: a status code only, so that the hot path returns a word; the
/// message is made from it (cold) when it becomes an `Error`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Refused(gilstuff_status);

/// Internal code: the host's Python (attach mode) is finalizing.
const HOST_FINALIZING: gilstuff_status = u32::MAX;

impl From<Refused> for Error {
    #[cold]
    fn from(r: Refused) -> Error {
        match r.0 {
            GILSTUFF_ERR_WRONG_THREAD => thread_exiting(),
            GILSTUFF_ERR_INVALID_HANDLE => interp::freed(),
            HOST_FINALIZING => state::host_finalizing(),
            st => state::refusal(st),
        }
    }
}

#[cold]
fn thread_exiting() -> Error {
    Error::new(GILSTUFF_ERR_WRONG_THREAD, "this thread is exiting: its gilstuff state is already destroyed")
}

/// Starts a call on this thread: registers the thread on its first call, then counts the
/// call (the outermost one checks the lifecycle).
#[inline(always)]
fn begin(ctx: &'static ThreadCtx) -> std::result::Result<(), Refused> {
    if ctx.life.get() != Life::Live && !kept::register(ctx) {
        return Err(Refused(GILSTUFF_ERR_WRONG_THREAD));
    }
    ctx.begin().map_err(Refused)?;
    if state::attached() && ctx.depth.get() == 1 && cpython::is_finalizing() {
        ctx.end();
        return Err(Refused(HOST_FINALIZING));
    }
    Ok(())
}

/// What this thread has attached (NULL: nothing).
///
/// # Safety
/// Python is running (a call is active on this thread).
#[inline(always)]
unsafe fn attached(ctx: &ThreadCtx) -> *mut ffi::PyThreadState {
    #[cfg(not(Py_3_12))]
    {
        // Before 3.12 CPython's current state is the GIL holder's, of any thread: this
        // thread's only if it is a state this thread keeps, or its PyGILState state —
        // which, once known to be the kept main state, needs no asking.
        let cur = cpython::current_unchecked();
        let k = ctx.main.get();
        if cur.is_null() || cur == k.ts {
            return cur;
        }
        if k.epoch == ctx.main_bound.get() && k.epoch == state::epoch() {
            return if ctx.owns(cur) { cur } else { std::ptr::null_mut() };
        }
    }
    cpython::attached(|ts| ctx.owns(ts))
}

/// The state a call into `interp` attaches when the thread has none of it attached:
/// before 3.12 the thread's own `PyGILState` state of that interpreter if it has one (see
/// `cpython::gilstate_of`), else (and always from 3.12) the state it keeps.
///
/// # Safety
/// As for `kept::state_for`.
#[inline(always)]
unsafe fn state_to_attach(ctx: &ThreadCtx, interp: &Interp, epoch: u64) -> *mut ffi::PyThreadState {
    #[cfg(not(Py_3_12))]
    {
        let k = ctx.main.get();
        if interp.gen == 0 && k.epoch == epoch && ctx.main_bound.get() == epoch {
            return k.ts;
        }
        let g = cpython::gilstate_of(interp.state());
        if !g.is_null() {
            if interp.gen == 0 && g == k.ts && k.epoch == epoch {
                ctx.main_bound.set(epoch);
            }
            return g;
        }
    }
    kept::state_for(ctx, interp, epoch)
}

/// Enters interpreter `gen` (0 = main) on this thread.
#[inline(always)]
pub(crate) fn enter(gen: Gen) -> std::result::Result<Entered, Refused> {
    let ctx = thread::ctx();
    begin(ctx)?;
    let interp = if gen == 0 {
        interp::main()
    } else {
        match enter_sub(ctx, gen) {
            Ok(i) => i,
            Err(r) => {
                ctx.end();
                return Err(r);
            }
        }
    };
    // SAFETY: a call is active, so Python stays up; `interp` is alive (main while running;
    // a sub-interpreter's call is counted). Every state attached here is this thread's.
    unsafe {
        let cur = attached(ctx);
        let epoch = state::epoch();
        if !cur.is_null() && cpython::interp_of(cur) == interp.state() {
            interp.pending.apply(interp.gen, epoch);
            return Ok(Entered { ctx, interp, prev: cur, swapped: false, _not_send: PhantomData });
        }
        let ts = state_to_attach(ctx, interp, epoch);
        if !cur.is_null() {
            cpython::save();
        }
        cpython::restore(ts);
        // Attaching rebound this thread's PyGILState state (3.12+): states deleted for
        // it by other threads may now be freed.
        #[cfg(Py_3_12)]
        if quarantine::any() {
            quarantine::release(ctx.id());
        }
        interp.pending.apply(interp.gen, epoch);
        Ok(Entered { ctx, interp, prev: cur, swapped: true, _not_send: PhantomData })
    }
}

/// Counts a call into sub-interpreter `gen` and notes it on this thread.
#[inline(never)]
fn enter_sub(ctx: &ThreadCtx, gen: Gen) -> std::result::Result<&'static Interp, Refused> {
    let i = interp::lookup(gen).map_err(|_| Refused(GILSTUFF_ERR_INVALID_HANDLE))?;
    i.begin_call().map_err(|_| Refused(GILSTUFF_ERR_INVALID_HANDLE))?;
    ctx.sub_frames.borrow_mut().push(gen);
    Ok(i)
}

impl Drop for Entered {
    #[inline(always)]
    fn drop(&mut self) {
        if self.swapped {
            // SAFETY: this thread attached its kept state on entry and it is attached now
            // (calls nested inside gave back what they took); `prev` is the state that
            // was attached before, on this thread.
            unsafe {
                cpython::save();
                if !self.prev.is_null() {
                    cpython::restore(self.prev);
                }
            }
        }
        if self.interp.gen != 0 {
            leave_sub(self.ctx, self.interp);
        }
        self.ctx.end();
    }
}

#[inline(never)]
fn leave_sub(ctx: &ThreadCtx, interp: &Interp) {
    ctx.sub_frames.borrow_mut().pop();
    interp.end_call();
}

/// Whether this thread has a state of interpreter `gen` attached in the running epoch
/// (so that a decref may happen now).
pub(crate) fn holds(gen: Gen, epoch: u64) -> bool {
    if !state::is_initialized() || epoch != state::epoch() {
        return false;
    }
    let Some(i) = interp::record(gen) else { return false };
    let ctx = thread::ctx();
    // SAFETY: Python is running; a state attached to this thread is alive.
    unsafe {
        let cur = attached(ctx);
        !cur.is_null() && i.is_alive() && cpython::interp_of(cur) == i.state()
    }
}

/// Whether this thread has a call running in sub-interpreter `gen`.
pub(crate) fn inside_sub(gen: Gen) -> bool {
    thread::ctx().inside_sub(gen)
}

/// Runs `f` on this thread with nothing attached, counted as a call in flight (so Python
/// stays up): whatever the thread held is given back before and taken again after. For
/// everything that waits for other threads (never wait while holding a GIL).
pub(crate) fn outside<R>(f: impl FnOnce() -> R) -> Result<R> {
    struct Reattach(&'static ThreadCtx, *mut ffi::PyThreadState);
    impl Drop for Reattach {
        fn drop(&mut self) {
            if !self.1.is_null() {
                // SAFETY: the state this thread detached below, attached again.
                unsafe { cpython::restore(self.1) };
            }
            self.0.end();
        }
    }
    let ctx = thread::ctx();
    begin(ctx)?;
    // SAFETY: a call is active; a state attached to this thread is this thread's to detach.
    let cur = unsafe { attached(ctx) };
    if !cur.is_null() {
        // SAFETY: `cur` is attached to this thread.
        unsafe { cpython::save() };
    }
    let _back = Reattach(ctx, cur);
    Ok(f())
}

/// Runs `f` on this thread inside interpreter `gen`. A Python exception left set by `f`
/// becomes the error; so does a status other than `GILSTUFF_OK`.
pub(crate) fn with_gil(gen: Gen, f: impl FnOnce() -> gilstuff_status) -> Result<()> {
    let _e = enter(gen)?;
    let rc = f();
    // SAFETY: the GIL is held (`_e`).
    if unsafe { !ffi::PyErr_Occurred().is_null() } {
        return Err(unsafe { Error::fetch_python() });
    }
    callback_status(rc)
}

/// The error for a callback's non-OK return.
#[inline(always)]
pub(crate) fn callback_status(rc: gilstuff_status) -> Result<()> {
    if rc == GILSTUFF_OK {
        return Ok(());
    }
    callback_error(rc)
}

#[cold]
fn callback_error(rc: gilstuff_status) -> Result<()> {
    match name(rc) {
        Some(n) => Err(Error::new(rc, format!("the callback returned {}", n.to_string_lossy()))),
        None => Err(Error::new(
            GILSTUFF_ERR_UNKNOWN_STATUS,
            format!("the callback returned {rc}, which is not a gilstuff_status code"),
        )),
    }
}

/// Inside a callback: gives back what the thread holds around `f`, then takes it again.
pub(crate) fn without_gil(f: impl FnOnce() -> gilstuff_status) -> Result<()> {
    let ctx = thread::ctx();
    // SAFETY: only read when a call is active on this thread (Python is up then).
    if ctx.depth.get() == 0 || unsafe { attached(ctx) }.is_null() {
        return Err(Error::new(
            GILSTUFF_ERR_WRONG_THREAD,
            "gilstuff_without_gil must be called from inside a gilstuff_with_gil callback on the same thread",
        ));
    }
    outside(|| callback_status(f()))?
}

/// Runs Python source in `__main__`'s namespace of the main interpreter.
pub(crate) fn run_string(code: &std::ffi::CStr) -> Result<()> {
    let _e = enter(0)?;
    // SAFETY: the GIL is held; every reference below is checked and released.
    unsafe {
        let main = ffi::compat::PyImport_AddModuleRef(c"__main__".as_ptr());
        if main.is_null() {
            return Err(Error::fetch_python());
        }
        let globals = ffi::PyModule_GetDict(main); // borrowed from `main`, held below
        let result = ffi::PyRun_StringFlags(code.as_ptr(), ffi::Py_file_input, globals, globals, std::ptr::null_mut());
        ffi::Py_DECREF(main);
        if result.is_null() {
            return Err(Error::fetch_python());
        }
        ffi::Py_DECREF(result);
    }
    Ok(())
}

/// Creates this thread's main thread state now instead of at its first call.
pub(crate) fn register_thread() -> Result<()> {
    let ctx = thread::ctx();
    begin(ctx)?;
    // SAFETY: a call is active; the kept state is made for this thread.
    unsafe { kept::state_for(ctx, interp::main(), state::epoch()) };
    ctx.end();
    Ok(())
}

/// Deletes this thread's thread states; the next call makes new ones.
pub(crate) fn unregister_thread() -> Result<()> {
    let ctx = thread::ctx();
    if ctx.depth.get() > 0 {
        return Err(Error::new(
            GILSTUFF_ERR_WRONG_THREAD,
            "gilstuff_thread_unregister cannot run inside a gilstuff callback: call it after the callback returns",
        ));
    }
    if ctx.life.get() == Life::Exited {
        return Err(thread_exiting());
    }
    kept::release_all(ctx);
    match state::state() {
        state::RUNNING => Ok(()),
        st => Err(state::refusal(st)),
    }
}
