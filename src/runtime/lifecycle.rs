//! Init and finalize: who runs `Py_InitializeFromConfig`/`Py_FinalizeEx`, and the steps
//! that take gilstuff from one lifecycle state to the next.
//!
//! - `Origin::Owned` (default): a thread of the library's own, parked between the two, so
//!   finalize may be requested from any thread and still runs where Python was started.
//! - `Origin::Caller`: the thread that called init; finalize must come from it.
//! - Attached: Python was already initialised when init ran (the library was loaded into
//!   a Python program): init attaches and registers an `atexit` hook, so that the host's
//!   own shutdown stops gilstuff first; finalize detaches and leaves Python running.
//!
//! Finalize, in order: refuse new calls (FINALIZING), wait for calls in flight on every
//! thread, end every sub-interpreter (none is ever left to `Py_FinalizeEx`), then run
//! `Py_FinalizeEx` where Python started (or, attached, delete the thread states gilstuff
//! made). It never waits holding a GIL: a thread that holds one is refused.

use std::sync::mpsc;
use std::sync::{Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use pyo3_ffi as ffi;

use super::barrier;
use super::config::{self, Options, Origin};
use super::cpython;
use super::enter;
use super::error::{Error, Result};
use super::interp;
use super::quarantine;
use super::state::{self, FINALIZED, FINALIZING, RUNNING};
use super::status::*;
use super::subinterp;
use super::thread::{self, Kept};

pub use super::state::is_initialized;

/// Held by init and finalize for their whole run.
static SESSION: Mutex<Option<Session>> = Mutex::new(None);

/// How the running interpreter was started, and what finalize must do.
enum Session {
    Owned { tx: mpsc::Sender<()>, done: mpsc::Receiver<i32>, thread: JoinHandle<()> },
    Caller { thread: libc::pid_t, main_ts: SendPtr },
    Attached { hook: SendPtr },
}

/// A pointer moved between threads under the session lock.
struct SendPtr(*mut std::ffi::c_void);
// SAFETY: only dereferenced by CPython under the rules of the session that holds it.
unsafe impl Send for SendPtr {}

fn lock() -> MutexGuard<'static, Option<Session>> {
    SESSION.lock().unwrap_or_else(|e| e.into_inner())
}

fn gettid() -> libc::pid_t {
    // SAFETY: no preconditions.
    unsafe { libc::gettid() }
}

/// Starts Python (or attaches to a running one) and makes gilstuff calls possible.
pub fn init(opts: Options) -> Result<()> {
    match state::state() {
        RUNNING => return Err(already()),
        FINALIZING => return Err(state::refusal(FINALIZING)),
        _ => {}
    }
    let mut session = lock();
    if state::state() == RUNNING {
        return Err(already());
    }
    barrier::setup();
    // SAFETY: Py_IsInitialized may be called at any time.
    let attach = unsafe { ffi::Py_IsInitialized() } != 0;
    let epoch = state::next_session(attach, opts.sys_path.clone());
    let new = if attach {
        if cpython::is_finalizing() {
            return Err(state::host_finalizing());
        }
        quarantine::install();
        interp::publish_main(epoch);
        state::set(RUNNING);
        match register_exit_hook() {
            Ok(hook) => Session::Attached { hook: SendPtr(hook.cast()) },
            Err(e) => {
                state::set(FINALIZED);
                return Err(e);
            }
        }
    } else {
        let s = match opts.origin {
            Origin::Owned => start_owner(opts)?,
            Origin::Caller => {
                // SAFETY: Python is not initialised and the session lock is held.
                unsafe { config::initialize(&opts) }.map_err(abandon_init)?;
                // SAFETY: this thread holds the GIL after initialising. Its thread state
                // becomes the one it keeps for main, so its calls run as Python's main thread.
                let main_ts = unsafe { cpython::save() };
                thread::ctx().main.set(Kept { ts: main_ts, epoch });
                Session::Caller { thread: gettid(), main_ts: SendPtr(main_ts.cast()) }
            }
        };
        quarantine::install();
        interp::publish_main(epoch);
        state::set(RUNNING);
        s
    };
    *session = Some(new);
    Ok(())
}

