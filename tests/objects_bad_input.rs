//! Issue 3, behaviour 2: the bad-input table. Every case returns its documented status
//! with a message, crashes nothing, leaks no reference and leaves no exception set.
mod common;
use common::*;
use std::ffi::CString;
use std::ptr;

/// Reference count of `__main__.probe`, read through Python itself.
fn probe_refcount() -> i64 {
    eval_int("sys.getrefcount(probe)")
}

#[test]
fn bad_input_table() {
    // Before init: lifecycle status, at once.
    let mut out: Obj = ptr::null_mut();
    assert_eq!(status(|e| gilstuff_int(ptr::null_mut(), 1, &mut out, e)), GILSTUFF_NOT_INITIALIZED);
    assert!(out.is_null(), "out written on failure");

    init();
    exec("import sys\nprobe = object()\nd = {}");
    let probe = eval("probe");
    let start = probe_refcount();
    let name = CString::new("x").unwrap();
    let mut b = gilstuff_buffer { data: ptr::null_mut(), len: 0 };
    let (mut i, mut u, mut f, mut flag, mut n) = (0i64, 0u64, 0f64, false, 0usize);

    // Every pointer parameter NULL in turn.
    let null: Obj = ptr::null_mut();
    assert_eq!(status(|e| gilstuff_int(ptr::null_mut(), 1, ptr::null_mut(), e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(status(|e| gilstuff_to_int(null, &mut i, e)), GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(status(|e| gilstuff_to_int(probe, ptr::null_mut(), e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(status(|e| gilstuff_to_uint(null, &mut u, e)), GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(status(|e| gilstuff_to_float(null, &mut f, e)), GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(status(|e| gilstuff_to_bool(null, &mut flag, e)), GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(status(|e| gilstuff_is_none(null, &mut flag, e)), GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(status(|e| gilstuff_len(null, &mut n, e)), GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(status(|e| gilstuff_to_str(null, &mut b, e)), GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(status(|e| gilstuff_to_str(probe, ptr::null_mut(), e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(status(|e| gilstuff_to_str_into(probe, ptr::null_mut(), 4, &mut n, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(status(|e| gilstuff_to_str_into(probe, ptr::null_mut(), 0, ptr::null_mut(), e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(status(|e| gilstuff_str(ptr::null_mut(), ptr::null(), 3, &mut out, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(status(|e| gilstuff_bytes(ptr::null_mut(), ptr::null(), 3, &mut out, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(status(|e| gilstuff_tuple(ptr::null_mut(), ptr::null(), 2, &mut out, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(status(|e| gilstuff_list(ptr::null_mut(), [null].as_ptr(), 1, &mut out, e)), GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(status(|e| gilstuff_import(ptr::null_mut(), ptr::null(), &mut out, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(status(|e| gilstuff_getattr(probe, ptr::null(), &mut out, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(status(|e| gilstuff_getattr(null, name.as_ptr(), &mut out, e)), GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(status(|e| gilstuff_setattr(probe, name.as_ptr(), null, e)), GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(status(|e| gilstuff_call(null, ptr::null(), 0, null, &mut out, e)), GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(status(|e| gilstuff_call(probe, ptr::null(), 1, null, &mut out, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(status(|e| gilstuff_call_method(probe, ptr::null(), ptr::null(), 0, null, &mut out, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(status(|e| gilstuff_eval(ptr::null_mut(), ptr::null(), null, &mut out, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(status(|e| gilstuff_exec(ptr::null_mut(), ptr::null(), null, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(status(|e| gilstuff_main_dict(ptr::null_mut(), ptr::null_mut(), e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(status(|e| gilstuff_object_clone(null, &mut out, e)), GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(status(|e| gilstuff_object_release(null, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(status(|e| gilstuff_setitem(null, probe, probe, e)), GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(status(|e| gilstuff_getitem(probe, null, &mut out, e)), GILSTUFF_ERR_INVALID_HANDLE);
    // A made-up token is not a handle either.
    assert_eq!(status(|e| gilstuff_to_int(0xdead_beef_usize as Obj, &mut i, e)), GILSTUFF_ERR_INVALID_HANDLE);
    assert!(out.is_null(), "out written on failure");

    // Invalid UTF-8, in data and in names.
    let bad = b"ab\xff";
    assert_eq!(status(|e| gilstuff_str(ptr::null_mut(), bad.as_ptr().cast(), 3, &mut out, e)), GILSTUFF_ERR_INVALID_UTF8);
    let bad_name = CString::new(&b"m\xffod"[..]).unwrap();
    assert_eq!(status(|e| gilstuff_import(ptr::null_mut(), bad_name.as_ptr(), &mut out, e)), GILSTUFF_ERR_INVALID_UTF8);
    assert_eq!(status(|e| gilstuff_getattr(probe, bad_name.as_ptr(), &mut out, e)), GILSTUFF_ERR_INVALID_UTF8);
    // A str with a lone surrogate cannot come out as UTF-8.
    let surrogate = eval("'a\\ud800b'");
    assert_eq!(status(|e| gilstuff_to_str(surrogate, &mut b, e)), GILSTUFF_ERR_INVALID_UTF8);
    release(surrogate);

    // int64 overflow both ways, uint64 negatives, wrong types.
    for expr in ["2**63", "-2**63-1"] {
        let o = eval(expr);
        assert_eq!(status(|e| gilstuff_to_int(o, &mut i, e)), GILSTUFF_ERR_OVERFLOW, "{expr}");
        release(o);
    }
    let minus = eval("-1");
    assert_eq!(status(|e| gilstuff_to_uint(minus, &mut u, e)), GILSTUFF_ERR_OVERFLOW);
    release(minus);
    let big = eval("2**64");
    assert_eq!(status(|e| gilstuff_to_uint(big, &mut u, e)), GILSTUFF_ERR_OVERFLOW);
    release(big);
    let huge = eval("10**400");
    assert_eq!(status(|e| gilstuff_to_float(huge, &mut f, e)), GILSTUFF_ERR_OVERFLOW);
    release(huge);
    assert_eq!(status(|e| gilstuff_to_int(probe, &mut i, e)), GILSTUFF_ERR_TYPE);
    assert_eq!(status(|e| gilstuff_to_str(probe, &mut b, e)), GILSTUFF_ERR_TYPE);
    assert_eq!(status(|e| gilstuff_to_bytes(probe, &mut b, e)), GILSTUFF_ERR_TYPE);
    assert_eq!(status(|e| gilstuff_to_float(probe, &mut f, e)), GILSTUFF_ERR_TYPE);

    // kwargs that is not a dict.
    let dict_type = eval("dict");
    assert_eq!(status(|e| gilstuff_call(dict_type, ptr::null(), 0, probe, &mut out, e)), GILSTUFF_ERR_TYPE);
    // globals that is not a dict.
    let expr = CString::new("1").unwrap();
    assert_eq!(status(|e| gilstuff_eval(ptr::null_mut(), expr.as_ptr(), probe, &mut out, e)), GILSTUFF_ERR_TYPE);
    release(dict_type);

    // Release twice; use after release.
    let clone = {
        let mut c = ptr::null_mut();
        ok(|e| gilstuff_object_clone(probe, &mut c, e));
        c
    };
    release(clone);
    assert_eq!(status(|e| gilstuff_object_release(clone, e)), GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(status(|e| gilstuff_to_bool(clone, &mut flag, e)), GILSTUFF_ERR_INVALID_HANDLE);
    // The slot is reused by a new handle: the old token must still be refused.
    let reuse = eval("probe");
    assert_ne!(reuse, clone, "a reused slot gets a new generation");
    assert_eq!(status(|e| gilstuff_to_bool(clone, &mut flag, e)), GILSTUFF_ERR_INVALID_HANDLE);
    release(reuse);

    // No reference leaked by all of the above, no exception left set.
    assert_eq!(probe_refcount(), start);
    assert_eq!(eval_int("1 if sys.exc_info()[0] is None else 0"), 1);

    // Handle used after finalize: the lifecycle status; released after finalize: OK.
    let kept = eval("probe");
    finalize();
    assert_eq!(status(|e| gilstuff_to_bool(kept, &mut flag, e)), GILSTUFF_FINALIZED);
    // Handle of a previous epoch after a new init: INVALID_HANDLE, never a crash.
    init();
    assert_eq!(status(|e| gilstuff_to_bool(kept, &mut flag, e)), GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(status(|e| gilstuff_object_clone(probe, &mut out, e)), GILSTUFF_ERR_INVALID_HANDLE);
    release(kept);
    release(probe);
    finalize();
}
