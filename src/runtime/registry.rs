//! An append-only registry of long-lived records (interpreters, pools), readable from any
//! thread without a lock.
//!
//! Records are leaked, never freed: they are few and small, and a stale or made-up id can
//! then be looked up safely — a record tells itself whether it is still in use. Ids start
//! at 1 and are never reused.

use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

const CAPACITY: usize = 1 << 16;

pub struct Registry<T: 'static> {
    slots: [AtomicPtr<T>; CAPACITY],
    next: AtomicUsize,
}

/// The registry is full.
#[derive(Debug)]
pub struct Full;

impl<T: 'static> Default for Registry<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: 'static> Registry<T> {
    pub const fn new() -> Self {
        Registry { slots: [const { AtomicPtr::new(ptr::null_mut()) }; CAPACITY], next: AtomicUsize::new(1) }
    }

    /// Reserves the next id (its record is set later with `set`).
    pub fn reserve(&self) -> Result<usize, Full> {
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        if id >= CAPACITY {
            self.next.store(CAPACITY, Ordering::SeqCst);
            return Err(Full);
        }
        Ok(id)
    }

    /// Publishes the record of a reserved id.
    pub fn set(&self, id: usize, record: T) -> &'static T {
        let record: &'static T = Box::leak(Box::new(record));
        self.slots[id].store(record as *const T as *mut T, Ordering::Release);
        record
    }

    pub fn insert(&self, record: T) -> Result<(usize, &'static T), Full> {
        let id = self.reserve()?;
        Ok((id, self.set(id, record)))
    }

    /// The record of `id`, if one was ever published.
    pub fn get(&self, id: usize) -> Option<&'static T> {
        let p = self.slots.get(id)?.load(Ordering::Acquire);
        // SAFETY: published records are leaked and never freed.
        (!p.is_null()).then(|| unsafe { &*p })
    }

    /// Every published record, oldest first.
    pub fn all(&self) -> impl Iterator<Item = &'static T> + '_ {
        let last = self.next.load(Ordering::Acquire).min(CAPACITY);
        (1..last).filter_map(move |id| self.get(id))
    }
}
