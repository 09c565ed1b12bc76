//! The per-OS-thread cache: this thread's thread states, its "in a call" flag, and the
//! registry through which finalize sees every thread's flag.
//!
//! The hot part (`CACHE`) is a const-initialised `thread_local!` without a destructor, so
//! the hot path costs one plain TLS access. The cold part (`EXTRA`: sub-interpreter
//! states, and the destructor that deletes this thread's states when it exits) is touched
//! once at registration and by sub-interpreter calls. An entry remembers the epoch it was
//! made in: after a finalize the pointer dangles, so an entry from another epoch is
//! dropped without touching the pointer.

use std::cell::{Cell, RefCell};
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use pyo3_ffi as ffi;

use super::barrier;
use super::lifecycle;

/// A thread state this thread keeps for one interpreter.
#[derive(Clone, Copy)]
pub(crate) struct Entry {
    pub ts: *mut ffi::PyThreadState,
    /// Runtime epoch the thread state was made in.
    pub epoch: u64,
    /// Not ours: the thread already had a thread state (a Python-made thread, or the
    /// caller-origin thread). Each call then goes through `PyGILState_Ensure`/`Release`,
    /// which on such a thread only takes and gives back the GIL.
    pub borrowed: bool,
}

impl Entry {
    pub const EMPTY: Entry = Entry { ts: ptr::null_mut(), epoch: 0, borrowed: false };
}

/// A thread state this thread keeps for a sub-interpreter.
#[derive(Clone, Copy)]
pub(crate) struct SubEntry {
    pub gen: u64,
    pub ts: *mut ffi::PyThreadState,
    pub epoch: u64,
}

pub(crate) struct ThreadCache {
    /// True while any gilstuff frame is active on this thread; read by finalize.
    pub in_call: AtomicBool,
    /// Whether `in_call`'s address is in `FLAGS`.
    registered: Cell<bool>,
    /// Number of active gilstuff frames on this thread.
    pub frames: Cell<u32>,
    /// The thread state this thread currently runs Python with through gilstuff
    /// (null outside calls and inside `gilstuff_without_gil`).
    pub attached: Cell<*mut ffi::PyThreadState>,
    /// The interpreter `attached` belongs to (0 = main).
    pub attached_gen: Cell<u64>,
    /// The main interpreter's thread state.
    pub main: Cell<Entry>,
}

/// The cold part of a thread's state; its destructor cleans up when the thread exits.
pub(crate) struct ThreadExtra {
    /// Thread states for sub-interpreters (a few at most: searched linearly).
    pub subs: RefCell<Vec<SubEntry>>,
    /// Framed entries (sub-interpreters, switches) not yet left, innermost last.
    pub stack: RefCell<Vec<super::gil::Frame>>,
}

/// Addresses of every registered thread's `in_call` flag.
///
/// Invariant: an address is in the list only while its thread's TLS block is alive: the
/// thread's `ThreadExtra` destructor removes it (under this lock) before the block is freed.
static FLAGS: Mutex<Vec<usize>> = Mutex::new(Vec::new());

thread_local! {
    pub(crate) static CACHE: ThreadCache = const {
        ThreadCache {
            in_call: AtomicBool::new(false),
            registered: Cell::new(false),
            frames: Cell::new(0),
            attached: Cell::new(ptr::null_mut()),
            attached_gen: Cell::new(0),
            main: Cell::new(Entry::EMPTY),
        }
    };
    pub(crate) static EXTRA: ThreadExtra = const {
        ThreadExtra { subs: RefCell::new(Vec::new()), stack: RefCell::new(Vec::new()) }
    };
}

impl ThreadCache {
    /// Puts this thread's flag where finalize can see it (first call on a thread only).
    #[cold]
    pub fn register(&self) {
        // EXTRA's destructor unregisters this flag at exit.
        hook_thread_exit();
        FLAGS.lock().unwrap_or_else(|e| e.into_inner()).push(&self.in_call as *const _ as usize);
        self.registered.set(true);
    }

    #[inline(always)]
    pub fn ensure_registered(&self) {
        if !self.registered.get() {
            self.register();
        }
    }

