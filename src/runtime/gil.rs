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
use super::interp::{self, Gen, Interp};
use super::tstate::{Entry, SubEntry, ThreadCache, ThreadExtra, CACHE, EXTRA};

/// Proof that this thread holds an interpreter's GIL with its own thread state attached.
/// Dropping it gives back what entering took. Not `Send`: it belongs to its thread.
///
/// Two words, so that entering returns it in registers: what the rare entries (into a
/// sub-interpreter, or switching from another interpreter) must undo is kept on the
/// thread's `ThreadExtra::stack` instead.
pub(crate) struct Gil {
    how: How,
    /// The thread's cache. Valid for the guard's life: the guard is a stack value of the
    /// thread that owns the cache, and `!Send`.
    cache: *const ThreadCache,
    _not_send: PhantomData<*mut ()>,
}

#[derive(Clone, Copy)]
pub(crate) enum How {
    /// The thread was already attached to this interpreter through gilstuff.
    Nested,
    /// We restored the thread's cached thread state: save it again on leaving.
    Restored,
    /// The host already held the GIL with this thread's state (its own PyGILState_Ensure).
    HeldByHost,
    /// A borrowed thread state, entered with PyGILState_Ensure.
    Ensured(ffi::PyGILState_STATE),
    /// A sub-interpreter entry or a switch between interpreters: see the top `Frame` of
    /// the thread's `ThreadExtra::stack`.
    Framed,
}

/// What a framed entry must undo, kept on the thread's `ThreadExtra::stack`.
pub(crate) struct Frame {
    /// The interpreter entered (0 = main).
    pub gen: Gen,
    /// The sub-interpreter entered (its call is counted), `None` for main.
    interp: Option<&'static Interp>,
    /// The thread state (and its interpreter) this entry switched away from.
    outer: Option<(*mut ffi::PyThreadState, Gen)>,
    /// How the interpreter was entered: `Restored` or `Ensured`.
    inner: How,
}

fn thread_exiting() -> Error {
    Error::new(GILSTUFF_ERR_WRONG_THREAD, "this thread is exiting: its gilstuff state is already destroyed")
}

/// Why an entry was refused: a status code only, so that the hot path returns a word;
/// the message is made from it (cold) when it becomes an `Error`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Refused(gilstuff_status);

impl From<Refused> for Error {
    #[cold]
    fn from(r: Refused) -> Error {
        match r.0 {
            GILSTUFF_ERR_WRONG_THREAD => thread_exiting(),
            GILSTUFF_ERR_INVALID_HANDLE => interp::freed(),
            state => lifecycle::refusal(state),
        }
    }
}

// libpython's own entry points, called directly on the hot path. pyo3-ffi wraps them in
// a guard for threads that CPython < 3.14 kills with pthread_exit during finalisation;
// gilstuff never lets a thread enter then (finalize waits for every thread's frame and
// new frames see FINALIZING first), so the guard is not needed here.
extern "C" {
    #[link_name = "PyEval_RestoreThread"]
    fn restore_thread(ts: *mut ffi::PyThreadState);
    #[link_name = "PyEval_SaveThread"]
    fn save_thread() -> *mut ffi::PyThreadState;
}

/// Enters the main interpreter on this thread.
#[inline]
pub(crate) fn acquire() -> std::result::Result<Gil, Refused> {
    acquire_in(0)
}

/// Enters interpreter `gen` (0 = main) on this thread.
#[inline]
pub(crate) fn acquire_in(gen: Gen) -> std::result::Result<Gil, Refused> {
    // A tiny closure, so that the TLS access inlines into the caller.
    let c = CACHE.with(|c| c as *const ThreadCache);
    // SAFETY: this thread's cache; it has no destructor and lives as long as the thread.
    enter(unsafe { &*c }, gen)
}

#[inline(always)]
fn enter(c: &ThreadCache, gen: Gen) -> std::result::Result<Gil, Refused> {
    let cache = c as *const ThreadCache;
    let attached = c.attached.get();
    if !attached.is_null() && c.attached_gen.get() == gen {
        // Inside a call in this interpreter on this thread: finalize and interpreter
        // teardown wait for that call anyway.
        c.frames.set(c.frames.get() + 1);
        return Ok(Gil { how: How::Nested, cache, _not_send: PhantomData });
    }
    c.ensure_registered();
    c.begin_frame().map_err(Refused)?;
    if gen != 0 || !attached.is_null() {
        return enter_framed(c, gen, attached).map(|()| Gil { how: How::Framed, cache, _not_send: PhantomData });
    }
    // The hot path: the main interpreter, from outside any interpreter.
    // SAFETY: a frame is active and the state is RUNNING, so Python stays up; the thread
    // states used belong to this OS thread; this thread holds no GIL through gilstuff.
    let (ts, how) = unsafe { enter_main(c, lifecycle::epoch(), true) };
    c.attached.set(ts);
    c.attached_gen.set(0);
    pending::apply(0);
    Ok(Gil { how, cache, _not_send: PhantomData })
}

