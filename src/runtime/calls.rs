//! Asynchronous calls: a completion queue with worker threads of its own.
//!
//! A host submits a request (a job) to a queue; one of the queue's worker threads runs it
//! through the ordinary entry functions — to gilstuff a worker is just another foreign
//! thread — and appends a completion, which the host pops without blocking. The queue's
//! file descriptor (an `eventfd` on Linux, a pipe elsewhere) is readable exactly while
//! completions wait to be popped, so any event loop can watch it (level-triggered).
//!
//! Requests still queued can be cancelled: their completion then carries
//! `GILSTUFF_ERR_CANCELLED`. Freeing a queue drops the requests not started, waits for
//! the running ones and drops the completions nobody popped.
//!
//! Queues are records of a [`Registry`]: a freed queue's record stays (emptied, its file
//! descriptor closed), so a stale id gives `GILSTUFF_ERR_INVALID_HANDLE`, never a crash.

use std::cell::Cell;
use std::collections::VecDeque;
use std::ffi::{CStr, CString};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use pyo3_ffi as ffi;

use super::error::{Error, Result};
use super::handles::{self, Token};
use super::interp::{self, Gen};
use super::lifecycle;
use super::object::Owned;
use super::pool;
use super::registry::Registry;
use super::state;
use super::status::*;
use super::value::{self, Value};
use super::enter;
use super::thread;

/// The most worker threads one queue may have.
pub const MAX_WORKERS: usize = 64;

/// What a worker runs: `Ok(Some(v))` a result value, `Ok(None)` success without one.
pub type Job = Box<dyn FnOnce() -> Result<Option<Value>> + Send>;

/// A finished (or cancelled) request.
pub struct Completion {
    pub request: u64,
    pub user_data: u64,
    pub result: Result<Option<Value>>,
}

struct Request {
    id: u64,
    user_data: u64,
    job: Job,
}

#[derive(Default)]
struct Inner {
    pending: VecDeque<Request>,
    done: VecDeque<Completion>,
    /// Set by `free`: no submit, poll or cancel any more; workers exit when idle.
    closing: bool,
    next_id: u64,
}

pub struct Queue {
    inner: Mutex<Inner>,
    work: Condvar,
    signal: Signal,
    workers: Mutex<Vec<JoinHandle<()>>>,
    /// Set once `free` has begun (a second free is refused).
    freed: AtomicBool,
}

static QUEUES: Registry<Queue> = Registry::new();

thread_local! {
    /// The queue whose worker this thread is (0: none).
    static WORKER_OF: Cell<usize> = const { Cell::new(0) };
}

fn freed() -> Error {
    Error::new(GILSTUFF_ERR_INVALID_HANDLE, "invalid queue: it was freed, or was never created")
}

fn cancelled() -> Error {
    Error::new(GILSTUFF_ERR_CANCELLED, "the request was cancelled before it started")
}

// ---- the signal: eventfd (Linux) or pipe ---------------------------------------------

/// A file descriptor that is readable while completions wait. Only written and read
/// under the queue's lock, with the invariant "readable ⇔ `done` is not empty", so a read
/// never blocks and a write never blocks (an eventfd counter of 1; one byte in a pipe).
struct Signal {
    read: libc::c_int,
    write: libc::c_int,
}

impl Signal {
    fn new() -> Result<Signal> {
        #[cfg(target_os = "linux")]
        {
            // SAFETY: plain system call.
            let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
            if fd < 0 {
                return Err(os_error("eventfd"));
            }
            Ok(Signal { read: fd, write: fd })
        }
        #[cfg(not(target_os = "linux"))]
        {
            // TODO(non-Linux): untested; a plain pipe, without CLOEXEC.
            let mut fds = [0 as libc::c_int; 2];
            // SAFETY: `fds` has room for the two descriptors.
            if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
                return Err(os_error("pipe"));
            }
            Ok(Signal { read: fds[0], write: fds[1] })
        }
    }

    /// Makes the fd readable. Call under the lock, only when `done` was empty.
    fn raise(&self) {
        let one: u64 = 1;
        // SAFETY: writing 8 bytes (eventfd) or 1 byte (pipe) from a live u64.
        let n = if self.read == self.write { 8 } else { 1 };
        unsafe { libc::write(self.write, (&one as *const u64).cast(), n) };
    }

    /// Makes the fd not readable. Call under the lock, only when `done` became empty.
    fn lower(&self) {
        let mut buf: u64 = 0;
        let n = if self.read == self.write { 8 } else { 1 };
        // SAFETY: reading into a live u64; the fd is readable (invariant), so no block.
        unsafe { libc::read(self.read, (&mut buf as *mut u64).cast(), n) };
    }

    fn close(&self) {
        // SAFETY: closing descriptors this signal owns, once (after `free` joined the workers).
        unsafe {
            libc::close(self.read);
            if self.write != self.read {
                libc::close(self.write);
            }
        }
    }
}

