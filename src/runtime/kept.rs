//! The thread states a thread keeps: made on its first call into an interpreter, reused by
//! every later one, deleted by `gilstuff_thread_unregister` or when the thread exits.
//!
//! Thread exit: a pthread key destructor (not a Rust TLS destructor, which runs before the
//! host's pthread key destructors) deletes the thread's states. It re-arms itself until
//! the last destructor round, so gilstuff calls made from the host's own key destructors
//! are cleaned up too; entries after it are refused.

use std::ffi::c_void;
use std::sync::OnceLock;

use pyo3_ffi as ffi;

use super::cpython;
use super::interp::{self, Interp};
use super::quarantine;
use super::state;
use super::thread::{Kept, Life, SubKept, ThreadCtx};

/// This thread's kept state for `interp`, made now if it has none of this epoch.
///
/// # Safety
/// A call is active on this thread (so Python stays up), `interp` is alive (for a
/// sub-interpreter: a call into it is counted), and `epoch` is the running epoch.
#[inline(always)]
pub(crate) unsafe fn state_for(ctx: &ThreadCtx, interp: &Interp, epoch: u64) -> *mut ffi::PyThreadState {
    if interp.gen == 0 {
        let k = ctx.main.get();
        if k.epoch == epoch && !k.ts.is_null() {
            return k.ts;
        }
        return make_main(ctx, epoch);
    }
    sub_state(ctx, interp, epoch)
}

#[cold]
unsafe fn make_main(ctx: &ThreadCtx, epoch: u64) -> *mut ffi::PyThreadState {
    let main = interp::main();
    // A kept state of an earlier epoch dangles (Python freed it): replaced, never touched.
    let ts = ffi::PyThreadState_New(main.state());
    main.note_tstate(ts, ctx.id());
    ctx.main.set(Kept { ts, epoch });
    ctx.main_bound.set(0);
    ts
}

#[inline(never)]
unsafe fn sub_state(ctx: &ThreadCtx, interp: &Interp, epoch: u64) -> *mut ffi::PyThreadState {
    let found = ctx.subs.borrow().iter().find(|s| s.gen == interp.gen && s.kept.epoch == epoch).map(|s| s.kept.ts);
    if let Some(ts) = found {
        return ts;
    }
    // Before 3.12 the first thread state made on a thread becomes its PyGILState state
    // for good: make the main one first, so that host PyGILState_Ensure lands in main.
    #[cfg(not(Py_3_12))]
    state_for(ctx, interp::main(), epoch);
    let mut subs = ctx.subs.borrow_mut();
    // Entries of earlier epochs or freed interpreters are dropped, never touched.
    subs.retain(|s| s.kept.epoch == epoch && interp::lookup(s.gen).is_ok());
    let ts = ffi::PyThreadState_New(interp.state());
    interp.note_tstate(ts, ctx.id());
    subs.push(SubKept { gen: interp.gen, kept: Kept { ts, epoch } });
    ts
}

/// Deletes the thread states this thread keeps (those of the running epoch whose
/// interpreter is alive; the others died with their interpreter).
///
/// Call with no gilstuff call active on this thread and nothing attached to it.
pub(crate) fn release_all(ctx: &ThreadCtx) {
    let main = ctx.main.replace(Kept::NONE);
    let subs = std::mem::take(&mut *ctx.subs.borrow_mut());
    if main.ts.is_null() && subs.is_empty() {
        return;
    }
    if ctx.begin().is_err() {
        return; // not running: Python frees (or freed) them itself
    }
    // SAFETY: Python is running and stays up (a call is active on this thread).
    if !unsafe { cpython::attached(|ts| ts == main.ts || subs.iter().any(|s| s.kept.ts == ts)) }.is_null() {
        ctx.end();
        return; // the thread holds a GIL (a host bug at exit): leave its states to Python
    }
    let epoch = state::epoch();
    for sub in subs.iter().filter(|s| s.kept.epoch == epoch) {
        if let Ok(i) = interp::lookup(sub.gen) {
            if i.begin_call().is_ok() {
                // SAFETY: made on this thread; the counted call keeps the interpreter.
                unsafe { delete_own(i, sub.kept.ts) };
                i.end_call();
            }
        }
    }
    let m = interp::main();
    // Only states gilstuff made: the caller-origin thread keeps Python's own first state.
    if !main.ts.is_null() && main.epoch == epoch && m.is_alive() && m.made(main.ts) {
        // SAFETY: made on this thread in this epoch; finalize waits for this call.
        unsafe { delete_own(m, main.ts) };
    }
    ctx.end();
}

/// # Safety
/// `ts` is this thread's kept state of `interp`, alive, not attached; nothing is attached.
unsafe fn delete_own(interp: &Interp, ts: *mut ffi::PyThreadState) {
    interp.forget_tstate(ts);
    cpython::restore(ts);
    cpython::delete_attached(ts);
}

/// The pthread key whose destructor cleans up at thread exit, and how many destructor
/// rounds the C library runs.
struct ExitKey {
    key: libc::pthread_key_t,
    rounds: u32,
}

static EXIT_KEY: OnceLock<Option<ExitKey>> = OnceLock::new();

fn exit_key() -> Option<&'static ExitKey> {
    EXIT_KEY
        .get_or_init(|| {
            let mut key: libc::pthread_key_t = 0;
            // SAFETY: `key` is written on success; the destructor is an extern "C" fn.
            if unsafe { libc::pthread_key_create(&mut key, Some(on_thread_exit)) } != 0 {
                return None;
            }
            // SAFETY: no preconditions.
            let n = unsafe { libc::sysconf(libc::_SC_THREAD_DESTRUCTOR_ITERATIONS) };
            Some(ExitKey { key, rounds: n.clamp(1, 4) as u32 })
        })
        .as_ref()
}

/// First call on a thread: makes its flag visible to finalize and arms its exit clean-up.
/// Refused (false) once the thread's clean-up ran.
#[cold]
pub(crate) fn register(ctx: &'static ThreadCtx) -> bool {
    match ctx.life.get() {
        Life::Live => true,
        Life::Exited => false,
        Life::New => {
            ctx.register_flag();
            if let Some(k) = exit_key() {
                // SAFETY: a valid key; the value is this thread's context.
                unsafe { libc::pthread_setspecific(k.key, ctx as *const ThreadCtx as *const c_void) };
            }
            ctx.life.set(Life::Live);
            true
        }
    }
}

extern "C" fn on_thread_exit(p: *mut c_void) {
    // Never unwind into the C library.
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: the value set by `register`: this exiting thread's context, still alive
        // (the thread's TLS is freed after every key destructor ran).
        let ctx = unsafe { &*(p as *const ThreadCtx) };
        let round = ctx.exit_rounds.get() + 1;
        ctx.exit_rounds.set(round);
        if let Some(k) = exit_key() {
            if round < k.rounds {
                // Run again in the next round, after the host's key destructors of this one.
                // SAFETY: as in `register`.
                unsafe { libc::pthread_setspecific(k.key, p) };
                return;
            }
        }
        exit_cleanup(ctx);
    });
}

/// The thread's last act in gilstuff: delete its states, leave finalize's view, refuse more.
fn exit_cleanup(ctx: &ThreadCtx) {
    if ctx.depth.get() == 0 {
        release_all(ctx);
    }
    // The thread's PyGILState binding ends with it.
    quarantine::release(ctx.id());
    ctx.life.set(Life::Exited);
    ctx.unregister_flag();
    drop(std::mem::take(&mut *ctx.subs.borrow_mut()));
    drop(std::mem::take(&mut *ctx.sub_frames.borrow_mut()));
}
