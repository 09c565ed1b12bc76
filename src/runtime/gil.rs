//! Taking and giving back the GIL for one gilstuff call: the hot path.
//!
//! Outermost call on a thread: mark the thread "in a call", check the lifecycle state,
//! find the thread's cached thread state (one TLS access) and `PyEval_RestoreThread` it;
//! on leaving, `PyEval_SaveThread` and clear the mark. A nested call on a thread that is
//! already attached through gilstuff only counts a frame.

use std::marker::PhantomData;
use std::ptr;

use pyo3_ffi as ffi;

use super::error::{Error, Result};
use super::lifecycle;
use super::pending;
use super::status::*;
use super::tstate::{Entry, ThreadCache, CACHE};

/// Proof that this thread holds the main interpreter's GIL with an attached thread state.
/// Dropping it gives back what entering took. Not `Send`: it belongs to its thread.
pub(crate) struct Gil {
    how: How,
    /// The thread's cache. Valid for the guard's life: the guard is a stack value of the
    /// thread that owns the cache, and `!Send`.
    cache: *const ThreadCache,
    _not_send: PhantomData<*mut ()>,
}

enum How {
    /// The thread was already attached through gilstuff: nothing to give back.
    Nested,
    /// We restored the thread's cached thread state: save it again on leaving.
    Restored,
    /// The host already held the GIL with this thread's state (its own PyGILState_Ensure).
    HeldByHost,
    /// A borrowed thread state, entered with PyGILState_Ensure.
    Ensured(ffi::PyGILState_STATE),
}

fn thread_exiting() -> Error {
    Error::new(GILSTUFF_ERR_WRONG_THREAD, "this thread is exiting: its gilstuff state is already destroyed")
}

/// Enters the main interpreter on this thread.
#[inline]
pub(crate) fn acquire() -> Result<Gil> {
    CACHE.try_with(|c| enter(c)).unwrap_or_else(|_| Err(thread_exiting()))
}

#[inline]
fn enter(c: &ThreadCache) -> Result<Gil> {
    let cache = c as *const ThreadCache;
    if !c.attached.get().is_null() {
        // Inside a callback on this thread: finalize is waiting for this frame anyway.
        c.frames.set(c.frames.get() + 1);
        return Ok(Gil { how: How::Nested, cache, _not_send: PhantomData });
    }
    c.ensure_registered();
    c.begin_frame().map_err(lifecycle::refusal)?;
    let epoch = lifecycle::epoch();
    let mut entry = c.main.get();
    if entry.epoch != epoch || entry.ts.is_null() {
        // SAFETY: a frame is active and the state is RUNNING, so Python is up and stays up.
        match unsafe { new_entry(epoch) } {
            (e, true) => {
                // PyGILState_Ensure made the thread state and left this thread holding the GIL.
                c.main.set(e);
                c.attached.set(e.ts);
                return Ok(Gil::after_entry(How::Restored, cache));
            }
            (e, false) => {
                c.main.set(e);
                entry = e;
            }
        }
    }
    // SAFETY: `entry` is from this epoch, so its thread state is alive (finalize, the only
    // thing that frees it besides this thread, waits for our frame). It belongs to this
    // OS thread. PyThreadState_GetUnchecked may be called without the GIL.
    let how = unsafe {
        if entry.borrowed {
            How::Ensured(ffi::PyGILState_Ensure())
        } else if ffi::compat::PyThreadState_GetUnchecked() == entry.ts {
            How::HeldByHost
        } else {
            ffi::PyEval_RestoreThread(entry.ts);
            How::Restored
        }
    };
    c.attached.set(entry.ts);
    Ok(Gil::after_entry(how, cache))
}

/// Makes this thread's main-interpreter entry for `epoch`. Returns `(entry, holds_gil)`.
///
/// # Safety
/// Python is initialised and cannot be finalised during the call (a frame is active).
#[cold]
unsafe fn new_entry(epoch: u64) -> (Entry, bool) {
    let existing = ffi::PyGILState_GetThisThreadState();
    if !existing.is_null() {
        return (Entry { ts: existing, epoch, borrowed: true }, false);
    }
    // Made through PyGILState_Ensure so that it is this thread's gilstate thread state:
    // host code mixing in PyGILState_Ensure/Release then finds and reuses it. It is never
    // released here, so its gilstate_counter stays at 1 and it lives until
    // `ThreadCache::release_all` gives that last count back.
    ffi::PyGILState_Ensure();
    (Entry { ts: ffi::PyThreadState_Get(), epoch, borrowed: false }, true)
}

impl Gil {
    #[inline(always)]
    fn after_entry(how: How, cache: *const ThreadCache) -> Gil {
        pending::apply(0);
        Gil { how, cache, _not_send: PhantomData }
    }
}