fn os_error(what: &str) -> Error {
    Error::new(GILSTUFF_ERR_INVALID_ARGUMENT, format!("{what} failed: {}", std::io::Error::last_os_error()))
}

// ---- the queue -----------------------------------------------------------------------

/// Creates a queue with `workers` (1–64) worker threads. Returns its id.
pub fn create(workers: usize) -> Result<usize> {
    if workers == 0 || workers > MAX_WORKERS {
        return Err(Error::new(
            GILSTUFF_ERR_INVALID_ARGUMENT,
            format!("a queue has 1 to {MAX_WORKERS} workers, not {workers}"),
        ));
    }
    let signal = Signal::new()?;
    let q = Queue {
        inner: Mutex::new(Inner::default()),
        work: Condvar::new(),
        signal,
        workers: Mutex::new(Vec::new()),
        freed: AtomicBool::new(false),
    };
    let (id, q) = QUEUES.insert(q).map_err(|_| {
        Error::new(GILSTUFF_ERR_INVALID_ARGUMENT, "too many queues created")
    })?;
    let mut handles = Vec::with_capacity(workers);
    for k in 0..workers {
        let spawned = std::thread::Builder::new().name(format!("gilstuff-q{id}-{k}")).spawn(move || q.work(id));
        match spawned {
            Ok(h) => handles.push(h),
            Err(e) => {
                *q.workers.lock().unwrap_or_else(|p| p.into_inner()) = handles;
                let _ = free(id);
                return Err(Error::new(GILSTUFF_ERR_INVALID_ARGUMENT, format!("cannot start a worker thread: {e}")));
            }
        }
    }
    *q.workers.lock().unwrap_or_else(|p| p.into_inner()) = handles;
    Ok(id)
}

fn lookup(id: usize) -> Result<&'static Queue> {
    QUEUES.get(id).ok_or_else(freed)
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends a completion (under the lock).
    fn complete(&self, inner: &mut Inner, c: Completion) {
        if inner.done.is_empty() {
            self.signal.raise();
        }
        inner.done.push_back(c);
    }

    /// A worker's loop: run requests until the queue closes.
    fn work(&'static self, id: usize) {
        WORKER_OF.with(|w| w.set(id));
        let mut inner = self.lock();
        loop {
            if let Some(r) = inner.pending.pop_front() {
                drop(inner);
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(r.job))
                    .unwrap_or_else(|p| Err(Error::from_panic(p)));
                inner = self.lock();
                let c = Completion { request: r.id, user_data: r.user_data, result };
                if inner.closing {
                    continue; // nobody will poll: drop it
                }
                self.complete(&mut inner, c);
            } else if inner.closing {
                return;
            } else {
                inner = self.work.wait(inner).unwrap_or_else(|p| p.into_inner());
            }
        }
    }
}

/// Queues `job`; returns the request id (ids start at 1).
pub fn submit(id: usize, user_data: u64, job: Job) -> Result<u64> {
    let q = lookup(id)?;
    let mut inner = q.lock();
    if inner.closing {
        return Err(freed());
    }
    inner.next_id += 1;
    let rid = inner.next_id;
    inner.pending.push_back(Request { id: rid, user_data, job });
    drop(inner);
    q.work.notify_one();
    Ok(rid)
}

/// The file descriptor that is readable while completions wait.
pub fn fd(id: usize) -> Result<libc::c_int> {
    let q = lookup(id)?;
    let inner = q.lock();
    if inner.closing {
        return Err(freed());
    }
    Ok(q.signal.read)
}

/// Pops up to `max` completions, oldest first, into `f`; returns how many.
pub fn poll(id: usize, max: usize, mut f: impl FnMut(Completion)) -> Result<usize> {
    let q = lookup(id)?;
    let mut inner = q.lock();
    if inner.closing {
        return Err(freed());
    }
    let mut n = 0;
    while n < max {
        let Some(c) = inner.done.pop_front() else { break };
        n += 1;
        if inner.done.is_empty() {
            q.signal.lower();
        }
        f(c);
    }
    Ok(n)
}

/// Cancels request `request` if it has not started: its completion (status
/// `GILSTUFF_ERR_CANCELLED`) is queued and `true` returned. `false`: it has started, has
/// finished, or never was.
pub fn cancel(id: usize, request: u64) -> Result<bool> {
    let q = lookup(id)?;
    let mut inner = q.lock();
    if inner.closing {
        return Err(freed());
    }
    let Some(k) = inner.pending.iter().position(|r| r.id == request) else { return Ok(false) };
    let r = inner.pending.remove(k).expect("position is in range");
    drop(r.job);
    let c = Completion { request: r.id, user_data: r.user_data, result: Err(cancelled()) };
    q.complete(&mut inner, c);
    Ok(true)
}

