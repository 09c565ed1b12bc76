//! A pool of sub-interpreters that runs `module.function(*args)` on whichever one is idle.
//!
//! The calling host thread itself runs the call: it takes an idle interpreter, enters it
//! through its own cached thread state for that interpreter (one per thread and
//! interpreter, made on first use), converts the arguments, calls, converts the result
//! and leaves. No hand-off to another thread, so a call costs one interpreter switch;
//! with own-GIL interpreters (3.12+) calls on different interpreters run in parallel.
//! Arguments and results cross as `Value`s (plain data), never as Python objects.

use std::cell::UnsafeCell;
use std::ffi::{CStr, CString};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use pyo3_ffi as ffi;

use super::error::{Error, Result};
use super::enter;
use super::interp::Interp;
use super::subinterp::{self, InterpOptions};
use super::object::Owned;
use super::registry::Registry;
use super::status::*;
use super::value::{self, Value};

/// One interpreter of a pool, with the functions it has looked up.
struct Member {
    interp: &'static Interp,
    idle: AtomicBool,
    /// `(module, function) → function object` of this interpreter. Only touched by the
    /// thread that took the member (idle false) while holding its GIL.
    functions: UnsafeCell<Vec<(CString, CString, *mut ffi::PyObject)>>,
}

// SAFETY: `functions` is only used by the one thread that holds the member (see above).
unsafe impl Sync for Member {}
unsafe impl Send for Member {}

pub struct Pool {
    members: Vec<Member>,
    closing: AtomicBool,
    /// Calls in flight.
    calls: AtomicUsize,
    /// Woken when a member becomes idle, if a caller waits for one.
    wake: (Mutex<()>, Condvar),
    /// Callers waiting in `take` (so that a finished call wakes someone only if needed:
    /// notifying costs a system call).
    waiting: AtomicUsize,
    /// Round-robin start for picking a member.
    next: AtomicUsize,
}

static POOLS: Registry<Pool> = Registry::new();

fn freed() -> Error {
    Error::new(GILSTUFF_ERR_INVALID_HANDLE, "invalid pool: it was freed, or was never created")
}

/// Creates a pool of `n` sub-interpreters. Returns its id.
pub fn create(n: usize, opts: InterpOptions) -> Result<usize> {
    if n == 0 || n > 256 {
        return Err(Error::new(GILSTUFF_ERR_INVALID_ARGUMENT, format!("a pool has 1 to 256 interpreters, not {n}")));
    }
    let mut members = Vec::with_capacity(n);
    for _ in 0..n {
        match subinterp::create(opts) {
            Ok(i) => members.push(Member { interp: i, idle: AtomicBool::new(true), functions: UnsafeCell::new(Vec::new()) }),
            Err(e) => {
                for m in members {
                    let _ = subinterp::free(m.interp.gen);
                }
                return Err(e);
            }
        }
    }
    let pool = Pool {
        members,
        closing: AtomicBool::new(false),
        calls: AtomicUsize::new(0),
        wake: (Mutex::new(()), Condvar::new()),
        waiting: AtomicUsize::new(0),
        next: AtomicUsize::new(0),
    };
    POOLS.insert(pool).map(|(id, _)| id).map_err(|_| Error::new(GILSTUFF_ERR_INVALID_ARGUMENT, "too many pools created"))
}

fn lookup(id: usize) -> Result<&'static Pool> {
    let pool = POOLS.get(id).ok_or_else(freed)?;
    if pool.closing.load(Ordering::SeqCst) {
        return Err(freed());
    }
    Ok(pool)
}

/// The interpreters of the pool (for tests and `gilstuff_pool_interp`).
pub fn interp(id: usize, index: usize) -> Result<&'static Interp> {
    let pool = lookup(id)?;
    pool.members.get(index).map(|m| m.interp).ok_or_else(|| {
        Error::new(GILSTUFF_ERR_INVALID_ARGUMENT, format!("the pool has {} interpreters", pool.members.len()))
    })
}

/// Runs `module.function(*args)` on an idle interpreter of the pool.
pub fn call(id: usize, module: &CStr, function: &CStr, args: &[&Value]) -> Result<Value> {
    let pool = lookup(id)?;
    pool.calls.fetch_add(1, Ordering::SeqCst);
    let result = if pool.closing.load(Ordering::SeqCst) { Err(freed()) } else { pool.run(module, function, args) };
    pool.calls.fetch_sub(1, Ordering::SeqCst);
    result
}

