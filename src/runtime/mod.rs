//! The safe core: everything gilstuff does, in Rust terms. The C surface in `capi` is a
//! thin layer of argument checks and a panic boundary over these modules.
//!
//! The modules form a chain without cycles; each uses only those above it:
//!
//! ```text
//! status, error, config, registry, barrier, cpython     leaves
//! quarantine   other threads' deleted thread states, held until they rebind (3.12+)
//! state        lifecycle state and epoch: the cell every entry reads
//! thread       the per-thread context: kept thread states, "in a call" flag
//! handles      the handle table behind gilstuff_object
//! pending      a decref queue (one per interpreter) of released handles' slots
//! interp       the interpreter table: main (gen 0) and sub-interpreters
//! kept         making, finding and deleting a thread's kept states; thread exit
//! enter        entering and leaving an interpreter: the hot path
//! object       Python objects behind handles; value: portable values
//! subinterp    creating and ending sub-interpreters (keeper threads)
//! pool         pools of sub-interpreters
//! lifecycle    init and finalize
//! calls        asynchronous calls: completion queues and their worker threads
//! ```

pub mod barrier;
pub mod calls;
pub mod config;
pub(crate) mod cpython;
pub(crate) mod enter;
pub mod error;
pub mod handles;
pub mod interp;
pub(crate) mod kept;
pub mod lifecycle;
pub mod object;
pub(crate) mod pending;
pub mod pool;
pub(crate) mod quarantine;
pub mod registry;
pub mod state;
pub mod status;
pub mod subinterp;
pub(crate) mod thread;
pub mod value;