    /// Marks a frame as entered; returns false (frame undone) unless gilstuff is running.
    #[inline(always)]
    pub fn begin_frame(&self) -> Result<(), u32> {
        let frames = self.frames.get();
        self.frames.set(frames + 1);
        if frames == 0 {
            self.in_call.store(true, Ordering::Relaxed);
            barrier::light();
        }
        let state = lifecycle::state();
        if state != lifecycle::RUNNING {
            self.end_frame();
            return Err(state);
        }
        Ok(())
    }

    #[inline(always)]
    pub fn end_frame(&self) {
        let frames = self.frames.get() - 1;
        self.frames.set(frames);
        if frames == 0 {
            self.in_call.store(false, Ordering::Release);
        }
    }

    /// Deletes the thread states this thread made in the current epoch.
    /// Must be called with no frame active on this thread; `subs` are its sub-interpreter
    /// states (taken from its `ThreadExtra`).
    pub fn release_all(&self, subs: Vec<SubEntry>) {
        debug_assert_eq!(self.frames.get(), 0);
        let main = self.main.replace(Entry::EMPTY);
        if (main.ts.is_null() || main.borrowed) && subs.is_empty() {
            return;
        }
        if self.begin_frame().is_err() {
            return; // finalizing or finalized: Python frees (or freed) them itself
        }
        let epoch = lifecycle::epoch();
        for sub in subs.into_iter().filter(|s| s.epoch == epoch) {
            if let Ok(interp) = super::interp::lookup(sub.gen) {
                if interp.begin_call().is_ok() {
                    // SAFETY: made on this thread by `new_thread_state`; the call is
                    // counted so the interpreter cannot end meanwhile; no GIL is held.
                    unsafe { interp.delete_thread_state(sub.ts) };
                    interp.end_call();
                }
            }
        }
        if !main.ts.is_null() && !main.borrowed && main.epoch == epoch {
            // SAFETY: same epoch and a frame is active, so finalize cannot run and `ts` is
            // alive. It is this thread's gilstate thread state with gilstate_counter 1
            // (made by PyGILState_Ensure and never released): Release drops the counter to
            // 0, which clears and deletes it and releases the GIL.
            unsafe {
                ffi::PyEval_RestoreThread(main.ts);
                ffi::PyGILState_Release(ffi::PyGILState_STATE::PyGILState_UNLOCKED);
            }
        }
        self.end_frame();
    }
}

impl ThreadExtra {
    /// This thread's state for sub-interpreter `gen`, if it has one from `epoch`.
    pub fn sub(&self, gen: u64, epoch: u64) -> Option<*mut ffi::PyThreadState> {
        let mut subs = self.subs.borrow_mut();
        // Entries of other epochs or freed interpreters are dropped, never touched.
        subs.retain(|e| e.epoch == epoch && (e.gen != gen || super::interp::lookup(gen).is_ok()));
        subs.iter().find(|e| e.gen == gen).map(|e| e.ts)
    }

    pub fn take_subs(&self) -> Vec<SubEntry> {
        std::mem::take(&mut *self.subs.borrow_mut())
    }
}

/// Makes sure this thread's exit runs `ThreadExtra`'s destructor.
pub(crate) fn hook_thread_exit() {
    let _ = EXTRA.try_with(|_| ());
}

impl Drop for ThreadExtra {
    fn drop(&mut self) {
        super::handles::flush_thread_slots();
        // CACHE has no destructor, so it is still readable while this one runs.
        CACHE.with(|c| {
            // The process's main thread runs TLS destructors inside exit(), where other
            // threads may hold the GIL forever: leave its thread states to the OS.
            // SAFETY: getpid/gettid have no preconditions.
            let main_thread = unsafe { libc::getpid() == libc::gettid() };
            if !main_thread && c.frames.get() == 0 {
                c.release_all(self.take_subs());
            }
            if c.registered.get() {
                let me = &c.in_call as *const _ as usize;
                FLAGS.lock().unwrap_or_else(|e| e.into_inner()).retain(|&p| p != me);
            }
        })
    }
}

/// Whether any registered thread other than the caller is inside a gilstuff call.
pub(crate) fn any_in_call() -> bool {
    let flags = FLAGS.lock().unwrap_or_else(|e| e.into_inner());
    flags.iter().any(|&p| {
        // SAFETY: FLAGS invariant: the address is a live `in_call` of a registered thread.
        unsafe { (*(p as *const AtomicBool)).load(Ordering::Acquire) }
    })
}
