//! Issue 4, behaviour 7: 8 host threads × 1,000 calls on a 2-interpreter pool give the
//! right results; freeing the pool while calls are in flight waits for them, and later
//! calls get an error.
//!
//! Issue 10, behaviour 11: where calls run is checked against what the pool promises — a
//! call takes an idle member and holds it until it returns — not against a hoped-for
//! distribution: every call runs on one of the pool's own interpreters, and two calls
//! held in flight at the same time (each waits until the other has started) run on the
//! two different members.
mod common;
use common::*;
use std::collections::BTreeSet;
use std::ffi::CString;
use std::ptr;

fn pool_call_in(pool: *mut gilstuff_pool, module: &str, f: &str, args: &[*const gilstuff_value]) -> Result<*mut gilstuff_value, (u32, String)> {
    let m = CString::new(module).unwrap();
    let f = CString::new(f).unwrap();
    let mut out = ptr::null_mut();
    call(|e| gilstuff_pool_call(pool, m.as_ptr(), f.as_ptr(), args.as_ptr(), args.len(), &mut out, e)).map(|()| out)
}

fn pool_call(pool: *mut gilstuff_pool, f: &str, args: &[*const gilstuff_value]) -> Result<*mut gilstuff_value, (u32, String)> {
    pool_call_in(pool, "gilstuff_testmod", f, args)
}

/// Makes module `pool_meet` importable in one pool member. `meet(w, r)` writes a byte to
/// pipe fd `w`, waits (at most 20 s, GIL released) for a byte on fd `r`, and returns the
/// member's identity, `id(sys.modules)`.
const MEET_SRC: &str = r#"
import sys, types
_m = types.ModuleType("pool_meet")
exec('''
import os, select, sys
def meet(w, r):
    os.write(w, b"x")
    if not select.select([r], [], [], 20)[0]:
        raise TimeoutError("the other call never started: the two calls were not in flight at once")
    os.read(r, 1)
    return id(sys.modules)
''', _m.__dict__)
sys.modules["pool_meet"] = _m
del _m
"#;

/// Installs `pool_meet` in pool member `index`; returns the member's `id(sys.modules)`.
fn install_meet(pool: *mut gilstuff_pool, index: usize) -> i64 {
    let mut interp = ptr::null_mut();
    ok(|e| gilstuff_pool_interp(pool, index, &mut interp, e));
    exec_in(interp, MEET_SRC);
    eval_int_in(interp, "id(sys.modules)")
}

fn pipe() -> (i64, i64) {
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    (fds[0] as i64, fds[1] as i64)
}

/// Two calls that each wait until the other has started: both are in flight at once, so
/// the pool must run them on two different members. Returns where each ran.
fn two_calls_at_once(token: usize) -> (i64, i64) {
    let (a_r, a_w) = pipe();
    let (b_r, b_w) = pipe();
    let spawn = |w: i64, r: i64| {
        std::thread::spawn(move || {
            let (w, r) = (gilstuff_value_int(w), gilstuff_value_int(r));
            let out = pool_call_in(token as *mut gilstuff_pool, "pool_meet", "meet", &[w, r]);
            gilstuff_value_free(w);
            gilstuff_value_free(r);
            let out = out.unwrap_or_else(|(st, msg)| panic!("meet: status {st}: {msg}"));
            let id = int_value(out);
            gilstuff_value_free(out);
            id
        })
    };
    let first = spawn(a_w, b_r);
    let second = spawn(b_w, a_r);
    let placed = (first.join().unwrap(), second.join().unwrap());
    for fd in [a_r, a_w, b_r, b_w] {
        unsafe { libc::close(fd as i32) };
    }
    placed
}

fn int_value(v: *const gilstuff_value) -> i64 {
    let mut x = 0;
    ok(|e| gilstuff_value_get_int(v, &mut x, e));
    x
}

