//! Creating and ending sub-interpreters, each on a keeper thread of its own.
//!
//! CPython 3.12 wants an interpreter ended on the thread that created it, and `threading`'s
//! shutdown wants that thread to be the interpreter's main thread: so a keeper thread
//! creates the interpreter, parks, and on request joins its Python threads and ends it.
//!
//! Nothing here waits while holding a GIL: the calling thread leaves whatever interpreter
//! it is in first (`enter::outside`). Creating and ending are serialised by one lock
//! (concurrent creation crashes CPython 3.12), taken only after that, and never held while
//! Python threads are joined.

use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use pyo3_ffi as ffi;

use super::cpython;
use super::enter;
use super::error::{Error, Result};
use super::interp::{self, Gen, Interp};
use super::state;
use super::status::*;

/// Serialises creating and ending interpreters.
static LIFECYCLE: Mutex<()> = Mutex::new(());
/// The keeper of every live sub-interpreter.
static KEEPERS: Mutex<Vec<(Gen, Keeper)>> = Mutex::new(Vec::new());
/// How long `free` waits for calls running in the interpreter on other threads.
const CALLS_DEADLINE: Duration = Duration::from_secs(5);

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

#[cfg_attr(Py_3_12, allow(dead_code))]
fn unsupported(what: &str) -> Error {
    // SAFETY: Py_GetVersion returns a static string.
    let v = unsafe { std::ffi::CStr::from_ptr(ffi::Py_GetVersion()) }.to_string_lossy().into_owned();
    let v = v.split_whitespace().next().unwrap_or("?").to_string();
    Error::new(GILSTUFF_ERR_UNSUPPORTED, format!("{what} needs CPython 3.12 or newer; this gilstuff is built for CPython {v}"))
}

fn lock<T>(m: &'static Mutex<T>) -> std::sync::MutexGuard<'static, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Creates a sub-interpreter on a keeper thread of its own.
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
    // The keeper needs the main GIL: hold none (and no lock) while it works.
    enter::outside(|| {
        let _serial = lock(&LIFECYCLE);
        let gen = interp::reserve()?;
        let (state, keeper) = Keeper::start(gen, opts)?;
        let i = interp::publish_sub(gen, state as *mut ffi::PyInterpreterState, opts.own_gil);
        lock(&KEEPERS).push((gen, keeper));
        Ok(i)
    })?
}

/// Ends a sub-interpreter: waits (a few seconds at most) for calls running in it on other
/// threads, joins its non-daemon Python threads, refuses while daemon threads still run
/// (`INTERP_BUSY`, the interpreter lives on), deletes the thread states threads keep for
/// it, and ends it.
pub fn free(gen: Gen) -> Result<()> {
    let i = interp::lookup(gen)?;
    if gen == 0 {
        return Err(Error::new(GILSTUFF_ERR_INVALID_HANDLE, "the main interpreter cannot be freed: use gilstuff_finalize"));
    }
    if enter::inside_sub(gen) {
        return Err(Error::new(
            GILSTUFF_ERR_WRONG_THREAD,
            "cannot free an interpreter from inside a call running in it: free it after the call returns",
        ));
    }
    enter::outside(|| {
        if !i.retire() {
            return Err(interp::freed());
        }
        let ended = wait_for_calls(i, CALLS_DEADLINE).and_then(|()| end(i));
        if ended.is_err() {
            i.revive();
        }
        ended
    })?
}

fn wait_for_calls(i: &Interp, deadline: Duration) -> Result<()> {
    let until = Instant::now() + deadline;
    let mut pause = Duration::from_micros(10);
    while i.calls() != 0 {
        if Instant::now() >= until {
            return Err(Error::new(
                GILSTUFF_ERR_INTERP_BUSY,
                format!("gilstuff calls still run in the interpreter after {deadline:?}: free it after they return"),
            ));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(1));
    }
    Ok(())
}

