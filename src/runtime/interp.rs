//! The interpreter table: the main interpreter and every sub-interpreter, by generation.
//!
//! An interpreter is named by its generation number: 0 is the main interpreter (its
//! record is reused by every init), each sub-interpreter gets the next number and keeps it
//! for ever (numbers are never reused), so a stale name is recognised instead of hitting a
//! freed interpreter. Records are never freed (a few words per interpreter ever created):
//! any name can be looked up without a lock and without touching freed memory.
//!
//! Creating and ending sub-interpreters is `subinterp`'s job; this module only records them.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use pyo3_ffi as ffi;

use super::error::{Error, Result};
use super::pending::Queue;
use super::registry::Registry;
use super::state;
use super::status::*;
pub use super::thread::Gen;

pub struct Interp {
    pub gen: Gen,
    /// The runtime epoch the interpreter lives in.
    epoch: AtomicU64,
    state: AtomicPtr<ffi::PyInterpreterState>,
    /// CPython's id (`PyInterpreterState_GetID`), cached at creation.
    id: AtomicI64,
    pub own_gil: bool,
    alive: AtomicBool,
    /// gilstuff calls running in the interpreter (sub-interpreters only; all threads).
    calls: AtomicUsize,
    /// Thread states gilstuff made for this interpreter, on any thread: (address, owner
    /// thread context id).
    tstates: Mutex<Vec<(usize, usize)>>,
    /// Decrefs waiting for this interpreter's next entry.
    pub(crate) pending: Queue,
}

// SAFETY: `state` is only passed to CPython, under the rules of this module.
unsafe impl Sync for Interp {}
unsafe impl Send for Interp {}

impl Interp {
    const fn new(gen: Gen, own_gil: bool) -> Interp {
        Interp {
            gen,
            epoch: AtomicU64::new(0),
            state: AtomicPtr::new(std::ptr::null_mut()),
            id: AtomicI64::new(-1),
            own_gil,
            alive: AtomicBool::new(false),
            calls: AtomicUsize::new(0),
            tstates: Mutex::new(Vec::new()),
            pending: Queue::new(),
        }
    }

    /// Alive, and of the running epoch.
    #[inline]
    pub fn is_alive(&self) -> bool {
        self.alive.load(Ordering::Acquire) && self.epoch.load(Ordering::Acquire) == state::epoch()
    }

    #[inline(always)]
    pub(crate) fn state(&self) -> *mut ffi::PyInterpreterState {
        self.state.load(Ordering::Acquire)
    }

    #[inline(always)]
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// CPython's interpreter id, cached when the interpreter was made.
    pub fn python_id(&self) -> i64 {
        self.id.load(Ordering::Acquire)
    }

    /// Counts a call into the interpreter; fails once it is being freed.
    #[inline]
    pub(crate) fn begin_call(&self) -> Result<()> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if !self.is_alive() {
            self.calls.fetch_sub(1, Ordering::SeqCst);
            return Err(freed());
        }
        Ok(())
    }

    #[inline]
    pub(crate) fn end_call(&self) {
        self.calls.fetch_sub(1, Ordering::SeqCst);
    }

    pub(crate) fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Marks the interpreter dead (first caller wins); later entries are refused.
    pub(crate) fn retire(&self) -> bool {
        self.alive.compare_exchange(true, false, Ordering::SeqCst, Ordering::SeqCst).is_ok()
    }

    /// Undoes `retire` when ending the interpreter failed.
    pub(crate) fn revive(&self) {
        self.alive.store(true, Ordering::SeqCst);
    }

    /// Records a live interpreter made in `epoch`.
    fn publish(&self, state: *mut ffi::PyInterpreterState, epoch: u64) {
        self.state.store(state, Ordering::Release);
        // SAFETY: `state` is a live interpreter (caller).
        self.id.store(unsafe { ffi::PyInterpreterState_GetID(state) }, Ordering::Release);
        self.tstates.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.pending.clear();
        self.epoch.store(epoch, Ordering::Release);
        self.alive.store(true, Ordering::Release);
    }

    /// Records a thread state gilstuff made for this interpreter, kept by thread `owner`
    /// (its context's id).
    pub(crate) fn note_tstate(&self, ts: *mut ffi::PyThreadState, owner: usize) {
        self.tstates.lock().unwrap_or_else(|e| e.into_inner()).push((ts as usize, owner));
    }

    /// Forgets a thread state gilstuff made (it is being deleted by its thread).
    pub(crate) fn forget_tstate(&self, ts: *mut ffi::PyThreadState) {
        self.tstates.lock().unwrap_or_else(|e| e.into_inner()).retain(|&(t, _)| t != ts as usize);
    }

    /// Takes the list of thread states gilstuff made for this interpreter, with owners.
    pub(crate) fn take_tstates(&self) -> Vec<(*mut ffi::PyThreadState, usize)> {
        let v = std::mem::take(&mut *self.tstates.lock().unwrap_or_else(|e| e.into_inner()));
        v.into_iter().map(|(t, owner)| (t as *mut ffi::PyThreadState, owner)).collect()
    }

    /// Whether gilstuff made `ts` for this interpreter.
    pub(crate) fn made(&self, ts: *mut ffi::PyThreadState) -> bool {
        self.tstates.lock().unwrap_or_else(|e| e.into_inner()).iter().any(|&(t, _)| t == ts as usize)
    }
}

static MAIN: Interp = Interp::new(0, true);
static SUBS: Registry<Interp> = Registry::new();

/// The main interpreter's record.
#[inline(always)]
pub fn main() -> &'static Interp {
    &MAIN
}

/// Records the main interpreter of a new session (init, after Python runs).
pub(crate) fn publish_main(epoch: u64) {
    // SAFETY: Python is initialised (init's caller).
    MAIN.publish(unsafe { ffi::PyInterpreterState_Main() }, epoch);
}

/// Marks the main interpreter dead (finalize).
pub(crate) fn retire_main() {
    MAIN.alive.store(false, Ordering::SeqCst);
}

pub(crate) fn freed() -> Error {
    Error::new(
        GILSTUFF_ERR_INVALID_HANDLE,
        "invalid interpreter: it was freed, belongs to an earlier gilstuff_init, or was never created",
    )
}

/// The live interpreter named `gen` (0 = main).
#[inline]
pub fn lookup(gen: Gen) -> Result<&'static Interp> {
    let interp = record(gen).ok_or_else(freed)?;
    if !interp.is_alive() {
        return Err(freed());
    }
    Ok(interp)
}

/// The record of `gen`, alive or not.
#[inline]
pub(crate) fn record(gen: Gen) -> Option<&'static Interp> {
    if gen == 0 {
        Some(&MAIN)
    } else {
        SUBS.get(gen as usize)
    }
}

/// Reserves the next sub-interpreter generation.
pub(crate) fn reserve() -> Result<Gen> {
    SUBS.reserve()
        .map(|g| g as Gen)
        .map_err(|_| Error::new(GILSTUFF_ERR_INVALID_ARGUMENT, "too many sub-interpreters created in this process"))
}

/// Records the sub-interpreter made for a reserved generation.
pub(crate) fn publish_sub(gen: Gen, state: *mut ffi::PyInterpreterState, own_gil: bool) -> &'static Interp {
    let interp = SUBS.set(gen as usize, Interp::new(gen, own_gil));
    interp.publish(state, state::epoch());
    interp
}

/// Every live sub-interpreter of the running epoch.
pub(crate) fn live_subs() -> Vec<&'static Interp> {
    SUBS.all().filter(|i| i.is_alive()).collect()
}
