//! Sub-interpreters: creating, finding and ending them.
//!
//! An interpreter is named by its generation number: 0 is the main interpreter, every
//! sub-interpreter gets the next number and keeps it for ever (numbers are never
//! reused), so a stale name is recognised instead of hitting a freed interpreter.
//! `Interp` records are never freed (a few words per interpreter ever created): any
//! name can be looked up without a lock and without touching freed memory.
//!
//! Thread states: a thread's state for a sub-interpreter is made with
//! `PyThreadState_New` and listed in the interpreter's record, so that ending the
//! interpreter can delete the states cached by other threads first (Py_EndInterpreter
//! aborts while other thread states exist). The thread's main-interpreter state is made
//! before any sub-interpreter state, so that it, not a sub-interpreter's, is the
//! thread's `PyGILState` state.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use pyo3_ffi as ffi;

use super::error::{Error, Result};
use super::lifecycle;
use super::registry::Registry;
use super::status::*;

/// Generation number of an interpreter: 0 = main.
pub type Gen = u64;

static INTERPS: Registry<Interp> = Registry::new();
/// Serialises creating and ending interpreters (CPython 3.12 crashes on concurrent creation).
static LIFECYCLE: Mutex<()> = Mutex::new(());

/// Options for a new sub-interpreter.
#[derive(Debug, Clone, Copy)]
pub struct InterpOptions {
    pub own_gil: bool,
    pub isolated_modules: bool,
    pub allow_threads: bool,
    pub allow_daemon_threads: bool,
    pub check_multi_interp_extensions: bool,
}

impl Default for InterpOptions {
    /// Isolated with its own GIL where the CPython supports it (3.12+), legacy otherwise.
    fn default() -> Self {
        let modern = cfg!(Py_3_12);
        InterpOptions {
            own_gil: modern,
            isolated_modules: modern,
            allow_threads: true,
            allow_daemon_threads: !modern,
            check_multi_interp_extensions: modern,
        }
    }
}

pub struct Interp {
    pub gen: Gen,
    pub epoch: u64,
    state: *mut ffi::PyInterpreterState,
    pub own_gil: bool,
    alive: AtomicBool,
    /// Outermost gilstuff frames in this interpreter right now (all threads).
    calls: AtomicUsize,
    /// Thread states gilstuff made for this interpreter, on any thread.
    tstates: Mutex<Vec<usize>>,
    /// The thread that created the interpreter and will end it (`None` once ended).
    keeper: Mutex<Option<Keeper>>,
}

// SAFETY: `state` is only passed to CPython, under the rules of this module.
unsafe impl Sync for Interp {}
unsafe impl Send for Interp {}

impl Interp {
    pub fn is_alive(&self) -> bool {
        self.alive.load(Ordering::SeqCst) && self.epoch == lifecycle::epoch()
    }

    /// Counts a call into the interpreter; fails once it is being freed.
    pub(crate) fn begin_call(&self) -> Result<()> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if !self.is_alive() {
            self.calls.fetch_sub(1, Ordering::SeqCst);
            return Err(freed());
        }
        Ok(())
    }

    pub(crate) fn end_call(&self) {
        self.calls.fetch_sub(1, Ordering::SeqCst);
    }

    /// A new thread state for this interpreter, owned by the calling OS thread.
    ///
    /// # Safety
    /// The interpreter is alive and a call into it is counted (`begin_call`), and the
    /// calling thread already has its main-interpreter (PyGILState) thread state.
    pub(crate) unsafe fn new_thread_state(&self) -> *mut ffi::PyThreadState {
        let ts = ffi::PyThreadState_New(self.state);
        self.tstates.lock().unwrap_or_else(|e| e.into_inner()).push(ts as usize);
        ts
    }

    /// Deletes one of this interpreter's thread states, made on the calling thread.
    ///
    /// # Safety
    /// `ts` was made by `new_thread_state` on this thread, a call is counted, and the
    /// thread holds no GIL.
    pub(crate) unsafe fn delete_thread_state(&self, ts: *mut ffi::PyThreadState) {
        self.tstates.lock().unwrap_or_else(|e| e.into_inner()).retain(|&t| t != ts as usize);
        ffi::PyEval_RestoreThread(ts);
        ffi::PyThreadState_Clear(ts);
        ffi::PyThreadState_DeleteCurrent();
    }

    /// CPython's id of the interpreter (`PyInterpreterState_GetID`).
    pub fn python_id(&self) -> i64 {
        // SAFETY: the interpreter state is alive while `is_alive` (checked by callers).
        unsafe { ffi::PyInterpreterState_GetID(self.state) }
    }
}