#[test]
fn pool_runs_calls_from_many_threads() {
    init();
    let mut pool = ptr::null_mut();
    // Shared-GIL interpreters before 3.12 (own GIL is 3.12+), the default after.
    let cfg = {
        let mut c = std::mem::MaybeUninit::<gilstuff_interp_config>::uninit();
        gilstuff_interp_config_init(c.as_mut_ptr());
        unsafe { c.assume_init() }
    };
    ok(|e| gilstuff_pool_new(2, &cfg, &mut pool, e));
    let token = pool as usize;
    let members: BTreeSet<i64> = (0..2).map(|i| install_meet(pool, i)).collect();
    assert_eq!(members.len(), 2, "the pool's two interpreters have distinct sys.modules");

    let threads: Vec<_> = (0..8i64)
        .map(|t| {
            std::thread::spawn(move || {
                let pool = token as *mut gilstuff_pool;
                let mut seen = BTreeSet::new();
                for k in 0..1000i64 {
                    let a = gilstuff_value_int(t * 1_000_000 + k);
                    let b = gilstuff_value_int(k);
                    let r = pool_call(pool, "add", &[a, b]).unwrap();
                    assert_eq!(int_value(r), t * 1_000_000 + 2 * k);
                    gilstuff_value_free(r);
                    let d = pool_call(pool, "describe", &[a]).unwrap();
                    let mut item: *const gilstuff_value = ptr::null();
                    ok(|e| gilstuff_value_list_get(d, 1, &mut item, e));
                    seen.insert(int_value(item));
                    gilstuff_value_free(d);
                    gilstuff_value_free(a);
                    gilstuff_value_free(b);
                }
                seen
            })
        })
        .collect();
    let mut interps = BTreeSet::new();
    for t in threads {
        interps.extend(t.join().unwrap());
    }
    // Which members the 8,000 calls landed on depends on scheduling; that each landed on
    // one of the pool's own interpreters does not.
    assert!(interps.is_subset(&members), "calls ran outside the pool's interpreters: {interps:?} vs {members:?}");
    for round in 0..5 {
        let (a, b) = two_calls_at_once(token);
        assert_ne!(a, b, "round {round}: two calls in flight at once ran on the same interpreter");
        assert_eq!(BTreeSet::from([a, b]), members, "round {round}: two calls at once ran outside the pool's members");
    }

    // Errors come back as values; a non-portable result is a TYPE error.
    let msg = {
        let mut out = ptr::null_mut();
        ok(|e| gilstuff_value_str(b"boom".as_ptr().cast(), 4, &mut out, e));
        out
    };
    assert_eq!(pool_call(pool, "fail", &[msg]).unwrap_err().0, GILSTUFF_ERR_PYTHON);
    assert_eq!(pool_call(pool, "not_portable", &[]).unwrap_err().0, GILSTUFF_ERR_TYPE);
    assert_eq!(pool_call(pool, "no_such_function", &[]).unwrap_err().0, GILSTUFF_ERR_PYTHON);
    gilstuff_value_free(msg);

    // Free while calls are in flight: they finish; later calls fail.
    let slow: Vec<_> = (0..2)
        .map(|k| {
            std::thread::spawn(move || {
                let secs = gilstuff_value_float(0.3);
                let v = gilstuff_value_int(k);
                let r = pool_call(token as *mut gilstuff_pool, "sleepy", &[secs, v]);
                gilstuff_value_free(secs);
                gilstuff_value_free(v);
                r.map(|r| {
                    let x = int_value(r);
                    gilstuff_value_free(r);
                    x
                })
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(100));
    let started = std::time::Instant::now();
    ok(|e| gilstuff_pool_free(pool, e));
    assert!(started.elapsed() >= std::time::Duration::from_millis(100), "free waited for the calls in flight");
    for (k, t) in slow.into_iter().enumerate() {
        assert_eq!(t.join().unwrap(), Ok(k as i64));
    }
    assert_eq!(pool_call(pool, "add", &[]).unwrap_err().0, GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(status(|e| gilstuff_pool_free(pool, e)), GILSTUFF_ERR_INVALID_HANDLE);
    finalize();
}