impl Drop for Gil {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: see the `cache` field.
        let c = unsafe { &*self.cache };
        match self.how {
            How::Nested => {}
            How::Restored => {
                c.attached.set(ptr::null_mut());
                // SAFETY: this thread holds the GIL with its cached thread state.
                unsafe { ffi::PyEval_SaveThread() };
            }
            How::HeldByHost => c.attached.set(ptr::null_mut()),
            How::Ensured(state) => {
                c.attached.set(ptr::null_mut());
                // SAFETY: pairs the PyGILState_Ensure made on entry, on the same thread.
                unsafe { ffi::PyGILState_Release(state) };
            }
        }
        c.end_frame();
    }
}

/// Whether this thread is inside a gilstuff call holding the GIL of interpreter `interp`.
pub(crate) fn attached_to(interp: u64) -> bool {
    interp == 0 && CACHE.try_with(|c| !c.attached.get().is_null()).unwrap_or(false)
}

/// Runs `f` on this thread with the main interpreter's GIL held. A Python exception left
/// set by `f` becomes the error; so does a status other than `GILSTUFF_OK`.
pub(crate) fn with_gil(f: impl FnOnce() -> gilstuff_status) -> Result<()> {
    let _gil = acquire()?;
    let rc = f();
    // SAFETY: the GIL is held (`_gil`).
    if unsafe { !ffi::PyErr_Occurred().is_null() } {
        return Err(unsafe { Error::fetch_python() });
    }
    callback_status(rc)
}

/// The error for a callback's non-OK return.
pub(crate) fn callback_status(rc: gilstuff_status) -> Result<()> {
    match name(rc) {
        _ if rc == GILSTUFF_OK => Ok(()),
        Some(n) => Err(Error::new(rc, format!("the callback returned {}", n.to_string_lossy()))),
        None => Err(Error::new(
            GILSTUFF_ERR_UNKNOWN_STATUS,
            format!("the callback returned {rc}, which is not a gilstuff_status code"),
        )),
    }
}

/// Inside a callback: gives the GIL back around `f` and takes it again afterwards.
pub(crate) fn without_gil(f: impl FnOnce() -> gilstuff_status) -> Result<()> {
    let c = CACHE.try_with(|c| c as *const ThreadCache).map_err(|_| thread_exiting())?;
    // SAFETY: the pointer is this thread's live cache (we are not in its destructor).
    let c = unsafe { &*c };
    let ts = c.attached.get();
    if ts.is_null() {
        return Err(Error::new(
            GILSTUFF_ERR_WRONG_THREAD,
            "gilstuff_without_gil must be called from inside a gilstuff_with_gil callback on the same thread",
        ));
    }
    struct Reattach<'a>(&'a ThreadCache, *mut ffi::PyThreadState);
    impl Drop for Reattach<'_> {
        fn drop(&mut self) {
            // SAFETY: gives back the thread state saved below, on the same thread; its
            // frame is still active, so finalize has not freed it.
            unsafe { ffi::PyEval_RestoreThread(self.1) };
            self.0.attached.set(self.1);
        }
    }
    c.attached.set(ptr::null_mut());
    // SAFETY: this thread holds the GIL with `ts` attached.
    let saved = unsafe { ffi::PyEval_SaveThread() };
    let _reattach = Reattach(c, saved);
    callback_status(f())
}

/// Runs Python source in `__main__`'s namespace.
pub(crate) fn run_string(code: &std::ffi::CStr) -> Result<()> {
    let _gil = acquire()?;
    // SAFETY: the GIL is held; every reference below is checked and released.
    unsafe {
        let main = ffi::PyImport_AddModule(c"__main__".as_ptr()); // borrowed
        if main.is_null() {
            return Err(Error::fetch_python());
        }
        let globals = ffi::PyModule_GetDict(main); // borrowed
        let result = ffi::PyRun_StringFlags(code.as_ptr(), ffi::Py_file_input, globals, globals, ptr::null_mut());
        if result.is_null() {
            return Err(Error::fetch_python());
        }
        ffi::Py_DECREF(result);
    }
    Ok(())
}

/// Creates this thread's thread state now instead of at its first call.
pub(crate) fn register_thread() -> Result<()> {
    acquire().map(drop)
}

/// Deletes this thread's thread states; the next call makes new ones.
pub(crate) fn unregister_thread() -> Result<()> {
    let c = CACHE.try_with(|c| c as *const ThreadCache).map_err(|_| thread_exiting())?;
    // SAFETY: this thread's live cache.
    let c = unsafe { &*c };
    if c.frames.get() > 0 {
        return Err(Error::new(
            GILSTUFF_ERR_WRONG_THREAD,
            "gilstuff_thread_unregister cannot run inside a gilstuff callback: call it after the callback returns",
        ));
    }
    c.release_all();
    match lifecycle::state() {
        lifecycle::RUNNING => Ok(()),
        st => Err(lifecycle::refusal(st)),
    }
}
