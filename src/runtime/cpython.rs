//! The few CPython calls the entry path is made of, with their version quirks in one place.
//!
//! - Attaching a thread state (`PyEval_RestoreThread`) may `pthread_exit` the thread on
//!   CPython < 3.14 if Python is finalizing. That forced unwind must not cross Rust frames
//!   (undefined behaviour; "FATAL: exception not rethrown" at `catch_unwind`), so the call
//!   is linked "C-unwind" behind a guard that parks the thread for ever instead, as PyO3
//!   does (3.14+ hangs such a thread itself). gilstuff never enters while Python finalizes;
//!   the guard is for a host that finalizes Python under gilstuff's feet.
//! - "What does this thread hold": from 3.12 CPython's current thread state is a
//!   thread-local, NULL unless this thread has one attached. Before 3.12 it is one global
//!   (the GIL holder's state, of whichever thread): there, it is this thread's only if it
//!   is a state this thread made or its `PyGILState` state.

use pyo3_ffi as ffi;

#[cfg(not(Py_3_14))]
mod raw {
    use pyo3_ffi::PyThreadState;
    extern "C-unwind" {
        pub fn PyEval_RestoreThread(ts: *mut PyThreadState);
    }
}

#[cfg(Py_3_14)]
mod raw {
    use pyo3_ffi::PyThreadState;
    extern "C" {
        pub fn PyEval_RestoreThread(ts: *mut PyThreadState);
    }
}

#[cfg(not(Py_3_13))]
extern "C" {
    fn _Py_IsFinalizing() -> std::ffi::c_int;
}

/// Parks the thread for ever if dropped: only a forced unwind out of CPython drops it.
#[cfg(not(Py_3_14))]
struct HangThread;

#[cfg(not(Py_3_14))]
impl Drop for HangThread {
    fn drop(&mut self) {
        loop {
            std::thread::park();
        }
    }
}

/// Attaches `ts` to this thread, taking its interpreter's GIL.
///
/// # Safety
/// `ts` is a live thread state made for this OS thread and not attached anywhere; this
/// thread has no thread state attached.
#[inline(always)]
pub(crate) unsafe fn restore(ts: *mut ffi::PyThreadState) {
    #[cfg(not(Py_3_14))]
    {
        let guard = HangThread;
        raw::PyEval_RestoreThread(ts);
        std::mem::forget(guard);
    }
    #[cfg(Py_3_14)]
    raw::PyEval_RestoreThread(ts);
}

/// Detaches this thread's thread state (giving back its GIL) and returns it.
///
/// # Safety
/// This thread has a thread state attached.
#[inline(always)]
pub(crate) unsafe fn save() -> *mut ffi::PyThreadState {
    ffi::PyEval_SaveThread()
}

/// CPython's current thread state, unchecked: on < 3.12 possibly another thread's.
#[inline(always)]
pub(crate) unsafe fn current_unchecked() -> *mut ffi::PyThreadState {
    ffi::compat::PyThreadState_GetUnchecked()
}

/// The thread state attached to this thread, or NULL. `ours(ts)` says whether `ts` is one
/// of the states gilstuff keeps for this thread (only consulted before 3.12).
///
/// # Safety
/// Python is initialised.
#[inline(always)]
pub(crate) unsafe fn attached(ours: impl FnOnce(*mut ffi::PyThreadState) -> bool) -> *mut ffi::PyThreadState {
    let cur = current_unchecked();
    #[cfg(Py_3_12)]
    {
        let _ = ours;
        cur
    }
    #[cfg(not(Py_3_12))]
    {
        if cur.is_null() || ours(cur) || cur == ffi::PyGILState_GetThisThreadState() {
            cur
        } else {
            std::ptr::null_mut()
        }
    }
}

/// Before 3.12: this thread's `PyGILState` state if it belongs to `interp`, else NULL.
///
/// Such a state (a Python thread's own, or one host code made with `PyGILState_Ensure`)
/// must be the one a call attaches on that thread: before 3.12 `PyGILState_Ensure` in
/// code the call runs (a ctypes callback, host code) takes exactly that state, and would
/// wait for ever for the GIL this thread holds through another state. From 3.12 attaching
/// rebinds `PyGILState` to whatever is attached, so there is no such function (and after
/// a re-init the 3.15 pointer may dangle: it is never read).
///
/// # Safety
/// Python is running; this thread has nothing attached.
#[cfg(not(Py_3_12))]
#[inline(always)]
pub(crate) unsafe fn gilstate_of(interp: *mut ffi::PyInterpreterState) -> *mut ffi::PyThreadState {
    let g = ffi::PyGILState_GetThisThreadState();
    if !g.is_null() && interp_of(g) == interp {
        g
    } else {
        std::ptr::null_mut()
    }
}

/// The interpreter a thread state belongs to.
///
/// # Safety
/// `ts` is a live thread state.
#[inline(always)]
pub(crate) unsafe fn interp_of(ts: *mut ffi::PyThreadState) -> *mut ffi::PyInterpreterState {
    ffi::PyThreadState_GetInterpreter(ts)
}

/// Whether the Python runtime is finalizing (`Py_IsFinalizing`, `_Py_IsFinalizing` < 3.13).
#[inline]
pub(crate) fn is_finalizing() -> bool {
    // SAFETY: both read one runtime field; callable at any time once libpython is loaded.
    #[cfg(Py_3_13)]
    return unsafe { ffi::Py_IsFinalizing() } != 0;
    #[cfg(not(Py_3_13))]
    return unsafe { _Py_IsFinalizing() } != 0;
}

/// Makes a thread state of `interp` for this OS thread and attaches it.
///
/// # Safety
/// Python is running and stays up; `interp` is alive; this thread has nothing attached.
pub(crate) unsafe fn new_attached(interp: *mut ffi::PyInterpreterState) -> *mut ffi::PyThreadState {
    let ts = ffi::PyThreadState_New(interp);
    restore(ts);
    ts
}

/// Deletes this thread's thread state `ts`, which must be attached (it is left detached).
///
/// # Safety
/// `ts` is attached to this thread.
pub(crate) unsafe fn delete_attached(ts: *mut ffi::PyThreadState) {
    ffi::PyThreadState_Clear(ts);
    ffi::PyThreadState_DeleteCurrent();
}

/// Deletes a thread state of another thread (or of none) that is not attached.
///
/// # Safety
/// This thread holds the GIL of `ts`'s interpreter; `ts` is live and attached nowhere.
pub(crate) unsafe fn delete_detached(ts: *mut ffi::PyThreadState) {
    ffi::PyThreadState_Clear(ts);
    ffi::PyThreadState_Delete(ts);
}
