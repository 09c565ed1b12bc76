//! `gilstuff_interp`: which interpreter a call works in.

use crate::runtime::error::{Error, Result};
use crate::runtime::object::InterpId;
use crate::runtime::status::GILSTUFF_ERR_UNSUPPORTED;

/// A Python interpreter. NULL always means the main interpreter.
pub struct gilstuff_interp {
    _opaque: [u8; 0],
}

/// The interpreter a `gilstuff_interp *` argument names.
pub(crate) fn id(interp: *mut gilstuff_interp) -> Result<InterpId> {
    if interp.is_null() {
        Ok(0)
    } else {
        Err(Error::new(GILSTUFF_ERR_UNSUPPORTED, "sub-interpreters are not available in this build: pass NULL"))
    }
}