/// Has the keeper of a retired interpreter join its Python threads and end it.
/// Called with no GIL held and no call running in the interpreter.
fn end(i: &Interp) -> Result<()> {
    let mut keeper = take_keeper(i.gen).ok_or_else(interp::freed)?;
    // Joining may take long and the threads may call gilstuff: no lock held meanwhile.
    let ended = keeper.ask(Request::Join).and_then(|()| {
        let _serial = lock(&LIFECYCLE);
        keeper.ask(Request::End)
    });
    match ended {
        Ok(()) => {
            keeper.join();
            i.pending.clear();
            Ok(())
        }
        Err(e) => {
            lock(&KEEPERS).push((i.gen, keeper));
            Err(e)
        }
    }
}

fn take_keeper(gen: Gen) -> Option<Keeper> {
    let mut keepers = lock(&KEEPERS);
    let at = keepers.iter().position(|(g, _)| *g == gen)?;
    Some(keepers.swap_remove(at).1)
}

/// Ends every live sub-interpreter (finalize, or the host's exit in attach mode), so that
/// none is ever left to `Py_FinalizeEx`. Called with no call in flight anywhere and no
/// GIL held. One that still runs daemon threads stays alive and fails the whole.
pub(crate) fn end_all() -> Result<()> {
    let mut first_error = None;
    for i in interp::live_subs() {
        if !i.retire() {
            continue;
        }
        if let Err(e) = end(i) {
            i.revive();
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

#[derive(Clone, Copy)]
enum Request {
    /// Join the interpreter's non-daemon Python threads.
    Join,
    /// End the interpreter, unless Python threads still run in it.
    End,
}

/// The thread that created a sub-interpreter and, on request, ends it.
struct Keeper {
    requests: mpsc::Sender<Request>,
    replies: mpsc::Receiver<Result<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// An interpreter-state pointer sent from the keeper thread.
type StateAddr = usize;

impl Keeper {
    fn start(gen: Gen, opts: InterpOptions) -> Result<(StateAddr, Keeper)> {
        let (ready_tx, ready_rx) = mpsc::channel::<Result<StateAddr>>();
        let (requests, request_rx) = mpsc::channel::<Request>();
        let (reply_tx, replies) = mpsc::channel::<Result<()>>();
        let thread = std::thread::Builder::new()
            .name(format!("gilstuff-interp-{gen}"))
            .spawn(move || {
                // SAFETY: the creating call is in flight (counted by `enter::outside`), so
                // Python stays up; this new thread holds no GIL.
                let (ts, main_ts) = match unsafe { Keeper::make(&opts) } {
                    Ok(v) => v,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                // SAFETY: `ts` is this thread's thread state of the new interpreter.
                let _ = ready_tx.send(Ok(unsafe { cpython::interp_of(ts) } as StateAddr));
                while let Ok(request) = request_rx.recv() {
                    // SAFETY: `free`/`end_all` asked: the interpreter is retired and no
                    // call runs in it; `ts`/`main_ts` are this thread's states from `make`.
                    let done = unsafe {
                        match request {
                            Request::Join => Keeper::join_threads(ts),
                            Request::End => Keeper::end(gen, ts, main_ts),
                        }
                    };
                    let ended = matches!(request, Request::End) && done.is_ok();
                    let _ = reply_tx.send(done);
                    if ended {
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

    fn ask(&mut self, request: Request) -> Result<()> {
        self.requests.send(request).map_err(|_| interp::freed())?;
        self.replies.recv().unwrap_or_else(|_| Err(interp::freed()))
    }

    fn join(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// On the keeper: a main thread state of its own (kept until the end), then the new
    /// interpreter, whose `threading` is imported so that this thread is its main thread.
    /// Returns with nothing attached.
    unsafe fn make(opts: &InterpOptions) -> Result<(*mut ffi::PyThreadState, *mut ffi::PyThreadState)> {
        let main_ts = cpython::new_attached(interp::main().state());
        let ts = match new_interpreter(opts) {
            Ok(ts) => ts,
            Err(e) => {
                cpython::delete_attached(main_ts);
                return Err(e);
            }
        };
        // Like the main interpreter at init: this thread is `threading`'s main thread, and
        // the extra sys.path entries are there. A failure here (already cleared) leaves the
        // interpreter usable; the call that needs the module reports it.
        let _ = super::config::import_threading();
        let _ = super::config::insert_sys_path(&state::sys_path());
        cpython::save();
        Ok((ts, main_ts))
    }

    /// On the keeper: joins the interpreter's non-daemon Python threads, as `Py_FinalizeEx`
    /// does for the main interpreter (the GIL is given back while joining).
    unsafe fn join_threads(ts: *mut ffi::PyThreadState) -> Result<()> {
        cpython::restore(ts);
        // Not the interpreter's main thread object: from 3.13 it may name another OS thread
        // than the keeper (which then is a dummy thread), and never ends.
        let code = c"import threading as _t\n\
                     _skip = (_t.current_thread(), _t.main_thread())\n\
                     for _x in _t.enumerate():\n    \
                         if _x not in _skip and not _x.daemon:\n        _x.join()\n";
        let globals = ffi::PyDict_New();
        let result = if globals.is_null() {
            Err(Error::fetch_python())
        } else {
            let r = ffi::PyRun_StringFlags(code.as_ptr(), ffi::Py_file_input, globals, globals, std::ptr::null_mut());
            ffi::Py_DECREF(globals);
            if r.is_null() {
                Err(Error::fetch_python())
            } else {
                ffi::Py_DECREF(r);
                Ok(())
            }
        };
        cpython::save();
        result
    }

    /// On the keeper: ends the interpreter unless Python threads still run in it.
    ///
    /// # Safety
    /// No call runs in the interpreter and none can start; `ts` is this thread's state
    /// of it and `main_ts` this thread's main-interpreter state made by `make`.
    unsafe fn end(gen: Gen, ts: *mut ffi::PyThreadState, main_ts: *mut ffi::PyThreadState) -> Result<()> {
        let interp = interp::record(gen).expect("a keeper's interpreter is registered");
        cpython::restore(ts);
        // Python threads that just finished may need a moment to delete their state.
        let deadline = Instant::now() + Duration::from_millis(200);
        loop {
            let foreign = foreign_threads(interp, ts);
            if foreign == 0 {
                break;
            }
            if Instant::now() >= deadline {
                cpython::save();
                return Err(Error::new(
                    GILSTUFF_ERR_INTERP_BUSY,
                    format!(
                        "{foreign} daemon Python thread(s) still run in sub-interpreter {gen}: stop them, then free it \
                         (non-daemon threads are joined)"
                    ),
                ));
            }
            let saved = cpython::save();
            std::thread::sleep(Duration::from_millis(5));
            cpython::restore(saved);
        }
        // Thread states other threads keep: they see the interpreter is gone and never
        // touch them again.
        super::quarantine::delete_for_owners(interp.take_tstates());
        ffi::Py_EndInterpreter(ts);
        // Before 3.12 Py_EndInterpreter returns holding the shared GIL with no thread
        // state current; from 3.12 it returns holding none.
        #[cfg(not(Py_3_12))]
        ffi::PyThreadState_Swap(main_ts);
        #[cfg(Py_3_12)]
        cpython::restore(main_ts);
        // The keeper's main thread state goes with it (this also gives the GIL back).
        cpython::delete_attached(main_ts);
        Ok(())
    }
}

/// Thread states in the interpreter that gilstuff did not make (Python threads).
///
/// # Safety
/// The caller holds the interpreter's GIL with `current` attached.
unsafe fn foreign_threads(interp: &Interp, current: *mut ffi::PyThreadState) -> usize {
    let mut foreign = 0;
    let mut t = ffi::PyInterpreterState_ThreadHead(interp.state());
    while !t.is_null() {
        if t != current && !interp.made(t) {
            foreign += 1;
        }
        t = ffi::PyThreadState_Next(t);
    }
    foreign
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
