//! Helpers shared by the Rust integration tests: they drive the C ABI exactly as a C
//! host would, through the `extern "C"` functions of the rlib.
#![allow(dead_code, unused_imports)]

use std::ffi::{CStr, CString};
use std::ptr;

pub use gilstuff::capi::buffer::*;
pub use gilstuff::capi::config::*;
pub use gilstuff::capi::error::*;
pub use gilstuff::capi::gil::*;
pub use gilstuff::capi::interp::*;
pub use gilstuff::capi::lifecycle::*;
pub use gilstuff::capi::object::*;
pub use gilstuff::capi::pool::*;
pub use gilstuff::capi::value::*;
pub use gilstuff::runtime::status::*;

pub type Obj = *mut gilstuff_object;

/// The status and, on failure, the message of one call.
pub fn call(f: impl FnOnce(*mut *mut gilstuff_error) -> gilstuff_status) -> Result<(), (gilstuff_status, String)> {
    let mut err: *mut gilstuff_error = ptr::null_mut();
    let st = f(&mut err);
    if st == GILSTUFF_OK {
        assert!(err.is_null(), "err written on success");
        return Ok(());
    }
    assert!(!err.is_null(), "no error object for status {st}");
    assert_eq!(gilstuff_error_code(err), st);
    let msg = unsafe { CStr::from_ptr(gilstuff_error_message(err)) }.to_string_lossy().into_owned();
    assert!(!msg.is_empty(), "empty message for status {st}");
    gilstuff_error_free(err);
    Err((st, msg))
}

/// Like `call`, panicking with the message on failure.
pub fn ok(f: impl FnOnce(*mut *mut gilstuff_error) -> gilstuff_status) {
    if let Err((st, msg)) = call(f) {
        panic!("status {st}: {msg}");
    }
}

/// The status a failing call returns (panics if it succeeds).
pub fn status(f: impl FnOnce(*mut *mut gilstuff_error) -> gilstuff_status) -> gilstuff_status {
    match call(f) {
        Ok(()) => panic!("expected a failure"),
        Err((st, _)) => st,
    }
}

/// Starts gilstuff with examples/ on sys.path.
pub fn init() {
    init_with(|_| {});
}

pub fn init_with(adjust: impl FnOnce(&mut gilstuff_config)) {
    let examples = CString::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples:", env!("CARGO_MANIFEST_DIR"), "/tests/python")).unwrap();
    let mut cfg = std::mem::MaybeUninit::<gilstuff_config>::uninit();
    gilstuff_config_init(cfg.as_mut_ptr());
    let mut cfg = unsafe { cfg.assume_init() };
    cfg.sys_path = examples.as_ptr();
    adjust(&mut cfg);
    ok(|e| gilstuff_init(&cfg, e));
}

pub fn finalize() {
    ok(|e| gilstuff_finalize(e));
}

pub fn import(name: &str) -> Obj {
    let name = CString::new(name).unwrap();
    let mut out = ptr::null_mut();
    ok(|e| gilstuff_import(ptr::null_mut(), name.as_ptr(), &mut out, e));
    out
}

pub fn getattr(obj: Obj, name: &str) -> Obj {
    let name = CString::new(name).unwrap();
    let mut out = ptr::null_mut();
    ok(|e| gilstuff_getattr(obj, name.as_ptr(), &mut out, e));
    out
}

pub fn eval(expr: &str) -> Obj {
    let expr = CString::new(expr).unwrap();
    let mut out = ptr::null_mut();
    ok(|e| gilstuff_eval(ptr::null_mut(), expr.as_ptr(), ptr::null_mut(), &mut out, e));
    out
}

pub fn exec(code: &str) {
    let code = CString::new(code).unwrap();
    ok(|e| gilstuff_exec(ptr::null_mut(), code.as_ptr(), ptr::null_mut(), e));
}

pub fn int_of(obj: Obj) -> i64 {
    let mut v = 0;
    ok(|e| gilstuff_to_int(obj, &mut v, e));
    v
}

pub fn eval_int(expr: &str) -> i64 {
    let o = eval(expr);
    let v = int_of(o);
    release(o);
    v
}