impl Pool {
    fn run(&self, module: &CStr, function: &CStr, args: &[&Value]) -> Result<Value> {
        // Waiting for an idle member happens holding nothing (this thread may be inside a
        // callback holding another interpreter's GIL, which the busy members may need).
        let member = match self.try_take() {
            Some(m) => m,
            None => enter::outside(|| self.take())?,
        };
        let result = (|| {
            let _gil = enter::enter(member.interp.gen)?;
            // SAFETY: this thread took `member` and holds its interpreter's GIL.
            unsafe { member.call(module, function, args) }
        })();
        member.idle.store(true, Ordering::SeqCst);
        if self.waiting.load(Ordering::SeqCst) > 0 {
            let (lock, cv) = &self.wake;
            drop(lock.lock().unwrap_or_else(|e| e.into_inner()));
            cv.notify_one();
        }
        result
    }

    /// Takes an idle member if there is one.
    fn try_take(&self) -> Option<&Member> {
        let n = self.members.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..n).map(|k| &self.members[(start + k) % n]).find(|m| {
            m.idle.load(Ordering::Relaxed) && m.idle.compare_exchange(true, false, Ordering::Acquire, Ordering::Relaxed).is_ok()
        })
    }

    /// Takes an idle member, waiting for one if all are busy. Call it holding no GIL.
    fn take(&self) -> &Member {
        loop {
            if let Some(m) = self.try_take() {
                return m;
            }
            let (lock, cv) = &self.wake;
            let guard = lock.lock().unwrap_or_else(|e| e.into_inner());
            self.waiting.fetch_add(1, Ordering::SeqCst);
            // Checked after announcing the wait: a member freed before this sees it here,
            // one freed after sees `waiting` and notifies under the lock.
            if self.members.iter().all(|m| !m.idle.load(Ordering::SeqCst)) {
                let _ = cv.wait_timeout(guard, Duration::from_millis(5));
            }
            self.waiting.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Member {
    /// # Safety
    /// The calling thread took this member and holds its interpreter's GIL.
    unsafe fn call(&self, module: &CStr, function: &CStr, args: &[&Value]) -> Result<Value> {
        let f = self.function(module, function)?;
        let held = args.iter().map(|v| value::to_python(v)).collect::<Result<Vec<Owned>>>()?;
        let argv: Vec<*mut ffi::PyObject> = held.iter().map(Owned::ptr).collect();
        let result = Owned::from_new(ffi::PyObject_Vectorcall(f, argv.as_ptr(), argv.len(), std::ptr::null_mut()))?;
        value::from_python(result.ptr())
    }

    /// The function object, imported in this interpreter on first use.
    ///
    /// # Safety
    /// As for `call`.
    unsafe fn function(&self, module: &CStr, function: &CStr) -> Result<*mut ffi::PyObject> {
        let cache = &mut *self.functions.get();
        if let Some((_, _, f)) = cache.iter().find(|(m, f, _)| m.as_c_str() == module && f.as_c_str() == function) {
            return Ok(*f);
        }
        let m = Owned::from_new(ffi::PyImport_ImportModule(module.as_ptr()))?;
        let f = Owned::from_new(ffi::PyObject_GetAttrString(m.ptr(), function.as_ptr()))?;
        let f = f.into_ptr();
        cache.push((module.to_owned(), function.to_owned(), f));
        Ok(f)
    }

    /// Drops the cached function objects.
    ///
    /// # Safety
    /// No call uses this member, and the calling thread holds its interpreter's GIL.
    unsafe fn forget_functions(&self) {
        for (_, _, f) in (*self.functions.get()).drain(..) {
            ffi::Py_DECREF(f);
        }
    }
}

/// Frees the pool: later calls fail at once, calls in flight are waited for, then its
/// interpreters are ended.
pub fn free(id: usize) -> Result<()> {
    let pool = POOLS.get(id).ok_or_else(freed)?;
    if pool.closing.swap(true, Ordering::SeqCst) {
        return Err(freed());
    }
    // Calls in flight may need a GIL this thread holds: wait holding none.
    enter::outside(|| {
        let mut pause = Duration::from_micros(10);
        while pool.calls.load(Ordering::SeqCst) != 0 {
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(1));
        }
    })?;
    let mut first_error = None;
    for m in &pool.members {
        let forgot = enter::enter(m.interp.gen).map(|_gil| {
            // SAFETY: no call is in flight (closing, calls == 0) and the GIL is held.
            unsafe { m.forget_functions() }
        });
        let freed = forgot.map_err(Error::from).and_then(|()| subinterp::free(m.interp.gen));
        if let Err(e) = freed {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}
