//! `gilstuff_queue`: asynchronous calls. Requests run on worker threads the queue owns;
//! completions are popped without blocking, and the queue's file descriptor tells an
//! event loop (epoll, Pony's ASIO, libuv, a Go goroutine) when there are some.
//!
//! Thread and GIL rules shared by every function here unless its comment says otherwise:
//! any thread, with or without a GIL; none of them waits for Python (submitting copies
//! the arguments and returns at once). A worker is an ordinary foreign thread to
//! gilstuff: it enters the interpreter the request names, as `gilstuff_call` would.

use std::ffi::{c_char, c_int, CString};

use super::interp::{self, gilstuff_interp};
use super::object::gilstuff_object;
use super::pool::gilstuff_pool;
use super::value::{self, gilstuff_value};
use super::{arg_cstr, boundary, check_out, gilstuff_error, put};
use crate::runtime::calls::{self, Job};
use crate::runtime::error::{Error, Result};
use crate::runtime::pool;
use crate::runtime::status::*;
use crate::runtime::value::Value;

/// A completion queue with its worker threads. An opaque token: a freed one gives
/// `GILSTUFF_ERR_INVALID_HANDLE`, never a crash.
pub struct gilstuff_queue {
    _opaque: [u8; 0],
}

/// One finished request, as `gilstuff_queue_poll` hands it over.
#[repr(C)]
pub struct gilstuff_completion {
    /// The `user_data` given at submit.
    pub user_data: u64,
    /// The request id the submit wrote.
    pub request: u64,
    /// `GILSTUFF_OK`, the request's error code (e.g. `GILSTUFF_ERR_PYTHON`), or
    /// `GILSTUFF_ERR_CANCELLED` for a request cancelled before it started.
    pub status: gilstuff_status,
    /// On `GILSTUFF_OK`: the call's result, owned by the caller (free it with
    /// `gilstuff_value_free`); NULL for a finalize request and on failure.
    pub result: *mut gilstuff_value,
    /// On failure: the error (type, message, traceback of a Python exception), owned by
    /// the caller (free it with `gilstuff_error_free`); NULL on `GILSTUFF_OK`.
    pub error: *mut gilstuff_error,
}

fn id(q: *mut gilstuff_queue) -> Result<usize> {
    if q.is_null() {
        return Err(Error::null_pointer("queue"));
    }
    Ok(q as usize)
}

/// The values of a C array `args[0..nargs]`, copied.
///
/// # Safety
/// `args` is NULL (then `nargs` must be 0) or points to `nargs` value pointers, each NULL
/// or a live value.
unsafe fn copy_args(args: *const *const gilstuff_value, nargs: usize) -> Result<Vec<Value>> {
    if nargs == 0 {
        return Ok(Vec::new());
    }
    if args.is_null() {
        return Err(Error::null_pointer("args"));
    }
    std::slice::from_raw_parts(args, nargs).iter().map(|&v| value::borrow(v, "args[i]").cloned()).collect()
}

/// The copied module name, function name and arguments of a `module.function(*args)`
/// request; refused unless gilstuff is running.
///
/// # Safety
/// `module`, `function`: NUL-terminated strings or NULL; `args` as for `copy_args`.
unsafe fn named_call(
    module: *const c_char,
    function: *const c_char,
    args: *const *const gilstuff_value,
    nargs: usize,
) -> Result<(CString, CString, Vec<Value>)> {
    let module = arg_cstr(module, "module")?.to_owned();
    let function = arg_cstr(function, "function")?.to_owned();
    let args = copy_args(args, nargs)?;
    calls::check_running()?;
    Ok((module, function, args))
}

/// Queues `job` and writes its id to `*request` when that is not NULL.
fn submit(q: *mut gilstuff_queue, user_data: u64, request: *mut u64, job: impl FnOnce() -> Result<Job>) -> Result<()> {
    let id = id(q)?;
    let rid = calls::submit(id, user_data, job()?)?;
    if !request.is_null() {
        put(request, rid)?;
    }
    Ok(())
}

