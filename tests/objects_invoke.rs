//! `gilstuff_invoke`: a call whose result is dropped inside the call. It must do what
//! `gilstuff_call` does (arguments, exceptions, interpreters, every bad input) and leave
//! no reference behind, including when another thread releases the callable meanwhile.
//! One #[test]: Python is started and stopped once per scenario, in this one process.
mod common;
use common::*;
use std::ptr;

fn call_invoke(f: Obj, args: &[Obj], kwargs: Obj) -> Result<(), (gilstuff_status, String)> {
    call(|e| gilstuff_invoke(f, if args.is_empty() { ptr::null() } else { args.as_ptr() }, args.len(), kwargs, e))
}

#[test]
fn invoke() {
    calls_and_drops_the_result();
    races_with_release();
    runs_in_the_callable_interpreter();
}

fn calls_and_drops_the_result() {
    let null: Obj = ptr::null_mut();
    // Before init no handle exists: any token is refused as a handle.
    assert_eq!(call_invoke(null, &[], null).unwrap_err().0, GILSTUFF_ERR_INVALID_HANDLE);

    init();
    exec(concat!(
        "import sys\n",
        "probe = object()\n",
        "calls = []\n",
        "def record(*args, **kwargs):\n",
        "    calls.append((args, kwargs))\n",
        "    return probe\n",
        "def boom():\n",
        "    raise ValueError('no luck')\n",
    ));
    let record = eval("record");
    let start = eval_int("sys.getrefcount(probe)");

    // No arguments (the fast path), then arguments and keyword arguments.
    for _ in 0..100 {
        call_invoke(record, &[], null).unwrap();
    }
    let (one, two, kw) = (eval("1"), eval("'two'"), eval("{'three': 3}"));
    call_invoke(record, &[one, two], kw).unwrap();
    assert_eq!(eval_int("len(calls)"), 101);
    assert_eq!(eval_int("1 if calls[-1] == ((1, 'two'), {'three': 3}) else 0"), 1);
    // Every result was dropped: `probe` has no more references than before.
    assert_eq!(eval_int("sys.getrefcount(probe)"), start);

    // Exceptions come back as GILSTUFF_ERR_PYTHON, with nothing left set.
    let boom = eval("boom");
    let (st, pytype, message, _) = python_error(|e| gilstuff_invoke(boom, ptr::null(), 0, null, e));
    assert_eq!((st, pytype.as_str(), message.as_str()), (GILSTUFF_ERR_PYTHON, "ValueError", "no luck"));
    let (st, pytype, _, _) = python_error(|e| gilstuff_invoke(boom, [one].as_ptr(), 1, null, e));
    assert_eq!((st, pytype.as_str()), (GILSTUFF_ERR_PYTHON, "TypeError"));
    assert_eq!(eval_int("1 if sys.exc_info()[0] is None else 0"), 1);

    // Bad input: each its own status, never a crash.
    assert_eq!(call_invoke(null, &[], null).unwrap_err().0, GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(call_invoke(0xdead_beef_usize as Obj, &[], null).unwrap_err().0, GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(status(|e| gilstuff_invoke(record, ptr::null(), 1, null, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(call_invoke(record, &[null], null).unwrap_err().0, GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(call_invoke(record, &[], one).unwrap_err().0, GILSTUFF_ERR_TYPE);
    let released = eval("record");
    release(released);
    assert_eq!(call_invoke(released, &[], null).unwrap_err().0, GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(eval_int("len(calls)"), 101, "no bad input reached the function");

    // Nested inside a callback: runs on the thread's own GIL hold.
    let mut nested = Ok(());
    let mut body = || nested = call_invoke(record, &[], null);
    with_interp(ptr::null_mut(), &mut body).unwrap();
    nested.unwrap();
    assert_eq!(eval_int("len(calls)"), 102);

    for o in [one, two, kw, boom] {
        release(o);
    }

    // After finalize: the lifecycle status; after a new init: a stale handle.
    finalize();
    assert_eq!(call_invoke(record, &[], null).unwrap_err().0, GILSTUFF_FINALIZED);
    init();
    let (st, msg) = call_invoke(record, &[], null).unwrap_err();
    assert_eq!(st, GILSTUFF_ERR_INVALID_HANDLE);
    assert!(msg.contains("earlier gilstuff_init"), "{msg}");
    release(record);
    finalize();
}

fn races_with_release() {
    init();
    exec("import sys\ncounter = [0]\ndef bump():\n    counter[0] += 1\n");
    let bump = eval("bump");
    let start = eval_int("sys.getrefcount(bump)");
    // Each round: a clone is invoked on one thread while another releases it. Every
    // invoke either ran (OK) or saw the handle gone (INVALID_HANDLE).
    let (mut ran, mut refused) = (0i64, 0i64);
    for _ in 0..200 {
        let mut clone = ptr::null_mut();
        ok(|e| gilstuff_object_clone(bump, &mut clone, e));
        let token = clone as usize;
        let caller = std::thread::spawn(move || {
            let mut counts = (0i64, 0i64);
            for _ in 0..50 {
                match call_invoke(token as Obj, &[], ptr::null_mut()) {
                    Ok(()) => counts.0 += 1,
                    Err((GILSTUFF_ERR_INVALID_HANDLE, _)) => counts.1 += 1,
                    Err(other) => panic!("unexpected {other:?}"),
                }
            }
            counts
        });
        std::thread::yield_now();
        release(clone);
        let (r, f) = caller.join().unwrap();
        ran += r;
        refused += f;
    }
    assert_eq!(ran + refused, 200 * 50);
    assert_eq!(eval_int("counter[0]"), ran, "every OK invoke ran exactly once");
    assert_eq!(eval_int("sys.getrefcount(bump)"), start, "no reference kept or lost");
    release(bump);
    finalize();
}

fn runs_in_the_callable_interpreter() {
    init();
    let sub = new_interp();
    exec_in(sub, "hits = [0]\ndef hit(*args):\n    hits[0] += 1\n");
    let hit = eval_in(sub, "hit");
    exec("hits = [100]");
    for _ in 0..10 {
        call_invoke(hit, &[], ptr::null_mut()).unwrap();
    }
    assert_eq!(eval_int_in(sub, "hits[0]"), 10);
    assert_eq!(eval_int("hits[0]"), 100, "the main interpreter is untouched");
    // An argument of the main interpreter cannot go into the sub-interpreter's call.
    let main_arg = eval("1");
    assert_eq!(call_invoke(hit, &[main_arg], ptr::null_mut()).unwrap_err().0, GILSTUFF_ERR_WRONG_INTERPRETER);
    release(main_arg);
    release(hit);
    free_interp(sub);
    finalize();
}
