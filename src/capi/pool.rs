//! `gilstuff_pool`: sub-interpreters that run Python functions on every core.

use std::ffi::c_char;

use super::interp::{self, gilstuff_interp, gilstuff_interp_config};
use super::value::{self, gilstuff_value};
use super::{arg_cstr, boundary, check_out, gilstuff_error, put};
use crate::runtime::error::{Error, Result};
use crate::runtime::pool;
use crate::runtime::status::gilstuff_status;
use crate::runtime::value::Value;

/// A pool of sub-interpreters. An opaque token: a freed one gives
/// `GILSTUFF_ERR_INVALID_HANDLE`, never a crash.
pub struct gilstuff_pool {
    _opaque: [u8; 0],
}

fn id(pool: *mut gilstuff_pool) -> Result<usize> {
    if pool.is_null() {
        return Err(Error::null_pointer("pool"));
    }
    Ok(pool as usize)
}

/// Creates a pool of `n` (1–256) sub-interpreters made with `cfg` (NULL = defaults: own
/// GIL on CPython 3.12+, so calls on different interpreters run in parallel; before 3.12
/// `own_gil` gives `GILSTUFF_ERR_UNSUPPORTED`, and a shared-GIL config works but runs one
/// call at a time). Each interpreter gets the `sys.path` entries of `gilstuff_init`.
///
/// Thread and GIL rules: any thread; may block while the interpreters start.
#[no_mangle]
pub extern "C" fn gilstuff_pool_new(
    n: usize,
    cfg: *const gilstuff_interp_config,
    out: *mut *mut gilstuff_pool,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    boundary(err, || {
        check_out(out, "out")?;
        // SAFETY: `cfg` is NULL or a valid config (header contract).
        let opts = unsafe { interp::options(cfg) }?;
        put(out, pool::create(n, opts)? as *mut gilstuff_pool)
    })
}

/// Runs `module.function(*args)` on an idle interpreter of the pool and writes the
/// result to `*out` (free it with `gilstuff_value_free`). The module is imported in each
/// interpreter on its first use there. Arguments are copied in; the caller keeps them.
/// A Python exception gives `GILSTUFF_ERR_PYTHON`; a result that is not a portable value
/// (none, bool, int, float, str, bytes, list/tuple of these) gives `GILSTUFF_ERR_TYPE`.
/// When every interpreter is busy the call waits for one.
///
/// Thread and GIL rules: any thread, not inside a callback of one of the pool's
/// interpreters; the calling thread runs the call itself (it keeps one thread state per
/// pool interpreter it has used).
#[no_mangle]
pub extern "C" fn gilstuff_pool_call(
    pool: *mut gilstuff_pool,
    module: *const c_char,
    function: *const c_char,
    args: *const *const gilstuff_value,
    nargs: usize,
    out: *mut *mut gilstuff_value,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    boundary(err, || {
        let id = id(pool)?;
        // SAFETY: NUL-terminated strings or NULL (header contract).
        let module = unsafe { arg_cstr(module, "module") }?;
        let function = unsafe { arg_cstr(function, "function") }?;
        check_out(out, "out")?;
        if nargs > 0 && args.is_null() {
            return Err(Error::null_pointer("args"));
        }
        let args: &[*const gilstuff_value] =
            // SAFETY: `args` points to `nargs` value pointers (header contract).
            if nargs == 0 { &[] } else { unsafe { std::slice::from_raw_parts(args, nargs) } };
        // SAFETY: each is NULL or a live gilstuff_value (contract).
        let args = args.iter().map(|&v| unsafe { value::borrow(v, "args[i]") }).collect::<Result<Vec<&Value>>>()?;
        put(out, value::into_raw(pool::call(id, module, function, &args)?))
    })
}

/// `*out` = the pool's interpreter number `index` (0 ≤ index < n), to use with
/// `gilstuff_with_interp` and the object API (e.g. to set it up). Owned by the pool.
///
/// Thread and GIL rules: any thread, any time.
#[no_mangle]
pub extern "C" fn gilstuff_pool_interp(
    pool: *mut gilstuff_pool,
    index: usize,
    out: *mut *mut gilstuff_interp,
    err: *mut *mut gilstuff_error,
) -> gilstuff_status {
    boundary(err, || {
        check_out(out, "out")?;
        put(out, interp::token(pool::interp(id(pool)?, index)?.gen))
    })
}

/// Frees the pool: calls that start afterwards get `GILSTUFF_ERR_INVALID_HANDLE`, calls
/// in flight are waited for, then the interpreters are ended. Freeing twice gives
/// `GILSTUFF_ERR_INVALID_HANDLE`.
///
/// Thread and GIL rules: any thread, not inside a call or callback of the pool.
#[no_mangle]
pub extern "C" fn gilstuff_pool_free(pool: *mut gilstuff_pool, err: *mut *mut gilstuff_error) -> gilstuff_status {
    boundary(err, || pool::free(id(pool)?))
}