pub(crate) fn freed() -> Error {
    Error::new(
        GILSTUFF_ERR_INVALID_HANDLE,
        "invalid interpreter: it was freed, belongs to an earlier gilstuff_init, or was never created",
    )
}

/// The live sub-interpreter named `gen` (not main).
pub fn lookup(gen: Gen) -> Result<&'static Interp> {
    let interp = INTERPS.get(gen as usize).ok_or_else(freed)?;
    if !interp.is_alive() {
        return Err(freed());
    }
    Ok(interp)
}

/// Every live sub-interpreter of the current epoch.
fn live() -> Vec<&'static Interp> {
    INTERPS.all().filter(|i| i.is_alive()).collect()
}

#[cfg_attr(Py_3_12, allow(dead_code))]
fn unsupported(what: &str) -> Error {
    Error::new(
        GILSTUFF_ERR_UNSUPPORTED,
        format!("{what} needs CPython 3.12 or newer; this gilstuff is built for CPython {}", python_version()),
    )
}

#[cfg_attr(Py_3_12, allow(dead_code))]
fn python_version() -> String {
    // SAFETY: Py_GetVersion returns a static string.
    let v = unsafe { std::ffi::CStr::from_ptr(ffi::Py_GetVersion()) }.to_string_lossy().into_owned();
    v.split_whitespace().next().unwrap_or("?").to_string()
}

/// Creates a sub-interpreter on a keeper thread of its own, which later ends it: CPython
/// 3.12 wants an interpreter ended on the thread that created it, and `threading`'s
/// shutdown wants that thread to be the interpreter's main thread.
pub fn create(opts: InterpOptions) -> Result<&'static Interp> {
    #[cfg(not(Py_3_12))]
    {
        if opts.own_gil {
            return Err(unsupported("a sub-interpreter with its own GIL"));
        }
        if opts.isolated_modules || !opts.allow_threads || !opts.allow_daemon_threads || opts.check_multi_interp_extensions {
            return Err(unsupported("configuring a sub-interpreter (isolated modules, thread limits, extension checks)"));
        }
    }
    let _serial = LIFECYCLE.lock().unwrap_or_else(|e| e.into_inner());
    let gen = INTERPS
        .reserve()
        .map_err(|_| Error::new(GILSTUFF_ERR_INVALID_ARGUMENT, "too many sub-interpreters created in this process"))?
        as Gen;
    // The keeper needs the main GIL to create the interpreter: hold none while waiting.
    let (state, keeper) = super::gil::outside_any_interpreter(|| Keeper::start(gen, opts))??;
    let interp = INTERPS.set(gen as usize, Interp {
        gen,
        epoch: lifecycle::epoch(),
        state: state as *mut ffi::PyInterpreterState,
        own_gil: opts.own_gil,
        alive: AtomicBool::new(true),
        calls: AtomicUsize::new(0),
        tstates: Mutex::new(Vec::new()),
        keeper: Mutex::new(Some(keeper)),
    });
    Ok(interp)
}

