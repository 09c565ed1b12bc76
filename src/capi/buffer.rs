//! `gilstuff_buffer`: bytes the library hands to the caller.

use super::no_panic;

/// Bytes owned by the caller: `data[0..len]`, followed by a NUL byte that is not counted
/// in `len` (so a text result is also a C string). Free it with `gilstuff_buffer_free`.
#[repr(C)]
pub struct gilstuff_buffer {
    pub data: *mut u8,
    pub len: usize,
}

/// A NUL-terminated heap copy of `bytes`.
pub(crate) fn copy(bytes: &[u8]) -> gilstuff_buffer {
    let mut v = Vec::with_capacity(bytes.len() + 1);
    v.extend_from_slice(bytes);
    v.push(0);
    let boxed = v.into_boxed_slice();
    let len = boxed.len() - 1;
    gilstuff_buffer { data: Box::into_raw(boxed).cast(), len }
}

/// Frees the bytes of `*buf` and sets `buf->data = NULL`, `buf->len = 0`, so a second
/// call is harmless. NULL `buf` or NULL `buf->data` is a no-op.
///
/// Thread and GIL rules: any thread, with or without the GIL, before or after finalize.
#[no_mangle]
pub extern "C" fn gilstuff_buffer_free(buf: *mut gilstuff_buffer) {
    no_panic((), || {
        // SAFETY: `buf` is NULL or a buffer filled by gilstuff (header contract).
        let Some(b) = (unsafe { buf.as_mut() }) else { return };
        if b.data.is_null() {
            return;
        }
        // SAFETY: `data` came from `copy`: a boxed slice of `len + 1` bytes.
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(b.data, b.len + 1)) });
        b.data = std::ptr::null_mut();
        b.len = 0;
    })
}
