//! The handle table behind `gilstuff_object *`.
//!
//! A handle is not a pointer but a 64-bit token: slot index + 1 in the low 24 bits, the
//! slot's generation in the high 40 bits. A slot is never freed, only reused with a new
//! generation, so any token — released, stale, from an earlier epoch, made up — can be
//! checked without touching freed memory: a stale token could name a live object again
//! only after 2^40 reuses of its slot. Tokens of 0 (NULL) are never valid.
//!
//! Slots live in segments that are allocated on demand and never freed, so a slot's
//! address is stable and readable from any thread.

use std::cell::{Cell, UnsafeCell};
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};
use std::sync::Mutex;

use pyo3_ffi as ffi;

use super::error::{Error, Result};
use super::status::*;

#[cfg(not(target_pointer_width = "64"))]
compile_error!(
    "gilstuff handles are 64-bit tokens (24-bit slot index, 40-bit generation) carried in a \
     pointer-sized `gilstuff_object *`: a 32-bit pointer cannot hold 40 generation bits, so \
     stale handles could not be told from live ones. Build for a 64-bit target."
);

/// Bits of a token that hold the slot index + 1.
const INDEX_BITS: u32 = 24;
/// Bits of a token that hold the slot's generation.
const GEN_BITS: u32 = 64 - INDEX_BITS;
const GEN_MASK: u64 = (1 << GEN_BITS) - 1;

const SEGMENT_BITS: u32 = 12;
const SEGMENT_LEN: usize = 1 << SEGMENT_BITS;
const MAX_SEGMENTS: usize = 1 << (INDEX_BITS - SEGMENT_BITS);
/// At most this many handles exist at once (16 Mi - 1: index + 1 must fit INDEX_BITS).
const MAX_SLOTS: u32 = (SEGMENT_LEN * MAX_SEGMENTS) as u32 - 1;

const LIVE: u64 = 1;

struct Slot {
    /// `generation << 1 | LIVE`; the generation grows at each release.
    state: AtomicU64,
    object: AtomicPtr<ffi::PyObject>,
    /// The interpreter the reference belongs to (0 = main; see `interp`).
    interp: AtomicU64,
    /// The runtime epoch the reference was made in.
    epoch: AtomicU64,
    /// While parked (see [`ParkedList`]): the next parked slot's index + 1 (0: none).
    next: AtomicU32,
}

static SEGMENTS: [AtomicPtr<Slot>; MAX_SEGMENTS] = [const { AtomicPtr::new(ptr::null_mut()) }; MAX_SEGMENTS];
/// The next never-used slot index.
static NEXT: AtomicU32 = AtomicU32::new(0);
/// Released slots, ready for reuse (shared by all threads; each thread also keeps a few).
static FREE: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// How many released slots a thread keeps for itself before it hands half to `FREE`.
const LOCAL_SLOTS: usize = 64;

/// A thread's own released slots: reused without a lock by its next handles. Handed to
/// `FREE` when full and when the thread exits (its destructor). After that destructor ran
/// (a release from a later pthread key destructor), slots go straight to `FREE`.
struct LocalSlots {
    slots: UnsafeCell<[u32; LOCAL_SLOTS]>,
    len: Cell<usize>,
}

impl Drop for LocalSlots {
    fn drop(&mut self) {
        let n = self.len.replace(0);
        FREE.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(&self.slots.get_mut()[..n]);
    }
}

thread_local! {
    static LOCAL: LocalSlots = const { LocalSlots { slots: UnsafeCell::new([0; LOCAL_SLOTS]), len: Cell::new(0) } };
}

fn local_pop() -> Option<u32> {
    LOCAL.try_with(|l| {
        let n = l.len.get();
        if n == 0 {
            return None;
        }
        l.len.set(n - 1);
        // SAFETY: only this thread touches its LOCAL; n - 1 < LOCAL_SLOTS.
        Some(unsafe { (*l.slots.get())[n - 1] })
    })
    .ok()
    .flatten()
}

fn local_push(index: u32) {
    let kept = LOCAL.try_with(|l| {
        let mut n = l.len.get();
        // SAFETY: only this thread touches its LOCAL; indices stay below LOCAL_SLOTS.
        let slots = unsafe { &mut *l.slots.get() };
        if n == LOCAL_SLOTS {
            let half = LOCAL_SLOTS / 2;
            FREE.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(&slots[half..]);
            n = half;
        }
        slots[n] = index;
        l.len.set(n + 1);
    });
    if kept.is_err() {
        FREE.lock().unwrap_or_else(|e| e.into_inner()).push(index);
    }
}

/// A handle token as C sees it.
pub type Token = usize;

/// What a live handle refers to.
#[derive(Clone, Copy)]
pub struct Target {
    pub object: *mut ffi::PyObject,
    pub interp: u64,
    pub epoch: u64,
}

