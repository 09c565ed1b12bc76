//! Issue 2: without `isolated`, the environment (PYTHONPATH) is honoured; Python's
//! signal handlers are installed only when asked for.
mod common;
use common::*;

#[test]
fn environment_honoured_and_signal_handlers_on_request() {
    std::env::set_var("PYTHONPATH", "/gilstuff-env-marker");
    let mut cfg = std::mem::MaybeUninit::<gilstuff_config>::uninit();
    gilstuff_config_init(cfg.as_mut_ptr());
    let mut cfg = unsafe { cfg.assume_init() };
    cfg.install_signal_handlers = true;
    ok(|e| gilstuff_init(&cfg, e));
    assert!(!sigint_is_default(), "Python's SIGINT handler on request");
    exec("import sys");
    assert_eq!(eval_int("int('/gilstuff-env-marker' in sys.path)"), 1, "PYTHONPATH honoured");
    finalize();
}