/// Creates a queue with `workers` (1–64) worker threads and writes it to `*out`. With
/// one worker requests run one at a time in submit order; with more, a long call does
/// not hold up the others. Works before `gilstuff_init` too (its requests then fail).
///
/// Thread and GIL rules: any thread; starts the threads and returns.
#[no_mangle]
pub extern "C" fn gilstuff_queue_new(workers: usize, out: *mut *mut gilstuff_queue, err: *mut *mut gilstuff_error) -> gilstuff_status {
    boundary(err, || {
        check_out(out, "out")?;
        put(out, calls::create(workers)? as *mut gilstuff_queue)
    })
}

/// `*out` = the queue's file descriptor: readable (level-triggered: `EPOLLIN`, `POLLIN`)
/// exactly while completions wait to be popped. It is an `eventfd` on Linux (a pipe's
/// read end elsewhere); it belongs to the queue: never read, write or close it — watch
/// it, then call `gilstuff_queue_poll` until it hands out nothing. It stays the same for
/// the queue's life and is closed by `gilstuff_queue_free` (remove it from your event
/// loop first).
#[no_mangle]
pub extern "C" fn gilstuff_queue_fd(q: *mut gilstuff_queue, out: *mut c_int, err: *mut *mut gilstuff_error) -> gilstuff_status {
    boundary(err, || {
        check_out(out, "out")?;
        put(out, calls::fd(id(q)?)?)
    })
}

/// Submits `callable(*args[0..nargs])`: a worker calls it in the callable's interpreter
/// and converts the result to a `gilstuff_value` (a result that is not a portable value
/// completes with `GILSTUFF_ERR_TYPE`; an exception with `GILSTUFF_ERR_PYTHON`). The
/// arguments are copied: the caller keeps them. The handle itself is NOT copied: keep it
/// unreleased until the completion arrives (a handle released before the call starts
/// completes with `GILSTUFF_ERR_INVALID_HANDLE`). `*request` (may be NULL) = the request
/// id, for `gilstuff_queue_cancel`.
///
/// Fails at once (no completion) on a NULL/freed queue, a released or stale handle, or
/// when gilstuff is not running (`GILSTUFF_NOT_INITIALIZED`, `GILSTUFF_FINALIZING`,
/// `GILSTUFF_FINALIZED`).
#[no_mangle]
pub extern "C" fn gilstuff_queue_submit_call(
    q: *mut gilstuff_queue,
    callable: *mut gilstuff_object,
    args: *const *const gilstuff_value,
    nargs: usize,
    user_data: u64,
    request: *mut u64,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    boundary(err, || {
        submit(q, user_data, request, || {
            let token = callable as usize;
            calls::check_handle(token)?;
            // SAFETY: `args` points to `nargs` value pointers (header contract).
            Ok(calls::call_job(token, unsafe { copy_args(args, nargs) }?))
        })
    })
}

/// Submits `module.function(*args[0..nargs])` in `interp` (NULL = main): a worker imports
/// the module there (Python caches imports), calls, and converts the result as for
/// `gilstuff_queue_submit_call`. Module and function names and arguments are copied.
/// Fails at once as `gilstuff_queue_submit_call` does, and on a freed `interp`.
#[no_mangle]
pub extern "C" fn gilstuff_queue_submit_function(
    q: *mut gilstuff_queue,
    interp: *mut gilstuff_interp,
    module: *const c_char,
    function: *const c_char,
    args: *const *const gilstuff_value,
    nargs: usize,
    user_data: u64,
    request: *mut u64,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    boundary(err, || {
        submit(q, user_data, request, || {
            // SAFETY: NUL-terminated strings or NULL, value array (header contract).
            let (module, function, args) = unsafe { named_call(module, function, args, nargs) }?;
            let gen = interp::id(interp)?;
            Ok(calls::function_job(gen, module, function, args))
        })
    })
}

/// Submits `gilstuff_pool_call(pool, module, function, args, nargs)` to run on a worker
/// (which waits there for an idle interpreter of the pool). Names and arguments are
/// copied. Fails at once on a NULL or freed pool; a pool freed before the call runs
/// completes with `GILSTUFF_ERR_INVALID_HANDLE`.
#[no_mangle]
pub extern "C" fn gilstuff_queue_submit_pool(
    q: *mut gilstuff_queue,
    pool: *mut gilstuff_pool,
    module: *const c_char,
    function: *const c_char,
    args: *const *const gilstuff_value,
    nargs: usize,
    user_data: u64,
    request: *mut u64,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    boundary(err, || {
        submit(q, user_data, request, || {
            if pool.is_null() {
                return Err(Error::null_pointer("pool"));
            }
            // SAFETY: NUL-terminated strings or NULL, value array (header contract).
            let (module, function, args) = unsafe { named_call(module, function, args, nargs) }?;
            let pool_id = pool as usize;
            pool::interp(pool_id, 0)?; // still alive now
            Ok(calls::pool_job(pool_id, module, function, args))
        })
    })
}