/// Enters a sub-interpreter, or switches from the interpreter this thread is in; pushes
/// the `Frame` that leaving undoes. A frame is active (begin_frame); undone on refusal.
#[inline(never)]
fn enter_framed(c: &ThreadCache, gen: Gen, attached: *mut ffi::PyThreadState) -> std::result::Result<(), Refused> {
    let checks = (|| {
        let extra = EXTRA.try_with(|x| x as *const ThreadExtra).map_err(|_| Refused(GILSTUFF_ERR_WRONG_THREAD))?;
        if gen == 0 {
            return Ok((None, extra));
        }
        let interp = interp::lookup(gen).map_err(|_| Refused(GILSTUFF_ERR_INVALID_HANDLE))?;
        interp.begin_call().map_err(|_| Refused(GILSTUFF_ERR_INVALID_HANDLE))?;
        Ok((Some(interp), extra))
    })();
    let (interp, extra) = match checks {
        Ok(v) => v,
        Err(e) => {
            c.end_frame();
            return Err(e);
        }
    };
    // SAFETY: `extra` is this thread's live ThreadExtra (try_with succeeded, and this
    // thread is not inside its destructor for the rest of this call).
    let x = unsafe { &*extra };
    // Switching from another interpreter: leave it first (its GIL may not be ours to keep).
    let outer = (!attached.is_null()).then(|| {
        // SAFETY: this thread holds the GIL with `attached` current.
        (unsafe { save_thread() }, c.attached_gen.get())
    });
    c.attached.set(ptr::null_mut());
    let epoch = lifecycle::epoch();
    // SAFETY: a frame is active and the state is RUNNING, so Python stays up; a counted
    // call keeps `interp` alive; every thread state used belongs to this OS thread.
    let (ts, inner) = unsafe {
        match interp {
            None => enter_main(c, epoch, outer.is_none()),
            Some(i) => {
                main_entry(c, epoch);
                let ts = match x.sub(gen, epoch) {
                    Some(ts) => ts,
                    None => {
                        let ts = i.new_thread_state();
                        x.subs.borrow_mut().push(SubEntry { gen, ts, epoch });
                        ts
                    }
                };
                restore_thread(ts);
                (ts, How::Restored)
            }
        }
    };
    x.stack.borrow_mut().push(Frame { gen, interp, outer, inner });
    c.attached.set(ts);
    c.attached_gen.set(gen);
    pending::apply(gen);
    Ok(())
}

/// Undoes the top `Frame` of this thread's stack.
#[inline(never)]
fn leave_framed(c: &ThreadCache) {
    let frame = EXTRA
        .try_with(|x| x.stack.borrow_mut().pop())
        .ok()
        .flatten()
        .expect("a framed entry left its frame on this thread's stack");
    // SAFETY: this thread holds the GIL it took on entry, with its thread state; `outer`
    // is the thread state this entry switched away from, on this thread.
    unsafe {
        leave_inner(frame.inner);
        match frame.outer {
            Some((ts, gen)) => {
                restore_thread(ts);
                c.attached.set(ts);
                c.attached_gen.set(gen);
            }
            None => c.attached.set(ptr::null_mut()),
        }
    }
    if let Some(i) = frame.interp {
        i.end_call();
    }
}

/// Gives back what an entry of kind `how` took (not `Framed`/`Nested`).
///
/// # Safety
/// This thread holds the GIL it took with `how`.
#[inline(always)]
unsafe fn leave_inner(how: How) {
    match how {
        How::Restored => {
            save_thread();
        }
        How::Ensured(state) => ffi::PyGILState_Release(state),
        How::HeldByHost | How::Nested | How::Framed => {}
    }
}

/// Attaches this thread's main-interpreter thread state; returns it and how.
///
/// # Safety
/// As in `enter`: Python is running and stays up; this thread holds no GIL.
#[inline(always)]
unsafe fn enter_main(c: &ThreadCache, epoch: u64, may_be_held: bool) -> (*mut ffi::PyThreadState, How) {
    let mut entry = c.main.get();
    if entry.epoch != epoch || entry.ts.is_null() {
        let (e, holds) = new_entry(epoch);
        c.main.set(e);
        if holds {
            // PyGILState_Ensure made the thread state and left this thread holding the GIL.
            return (e.ts, How::Restored);
        }
        entry = e;
    }
    let how = if entry.borrowed {
        How::Ensured(ffi::PyGILState_Ensure())
    } else if may_be_held && ffi::compat::PyThreadState_GetUnchecked() == entry.ts {
        How::HeldByHost
    } else {
        restore_thread(entry.ts);
        How::Restored
    };
    (entry.ts, how)
}

