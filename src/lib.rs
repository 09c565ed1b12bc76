//! gilstuff: drive a shared CPython interpreter from the threads of foreign runtimes
//! (Pony actors, Go goroutines, plain pthreads) through a C ABI.
//!
//! Module map:
//! - [`runtime`]: the safe core — lifecycle state machine (`lifecycle`, `config`),
//!   per-thread thread-state cache (`tstate`), taking and giving back the GIL and switching
//!   interpreters (`gil`), the entry/finalize fence (`barrier`), errors and status codes,
//!   object handles (`handles`, `object`) and queued decrefs (`pending`), sub-interpreters
//!   and their keeper threads (`interp`, `registry`), portable values (`value`) and pools
//!   (`pool`).
//! - [`capi`]: the `extern "C"` functions and C types that `include/gilstuff.h` declares.
//!
//! The contract every function follows is in DESIGN.md ("One call, whole"): each call
//! takes the thread state and GIL it needs and gives them back before returning, except
//! inside `gilstuff_with_gil`, whose callback runs with the GIL held.

pub mod capi;
pub mod runtime;
