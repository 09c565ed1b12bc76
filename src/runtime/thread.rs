//! The per-OS-thread context: the thread states this thread keeps (one per interpreter),
//! its "in a call" flag, and the registry through which finalize sees every thread's flag.
//!
//! One `thread_local!`, const-initialised and without a Rust destructor, so the hot path
//! is one plain TLS access and the context stays readable while the thread exits. Its
//! clean-up runs from a pthread key destructor (see `kept::on_thread_exit`), deferred to
//! the last destructor round so that gilstuff calls made by the host's own key destructors
//! are cleaned up too; after it, entries on the thread are refused.
//!
//! What the thread *holds* is not recorded here: CPython's current thread state says it.

use std::cell::{Cell, RefCell};
use std::mem::ManuallyDrop;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use pyo3_ffi as ffi;

use super::barrier;
use super::state;

/// A sub-interpreter's generation number (0 = main).
pub type Gen = u64;

/// A thread state this thread keeps for one interpreter.
#[derive(Clone, Copy)]
pub(crate) struct Kept {
    pub ts: *mut ffi::PyThreadState,
    /// The runtime epoch it was made in: from another epoch, the pointer dangles.
    pub epoch: u64,
}

impl Kept {
    pub const NONE: Kept = Kept { ts: ptr::null_mut(), epoch: 0 };
}

/// A kept sub-interpreter thread state.
#[derive(Clone, Copy)]
pub(crate) struct SubKept {
    pub gen: Gen,
    pub kept: Kept,
}

/// Where a thread is in its life, as far as gilstuff knows.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Life {
    /// No gilstuff call yet: not registered.
    New,
    /// Registered: its flag is in `FLAGS` and its exit hook armed.
    Live,
    /// Its exit clean-up ran: entries are refused.
    Exited,
}

pub(crate) struct ThreadCtx {
    /// True while the thread is inside a gilstuff call; read by finalize.
    pub in_call: AtomicBool,
    /// gilstuff calls active on this thread (nested calls count too).
    pub depth: Cell<u32>,
    pub life: Cell<Life>,
    /// The thread's main-interpreter thread state.
    pub main: Cell<Kept>,
    /// Its sub-interpreter thread states (a few at most: searched linearly). Freed by the
    /// exit clean-up (ManuallyDrop: no Rust TLS destructor, see the module doc).
    pub subs: ManuallyDrop<RefCell<Vec<SubKept>>>,
    /// Sub-interpreters this thread has a call running in, innermost last.
    pub sub_frames: ManuallyDrop<RefCell<Vec<Gen>>>,
    /// How many times the exit hook ran (it defers itself to the last round).
    pub exit_rounds: Cell<u32>,
    /// Before 3.12: the epoch in which `main` was seen to be this thread's `PyGILState`
    /// state (0: not known). Then it stays so until `main` changes (the first state bound
    /// keeps the binding until it is deleted), and entries skip asking CPython.
    pub main_bound: Cell<u64>,
}

thread_local! {
    pub(crate) static CTX: ThreadCtx = const {
        ThreadCtx {
            in_call: AtomicBool::new(false),
            depth: Cell::new(0),
            life: Cell::new(Life::New),
            main: Cell::new(Kept::NONE),
            subs: ManuallyDrop::new(RefCell::new(Vec::new())),
            sub_frames: ManuallyDrop::new(RefCell::new(Vec::new())),
            exit_rounds: Cell::new(0),
            main_bound: Cell::new(0),
        }
    };
}

/// This thread's context. It lives as long as the thread (no destructor).
#[inline(always)]
pub(crate) fn ctx() -> &'static ThreadCtx {
    let p = CTX.with(|c| c as *const ThreadCtx);
    // SAFETY: a const thread_local without destructor lives until the thread's TLS block
    // is freed, after every destructor of the thread ran; the reference is used only on
    // this thread (ThreadCtx is !Sync).
    unsafe { &*p }
}

/// Addresses of every registered thread's `in_call` flag.
///
/// Invariant: an address is in the list only while its thread's context is alive: the
/// thread's exit clean-up removes it (under this lock) before the thread's TLS is freed.
static FLAGS: Mutex<Vec<usize>> = Mutex::new(Vec::new());

impl ThreadCtx {
    /// Marks the start of a call on this thread; on the outermost call, also raises the
    /// flag and checks the lifecycle. Undone (with the state returned) if not running.
    #[inline(always)]
    pub fn begin(&self) -> Result<(), u32> {
        let depth = self.depth.get();
        self.depth.set(depth + 1);
        if depth == 0 {
            self.in_call.store(true, Ordering::Relaxed);
            barrier::light();
            let st = state::state();
            if st != state::RUNNING {
                self.end();
                return Err(st);
            }
        }
        Ok(())
    }

    #[inline(always)]
    pub fn end(&self) {
        let depth = self.depth.get() - 1;
        self.depth.set(depth);
        if depth == 0 {
            self.in_call.store(false, Ordering::Release);
        }
    }

    /// This context's id (its address: unique among live threads).
    pub fn id(&self) -> usize {
        self as *const ThreadCtx as usize
    }

    /// Whether `ts` is a thread state this thread keeps (main or a sub-interpreter's).
    pub fn owns(&self, ts: *mut ffi::PyThreadState) -> bool {
        self.main.get().ts == ts || self.subs.borrow().iter().any(|s| s.kept.ts == ts)
    }

    /// Puts this thread's flag where finalize sees it.
    #[cold]
    pub fn register_flag(&self) {
        FLAGS.lock().unwrap_or_else(|e| e.into_inner()).push(&self.in_call as *const _ as usize);
    }

    /// Takes this thread's flag out of finalize's view (exit clean-up).
    pub fn unregister_flag(&self) {
        let me = &self.in_call as *const _ as usize;
        FLAGS.lock().unwrap_or_else(|e| e.into_inner()).retain(|&p| p != me);
    }

    /// Whether this thread has a call running in sub-interpreter `gen`.
    pub fn inside_sub(&self, gen: Gen) -> bool {
        self.sub_frames.borrow().contains(&gen)
    }
}

/// Whether any registered thread is inside a gilstuff call.
pub(crate) fn any_in_call() -> bool {
    let flags = FLAGS.lock().unwrap_or_else(|e| e.into_inner());
    flags.iter().any(|&p| {
        // SAFETY: FLAGS invariant: the address is a live `in_call` of a registered thread.
        unsafe { (*(p as *const AtomicBool)).load(Ordering::Acquire) }
    })
}
