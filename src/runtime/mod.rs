//! The safe core: everything gilstuff does, in Rust terms. The C surface in `capi` is a
//! thin layer of argument checks and a panic boundary over these modules.

pub mod barrier;
pub mod config;
pub mod error;
pub(crate) mod gil;
pub mod handles;
pub mod interp;
pub mod object;
pub mod lifecycle;
pub(crate) mod pending;
pub mod pool;
pub mod registry;
pub mod status;
pub(crate) mod tstate;
pub mod value;
