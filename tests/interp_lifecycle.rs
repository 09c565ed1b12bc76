//! Issue 4, behaviours 2 and 4: create and free sub-interpreters repeatedly; freeing one
//! leaves the others alone; thread states other threads cached for a freed interpreter
//! are never touched again; bad uses give clear errors; finalize ends live ones.
mod common;
use common::*;
use std::ptr;

#[test]
fn create_free_cycles_and_misuse() {
    init();
    // Create and free 3 sub-interpreters 4 times in a row; ids increase.
    let mut last_id = 0;
    for round in 0..4 {
        let interps: Vec<Interp> = (0..3).map(|_| new_interp()).collect();
        for (k, &i) in interps.iter().enumerate() {
            let id = gilstuff_interp_id(i);
            assert!(id > last_id, "round {round}: id {id} after {last_id}");
            last_id = id;
            exec_in(i, &format!("import sys\nsys.mark = {}", round * 10 + k as i64));
        }
        // Freeing the middle one does not disturb the others.
        free_interp(interps[1]);
        assert_eq!(eval_int_in(interps[0], "sys.mark"), round * 10);
        assert_eq!(eval_int_in(interps[2], "sys.mark"), round * 10 + 2);
        free_interp(interps[0]);
        free_interp(interps[2]);
    }

    // Another thread uses an interpreter, which is then freed; that thread goes on
    // calling main (and must never touch its stale thread state).
    let a = new_interp();
    let a_token = a as usize;
    let (to_worker, worker_rx) = std::sync::mpsc::channel::<()>();
    let (to_main, main_rx) = std::sync::mpsc::channel::<()>();
    let worker = std::thread::spawn(move || {
        let a = a_token as Interp;
        exec_in(a, "import threading\nlocal = threading.local()\nlocal.v = 1");
        to_main.send(()).unwrap();
        worker_rx.recv().unwrap(); // a is freed now
        let mut out = ptr::null_mut();
        let code = std::ffi::CString::new("1").unwrap();
        let (st, _) = call(|e| gilstuff_eval(a, code.as_ptr(), ptr::null_mut(), &mut out, e)).unwrap_err();
        assert_eq!(st, GILSTUFF_ERR_INVALID_HANDLE);
        for _ in 0..100 {
            assert_eq!(eval_int("6 * 7"), 42);
        }
        ok(|e| gilstuff_thread_unregister(e));
    });
    main_rx.recv().unwrap();
    let kept = eval_in(a, "[1, 2]");
    free_interp(a);
    to_worker.send(()).unwrap();
    worker.join().unwrap();

    // Calls on a freed interpreter, its handles, freeing twice, made-up tokens.
    let mut flag = false;
    assert_eq!(status(|e| gilstuff_to_bool(kept, &mut flag, e)), GILSTUFF_ERR_INVALID_HANDLE);
    release(kept); // only the handle is freed
    assert_eq!(status(|e| gilstuff_interp_free(a, e)), GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(status(|e| gilstuff_interp_free(gilstuff_interp_main(), e)), GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(status(|e| gilstuff_interp_free(0x5151 as Interp, e)), GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(gilstuff_interp_id(0x5151 as Interp), -1);
    let r = with_interp(a, &mut || panic!("ran in a freed interpreter"));
    assert_eq!(r.unwrap_err().0, GILSTUFF_ERR_INVALID_HANDLE);

    // A non-daemon Python thread still running is joined by free (daemon threads:
    // tests/c/test_life_subthreads.c).
    let b = new_interp();
    exec_in(b, "import threading, time\nt = threading.Thread(target=time.sleep, args=(0.2,), daemon=False)\nt.start()");
    assert_eq!(eval_int_in(b, "int(t.is_alive())"), 1);
    free_interp(b);

    // Freeing an interpreter from inside a call running in it.
    let c = new_interp();
    let c_token = c as usize;
    let mut inner = GILSTUFF_OK;
    with_interp(c, &mut || inner = status(|e| gilstuff_interp_free(c_token as Interp, e))).unwrap();
    assert_eq!(inner, GILSTUFF_ERR_WRONG_THREAD);
    free_interp(c);

    // Finalize with live sub-interpreters ends them cleanly.
    let live: Vec<Interp> = (0..2).map(|_| new_interp()).collect();
    for &i in &live {
        exec_in(i, "x = 1");
    }
    finalize();
    init();
    for &i in &live {
        assert_eq!(gilstuff_interp_id(i), -1, "ended at finalize, stale after re-init");
    }
    let d = new_interp();
    assert_eq!(eval_int_in(d, "2 ** 10"), 1024);
    finalize();
}