#[inline(always)]
fn decode(token: Token) -> Option<(u32, u64)> {
    let token = token as u64;
    let index = (token & ((1 << INDEX_BITS) - 1)) as u32;
    if index == 0 || index > MAX_SLOTS {
        return None;
    }
    Some((index - 1, token >> INDEX_BITS))
}

#[inline(always)]
fn slot(index: u32) -> Option<&'static Slot> {
    let seg = SEGMENTS[(index >> SEGMENT_BITS) as usize].load(Ordering::Acquire);
    if seg.is_null() {
        return None;
    }
    // SAFETY: segments hold SEGMENT_LEN slots and are never freed.
    Some(unsafe { &*seg.add(index as usize & (SEGMENT_LEN - 1)) })
}

fn slot_or_new_segment(index: u32) -> &'static Slot {
    let cell = &SEGMENTS[(index >> SEGMENT_BITS) as usize];
    if cell.load(Ordering::Acquire).is_null() {
        let fresh: Box<[Slot]> = (0..SEGMENT_LEN)
            .map(|_| Slot {
                state: AtomicU64::new(0),
                object: AtomicPtr::new(ptr::null_mut()),
                interp: AtomicU64::new(0),
                epoch: AtomicU64::new(0),
                next: AtomicU32::new(0),
            })
            .collect();
        let fresh = Box::into_raw(fresh) as *mut Slot;
        if cell.compare_exchange(ptr::null_mut(), fresh, Ordering::AcqRel, Ordering::Acquire).is_err() {
            // SAFETY: we made `fresh` above and lost the race: nobody else saw it.
            drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(fresh, SEGMENT_LEN)) });
        }
    }
    slot(index).expect("segment installed above")
}

#[cold]
pub(crate) fn invalid() -> Error {
    Error::new(
        GILSTUFF_ERR_INVALID_HANDLE,
        "invalid handle: it was released, belongs to an earlier gilstuff_init, or was never a gilstuff_object",
    )
}

/// Stores an owned reference and returns its token.
pub fn insert(object: *mut ffi::PyObject, interp: u64, epoch: u64) -> Result<Token> {
    let reused = local_pop().or_else(|| FREE.lock().unwrap_or_else(|e| e.into_inner()).pop());
    let index = match reused {
        Some(i) => i,
        None => {
            let i = NEXT.fetch_add(1, Ordering::Relaxed);
            if i >= MAX_SLOTS {
                NEXT.store(MAX_SLOTS, Ordering::Relaxed);
                return Err(Error::new(GILSTUFF_ERR_INVALID_ARGUMENT, "too many live gilstuff_object handles (16 Mi)"));
            }
            i
        }
    };
    let s = slot_or_new_segment(index);
    s.object.store(object, Ordering::Relaxed);
    s.interp.store(interp, Ordering::Relaxed);
    s.epoch.store(epoch, Ordering::Relaxed);
    let generation = s.state.load(Ordering::Relaxed) >> 1;
    // Release: a thread that sees LIVE also sees the fields above.
    s.state.store((generation << 1) | LIVE, Ordering::Release);
    Ok((generation << INDEX_BITS | (index as u64 + 1)) as Token)
}

/// The live handle's target, or `INVALID_HANDLE`.
#[inline]
pub fn get(token: Token) -> Result<Target> {
    let target = peek(token).ok_or_else(invalid)?;
    // Seqlock-style re-check: a release (and reuse) racing with this read is a host bug,
    // but it must give INVALID_HANDLE, not another object.
    if !still_live(token) {
        return Err(invalid());
    }
    Ok(target)
}

/// The handle's target if it was live when read, without the re-check that makes the
/// read consistent: the caller must confirm it with `still_live` before using it.
#[inline(always)]
pub fn peek(token: Token) -> Option<Target> {
    let (index, generation) = decode(token)?;
    let s = slot(index)?;
    if s.state.load(Ordering::Acquire) != generation << 1 | LIVE {
        return None;
    }
    Some(Target {
        object: s.object.load(Ordering::Relaxed),
        interp: s.interp.load(Ordering::Relaxed),
        epoch: s.epoch.load(Ordering::Relaxed),
    })
}

/// Whether the handle `peek` found live is still live (so still the same target: a slot's
/// generation grows at each release, so one live state never recurs).
#[inline(always)]
pub fn still_live(token: Token) -> bool {
    // Orders the caller's earlier reads of the slot before this load.
    std::sync::atomic::fence(Ordering::Acquire);
    let Some((index, generation)) = decode(token) else { return false };
    slot(index).is_some_and(|s| s.state.load(Ordering::Relaxed) == generation << 1 | LIVE)
}

/// Ends a handle: exactly one caller wins; it gets the reference back to dispose of.
pub fn remove(token: Token) -> Result<Target> {
    let (index, target) = end(token)?;
    recycle(index);
    Ok(target)
}