/// The thread that created a sub-interpreter and, on request, ends it.
pub(crate) struct Keeper {
    requests: mpsc::Sender<()>,
    replies: mpsc::Receiver<Result<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// An interpreter-state pointer sent from the keeper thread.
type StateAddr = usize;

impl Keeper {
    fn start(gen: Gen, opts: InterpOptions) -> Result<(StateAddr, Keeper)> {
        let (ready_tx, ready_rx) = mpsc::channel::<Result<StateAddr>>();
        let (requests, request_rx) = mpsc::channel::<()>();
        let (reply_tx, replies) = mpsc::channel::<Result<()>>();
        let thread = std::thread::Builder::new()
            .name(format!("gilstuff-interp-{gen}"))
            .spawn(move || {
                // SAFETY: the creating call is in flight (counted by `outside_any_interpreter`),
                // so Python stays up; this new thread holds no GIL.
                let made = unsafe { Keeper::make(&opts) };
                let (ts, main_ts) = match made {
                    Ok(v) => v,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                // SAFETY: `ts` is this thread's thread state of the new interpreter.
                let state = unsafe { ffi::PyThreadState_GetInterpreter(ts) } as StateAddr;
                let _ = ready_tx.send(Ok(state));
                while request_rx.recv().is_ok() {
                    // SAFETY: `free`/`end_all` asked: no call runs in the interpreter and
                    // none can start; `ts` is this thread's state of it.
                    let ended = unsafe { Keeper::end(gen, ts, main_ts) };
                    let done = ended.is_ok();
                    let _ = reply_tx.send(ended);
                    if done {
                        return;
                    }
                }
            })
            .map_err(|e| Error::new(GILSTUFF_ERR_INVALID_ARGUMENT, format!("cannot start a keeper thread: {e}")))?;
        match ready_rx.recv() {
            Ok(Ok(state)) => Ok((state, Keeper { requests, replies, thread: Some(thread) })),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => Err(Error::new(GILSTUFF_ERR_INVALID_ARGUMENT, "the keeper thread ended before the interpreter was made")),
        }
    }

    /// On the keeper: a main thread state (its PyGILState state, kept until the end),
    /// then the new interpreter, whose `threading` is imported so that this thread is its
    /// main thread. Returns with no GIL held.
    unsafe fn make(opts: &InterpOptions) -> Result<(*mut ffi::PyThreadState, *mut ffi::PyThreadState)> {
        let main_state = ffi::PyGILState_Ensure();
        let main_ts = ffi::PyThreadState_Get();
        let ts = match new_interpreter(opts) {
            Ok(ts) => ts,
            Err(e) => {
                ffi::PyGILState_Release(main_state);
                return Err(e);
            }
        };
        // Like the main interpreter at init: this thread is `threading`'s main thread, and
        // the extra sys.path entries are there. A failure here (already cleared) leaves the
        // interpreter usable; the call that needs the module reports it.
        let _ = super::config::import_threading();
        let _ = super::config::insert_sys_path(&lifecycle::sys_path());
        ffi::PyEval_SaveThread();
        Ok((ts, main_ts))
    }

    /// Asks the keeper to end the interpreter and waits for its answer.
    fn end_interpreter(&mut self) -> Result<()> {
        self.requests.send(()).map_err(|_| freed())?;
        let answer = self.replies.recv().unwrap_or_else(|_| Err(freed()));
        if answer.is_ok() {
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
        answer
    }

    /// On the keeper: ends the interpreter unless Python threads still run in it.
    ///
    /// # Safety
    /// No call runs in the interpreter and none can start; `ts` is this thread's state
    /// of it and `main_ts` this thread's main-interpreter state made by `make`.
    unsafe fn end(gen: Gen, ts: *mut ffi::PyThreadState, main_ts: *mut ffi::PyThreadState) -> Result<()> {
        let interp = record(gen).expect("a keeper's interpreter is registered");
        ffi::PyEval_RestoreThread(ts);
        // Python threads that just finished may need a moment to delete their state.
        let deadline = Instant::now() + Duration::from_millis(200);
        loop {
            let foreign = interp.foreign_threads(ts);
            if foreign == 0 {
                break;
            }
            if Instant::now() >= deadline {
                ffi::PyEval_SaveThread();
                return Err(Error::new(
                    GILSTUFF_ERR_INTERP_BUSY,
                    format!("{foreign} Python thread(s) still run in the interpreter: join them, then free it"),
                ));
            }
            let saved = ffi::PyEval_SaveThread();
            std::thread::sleep(Duration::from_millis(5));
            ffi::PyEval_RestoreThread(saved);
        }
        // Thread states cached by other threads: they see the interpreter is gone and
        // never touch them again.
        let cached = std::mem::take(&mut *interp.tstates.lock().unwrap_or_else(|e| e.into_inner()));
        for t in cached {
            let t = t as *mut ffi::PyThreadState;
            ffi::PyThreadState_Clear(t);
            ffi::PyThreadState_Delete(t);
        }
        ffi::Py_EndInterpreter(ts);
        // Before 3.12 Py_EndInterpreter returns holding the shared GIL with no thread
        // state current; from 3.12 it returns holding none.
        #[cfg(not(Py_3_12))]
        ffi::PyThreadState_Swap(main_ts);
        #[cfg(Py_3_12)]
        ffi::PyEval_RestoreThread(main_ts);
        // The keeper's main thread state goes with it (this also gives the GIL back).
        ffi::PyThreadState_Clear(main_ts);
        ffi::PyThreadState_DeleteCurrent();
        Ok(())
    }
}

/// The record of `gen`, alive or not.
fn record(gen: Gen) -> Option<&'static Interp> {
    INTERPS.get(gen as usize)
}

impl Interp {
    /// Thread states in the interpreter that gilstuff did not make (Python threads).
    ///
    /// # Safety
    /// The caller holds the interpreter's GIL with `current` attached.
    unsafe fn foreign_threads(&self, current: *mut ffi::PyThreadState) -> usize {
        let ours = self.tstates.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let mut foreign = 0;
        let mut t = ffi::PyInterpreterState_ThreadHead(self.state);
        while !t.is_null() {
            if t != current && !ours.contains(&(t as usize)) {
                foreign += 1;
            }
            t = ffi::PyThreadState_Next(t);
        }
        foreign
    }

