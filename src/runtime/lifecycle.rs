//! The lifecycle state machine: uninitialised → running → finalizing → finalized →
//! (init again) running, with an epoch number that grows at each init.
//!
//! Who runs `Py_InitializeFromConfig`/`Py_FinalizeEx`:
//! - `Origin::Owned` (default): a thread of the library's own, parked between the two, so
//!   finalize may be requested from any thread and still runs where Python was started.
//! - `Origin::Caller`: the thread that called init; finalize must come from it.
//! - Attached: Python was already initialised when init ran (the library was loaded into
//!   a Python program): init attaches, finalize detaches and leaves Python running.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use pyo3_ffi as ffi;

use super::barrier;
use super::config::{self, Options, Origin};
use super::error::{Error, Result};
use super::status::*;
use super::tstate::{self, CACHE};

pub(crate) const UNINITIALIZED: u32 = GILSTUFF_NOT_INITIALIZED;
pub(crate) const RUNNING: u32 = GILSTUFF_OK;
pub(crate) const FINALIZING: u32 = GILSTUFF_FINALIZING;
pub(crate) const FINALIZED: u32 = GILSTUFF_FINALIZED;

/// The lifecycle state; its values are the status a refused call returns.
static STATE: AtomicU32 = AtomicU32::new(UNINITIALIZED);
/// Grows by one at every successful init; thread states remember theirs.
static EPOCH: AtomicU64 = AtomicU64::new(0);
/// The extra `sys.path` entries of the running session (sub-interpreters get them too).
static SYS_PATH: Mutex<Vec<String>> = Mutex::new(Vec::new());

pub(crate) fn sys_path() -> Vec<String> {
    SYS_PATH.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Held by init and finalize for their whole run.
static SESSION: Mutex<Option<Session>> = Mutex::new(None);

#[inline(always)]
pub(crate) fn state() -> u32 {
    STATE.load(Ordering::Relaxed)
}

#[inline(always)]
pub(crate) fn epoch() -> u64 {
    EPOCH.load(Ordering::Relaxed)
}

/// How the running interpreter was started, and what finalize must do.
enum Session {
    Owned { tx: mpsc::Sender<()>, done: mpsc::Receiver<i32>, thread: JoinHandle<()> },
    Caller { thread: libc::pid_t, main_ts: SendPtr },
    Attached,
}

/// A thread state pointer moved between threads under the session lock.
struct SendPtr(*mut ffi::PyThreadState);
// SAFETY: the pointer is only dereferenced by CPython on the thread the session names.
unsafe impl Send for SendPtr {}

/// The status a call gets when gilstuff is not running, with a message saying what to do.
pub(crate) fn refusal(state: u32) -> Error {
    let msg = match state {
        UNINITIALIZED => "gilstuff is not initialized: call gilstuff_init first",
        FINALIZING => "gilstuff is finalizing: no new calls enter Python",
        FINALIZED => "gilstuff has been finalized: call gilstuff_init to start again",
        _ => "gilstuff is not running",
    };
    Error::new(state, msg)
}

fn lock() -> MutexGuard<'static, Option<Session>> {
    SESSION.lock().unwrap_or_else(|e| e.into_inner())
}

fn gettid() -> libc::pid_t {
    // SAFETY: no preconditions.
    unsafe { libc::gettid() }
}

pub fn is_initialized() -> bool {
    state() == RUNNING
}

/// Starts Python (or attaches to a running one) and makes gilstuff calls possible.
pub fn init(opts: Options) -> Result<()> {
    match state() {
        RUNNING => {
            return Err(Error::new(
                GILSTUFF_ALREADY_INITIALIZED,
                "gilstuff is already initialized: call gilstuff_init once, or gilstuff_finalize first",
            ))
        }
        FINALIZING => return Err(refusal(FINALIZING)),
        _ => {}
    }
    let mut session = lock();
    if state() == RUNNING {
        return Err(Error::new(GILSTUFF_ALREADY_INITIALIZED, "gilstuff is already initialized"));
    }
    barrier::setup();
    *SYS_PATH.lock().unwrap_or_else(|e| e.into_inner()) = opts.sys_path.clone();
    // SAFETY: Py_IsInitialized may be called at any time.
    let new = if unsafe { ffi::Py_IsInitialized() } != 0 {
        Session::Attached
    } else {
        match opts.origin {
            Origin::Owned => start_owner(opts)?,
            Origin::Caller => {
                // SAFETY: Python is not initialised and the session lock is held.
                unsafe { config::initialize(&opts) }.map_err(abandon_init)?;
                // SAFETY: this thread holds the GIL after initialising; keep its thread state.
                let main_ts = unsafe { ffi::PyEval_SaveThread() };
                Session::Caller { thread: gettid(), main_ts: SendPtr(main_ts) }
            }
        }
    };
    *session = Some(new);
    EPOCH.fetch_add(1, Ordering::SeqCst);
    STATE.store(RUNNING, Ordering::SeqCst);
    Ok(())
}