pub fn call0(f: Obj) -> Obj {
    let mut out = ptr::null_mut();
    ok(|e| gilstuff_call(f, ptr::null(), 0, ptr::null_mut(), &mut out, e));
    out
}

pub fn release(obj: Obj) {
    ok(|e| gilstuff_object_release(obj, e));
}

pub fn str_of(obj: Obj) -> String {
    let mut b = gilstuff_buffer { data: ptr::null_mut(), len: 0 };
    ok(|e| gilstuff_to_str(obj, &mut b, e));
    let s = String::from_utf8(unsafe { std::slice::from_raw_parts(b.data, b.len) }.to_vec()).unwrap();
    gilstuff_buffer_free(&mut b);
    s
}

/// A full Python error: (status, type, message, traceback).
pub fn python_error(f: impl FnOnce(*mut *mut gilstuff_error) -> gilstuff_status) -> (gilstuff_status, String, String, String) {
    let mut err: *mut gilstuff_error = ptr::null_mut();
    let st = f(&mut err);
    assert_ne!(st, GILSTUFF_OK, "expected an error");
    let text = |p: *const std::ffi::c_char| if p.is_null() { String::new() } else { unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned() };
    let r = (st, text(gilstuff_error_python_type(err)), text(gilstuff_error_message(err)), text(gilstuff_error_traceback(err)));
    gilstuff_error_free(err);
    r
}

pub type Interp = *mut gilstuff_interp;

pub fn eval_in(interp: Interp, expr: &str) -> Obj {
    let expr = CString::new(expr).unwrap();
    let mut out = ptr::null_mut();
    ok(|e| gilstuff_eval(interp, expr.as_ptr(), ptr::null_mut(), &mut out, e));
    out
}

pub fn eval_int_in(interp: Interp, expr: &str) -> i64 {
    let o = eval_in(interp, expr);
    let v = int_of(o);
    release(o);
    v
}

pub fn exec_in(interp: Interp, code: &str) {
    let code = CString::new(code).unwrap();
    ok(|e| gilstuff_exec(interp, code.as_ptr(), ptr::null_mut(), e));
}

/// A sub-interpreter with the default options, or with `adjust` applied.
pub fn new_interp_with(adjust: impl FnOnce(&mut gilstuff_interp_config)) -> Interp {
    let mut cfg = std::mem::MaybeUninit::<gilstuff_interp_config>::uninit();
    gilstuff_interp_config_init(cfg.as_mut_ptr());
    let mut cfg = unsafe { cfg.assume_init() };
    adjust(&mut cfg);
    let mut out = ptr::null_mut();
    ok(|e| gilstuff_interp_new(&cfg, &mut out, e));
    out
}

pub fn new_interp() -> Interp {
    new_interp_with(|_| {})
}

/// Runs a Rust closure as a gilstuff_with_interp callback.
pub fn with_interp(interp: Interp, f: &mut dyn FnMut()) -> Result<(), (gilstuff_status, String)> {
    unsafe extern "C" fn tramp(ud: *mut std::ffi::c_void) -> gilstuff_status {
        let f = &mut *(ud as *mut &mut dyn FnMut());
        f();
        GILSTUFF_OK
    }
    let mut f = f;
    call(|e| gilstuff_with_interp(interp, Some(tramp), &mut f as *mut &mut dyn FnMut() as *mut std::ffi::c_void, e))
}

/// Whether the linked CPython is 3.12 or newer (own-GIL sub-interpreters).
pub fn python_at_least_3_12() -> bool {
    let v = unsafe { CStr::from_ptr(gilstuff_python_version()) }.to_str().unwrap().to_string();
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap(), parts.next().unwrap()) >= (3, 12)
}

pub fn free_interp(i: Interp) {
    ok(|e| gilstuff_interp_free(i, e));
}

/// Whether the process's SIGINT disposition is still the default (no handler installed).
/// Checked from C, not from Python: importing Python's `signal` module installs its own
/// SIGINT handler whatever the config says (CPython behaviour).
pub fn sigint_is_default() -> bool {
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        assert_eq!(libc::sigaction(libc::SIGINT, std::ptr::null(), &mut old), 0);
        old.sa_sigaction == libc::SIG_DFL
    }
}