    /// Has the keeper end the interpreter; on failure the interpreter lives on.
    fn end(&self) -> Result<()> {
        let mut keeper = self.keeper.lock().unwrap_or_else(|e| e.into_inner());
        let result = keeper.as_mut().map_or_else(|| Err(freed()), Keeper::end_interpreter);
        if result.is_ok() {
            *keeper = None;
            super::pending::forget_interp(self.gen);
        }
        result
    }
}

/// `Py_NewInterpreterFromConfig` (3.12+) or `Py_NewInterpreter`.
///
/// # Safety
/// The calling thread holds the GIL with a current thread state.
unsafe fn new_interpreter(opts: &InterpOptions) -> Result<*mut ffi::PyThreadState> {
    #[cfg(Py_3_12)]
    {
        let config = ffi::PyInterpreterConfig {
            use_main_obmalloc: (!opts.isolated_modules) as _,
            allow_fork: 0,
            allow_exec: 0,
            allow_threads: opts.allow_threads as _,
            allow_daemon_threads: opts.allow_daemon_threads as _,
            check_multi_interp_extensions: opts.check_multi_interp_extensions as _,
            gil: if opts.own_gil { ffi::PyInterpreterConfig_OWN_GIL } else { ffi::PyInterpreterConfig_SHARED_GIL },
        };
        let mut ts = std::ptr::null_mut();
        let status = ffi::Py_NewInterpreterFromConfig(&mut ts, &config);
        if ffi::PyStatus_Exception(status) != 0 || ts.is_null() {
            let msg = if status.err_msg.is_null() {
                "unknown error".into()
            } else {
                std::ffi::CStr::from_ptr(status.err_msg).to_string_lossy().into_owned()
            };
            return Err(Error::new(GILSTUFF_ERR_INVALID_ARGUMENT, format!("Py_NewInterpreterFromConfig failed: {msg}")));
        }
        Ok(ts)
    }
    #[cfg(not(Py_3_12))]
    {
        let _ = opts;
        let ts = ffi::Py_NewInterpreter();
        if ts.is_null() {
            return Err(Error::new(GILSTUFF_ERR_INVALID_ARGUMENT, "Py_NewInterpreter failed"));
        }
        Ok(ts)
    }
}

/// Ends a sub-interpreter: waits for calls in flight, refuses while Python threads still
/// run in it, deletes the thread states other threads cached for it, `Py_EndInterpreter`.
pub fn free(gen: Gen) -> Result<()> {
    let interp = lookup(gen)?;
    if super::gil::inside(gen) {
        return Err(Error::new(
            GILSTUFF_ERR_WRONG_THREAD,
            "cannot free an interpreter from inside a call running in it: free it after the call returns",
        ));
    }
    let _serial = LIFECYCLE.lock().unwrap_or_else(|e| e.into_inner());
    if interp.alive.compare_exchange(true, false, Ordering::SeqCst, Ordering::SeqCst).is_err() {
        return Err(freed());
    }
    wait_for_calls(interp);
    // The keeper needs the interpreter's GIL, which this thread may hold: hold none.
    let result = super::gil::outside_any_interpreter(|| interp.end()).and_then(|r| r);
    if result.is_err() {
        interp.alive.store(true, Ordering::SeqCst);
    }
    result
}

fn wait_for_calls(interp: &Interp) {
    let mut pause = Duration::from_micros(10);
    while interp.calls.load(Ordering::SeqCst) != 0 {
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(1));
    }
}

/// Ends every live sub-interpreter (finalize). One that still runs Python threads is
/// left to `Py_FinalizeEx`.
///
/// Called during finalize with no call in flight anywhere and this thread holding no GIL.
pub(crate) fn end_all() {
    let _serial = LIFECYCLE.lock().unwrap_or_else(|e| e.into_inner());
    for interp in live() {
        interp.alive.store(false, Ordering::SeqCst);
        let _ = interp.end();
    }
}
