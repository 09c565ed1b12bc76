//! Issue 4, behaviour 7: 8 host threads × 1,000 calls on a 2-interpreter pool give the
//! right results; freeing the pool while calls are in flight waits for them, and later
//! calls get an error.
mod common;
use common::*;
use std::ffi::CString;
use std::ptr;

fn pool_call(pool: *mut gilstuff_pool, f: &str, args: &[*const gilstuff_value]) -> Result<*mut gilstuff_value, (u32, String)> {
    let m = CString::new("gilstuff_testmod").unwrap();
    let f = CString::new(f).unwrap();
    let mut out = ptr::null_mut();
    call(|e| gilstuff_pool_call(pool, m.as_ptr(), f.as_ptr(), args.as_ptr(), args.len(), &mut out, e)).map(|()| out)
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

    let threads: Vec<_> = (0..8i64)
        .map(|t| {
            std::thread::spawn(move || {
                let pool = token as *mut gilstuff_pool;
                let mut seen = std::collections::BTreeSet::new();
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
    let mut interps = std::collections::BTreeSet::new();
    for t in threads {
        interps.extend(t.join().unwrap());
    }
    assert_eq!(interps.len(), 2, "calls ran in both interpreters (distinct sys.modules): {interps:?}");

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