/// Makes sure this thread has its main-interpreter thread state (made before any
/// sub-interpreter one, so that it is the thread's PyGILState state). Holds no GIL after.
///
/// # Safety
/// Python is running and stays up; this thread holds no GIL.
unsafe fn main_entry(c: &ThreadCache, epoch: u64) {
    let entry = c.main.get();
    if entry.epoch != epoch || entry.ts.is_null() {
        let (e, holds) = new_entry(epoch);
        c.main.set(e);
        if holds {
            ffi::PyEval_SaveThread();
        }
    }
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

impl Drop for Gil {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: see the `cache` field.
        let c = unsafe { &*self.cache };
        match self.how {
            // The common case first, as a plain branch rather than a jump table.
            How::Restored => {
                // SAFETY: this thread holds the GIL it restored on entry.
                unsafe { save_thread() };
                c.attached.set(ptr::null_mut());
            }
            How::Nested => {}
            How::Framed => leave_framed(c),
            how => {
                // SAFETY: this thread holds the GIL it took on entry, with its thread state.
                unsafe { leave_inner(how) };
                c.attached.set(ptr::null_mut());
            }
        }
        c.end_frame();
    }
}

/// Whether this thread is inside a call running in interpreter `gen`.
pub(crate) fn inside(gen: Gen) -> bool {
    CACHE.with(|c| !c.attached.get().is_null() && c.attached_gen.get() == gen)
        || EXTRA.try_with(|x| x.stack.borrow().iter().any(|f| f.gen == gen)).unwrap_or(false)
}

/// Runs `f` on this thread holding no GIL but with its main-interpreter thread state
/// made, counted as a call in flight; the interpreter this thread was in (if inside a
/// callback) is left before and entered again after.
pub(crate) fn outside_any_interpreter<R>(f: impl FnOnce() -> R) -> Result<R> {
    let c = CACHE.with(|c| c as *const ThreadCache);
    // SAFETY: this thread's live cache.
    let c = unsafe { &*c };
    c.ensure_registered();
    c.begin_frame().map_err(lifecycle::refusal)?;
    let attached = c.attached.get();
    // SAFETY: leaves and re-enters this thread's own attached state; a frame is active.
    let saved = (!attached.is_null()).then(|| unsafe { ffi::PyEval_SaveThread() });
    c.attached.set(ptr::null_mut());
    unsafe { main_entry(c, lifecycle::epoch()) };
    let r = f();
    if let Some(ts) = saved {
        // SAFETY: as above.
        unsafe { ffi::PyEval_RestoreThread(ts) };
    }
    c.attached.set(attached);
    c.end_frame();
    Ok(r)
}

/// Whether this thread is inside a gilstuff call holding the GIL of interpreter `gen`.
pub(crate) fn attached_to(gen: Gen) -> bool {
    CACHE.with(|c| !c.attached.get().is_null() && c.attached_gen.get() == gen)
}

/// Runs `f` on this thread with interpreter `gen`'s GIL held. A Python exception left
/// set by `f` becomes the error; so does a status other than `GILSTUFF_OK`.
pub(crate) fn with_gil(gen: Gen, f: impl FnOnce() -> gilstuff_status) -> Result<()> {
    let _gil = acquire_in(gen)?;
    let rc = f();
    // SAFETY: the GIL is held (`_gil`).
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

/// Inside a callback: gives the GIL back around `f` and takes it again afterwards.
pub(crate) fn without_gil(f: impl FnOnce() -> gilstuff_status) -> Result<()> {
    let c = CACHE.with(|c| c as *const ThreadCache);
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
    Ok(acquire().map(drop)?)
}

/// Deletes this thread's thread states; the next call makes new ones.
pub(crate) fn unregister_thread() -> Result<()> {
    let c = CACHE.with(|c| c as *const ThreadCache);
    // SAFETY: this thread's live cache.
    let c = unsafe { &*c };
    if c.frames.get() > 0 {
        return Err(Error::new(
            GILSTUFF_ERR_WRONG_THREAD,
            "gilstuff_thread_unregister cannot run inside a gilstuff callback: call it after the callback returns",
        ));
    }
    c.release_all(EXTRA.try_with(ThreadExtra::take_subs).unwrap_or_default());
    match lifecycle::state() {
        lifecycle::RUNNING => Ok(()),
        st => Err(lifecycle::refusal(st)),
    }
}