/// After a failed `Py_InitializeFromConfig` Python may be half up: finalise what there is.
fn abandon_init(e: Error) -> Error {
    // SAFETY: called on the thread that tried to initialise, with the lock held.
    unsafe {
        if ffi::Py_IsInitialized() != 0 {
            ffi::Py_FinalizeEx();
        }
    }
    e
}

fn start_owner(opts: Options) -> Result<Session> {
    let (ready_tx, ready_rx) = mpsc::channel::<Result<()>>();
    let (tx, rx) = mpsc::channel::<()>();
    let (done_tx, done) = mpsc::channel::<i32>();
    let thread = std::thread::Builder::new()
        .name("gilstuff-owner".into())
        .spawn(move || {
            // SAFETY: Python is not initialised; the session lock is held by init, which
            // waits for this thread's answer.
            if let Err(e) = unsafe { config::initialize(&opts) } {
                let _ = ready_tx.send(Err(abandon_init(e)));
                return;
            }
            // SAFETY: this thread holds the GIL after initialising; park without it.
            let main_ts = unsafe { ffi::PyEval_SaveThread() };
            let _ = ready_tx.send(Ok(()));
            // Parked until finalize asks (or the sender is dropped, which never happens
            // while the session lives).
            if rx.recv().is_ok() {
                // SAFETY: finalize has stopped entries and waited for in-flight calls; this
                // is the thread that initialised Python and `main_ts` is its thread state.
                let rc = unsafe {
                    ffi::PyEval_RestoreThread(main_ts);
                    finalize_python()
                };
                let _ = done_tx.send(rc);
            }
        })
        .map_err(|e| Error::new(GILSTUFF_ERR_INIT_FAILED, format!("cannot start the owner thread: {e}")))?;
    match ready_rx.recv() {
        Ok(Ok(())) => Ok(Session::Owned { tx, done, thread }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => {
            let _ = thread.join();
            Err(Error::new(GILSTUFF_ERR_INIT_FAILED, "the owner thread ended before Python started"))
        }
    }
}

/// Stops new entries, waits for in-flight calls, then finalises Python where it started.
pub fn finalize() -> Result<()> {
    if CACHE.with(|c| c.frames.get()) > 0 {
        return Err(Error::new(
            GILSTUFF_ERR_WRONG_THREAD,
            "gilstuff_finalize cannot run inside a gilstuff callback: call it after the callback returns",
        ));
    }
    let st = state();
    if st != RUNNING {
        return Err(refusal(st));
    }
    let mut session = lock();
    let st = state();
    if st != RUNNING {
        return Err(refusal(st));
    }
    if let Some(Session::Caller { thread, .. }) = session.as_ref() {
        if *thread != gettid() {
            return Err(Error::new(
                GILSTUFF_ERR_WRONG_THREAD,
                "gilstuff was initialized with GILSTUFF_ORIGIN_CALLER: call gilstuff_finalize from the \
                 thread that called gilstuff_init (or use the default GILSTUFF_ORIGIN_OWNED)",
            ));
        }
    }
    STATE.store(FINALIZING, Ordering::SeqCst);
    barrier::heavy();
    wait_for_calls();
    super::interp::end_all();
    let rc = match session.take().expect("a running state has a session") {
        Session::Owned { tx, done, thread } => {
            let _ = tx.send(());
            let rc = done.recv().unwrap_or(-1);
            let _ = thread.join();
            rc
        }
        Session::Caller { main_ts, .. } => {
            // SAFETY: this is the thread that initialised Python (checked above) and
            // `main_ts` its thread state; no call is in flight.
            unsafe {
                ffi::PyEval_RestoreThread(main_ts.0);
                finalize_python()
            }
        }
        Session::Attached => 0,
    };
    STATE.store(FINALIZED, Ordering::SeqCst);
    if rc != 0 {
        return Err(Error::new(
            GILSTUFF_ERR_PYTHON,
            "Py_FinalizeEx reported an error while flushing buffered data; Python has been finalized",
        ));
    }
    Ok(())
}

/// Applies the queued decrefs (so their `__del__` run), then `Py_FinalizeEx`.
///
/// # Safety
/// Called on Python's origin thread holding the GIL, with no call in flight.
unsafe fn finalize_python() -> i32 {
    super::pending::apply(0);
    ffi::Py_FinalizeEx()
}

/// Waits until no registered thread is inside a gilstuff call.
fn wait_for_calls() {
    let mut pause = Duration::from_micros(10);
    while tstate::any_in_call() {
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(1));
    }
}
