//! Thread states of other threads that gilstuff deletes, kept from reuse until their thread
//! has moved its `PyGILState` binding elsewhere (CPython 3.12+).
//!
//! From 3.12 attaching a thread state makes it the thread's `PyGILState` state, and the
//! next attach of another state on that thread writes a flag into the previous one
//! (`bind_gilstate_tstate`). When gilstuff deletes a state a thread keeps from *another*
//! thread (freeing a sub-interpreter; detaching in attach mode), that thread's binding may
//! still name it, and its next attach would write into freed memory — seen as a corrupted
//! heap block on 3.14. No public API clears another thread's binding, so such a state is
//! put in quarantine before it is deleted: a hook on Python's raw allocator (which
//! CPython frees thread states with) keeps the block allocated, and it is freed for real
//! once its owner has attached another state through gilstuff (which rebinds it), or exits.

use std::ffi::c_void;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::Mutex;

use pyo3_ffi as ffi;

/// A state held back: its address, its owner (a thread context's address), and whether
/// CPython has freed it (so that releasing it frees the block).
struct Held {
    block: usize,
    owner: usize,
    freed: bool,
}

static HELD: Mutex<Vec<Held>> = Mutex::new(Vec::new());
/// `HELD.len()`, read without the lock on the hot path and in the allocator hook.
static COUNT: AtomicUsize = AtomicUsize::new(0);
/// The raw allocator the hook wraps: an entry of `WRAPPED`.
static ORIG: AtomicPtr<ffi::PyMemAllocatorEx> = AtomicPtr::new(std::ptr::null_mut());
/// Every raw allocator table the hook has wrapped, kept for the process's life (`ORIG`
/// points into it). A re-init resets the table (3.12+), usually to the same default,
/// whose entry is then reused.
static WRAPPED: Mutex<Vec<Box<Table>>> = Mutex::new(Vec::new());

struct Table(ffi::PyMemAllocatorEx);

// SAFETY: function pointers and an opaque context that Python's raw domain lets any
// thread use (its allocator must be thread-safe).
unsafe impl Send for Table {}

fn held() -> std::sync::MutexGuard<'static, Vec<Held>> {
    HELD.lock().unwrap_or_else(|e| e.into_inner())
}

fn orig() -> &'static ffi::PyMemAllocatorEx {
    // SAFETY: set (to a leaked allocator) before the hook is installed, never freed.
    unsafe { &*ORIG.load(Ordering::Acquire) }
}

// The hook gets the wrapped allocator's own `ctx` (installed with it, see `install`), so
// a thread that reads the allocator while it is being replaced pairs either function
// with the right context.
extern "C" fn hook_malloc(ctx: *mut c_void, size: libc::size_t) -> *mut c_void {
    orig().malloc.map_or(std::ptr::null_mut(), |f| f(ctx, size))
}

extern "C" fn hook_calloc(ctx: *mut c_void, n: libc::size_t, size: libc::size_t) -> *mut c_void {
    orig().calloc.map_or(std::ptr::null_mut(), |f| f(ctx, n, size))
}

extern "C" fn hook_realloc(ctx: *mut c_void, p: *mut c_void, size: libc::size_t) -> *mut c_void {
    orig().realloc.map_or(std::ptr::null_mut(), |f| f(ctx, p, size))
}

extern "C" fn hook_free(ctx: *mut c_void, p: *mut c_void) {
    if COUNT.load(Ordering::Acquire) != 0 && intercept(p as usize) {
        return;
    }
    if let Some(f) = orig().free {
        f(ctx, p);
    }
}

#[cold]
fn intercept(block: usize) -> bool {
    // Never unwind into CPython: a poisoned lock is used as it is.
    let mut held = held();
    match held.iter_mut().find(|h| h.block == block && !h.freed) {
        Some(h) => {
            h.freed = true;
            true
        }
        None => false,
    }
}

/// Wraps Python's raw allocator with the hook, unless it is wrapped already (a re-init
/// resets the allocators on some versions). Call while Python runs, from one thread at a
/// time (init and attach are serialized).
pub(crate) fn install() {
    if cfg!(not(Py_3_12)) {
        return;
    }
    let mut cur = ffi::PyMemAllocatorEx { ctx: std::ptr::null_mut(), malloc: None, calloc: None, realloc: None, free: None };
    // SAFETY: plain reads and writes of the allocator table, allowed while Python runs
    // when the new allocator wraps the old one.
    unsafe {
        ffi::PyMem_GetAllocator(ffi::PyMemAllocatorDomain::PYMEM_DOMAIN_RAW, &mut cur);
        // Installed already: the table's `free` is the one this module put there.
        let ours: extern "C" fn(*mut c_void, *mut c_void) = hook_free;
        if cur.free.map(|f| f as usize) == Some(ours as usize) {
            return;
        }
        let ctx = cur.ctx;
        let key = |a: &ffi::PyMemAllocatorEx| {
            (a.ctx as usize, a.malloc.map(|f| f as usize), a.calloc.map(|f| f as usize), a.realloc.map(|f| f as usize), a.free.map(|f| f as usize))
        };
        let mut wrapped = WRAPPED.lock().unwrap_or_else(|e| e.into_inner());
        let at = match wrapped.iter().position(|w| key(&w.0) == key(&cur)) {
            Some(at) => at,
            None => {
                wrapped.push(Box::new(Table(cur)));
                wrapped.len() - 1
            }
        };
        // The entry's box never moves or dies (WRAPPED only grows).
        ORIG.store(&mut wrapped[at].0 as *mut ffi::PyMemAllocatorEx, Ordering::Release);
        drop(wrapped);
        let mut hook = ffi::PyMemAllocatorEx {
            ctx,
            malloc: Some(hook_malloc),
            calloc: Some(hook_calloc),
            realloc: Some(hook_realloc),
            free: Some(ours),
        };
        ffi::PyMem_SetAllocator(ffi::PyMemAllocatorDomain::PYMEM_DOMAIN_RAW, &mut hook);
    }
}

/// Deletes thread states gilstuff made, each on behalf of its owner thread (not this
/// one): each is held back from reuse until its owner rebinds (see the module docs).
///
/// # Safety
/// As for `cpython::delete_detached`, for every state.
pub(crate) unsafe fn delete_for_owners(states: Vec<(*mut ffi::PyThreadState, usize)>) {
    for (ts, owner) in states {
        if cfg!(Py_3_12) && !ORIG.load(Ordering::Acquire).is_null() {
            let mut held = held();
            held.push(Held { block: ts as usize, owner, freed: false });
            COUNT.store(held.len(), Ordering::Release);
        }
        super::cpython::delete_detached(ts);
    }
}

/// Whether any state is held back (one relaxed load: the entry path asks on every swap).
#[cfg_attr(not(Py_3_12), allow(dead_code))]
#[inline(always)]
pub(crate) fn any() -> bool {
    COUNT.load(Ordering::Relaxed) != 0
}

/// The owner thread no longer names its held states as its `PyGILState` state (it has
/// attached another one since, or is exiting): those CPython freed are freed now.
#[cold]
pub(crate) fn release(owner: usize) {
    let mine: Vec<Held> = {
        let mut held = held();
        let (mine, rest) = std::mem::take(&mut *held).into_iter().partition(|h| h.owner == owner);
        *held = rest;
        COUNT.store(held.len(), Ordering::Release);
        mine
    };
    for h in mine.into_iter().filter(|h| h.freed) {
        if let Some(f) = orig().free {
            f(orig().ctx, h.block as *mut c_void);
        }
    }
}
