//! Issue 3, behaviour 1: the seed counter written with handles only, from 8 threads.
mod common;
use common::*;

#[test]
fn handles_only_counter_from_eight_threads() {
    init();
    let thing = import("thing");
    let inc = getattr(thing, "inc");
    let inc_token = inc as usize;
    let threads: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(move || {
                for _ in 0..1000 {
                    let r = call0(inc_token as Obj);
                    release(r);
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let x = getattr(thing, "x");
    assert_eq!(int_of(x), 8000);
    for o in [x, inc, thing] {
        release(o);
    }
    finalize();
}