fn already() -> Error {
    Error::new(
        GILSTUFF_ALREADY_INITIALIZED,
        "gilstuff is already initialized: call gilstuff_init once, or gilstuff_finalize first",
    )
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
            let main_ts = unsafe { cpython::save() };
            let _ = ready_tx.send(Ok(()));
            // Parked until finalize asks (or the sender is dropped, which never happens
            // while the session lives).
            if rx.recv().is_ok() {
                // SAFETY: finalize has stopped entries and waited for in-flight calls; this
                // is the thread that initialised Python and `main_ts` is its thread state.
                let rc = unsafe {
                    cpython::restore(main_ts);
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

/// Stops new entries, waits for in-flight calls, ends the sub-interpreters, then
/// finalises Python where it started (or detaches).
pub fn finalize() -> Result<()> {
    if thread::ctx().depth.get() > 0 {
        return Err(Error::new(
            GILSTUFF_ERR_WRONG_THREAD,
            "gilstuff_finalize cannot run inside a gilstuff callback: call it after the callback returns",
        ));
    }
    let st = state::state();
    if st != RUNNING {
        return Err(state::refusal(st));
    }
    let mut session = lock();
    let st = state::state();
    if st != RUNNING {
        return Err(state::refusal(st));
    }
    match session.as_ref() {
        Some(Session::Caller { thread, .. }) if *thread != gettid() => {
            return Err(Error::new(
                GILSTUFF_ERR_WRONG_THREAD,
                "gilstuff was initialized with GILSTUFF_ORIGIN_CALLER: call gilstuff_finalize from the \
                 thread that called gilstuff_init (or use the default GILSTUFF_ORIGIN_OWNED)",
            ))
        }
        Some(Session::Owned { .. }) => refuse_python_threads()?,
        _ => refuse_if_holding()?,
    }
    stop_calls();
    if let Err(e) = subinterp::end_all() {
        state::set(RUNNING);
        return Err(e);
    }
    let rc = match session.take().expect("a running state has a session") {
        Session::Owned { tx, done, thread } => {
            let _ = tx.send(());
            let rc = done.recv().unwrap_or(-1);
            let _ = thread.join();
            rc
        }
        Session::Caller { main_ts, .. } => {
            // SAFETY: this is the thread that initialised Python (checked above) and
            // `main_ts` its thread state, which nothing has attached; no call is in flight.
            unsafe {
                cpython::restore(main_ts.0.cast());
                finalize_python()
            }
        }
        Session::Attached { hook } => {
            detach(hook.0.cast());
            0
        }
    };
    interp::retire_main();
    state::set(FINALIZED);
    if rc != 0 {
        return Err(Error::new(
            GILSTUFF_ERR_PYTHON,
            "Py_FinalizeEx reported an error while flushing buffered data; Python has been finalized",
        ));
    }
    Ok(())
}

/// Refuses new calls and waits (holding nothing) until no thread is inside one.
fn stop_calls() {
    state::set(FINALIZING);
    barrier::heavy();
    let mut pause = Duration::from_micros(10);
    while thread::any_in_call() {
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(1));
    }
}

/// A thread that holds a GIL cannot wait for the calls in flight (they may need it).
fn refuse_if_holding() -> Result<()> {
    let ctx = thread::ctx();
    // SAFETY: Python is running.
    if !unsafe { cpython::attached(|ts| ctx.owns(ts)) }.is_null() {
        return Err(Error::new(
            GILSTUFF_ERR_WRONG_THREAD,
            "gilstuff_finalize cannot run on a thread that holds a Python thread state (a Python thread \
             calling through ctypes.PyDLL, or host code after PyGILState_Ensure): call it from another thread",
        ));
    }
    Ok(())
}

/// `Py_FinalizeEx` joins every non-daemon Python thread and cannot finish while a daemon
/// one waits for it: finalize from a Python-made thread would wait for itself.
fn refuse_python_threads() -> Result<()> {
    refuse_if_holding()?;
    let python_thread = {
        let _e = enter::enter(0)?;
        let code = c"(lambda t: (lambda a: a is not None and not isinstance(a, t._DummyThread))\
                     (t._active.get(t.get_ident())))(__import__('threading'))";
        // SAFETY: the main interpreter's GIL is held (`_e`).
        unsafe {
            let globals = ffi::PyDict_New();
            if globals.is_null() {
                return Err(Error::fetch_python());
            }
            let r = ffi::PyRun_StringFlags(code.as_ptr(), ffi::Py_eval_input, globals, globals, std::ptr::null_mut());
            ffi::Py_DECREF(globals);
            if r.is_null() {
                return Err(Error::fetch_python());
            }
            let yes = r == ffi::Py_True();
            ffi::Py_DECREF(r);
            yes
        }
    };
    if python_thread {
        return Err(Error::new(
            GILSTUFF_ERR_WRONG_THREAD,
            "gilstuff_finalize cannot run on a Python threading.Thread: Python's shutdown joins that very \
             thread (or, if daemon, kills it). Call it from a host thread",
        ));
    }
    Ok(())
}

/// Applies the main interpreter's queued decrefs (so their `__del__` run), then
/// `Py_FinalizeEx`.
///
/// # Safety
/// Called on Python's origin thread holding the GIL, with no call in flight.
unsafe fn finalize_python() -> i32 {
    interp::main().pending.apply(0, state::epoch());
    ffi::Py_FinalizeEx()
}

/// Attach mode, after calls stopped and sub-interpreters ended: deletes the thread states
/// gilstuff made for the host's main interpreter and unregisters the exit hook.
fn detach(hook: *mut ffi::PyObject) {
    let main = interp::main();
    // SAFETY: Python runs (the host's); no gilstuff call is in flight, so none of the
    // states gilstuff made is attached; this thread attaches a temporary state of its own
    // to hold the main GIL while deleting them, and deletes it last.
    unsafe {
        let tmp = cpython::new_attached(main.state());
        quarantine::delete_for_owners(main.take_tstates());
        unregister_exit_hook(hook);
        cpython::delete_attached(tmp);
    }
}

// ---- attach mode: the host's exit ---------------------------------------------------

/// The `atexit` callback: runs on the host's main thread inside `Py_FinalizeEx`, before
/// Python tears anything down, holding the main GIL.
unsafe extern "C" fn exit_hook(_module: *mut ffi::PyObject, _args: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // Never wait holding the GIL (for the session lock, calls in flight, the keepers).
    // SAFETY: atexit callbacks run with the main thread's state attached.
    let ts = cpython::save();
    let _ = std::panic::catch_unwind(|| {
        let mut session = lock();
        if state::state() != RUNNING || !matches!(session.as_ref(), Some(Session::Attached { .. })) {
            return;
        }
        stop_calls();
        if let Err(e) = subinterp::end_all() {
            eprintln!("gilstuff: at exit: {}", e.message_str());
        }
        // Delete the states gilstuff made for main (none is attached: no call in flight).
        // SAFETY: the main GIL is taken with this thread's own state, then given back.
        cpython::restore(ts);
        quarantine::delete_for_owners(interp::main().take_tstates());
        cpython::save();
        *session = None;
        interp::retire_main();
        state::set(FINALIZED);
    });
    // SAFETY: the thread state detached above, on this thread.
    cpython::restore(ts);
    // SAFETY: the GIL is held; a new reference to None is the callback's result.
    ffi::compat::Py_NewRef(ffi::Py_None())
}

/// The `PyMethodDef` of the exit hook (CPython keeps a pointer to it).
struct HookDef(ffi::PyMethodDef);
// SAFETY: immutable after construction; only read by CPython.
unsafe impl Sync for HookDef {}

static HOOK_DEF: HookDef = HookDef(ffi::PyMethodDef {
    ml_name: c"gilstuff_exit_hook".as_ptr(),
    ml_meth: ffi::PyMethodDefPointer { PyCFunction: exit_hook },
    ml_flags: ffi::METH_NOARGS,
    ml_doc: c"Stops gilstuff before the Python it is attached to finalizes.".as_ptr(),
});

/// Registers `exit_hook` with `atexit` in the host's main interpreter; returns the
/// registered function object (owned).
fn register_exit_hook() -> Result<*mut ffi::PyObject> {
    let _e = enter::enter(0)?;
    // SAFETY: the main GIL is held (`_e`); references are checked and released.
    unsafe {
        let f = ffi::PyCFunction_NewEx(&HOOK_DEF.0 as *const _ as *mut _, std::ptr::null_mut(), std::ptr::null_mut());
        if f.is_null() {
            return Err(Error::fetch_python());
        }
        if let Err(e) = call_atexit(c"register", f) {
            ffi::Py_DECREF(f);
            return Err(e);
        }
        Ok(f)
    }
}

/// # Safety
/// The main GIL is held; `f` is the function `register_exit_hook` returned.
unsafe fn unregister_exit_hook(f: *mut ffi::PyObject) {
    let _ = call_atexit(c"unregister", f);
    ffi::Py_DECREF(f);
}

/// `atexit.<name>(f)`.
///
/// # Safety
/// The main GIL is held.
unsafe fn call_atexit(name: &std::ffi::CStr, f: *mut ffi::PyObject) -> Result<()> {
    let m = ffi::PyImport_ImportModule(c"atexit".as_ptr());
    if m.is_null() {
        return Err(Error::fetch_python());
    }
    let r = ffi::PyObject_CallMethod(m, name.as_ptr(), c"O".as_ptr(), f);
    ffi::Py_DECREF(m);
    if r.is_null() {
        return Err(Error::fetch_python());
    }
    ffi::Py_DECREF(r);
    Ok(())
}
