//! `gilstuff_config`: the options of `gilstuff_init`, as a C struct that can grow.

use std::ffi::{c_char, CString};
use std::mem::size_of;

use super::{arg_str, no_panic};
use crate::runtime::config::{Options, Origin};
use crate::runtime::error::{Error, Result};
use crate::runtime::status::*;

/// Who runs `Py_InitializeFromConfig` and `Py_FinalizeEx`: one of `GILSTUFF_ORIGIN_*`.
#[allow(non_camel_case_types)]
pub type gilstuff_origin = u32;

/// A thread of the library's own initialises Python and, at `gilstuff_finalize` (called
/// from any thread), finalises it. The default.
pub const GILSTUFF_ORIGIN_OWNED: gilstuff_origin = 0;
/// The thread that calls `gilstuff_init` initialises Python; `gilstuff_finalize` must then
/// be called from that same thread (`GILSTUFF_ERR_WRONG_THREAD` otherwise).
pub const GILSTUFF_ORIGIN_CALLER: gilstuff_origin = 1;

/// Options for `gilstuff_init`. Always fill it with `gilstuff_config_init` first, then set
/// the fields you need: new fields are added at the end and `size` tells the library
/// which ones your program knows. Strings are copied during `gilstuff_init`.
#[repr(C)]
pub struct gilstuff_config {
    /// `sizeof(gilstuff_config)` as your program was compiled; set by `gilstuff_config_init`.
    pub size: u32,
    /// How Python is started and finalised: `GILSTUFF_ORIGIN_OWNED` (default) or
    /// `GILSTUFF_ORIGIN_CALLER`.
    pub origin: gilstuff_origin,
    /// `sys.executable`-style program name (UTF-8), or NULL for Python's default.
    pub program_name: *const c_char,
    /// Python home (the `prefix` holding `lib/pythonX.Y`), or NULL to find it as `python3` would.
    pub python_home: *const c_char,
    /// Extra directories to put at the front of `sys.path`, separated by ':' like
    /// `PYTHONPATH` (UTF-8), or NULL for none.
    pub sys_path: *const c_char,
    /// Ignore `PYTHON*` environment variables and the user site directory.
    pub isolated: bool,
    /// Let Python install its signal handlers (SIGINT → KeyboardInterrupt). Default off:
    /// Go and Pony own the process's signals.
    pub install_signal_handlers: bool,
    /// GIL switch interval in microseconds (`sys.setswitchinterval`); 0 keeps Python's 5 ms.
    pub switch_interval_us: u32,
}

/// The smallest `size` the library accepts: the first version of the struct.
const SIZE_V1: usize = size_of::<gilstuff_config>();

/// Fills `*cfg` with the defaults: owned origin, no extra `sys.path`, environment
/// honoured, no signal handlers, Python's default switch interval. NULL is a no-op.
///
/// Thread and GIL rules: any thread, any time; touches nothing but `*cfg`.
#[no_mangle]
pub extern "C" fn gilstuff_config_init(cfg: *mut gilstuff_config) {
    no_panic((), || {
        if cfg.is_null() {
            return;
        }
        // SAFETY: `cfg` points to writable memory for one gilstuff_config (contract).
        unsafe {
            cfg.write(gilstuff_config {
                size: SIZE_V1 as u32,
                origin: GILSTUFF_ORIGIN_OWNED,
                program_name: std::ptr::null(),
                python_home: std::ptr::null(),
                sys_path: std::ptr::null(),
                isolated: false,
                install_signal_handlers: false,
                switch_interval_us: 0,
            })
        }
    })
}

/// Converts a C config (NULL = defaults) to `Options`, checking every field.
///
/// # Safety
/// `cfg` is NULL or points to a `gilstuff_config` whose strings are NULL or NUL-terminated.
pub(crate) unsafe fn options(cfg: *const gilstuff_config) -> Result<Options> {
    let Some(cfg) = cfg.as_ref() else { return Ok(Options::default()) };
    if (cfg.size as usize) < SIZE_V1 {
        return Err(Error::new(
            GILSTUFF_ERR_INVALID_ARGUMENT,
            format!("cfg->size is {}, expected at least {SIZE_V1}: fill the config with gilstuff_config_init", cfg.size),
        ));
    }
    let origin = match cfg.origin {
        GILSTUFF_ORIGIN_OWNED => Origin::Owned,
        GILSTUFF_ORIGIN_CALLER => Origin::Caller,
        other => {
            return Err(Error::new(
                GILSTUFF_ERR_INVALID_ARGUMENT,
                format!("cfg->origin is {other}: use GILSTUFF_ORIGIN_OWNED or GILSTUFF_ORIGIN_CALLER"),
            ))
        }
    };
    let optional = |p: *const c_char, name: &str| -> Result<Option<&str>> {
        if p.is_null() {
            Ok(None)
        } else {
            arg_str(p, name).map(Some)
        }
    };
    let owned = |s: Option<&str>| s.map(|s| CString::new(s).expect("from a C string: no NUL"));
    Ok(Options {
        program_name: owned(optional(cfg.program_name, "cfg->program_name")?),
        python_home: owned(optional(cfg.python_home, "cfg->python_home")?),
        sys_path: optional(cfg.sys_path, "cfg->sys_path")?
            .map(|p| p.split(':').filter(|s| !s.is_empty()).map(String::from).collect())
            .unwrap_or_default(),
        isolated: cfg.isolated,
        install_signal_handlers: cfg.install_signal_handlers,
        origin,
        switch_interval_us: cfg.switch_interval_us,
    })
}
