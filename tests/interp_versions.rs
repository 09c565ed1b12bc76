//! Issue 4, behaviours 5 and 6: an extension without sub-interpreter support gives an
//! ImportError (3.12+); own GIL before 3.12 is UNSUPPORTED naming 3.12, and shared-GIL
//! sub-interpreters work on every version.
mod common;
use common::*;
use std::ffi::CString;
use std::ptr;

#[test]
fn version_dependent_behaviour() {
    init();
    if python_at_least_3_12() {
        // Isolated (the default on 3.12+) refuses single-phase-init extensions.
        let i = new_interp();
        let name = CString::new("_testsinglephase").unwrap();
        let mut out = ptr::null_mut();
        let (st, pytype, msg, _) = python_error(|e| gilstuff_import(i, name.as_ptr(), &mut out, e));
        assert_eq!(st, GILSTUFF_ERR_PYTHON);
        assert_eq!(pytype, "ImportError", "{msg}");
        assert!(msg.contains("subinterpreter") || msg.contains("sub-interpreter"), "{msg}");
        assert_eq!(eval_int_in(i, "5"), 5, "the interpreter lives on");
        free_interp(i);
    } else {
        let mut out = ptr::null_mut();
        let mut cfg = std::mem::MaybeUninit::<gilstuff_interp_config>::uninit();
        gilstuff_interp_config_init(cfg.as_mut_ptr());
        let mut cfg = unsafe { cfg.assume_init() };
        assert!(!cfg.own_gil, "the default before 3.12 is a shared GIL");
        cfg.own_gil = true;
        let (st, msg) = call(|e| gilstuff_interp_new(&cfg, &mut out, e)).unwrap_err();
        assert_eq!(st, GILSTUFF_ERR_UNSUPPORTED);
        assert!(msg.contains("3.12"), "{msg}");
        assert!(out.is_null());
    }
    // A shared-GIL legacy interpreter works everywhere.
    let legacy = new_interp_with(|c| {
        c.own_gil = false;
        c.isolated_modules = false;
        c.check_multi_interp_extensions = false;
        c.allow_daemon_threads = true;
    });
    exec_in(legacy, "import sys\nsys.legacy = 7");
    assert_eq!(eval_int_in(legacy, "sys.legacy"), 7);
    assert_eq!(eval_int("int(hasattr(__import__('sys'), 'legacy'))"), 0, "isolated from main");
    free_interp(legacy);
    finalize();
}
