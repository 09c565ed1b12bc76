//! The lifecycle state and epoch: the one cell every entry reads.
//!
//! uninitialised → running → finalizing → finalized → (init again) running. The epoch grows
//! by one at every init; what a thread keeps (its thread states) and what a handle names
//! remember theirs, so that after a finalize nothing of an earlier epoch is touched.
//!
//! Stores are `SeqCst` (rare: init, finalize); loads are `Acquire`, so a thread that sees
//! RUNNING also sees the epoch and everything init published before it.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Mutex;

use super::error::Error;
use super::status::*;

pub(crate) const UNINITIALIZED: u32 = GILSTUFF_NOT_INITIALIZED;
pub(crate) const RUNNING: u32 = GILSTUFF_OK;
pub(crate) const FINALIZING: u32 = GILSTUFF_FINALIZING;
pub(crate) const FINALIZED: u32 = GILSTUFF_FINALIZED;

/// The lifecycle state; its values are the status a refused call returns.
static STATE: AtomicU32 = AtomicU32::new(UNINITIALIZED);
/// Grows by one at every successful init.
static EPOCH: AtomicU64 = AtomicU64::new(0);
/// Whether the running session attached to a Python the host started (then entries also
/// check that the host's Python is not finalizing).
static ATTACHED: AtomicBool = AtomicBool::new(false);
/// The extra `sys.path` entries of the running session (sub-interpreters get them too).
static SYS_PATH: Mutex<Vec<String>> = Mutex::new(Vec::new());

#[inline(always)]
pub(crate) fn state() -> u32 {
    STATE.load(Ordering::Acquire)
}

#[inline(always)]
pub(crate) fn epoch() -> u64 {
    EPOCH.load(Ordering::Acquire)
}

#[inline(always)]
pub(crate) fn attached() -> bool {
    ATTACHED.load(Ordering::Relaxed)
}

pub fn is_initialized() -> bool {
    state() == RUNNING
}

pub(crate) fn set(state: u32) {
    STATE.store(state, Ordering::SeqCst);
}

/// A new session is being set up (not RUNNING yet): its epoch, returned, and options.
/// `set(RUNNING)` afterwards publishes it: a thread that sees RUNNING sees the new epoch.
pub(crate) fn next_session(attached: bool, sys_path: Vec<String>) -> u64 {
    *SYS_PATH.lock().unwrap_or_else(|e| e.into_inner()) = sys_path;
    ATTACHED.store(attached, Ordering::SeqCst);
    EPOCH.fetch_add(1, Ordering::SeqCst) + 1
}

pub(crate) fn sys_path() -> Vec<String> {
    SYS_PATH.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// The status a call gets when gilstuff is not running, with a message saying what to do.
#[cold]
pub(crate) fn refusal(state: u32) -> Error {
    let msg = match state {
        UNINITIALIZED => "gilstuff is not initialized: call gilstuff_init first",
        FINALIZING => "gilstuff is finalizing: no new calls enter Python",
        FINALIZED => "gilstuff has been finalized: call gilstuff_init to start again",
        _ => "gilstuff is not running",
    };
    Error::new(state, msg)
}

/// The error for a running gilstuff whose host Python is finalizing (attach mode).
#[cold]
pub(crate) fn host_finalizing() -> Error {
    Error::new(GILSTUFF_FINALIZING, "the Python that gilstuff is attached to is finalizing: no new calls enter it")
}
