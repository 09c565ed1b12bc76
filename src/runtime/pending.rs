//! Decrefs queued by threads that do not hold the GIL, applied at the next entry.
//!
//! A host may drop a reference from any thread (a Go finalizer, a Pony `_final`): taking
//! the GIL there could deadlock or, during finalize, hang. So the reference is queued with
//! the epoch it belongs to, and the next thread that enters Python applies the queue.
//! Entries of another epoch are discarded: their objects died with that interpreter.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use pyo3_ffi as ffi;

use super::lifecycle;

struct Queued {
    object: usize,
    epoch: u64,
}

static QUEUE: Mutex<Vec<Queued>> = Mutex::new(Vec::new());
/// Length of `QUEUE`, read without the lock on every entry.
static LEN: AtomicUsize = AtomicUsize::new(0);

/// Queues a decref of `object`, owned reference of epoch `epoch`.
pub(crate) fn push(object: *mut ffi::PyObject, epoch: u64) {
    let mut q = QUEUE.lock().unwrap_or_else(|e| e.into_inner());
    q.push(Queued { object: object as usize, epoch });
    LEN.store(q.len(), Ordering::Release);
}

/// Applies the queued decrefs of the current epoch. Cheap when the queue is empty.
///
/// The caller holds the main interpreter's GIL (every entry calls this).
#[inline(always)]
pub(crate) fn apply() {
    if LEN.load(Ordering::Relaxed) != 0 {
        apply_slow();
    }
}

#[cold]
fn apply_slow() {
    let taken = {
        let mut q = QUEUE.lock().unwrap_or_else(|e| e.into_inner());
        LEN.store(0, Ordering::Release);
        std::mem::take(&mut *q)
    };
    let epoch = lifecycle::epoch();
    for item in taken {
        if item.epoch == epoch {
            // SAFETY: the GIL is held (caller) and the reference is owned and of this
            // epoch's interpreter, so the object is alive until this decref.
            unsafe { ffi::Py_DECREF(item.object as *mut ffi::PyObject) };
        }
    }
}
