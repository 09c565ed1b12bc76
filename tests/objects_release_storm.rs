//! Issue 3, behaviour 3: 100,000 releases from 4 threads that never entered Python
//! (so every decref is queued), while 2 other threads call Python. All decrefs are
//! applied: the shared object's refcount returns to its start value.
mod common;
use common::*;
use std::ptr;

#[test]
fn releases_from_threads_without_the_gil_are_all_applied() {
    init();
    exec("import sys\nshared = object()");
    let count = || eval_int("sys.getrefcount(shared)");
    let start = count();

    // 100,000 handles to `shared`, made on this thread.
    let shared = eval("shared");
    let handles: Vec<usize> = (0..100_000)
        .map(|_| {
            let mut c = ptr::null_mut();
            ok(|e| gilstuff_object_clone(shared, &mut c, e));
            c as usize
        })
        .collect();
    release(shared);
    assert_eq!(count(), start + 100_000);

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let callers: Vec<_> = (0..2)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut calls = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let o = eval("1 + 1");
                    release(o);
                    calls += 1;
                }
                calls
            })
        })
        .collect();
    let releasers: Vec<_> = handles
        .chunks(25_000)
        .map(|chunk| {
            let chunk = chunk.to_vec();
            std::thread::spawn(move || {
                for h in chunk {
                    ok(|e| gilstuff_object_release(h as Obj, e));
                }
            })
        })
        .collect();
    releasers.into_iter().for_each(|t| t.join().unwrap());
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let calls: usize = callers.into_iter().map(|t| t.join().unwrap()).sum();
    assert!(calls > 0);

    // The next entry applies whatever is still queued; the count is back where it was.
    assert_eq!(count(), start);
    // A second release of any of them is refused, not applied twice.
    assert_eq!(status(|e| gilstuff_object_release(handles[7] as Obj, e)), GILSTUFF_ERR_INVALID_HANDLE);
    assert_eq!(count(), start);
    finalize();
}
