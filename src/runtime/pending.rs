//! Decrefs queued by threads that do not hold an interpreter's GIL, applied at that
//! interpreter's next entry.
//!
//! A host may drop a reference from any thread (a Go finalizer, a Pony `_final`): taking
//! the GIL there could deadlock or, during finalize, hang. So the reference goes to its
//! interpreter's own queue, and the next thread that enters that interpreter applies it.
//! Each interpreter has its own queue: a decref queued for an idle interpreter costs the
//! others nothing (one relaxed load of their own length on entry). A queue is emptied
//! without applying when its interpreter ends or a new epoch starts.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use pyo3_ffi as ffi;

pub(crate) struct Queue {
    /// Owned references, as addresses, with the epoch they were made in.
    items: Mutex<Vec<(usize, u64)>>,
    /// `items.len()`, read without the lock on every entry.
    len: AtomicUsize,
}

impl Queue {
    pub const fn new() -> Queue {
        Queue { items: Mutex::new(Vec::new()), len: AtomicUsize::new(0) }
    }

    pub fn push(&self, object: *mut ffi::PyObject, epoch: u64) {
        let mut q = self.items.lock().unwrap_or_else(|e| e.into_inner());
        q.push((object as usize, epoch));
        self.len.store(q.len(), Ordering::Release);
    }

    /// Applies the queued decrefs of `epoch` (others are dropped: their objects died).
    ///
    /// # Safety
    /// The caller holds the GIL of the interpreter this queue belongs to, in `epoch`.
    #[inline(always)]
    pub unsafe fn apply(&self, epoch: u64) {
        if self.len.load(Ordering::Relaxed) != 0 {
            self.apply_slow(epoch);
        }
    }

    #[cold]
    unsafe fn apply_slow(&self, epoch: u64) {
        let batch = {
            let mut q = self.items.lock().unwrap_or_else(|e| e.into_inner());
            self.len.store(0, Ordering::Release);
            std::mem::take(&mut *q)
        };
        for (object, _) in batch.into_iter().filter(|&(_, e)| e == epoch) {
            // SAFETY: the GIL is held (caller) and the reference is an owned one of this
            // interpreter and epoch, so the object is alive until this decref.
            ffi::Py_DECREF(object as *mut ffi::PyObject);
        }
    }

    /// Forgets every queued reference (their interpreter ended).
    pub fn clear(&self) {
        let mut q = self.items.lock().unwrap_or_else(|e| e.into_inner());
        q.clear();
        q.shrink_to_fit();
        self.len.store(0, Ordering::Release);
    }
}