/// Ends a handle like [`remove`] but keeps its slot, holding the target, out of reuse:
/// the winner parks it in the reference's decref queue (a [`ParkedList`]).
pub fn remove_parked(token: Token) -> Result<(Target, Parked)> {
    let (index, target) = end(token)?;
    Ok((target, Parked(index)))
}

/// Kills the token (exactly one caller wins) and reads its target.
fn end(token: Token) -> Result<(u32, Target)> {
    let (index, generation) = decode(token).ok_or_else(invalid)?;
    let s = slot(index).ok_or_else(invalid)?;
    let live = generation << 1 | LIVE;
    // Generations wrap within GEN_BITS, so that every one fits a token.
    let next = ((generation + 1) & GEN_MASK) << 1;
    // Acquire pairs with `insert`'s Release store of the fields read below.
    s.state.compare_exchange(live, next, Ordering::AcqRel, Ordering::Relaxed).map_err(|_| invalid())?;
    Ok((index, read_target(s)))
}

fn read_target(s: &Slot) -> Target {
    Target {
        object: s.object.load(Ordering::Relaxed),
        interp: s.interp.load(Ordering::Relaxed),
        epoch: s.epoch.load(Ordering::Relaxed),
    }
}

/// Returns a dead slot for reuse. The caller is the slot's only writer (it won `end`, or
/// drained the slot from a parked list), so a plain store (not a locked swap) clears it.
fn recycle(index: u32) {
    if let Some(s) = slot(index) {
        s.object.store(ptr::null_mut(), Ordering::Relaxed);
    }
    local_push(index);
}

/// A dead handle's slot that still holds its target (see [`remove_parked`]).
pub struct Parked(u32);

/// Returns a parked slot for reuse at once (its reference was disposed of otherwise).
pub fn reuse(p: Parked) {
    recycle(p.0);
}

/// A lock-free list of parked slots: a release that cannot take the GIL pushes its slot
/// (one compare-and-swap, no allocation), the next thread holding the GIL takes them all
/// at once. Push and take-all are free of ABA problems (nothing pops a single node).
pub struct ParkedList {
    /// The first parked slot's index + 1 (0: empty).
    head: AtomicU32,
}

impl ParkedList {
    pub const fn new() -> ParkedList {
        ParkedList { head: AtomicU32::new(0) }
    }

    pub fn push(&self, p: Parked) {
        let s = slot(p.0).expect("a parked slot exists");
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            s.next.store(head, Ordering::Relaxed);
            // Release: the thread that takes the list sees the slot's fields and `next`.
            match self.head.compare_exchange_weak(head, p.0 + 1, Ordering::Release, Ordering::Relaxed) {
                Ok(_) => return,
                Err(h) => head = h,
            }
        }
    }

    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.head.load(Ordering::Relaxed) == 0
    }

    /// Takes every parked slot: `f` gets each target, then the slot is reused.
    pub fn drain(&self, mut f: impl FnMut(Target)) {
        // Acquire pairs with every push's Release (the pushes form one release sequence).
        let mut next = self.head.swap(0, Ordering::Acquire);
        while next != 0 {
            let index = next - 1;
            let s = slot(index).expect("a parked slot exists");
            next = s.next.load(Ordering::Relaxed);
            f(read_target(s));
            recycle(index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::atomic::AtomicBool;

    /// Threads park released slots on one list while another drains it: every target comes
    /// out exactly once, and the drained slots are reused without reaching a live token.
    #[test]
    fn parked_list_loses_and_repeats_nothing() {
        const THREADS: usize = 6;
        const EACH: usize = 20_000;
        static LIST: ParkedList = ParkedList::new();
        let done = AtomicBool::new(false);
        let seen = std::thread::scope(|s| {
            let drainer = s.spawn(|| {
                let mut seen = HashSet::new();
                let mut take = |t: Target| assert!(seen.insert(t.object as usize), "drained twice");
                while !done.load(Ordering::Acquire) {
                    LIST.drain(&mut take);
                }
                LIST.drain(&mut take);
                seen
            });
            let producers: Vec<_> = (0..THREADS)
                .map(|k| {
                    s.spawn(move || {
                        for i in 0..EACH {
                            // Made-up, distinct "objects": nothing dereferences them here.
                            let object = ((k * EACH + i + 1) * 16) as *mut ffi::PyObject;
                            let token = insert(object, 7, 1).unwrap();
                            let (t, p) = remove_parked(token).unwrap();
                            assert_eq!(t.object, object);
                            assert!(get(token).is_err(), "a parked handle's token is dead");
                            LIST.push(p);
                        }
                    })
                })
                .collect();
            for p in producers {
                p.join().unwrap();
            }
            done.store(true, Ordering::Release);
            drainer.join().unwrap()
        });
        assert_eq!(seen.len(), THREADS * EACH);
        assert!(LIST.is_empty());
    }
}
