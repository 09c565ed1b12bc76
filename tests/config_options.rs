//! Issue 2: every gilstuff_config option takes effect, and bad configs are refused with
//! a status and a message before Python starts. (The non-isolated defaults are checked in
//! config_environment.rs: CPython 3.10 keeps the path configuration of a first init across
//! a re-init in the same process, so each mode gets a process of its own.)
mod common;
use common::*;
use std::ffi::CString;

#[test]
fn config_options_take_effect() {
    // Refused configs leave gilstuff uninitialised.
    let bad_utf8 = CString::new(&b"/tmp/\xff"[..]).unwrap();
    let mut cfg = std::mem::MaybeUninit::<gilstuff_config>::uninit();
    gilstuff_config_init(cfg.as_mut_ptr());
    let mut cfg = unsafe { cfg.assume_init() };
    cfg.origin = 7;
    assert_eq!(status(|e| gilstuff_init(&cfg, e)), GILSTUFF_ERR_INVALID_ARGUMENT);
    cfg.origin = GILSTUFF_ORIGIN_OWNED;
    cfg.sys_path = bad_utf8.as_ptr();
    assert_eq!(status(|e| gilstuff_init(&cfg, e)), GILSTUFF_ERR_INVALID_UTF8);
    cfg.sys_path = std::ptr::null();
    cfg.size = 4;
    assert_eq!(status(|e| gilstuff_init(&cfg, e)), GILSTUFF_ERR_INVALID_ARGUMENT);
    assert!(!gilstuff_is_initialized());

    // The environment says one thing; an isolated config ignores it.
    std::env::set_var("PYTHONPATH", "/gilstuff-env-marker");
    let name = CString::new("gilstuff-config-test").unwrap();
    let first = CString::new("/gilstuff-first:/gilstuff-second").unwrap();
    let mut cfg = std::mem::MaybeUninit::<gilstuff_config>::uninit();
    gilstuff_config_init(cfg.as_mut_ptr());
    let mut cfg = unsafe { cfg.assume_init() };
    cfg.program_name = name.as_ptr();
    cfg.sys_path = first.as_ptr();
    cfg.isolated = true;
    cfg.switch_interval_us = 2000;
    ok(|e| gilstuff_init(&cfg, e));
    assert!(gilstuff_is_initialized());
    assert!(sigint_is_default(), "no SIGINT handler installed by default");
    exec("import sys");
    assert_eq!(eval_int("sys.flags.isolated"), 1);
    assert_eq!(eval_int("int('/gilstuff-env-marker' in sys.path)"), 0, "PYTHONPATH ignored when isolated");
    assert_eq!(eval_int("int(sys.path[:2] == ['/gilstuff-first', '/gilstuff-second'])"), 1, "sys_path entries first, in order");
    assert_eq!(eval_int("round(sys.getswitchinterval() * 1e6)"), 2000);
    assert_eq!(status(|e| gilstuff_init(&cfg, e)), GILSTUFF_ALREADY_INITIALIZED);
    finalize();
}
