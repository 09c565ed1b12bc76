//! A thread whose last call ran in a sub-interpreter that is then freed (by another
//! thread) makes more calls. From CPython 3.12 the thread's PyGILState binding still names
//! its deleted thread state of that sub-interpreter, and its next attach clears a flag in
//! it: without gilstuff's quarantine (src/runtime/quarantine.rs) that write lands in freed
//! memory, which by then belongs to someone else. Here that someone is the thread itself:
//! it fills freshly allocated blocks of many sizes (malloc hands the freed block back to
//! the thread that allocated it, among them) and checks that not one byte changed while it
//! called on.
mod common;
use common::*;

const ROUNDS: usize = 6;
const THREADS: usize = 4;

extern "C" {
    fn PyGILState_GetThisThreadState() -> *mut std::ffi::c_void;
}

/// Blocks of the size of the thread state the thread state, filled with 0xFF: malloc hands back a
/// freed block of that size first, to the thread that allocated it.
fn fill(size: usize) -> Vec<Vec<u8>> {
    (0..64).map(|_| vec![0xFFu8; size]).collect()
}

fn changed(blocks: &[Vec<u8>]) -> usize {
    blocks.iter().map(|b| b.iter().filter(|&&x| x != 0xFF).count()).sum()
}

#[test]
fn calls_after_a_freed_sub_interpreter_write_nowhere() {
    init();
    for round in 0..ROUNDS {
        let subs: Vec<usize> = (0..THREADS).map(|_| new_interp() as usize).collect();
        let (go_tx, go_rx): (Vec<_>, Vec<_>) = (0..THREADS).map(|_| std::sync::mpsc::channel::<()>()).unzip();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let workers: Vec<_> = subs
            .iter()
            .zip(go_rx)
            .map(|(&sub, go)| {
                let done = done_tx.clone();
                std::thread::spawn(move || {
                    // The last call before the free runs in the sub-interpreter.
                    assert_eq!(eval_int("20 + 1"), 21);
                    exec_in(sub as Interp, "import threading\nmark = threading.get_ident()");
                    // SAFETY: reads this thread's binding (its state of `sub`, alive now).
                    let size = unsafe { libc::malloc_usable_size(PyGILState_GetThisThreadState()) };
                    done.send(()).unwrap();
                    go.recv().unwrap();
                    // After the free: calls into main on this thread.
                    let blocks = fill(size);
                    for _ in 0..10 {
                        assert_eq!(eval_int("6 * 7"), 42);
                    }
                    let n = changed(&blocks);
                    done.send(()).unwrap();
                    n
                })
            })
            .collect();
        for _ in 0..THREADS {
            done_rx.recv().unwrap();
        }
        for &sub in &subs {
            free_interp(sub as Interp);
        }
        for go in &go_tx {
            go.send(()).unwrap();
        }
        for _ in 0..THREADS {
            done_rx.recv().unwrap();
        }
        let changed: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
        assert_eq!(changed, 0, "round {round}: memory freed by a sub-interpreter's end was written to");
    }
    finalize();
}
