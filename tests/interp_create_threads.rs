//! Issue 4, behaviour 3: sub-interpreters created from a brand-new thread, from inside a
//! callback of another interpreter, and 8 at once from 8 threads.
mod common;
use common::*;

#[test]
fn create_from_many_places() {
    init();
    // From a brand-new thread (that never entered Python before).
    let fresh = std::thread::spawn(|| {
        let i = new_interp();
        assert_eq!(eval_int_in(i, "40 + 2"), 42);
        i as usize
    })
    .join()
    .unwrap() as Interp;
    assert_eq!(eval_int_in(fresh, "1"), 1, "usable from another thread");

    // From inside a callback running in another interpreter (and in main).
    let mut made = Vec::new();
    with_interp(fresh, &mut || {
        let inner = new_interp();
        assert_eq!(eval_int_in(inner, "3 * 3"), 9);
        made.push(inner as usize);
    })
    .unwrap();
    with_interp(gilstuff_interp_main(), &mut || made.push(new_interp() as usize)).unwrap();

    // 8 at once from 8 threads.
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|k| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let i = new_interp();
                exec_in(i, &format!("import sys\nsys.k = {k}"));
                assert_eq!(eval_int_in(i, "sys.k"), k);
                i as usize
            })
        })
        .collect();
    let mut ids: Vec<i64> = Vec::new();
    for t in threads {
        let i = t.join().unwrap() as Interp;
        ids.push(gilstuff_interp_id(i));
        made.push(i as usize);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 8, "eight distinct interpreters");
    for i in made {
        free_interp(i as Interp);
    }
    free_interp(fresh);
    finalize();
}