/// Frees the queue: requests not started are dropped, running ones waited for, then the
/// workers end, the completions not popped are dropped and the descriptor is closed.
pub fn free(id: usize) -> Result<()> {
    let q = lookup(id)?;
    if WORKER_OF.with(Cell::get) == id {
        return Err(Error::new(GILSTUFF_ERR_WRONG_THREAD, "a queue cannot be freed by a request it runs"));
    }
    if thread::ctx().depth.get() > 0 {
        // This thread may hold a GIL that a running request needs: waiting would deadlock.
        return Err(Error::new(
            GILSTUFF_ERR_WRONG_THREAD,
            "gilstuff_queue_free cannot run inside a gilstuff call or callback: call it after the callback returns",
        ));
    }
    if q.freed.swap(true, Ordering::SeqCst) {
        return Err(freed());
    }
    let dropped = {
        let mut inner = q.lock();
        inner.closing = true;
        std::mem::take(&mut inner.pending)
    };
    // Jobs hold plain data only (values, names): dropped without Python.
    drop(dropped);
    q.work.notify_all();
    let workers = std::mem::take(&mut *q.workers.lock().unwrap_or_else(|p| p.into_inner()));
    for w in workers {
        let _ = w.join();
    }
    let done = {
        let mut inner = q.lock();
        if !inner.done.is_empty() {
            q.signal.lower();
        }
        std::mem::take(&mut inner.done)
    };
    drop(done);
    q.signal.close();
    Ok(())
}

// ---- jobs ----------------------------------------------------------------------------

/// Refuses work unless gilstuff is running.
pub fn check_running() -> Result<()> {
    let st = state::state();
    if st != state::RUNNING {
        return Err(state::refusal(st));
    }
    Ok(())
}

/// Checks a callable handle at submit time (a released or stale one fails at once).
pub fn check_handle(callable: Token) -> Result<()> {
    check_running()?;
    let t = handles::get(callable)?;
    if t.epoch != state::epoch() {
        return Err(Error::new(
            GILSTUFF_ERR_INVALID_HANDLE,
            "invalid handle: it belongs to an earlier gilstuff_init; its object died at gilstuff_finalize",
        ));
    }
    Ok(())
}

/// `f(*args)` converted to a value.
///
/// # Safety
/// The GIL of `f`'s interpreter is held and `f` is alive.
unsafe fn call_values(f: *mut ffi::PyObject, args: &[Value]) -> Result<Value> {
    let held = args.iter().map(|v| value::to_python(v)).collect::<Result<Vec<Owned>>>()?;
    let argv: Vec<*mut ffi::PyObject> = held.iter().map(Owned::ptr).collect();
    let result = Owned::from_new(ffi::PyObject_Vectorcall(f, argv.as_ptr(), argv.len(), std::ptr::null_mut()))?;
    value::from_python(result.ptr())
}

/// `callable(*args)` for the handle `callable`, its result as a value.
pub fn call_handle(callable: Token, args: &[Value]) -> Result<Value> {
    let t = handles::peek(callable).ok_or_else(handles::invalid)?;
    check_running()?;
    if t.interp != 0 && interp::lookup(t.interp).is_err() {
        return Err(Error::new(
            GILSTUFF_ERR_INVALID_HANDLE,
            "invalid handle: its interpreter has been freed, and its object with it",
        ));
    }
    let _gil = enter::enter(t.interp)?;
    // Still live under the GIL: no release happened since `peek` (as in `object`).
    if !handles::still_live(callable) || t.epoch != state::epoch() {
        check_handle(callable)?;
        return Err(handles::invalid());
    }
    // SAFETY: the handle's interpreter's GIL is held and the handle is live under it, so
    // the object is alive; `f` is dropped before `_gil`.
    unsafe {
        let f = Owned::from_borrowed(t.object);
        call_values(f.ptr(), args)
    }
}

/// `module.function(*args)` in interpreter `interp` (0 = main), its result as a value.
pub fn call_function(interp: Gen, module: &CStr, function: &CStr, args: &[Value]) -> Result<Value> {
    let _gil = enter::enter(interp)?;
    // SAFETY: the GIL is held by `_gil`, declared first so dropped after every Owned here.
    unsafe {
        let m = Owned::from_new(ffi::PyImport_ImportModule(module.as_ptr()))?;
        let f = Owned::from_new(ffi::PyObject_GetAttrString(m.ptr(), function.as_ptr()))?;
        call_values(f.ptr(), args)
    }
}

/// A job for `call_handle`.
pub fn call_job(callable: Token, args: Vec<Value>) -> Job {
    Box::new(move || call_handle(callable, &args).map(Some))
}

/// A job for `call_function`.
pub fn function_job(interp: Gen, module: CString, function: CString, args: Vec<Value>) -> Job {
    Box::new(move || call_function(interp, &module, &function, &args).map(Some))
}

/// A job for `pool::call`.
pub fn pool_job(pool: usize, module: CString, function: CString, args: Vec<Value>) -> Job {
    Box::new(move || {
        let args: Vec<&Value> = args.iter().collect();
        pool::call(pool, &module, &function, &args).map(Some)
    })
}

/// A job that finalizes gilstuff (`gilstuff_finalize` on a worker).
pub fn finalize_job() -> Job {
    Box::new(|| lifecycle::finalize().map(|()| None))
}
