//! Decrefs queued by threads that do not hold the GIL, applied at the next entry.
//!
//! A host may drop a reference from any thread (a Go finalizer, a Pony `_final`): taking
//! the GIL there could deadlock or, during finalize, hang. So the reference is queued with
//! the epoch it belongs to, and the next thread that enters Python applies the queue.
//! Entries of another epoch are discarded: their objects died with that interpreter.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use pyo3_ffi as ffi;

use super::lifecycle;

struct Queued {
    object: usize,
    interp: u64,
    epoch: u64,
}

static QUEUE: Mutex<Vec<Queued>> = Mutex::new(Vec::new());

thread_local! {
    /// An emptied batch buffer, swapped into the queue when this thread takes the next
    /// batch: the steady state of push → apply → push allocates nothing and takes the
    /// lock once per apply.
    static SPARE: Cell<Vec<Queued>> = const { Cell::new(Vec::new()) };
}
/// Length of `QUEUE`, read without the lock on every entry.
static LEN: AtomicUsize = AtomicUsize::new(0);

/// Queues a decref of `object`, an owned reference of interpreter `interp` made in epoch
/// `epoch`. A reference whose interpreter is already gone is only forgotten.
pub(crate) fn push(object: *mut ffi::PyObject, interp: u64, epoch: u64) {
    if epoch != lifecycle::epoch() || lifecycle::state() == lifecycle::FINALIZED {
        return;
    }
    let mut q = QUEUE.lock().unwrap_or_else(|e| e.into_inner());
    q.push(Queued { object: object as usize, interp, epoch });
    LEN.store(q.len(), Ordering::Release);
}

/// Applies the queued decrefs of interpreter `interp` in the current epoch. Cheap when
/// the queue is empty.
///
/// The caller holds `interp`'s GIL (every entry calls this).
#[inline(always)]
pub(crate) fn apply(interp: u64) {
    if LEN.load(Ordering::Relaxed) != 0 {
        apply_slow(interp);
    }
}

#[cold]
fn apply_slow(interp: u64) {
    let epoch = lifecycle::epoch();
    let mut mine = SPARE.try_with(Cell::take).unwrap_or_default();
    {
        let mut q = QUEUE.lock().unwrap_or_else(|e| e.into_inner());
        if !q.iter().any(|item| item.interp == interp) {
            let _ = SPARE.try_with(|s| s.set(mine));
            return; // only other interpreters' decrefs are queued
        }
        if q.iter().all(|item| item.interp == interp) {
            // The common case: one interpreter. Take the batch, leave our empty buffer.
            std::mem::swap(&mut *q, &mut mine);
        } else {
            // Entries of gone epochs are dropped here too: their objects died with Python.
            q.retain(|item| item.epoch == epoch);
            let (taken, others): (Vec<_>, Vec<_>) = q.drain(..).partition(|item| item.interp == interp);
            *q = others;
            mine = taken;
        }
        LEN.store(q.len(), Ordering::Release);
    }
    for item in mine.drain(..).filter(|item| item.epoch == epoch) {
        // SAFETY: the GIL of `interp` is held (caller) and the reference is owned and of
        // this epoch's `interp`, so the object is alive until this decref.
        unsafe { ffi::Py_DECREF(item.object as *mut ffi::PyObject) };
    }
    // Keep the emptied buffer for this thread's next batch.
    let _ = SPARE.try_with(|s| s.set(mine));
}

/// Drops the queued decrefs of an interpreter that has ended: its objects are gone.
pub(crate) fn forget_interp(interp: u64) {
    let mut q = QUEUE.lock().unwrap_or_else(|e| e.into_inner());
    q.retain(|item| item.interp != interp);
    LEN.store(q.len(), Ordering::Release);
}
