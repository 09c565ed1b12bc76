//! Issue 4, behaviour 1: one host thread works in main, then A, then main, then B, then
//! A again, nested inside callbacks too. Each level sees its own interpreter, and each
//! (thread, interpreter) pair keeps one thread state across calls.
mod common;
use common::*;
use std::ptr;

const SETUP: &str = "import sys, threading\nlocal = threading.local()\nlocal.value = None\n";

/// id(sys.modules), a marker attribute, and this thread's threading.local value.
fn probe(interp: Interp) -> (i64, i64, i64) {
    (
        eval_int_in(interp, "id(sys.modules)"),
        eval_int_in(interp, "getattr(sys, 'marker', -1)"),
        eval_int_in(interp, "local.value if local.value is not None else -1"),
    )
}

#[test]
fn one_thread_many_interpreters() {
    init();
    let main: Interp = ptr::null_mut();
    let a = new_interp();
    let b = new_interp();
    assert!(gilstuff_interp_id(a) > 0 && gilstuff_interp_id(b) > gilstuff_interp_id(a));
    assert_eq!(gilstuff_interp_id(main), 0);
    assert_eq!(gilstuff_interp_id(gilstuff_interp_main()), 0);
    for (i, interp) in [main, a, b].into_iter().enumerate() {
        exec_in(interp, SETUP);
        exec_in(interp, &format!("sys.marker = {i}\nlocal.value = {}", 100 + i));
    }
    let expect = |interp: Interp, i: i64| {
        let (modules, marker, local) = probe(interp);
        assert_eq!(marker, i, "marker seen in interpreter {i}");
        assert_eq!(local, 100 + i, "threading.local kept for (thread, interpreter {i})");
        modules
    };
    // main → A → main → B → A, flat.
    let m0 = expect(main, 0);
    let a0 = expect(a, 1);
    assert_eq!(expect(main, 0), m0);
    let b0 = expect(b, 2);
    assert_eq!(expect(a, 1), a0);
    assert!(m0 != a0 && a0 != b0 && m0 != b0, "three separate sys.modules");

    // Nested: inside A's callback call into main and B, then back in A.
    let mut seen = Vec::new();
    with_interp(a, &mut || {
        seen.push(expect(a, 1));
        seen.push(expect(main, 0));
        with_interp(b, &mut || {
            seen.push(expect(b, 2));
            seen.push(expect(a, 1));
        })
        .unwrap();
        seen.push(expect(a, 1));
    })
    .unwrap();
    assert_eq!(seen, vec![a0, m0, b0, a0, a0]);

    // A handle of A used in B is refused.
    let from_a = eval_in(a, "sys");
    let mut out = ptr::null_mut();
    let name = std::ffi::CString::new("path").unwrap();
    let (st, _) = call(|e| gilstuff_tuple(b, [from_a].as_ptr(), 1, &mut out, e)).unwrap_err();
    assert_eq!(st, GILSTUFF_ERR_WRONG_INTERPRETER);
    // ... but works in its own interpreter, with its getattr running in A.
    ok(|e| gilstuff_getattr(from_a, name.as_ptr(), &mut out, e));
    release(out);
    release(from_a);

    ok(|e| gilstuff_interp_free(a, e));
    ok(|e| gilstuff_interp_free(b, e));
    assert_eq!(gilstuff_interp_id(a), -1);
    finalize();
}
