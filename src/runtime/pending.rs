//! Decrefs queued by threads that do not hold an interpreter's GIL, applied at that
//! interpreter's next entry.
//!
//! A host may drop a reference from any thread (a Go finalizer, a Pony `_final`): taking
//! the GIL there could deadlock or, during finalize, hang. So the released handle's slot,
//! which still holds the reference, is parked in its interpreter's own queue (one
//! compare-and-swap, no lock, no allocation), and the next thread that enters that
//! interpreter applies it. A decref queued for an idle interpreter costs the others
//! nothing (one relaxed load of their own queue's head on entry). A queue is emptied
//! without applying when its interpreter ends or a new epoch starts; entries of another
//! interpreter generation or epoch (a release racing that) are dropped, never applied.

use pyo3_ffi as ffi;

use super::handles::{Parked, ParkedList};

pub(crate) struct Queue {
    parked: ParkedList,
}

impl Queue {
    pub const fn new() -> Queue {
        Queue { parked: ParkedList::new() }
    }

    /// Queues the reference a released handle's slot holds.
    pub fn push(&self, slot: Parked) {
        self.parked.push(slot);
    }

    /// Applies the queued decrefs of interpreter `gen` in `epoch` (others are dropped:
    /// their objects died with their interpreter or epoch).
    ///
    /// # Safety
    /// The caller holds the GIL of interpreter `gen`, in `epoch`.
    #[inline(always)]
    pub unsafe fn apply(&self, gen: u64, epoch: u64) {
        if !self.parked.is_empty() {
            self.apply_slow(gen, epoch);
        }
    }

    #[cold]
    unsafe fn apply_slow(&self, gen: u64, epoch: u64) {
        self.parked.drain(|t| {
            if t.interp == gen && t.epoch == epoch {
                // SAFETY: the GIL is held (caller) and the reference is an owned one of
                // this interpreter and epoch, so the object is alive until this decref.
                ffi::Py_DECREF(t.object);
            }
        });
    }

    /// Forgets every queued reference (their interpreter ended).
    pub fn clear(&self) {
        self.parked.drain(|_| {});
    }
}
