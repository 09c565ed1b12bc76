//! Issue 3, behaviour 4: exceptions raised by called Python code come back as
//! GILSTUFF_ERR_PYTHON with type, message and traceback; KeyboardInterrupt and
//! SystemExit are errors too and do not end the host process.
mod common;
use common::*;
use std::ffi::CString;
use std::ptr;

#[test]
fn exceptions_are_errors_with_details() {
    init();
    exec(concat!(
        "class Custom(Exception): pass\n",
        "def boom(kind):\n",
        "    if kind == 'zero': return 1 / 0\n",
        "    if kind == 'custom': raise Custom('custom message')\n",
        "    if kind == 'kbd': raise KeyboardInterrupt('stop!')\n",
        "    if kind == 'exit': raise SystemExit(3)\n",
    ));
    let boom = eval("boom");
    let cases = [
        ("zero", "ZeroDivisionError", "division by zero"),
        ("custom", "__main__.Custom", "custom message"),
        ("kbd", "KeyboardInterrupt", "stop!"),
        ("exit", "SystemExit", "3"),
    ];
    for (kind, ty, msg) in cases {
        let kind_s = CString::new(kind).unwrap();
        let mut arg = ptr::null_mut();
        ok(|e| gilstuff_str(ptr::null_mut(), kind_s.as_ptr(), kind.len(), &mut arg, e));
        let mut out = ptr::null_mut();
        let (st, pytype, message, tb) = python_error(|e| gilstuff_call(boom, [arg].as_ptr(), 1, ptr::null_mut(), &mut out, e));
        assert_eq!(st, GILSTUFF_ERR_PYTHON, "{kind}");
        assert_eq!(pytype, ty);
        assert_eq!(message, msg);
        assert!(tb.contains("Traceback (most recent call last)") && tb.contains("in boom"), "{tb}");
        assert!(out.is_null());
        release(arg);
    }
    // Through the callback API and run_string too, and the process is still here.
    let code = CString::new("raise SystemExit(0)").unwrap();
    let (st, pytype, _, _) = python_error(|e| gilstuff_run_string(code.as_ptr(), e));
    assert_eq!((st, pytype.as_str()), (GILSTUFF_ERR_PYTHON, "SystemExit"));
    // No exception is left set afterwards.
    assert_eq!(eval_int("41 + 1"), 42);
    release(boom);
    finalize();
}
