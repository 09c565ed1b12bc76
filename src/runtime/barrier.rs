//! An asymmetric fence for the entry/finalize handshake.
//!
//! Entry (hot, every call): store "in call" to a per-thread flag, then load the lifecycle
//! state. Finalize (rare): store "finalizing", then load every thread's flag. This is
//! Dekker's pattern: it needs a full fence on both sides. With Linux `membarrier`
//! (private expedited) the finalize side forces that fence onto every running thread of
//! the process, so the entry side only needs a compiler fence: a plain store and load,
//! no locked instruction, no shared cache line. Where `membarrier` is unavailable, both
//! sides fall back to a real `SeqCst` fence.

use std::sync::atomic::{compiler_fence, fence, AtomicBool, Ordering};
use std::sync::OnceLock;

const MEMBARRIER_CMD_PRIVATE_EXPEDITED: libc::c_long = 1 << 3;
const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED: libc::c_long = 1 << 4;

/// Set once, before the first init makes any entry possible; never cleared.
static EXPEDITED: AtomicBool = AtomicBool::new(false);
static SETUP: OnceLock<()> = OnceLock::new();

/// Registers the process for expedited membarrier (once per process).
pub(crate) fn setup() {
    SETUP.get_or_init(|| {
        // SAFETY: a plain syscall with integer arguments; failure is reported by its result.
        let rc = unsafe { libc::syscall(libc::SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) };
        EXPEDITED.store(rc == 0, Ordering::SeqCst);
    });
}

/// The cheap side, between the flag store and the state load on entry.
#[inline(always)]
pub(crate) fn light() {
    if EXPEDITED.load(Ordering::Relaxed) {
        compiler_fence(Ordering::SeqCst);
    } else {
        fence(Ordering::SeqCst);
    }
}

/// The expensive side, between the state store and the flag scan in finalize.
///
/// Should the membarrier fail after a successful registration (it does not on Linux, but
/// a seccomp filter could make it), entries switch to real fences from then on; entries
/// already past their compiler-only fence have made their flag store, which a plain store
/// buffer makes visible within microseconds: a pause before the scan covers them.
pub(crate) fn heavy() {
    if EXPEDITED.load(Ordering::SeqCst) {
        // SAFETY: as in `setup`. The process registered for this command in `setup`.
        let rc = unsafe { libc::syscall(libc::SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) };
        if rc != 0 {
            EXPEDITED.store(false, Ordering::SeqCst);
            fence(Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
    fence(Ordering::SeqCst);
}

/// Whether the expedited membarrier is in use (reported by the benchmarks).
pub fn expedited() -> bool {
    EXPEDITED.load(Ordering::Relaxed)
}