/// Submits `gilstuff_finalize()` to run on a worker: its completion (status and error
/// as `gilstuff_finalize` would return them, `result` NULL) arrives once Python is down —
/// after the calls in flight on other threads have returned — so no host thread waits
/// for it. Requests queued after it complete with `GILSTUFF_FINALIZING` or
/// `GILSTUFF_FINALIZED`; later submits fail at once with those codes. The queue itself
/// stays usable for polling; free it as usual.
#[no_mangle]
pub extern "C" fn gilstuff_queue_submit_finalize(q: *mut gilstuff_queue, user_data: u64, request: *mut u64, err: *mut *mut gilstuff_error) -> gilstuff_status {
    boundary(err, || {
        submit(q, user_data, request, || {
            calls::check_running()?;
            Ok(calls::finalize_job())
        })
    })
}

/// Cancels request `request` if no worker has started it: its completion then arrives
/// with `GILSTUFF_ERR_CANCELLED` (and its `user_data`), and `*cancelled` (may be NULL) =
/// true. A request already started, finished or unknown is left alone: `*cancelled` =
/// false, status `GILSTUFF_OK`. A running Python call is never interrupted.
#[no_mangle]
pub extern "C" fn gilstuff_queue_cancel(q: *mut gilstuff_queue, request: u64, cancelled: *mut bool, err: *mut *mut gilstuff_error) -> gilstuff_status {
    boundary(err, || {
        let done = calls::cancel(id(q)?, request)?;
        if !cancelled.is_null() {
            put(cancelled, done)?;
        }
        Ok(())
    })
}

/// Pops up to `max` completions, oldest first, into `out[0..max]` and writes how many to
/// `*n`: 0 means none is ready now (not an error; the call never waits). Each popped
/// completion's `result` and `error` are the caller's to free. After a poll that leaves
/// none waiting, the queue's fd is no longer readable.
#[no_mangle]
pub extern "C" fn gilstuff_queue_poll(
    q: *mut gilstuff_queue,
    out: *mut gilstuff_completion,
    max: usize,
    n: *mut usize,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    boundary(err, || {
        check_out(n, "n")?;
        if max > 0 {
            check_out(out, "out")?;
        }
        let mut k = 0;
        calls::poll(id(q)?, max, |c| {
            let (status, result, error) = match c.result {
                Ok(v) => (GILSTUFF_OK, v.map_or(std::ptr::null_mut(), value::into_raw), std::ptr::null_mut()),
                Err(e) => (e.code, std::ptr::null_mut(), Box::into_raw(Box::new(gilstuff_error(e.into_data())))),
            };
            let done = gilstuff_completion { user_data: c.user_data, request: c.request, status, result, error };
            // SAFETY: `out` points to `max` writable completions (header contract), k < max.
            unsafe { out.add(k).write(done) };
            k += 1;
        })?;
        put(n, k)
    })
}

/// Frees the queue: requests not yet started are dropped without a completion, the
/// running ones are waited for (a long Python call makes this wait as long), the workers
/// end, completions not popped are freed and the fd is closed. Later use of the queue
/// gives `GILSTUFF_ERR_INVALID_HANDLE`, as does freeing twice.
///
/// Thread and GIL rules: any thread holding no GIL, outside any gilstuff call: running
/// calls may need that GIL. Inside a gilstuff callback (e.g. of `gilstuff_with_gil`), or
/// from a request the queue runs: `GILSTUFF_ERR_WRONG_THREAD`, nothing freed.
#[no_mangle]
pub extern "C" fn gilstuff_queue_free(q: *mut gilstuff_queue, err: *mut *mut gilstuff_error) -> gilstuff_status {
    boundary(err, || calls::free(id(q)?))
}
