//! `Error`: a status code with a message and, for Python exceptions, the exception's
//! type name and formatted traceback. Errors are values handed back through an
//! out-parameter, never thread-local state (a goroutine may read it on another OS thread).

use std::ffi::{CStr, CString};
use std::ptr;

use pyo3_ffi as ffi;

use super::status::*;

/// An error: one pointer wide, so that `Result<T>` stays small on the hot paths (a wide
/// error made every `Result` a memory copy). Its fields are read through `Deref`.
#[derive(Debug, Clone)]
pub struct Error(Box<ErrorData>);

/// What an error holds; also the heap object behind `gilstuff_error *`.
#[derive(Debug, Clone)]
pub struct ErrorData {
    pub code: gilstuff_status,
    pub message: CString,
    pub python_type: Option<CString>,
    pub traceback: Option<CString>,
}

impl std::ops::Deref for Error {
    type Target = ErrorData;
    fn deref(&self) -> &ErrorData {
        &self.0
    }
}

impl Error {
    /// The error's data, to hand to C.
    pub(crate) fn into_data(self) -> ErrorData {
        *self.0
    }
}

/// The result type of the safe core.
pub type Result<T> = std::result::Result<T, Error>;

/// A `CString` from text that may hold NUL bytes (they become U+FFFD).
pub(crate) fn c_string(text: impl Into<String>) -> CString {
    let text = text.into();
    CString::new(text.replace('\0', "\u{FFFD}")).expect("NUL bytes were replaced")
}

impl Error {
    pub fn new(code: gilstuff_status, message: impl Into<String>) -> Self {
        Error(Box::new(ErrorData { code, message: c_string(message), python_type: None, traceback: None }))
    }

    pub fn null_pointer(param: &str) -> Self {
        Self::new(GILSTUFF_ERR_NULL_POINTER, format!("argument `{param}` must not be NULL"))
    }

    pub fn invalid_utf8(param: &str, e: std::str::Utf8Error) -> Self {
        Self::new(
            GILSTUFF_ERR_INVALID_UTF8,
            format!("argument `{param}` is not valid UTF-8 ({e}); pass UTF-8 text"),
        )
    }

    /// The message as text.
    pub fn message_str(&self) -> &str {
        self.message.to_str().unwrap_or("<invalid utf-8>")
    }

    /// Takes the current Python exception (which must be set) and clears it.
    ///
    /// # Safety
    /// The calling thread holds the GIL of the interpreter that raised it.
    #[allow(deprecated)] // PyErr_Fetch: still in 3.13; PyErr_GetRaisedException is 3.12+ only
    pub(crate) unsafe fn fetch_python() -> Self {
        let (mut ty, mut value, mut tb) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
        // SAFETY: GIL held (caller's contract); PyErr_Fetch transfers three owned references.
        ffi::PyErr_Fetch(&mut ty, &mut value, &mut tb);
        if ty.is_null() {
            return Self::new(GILSTUFF_ERR_PYTHON, "a Python error was reported but no exception is set");
        }
        ffi::PyErr_NormalizeException(&mut ty, &mut value, &mut tb);
        if !tb.is_null() && !value.is_null() {
            ffi::PyException_SetTraceback(value, tb);
        }
        let type_name = type_name(ty);
        let message = if value.is_null() { String::new() } else { text_of(value, ffi::PyObject_Str) };
        let traceback = format_traceback(ty, value, tb);
        ffi::Py_XDECREF(ty);
        ffi::Py_XDECREF(value);
        ffi::Py_XDECREF(tb);
        // Formatting must never leave an exception of its own behind.
        ffi::PyErr_Clear();
        Error(Box::new(ErrorData {
            code: GILSTUFF_ERR_PYTHON,
            message: c_string(if message.is_empty() { type_name.clone() } else { message }),
            python_type: Some(c_string(type_name)),
            traceback: traceback.map(c_string),
        }))
    }

    /// A panic caught at the C boundary.
    pub(crate) fn from_panic(payload: Box<dyn std::any::Any + Send>) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Self::new(GILSTUFF_ERR_PANIC, format!("gilstuff panicked (this is a bug, please report it): {what}"))
    }
}

/// `module.qualname` of an exception type, without the module for builtins.
pub(crate) unsafe fn type_name(ty: *mut ffi::PyObject) -> String {
    let qual = attr_text(ty, c"__qualname__");
    let module = attr_text(ty, c"__module__");
    match (module, qual) {
        (Some(m), Some(q)) if m != "builtins" => format!("{m}.{q}"),
        (_, Some(q)) => q,
        _ => {
            // SAFETY: ty is a type object (PyErr_Fetch returns the exception's type).
            let tp = ty as *mut ffi::PyTypeObject;
            CStr::from_ptr((*tp).tp_name).to_string_lossy().into_owned()
        }
    }
}

unsafe fn attr_text(obj: *mut ffi::PyObject, name: &CStr) -> Option<String> {
    let attr = ffi::PyObject_GetAttrString(obj, name.as_ptr());
    if attr.is_null() {
        ffi::PyErr_Clear();
        return None;
    }
    let text = utf8_of(attr);
    ffi::Py_DECREF(attr);
    text
}

/// `str(obj)` or `repr(obj)` as Rust text; a failure gives a placeholder, never an exception.
pub(crate) unsafe fn text_of(
    obj: *mut ffi::PyObject,
    conv: unsafe extern "C" fn(*mut ffi::PyObject) -> *mut ffi::PyObject,
) -> String {
    let s = conv(obj);
    if s.is_null() {
        ffi::PyErr_Clear();
        return "<unprintable>".into();
    }
    let text = utf8_of(s).unwrap_or_else(|| "<unprintable>".into());
    ffi::Py_DECREF(s);
    text
}

/// The UTF-8 text of a `str` object (lone surrogates replaced), `None` if not a str.
unsafe fn utf8_of(s: *mut ffi::PyObject) -> Option<String> {
    if ffi::PyUnicode_Check(s) == 0 {
        return None;
    }
    let bytes = ffi::PyUnicode_AsEncodedString(s, c"utf-8".as_ptr(), c"replace".as_ptr());
    if bytes.is_null() {
        ffi::PyErr_Clear();
        return None;
    }
    let data = ffi::PyBytes_AsString(bytes);
    let len = ffi::PyBytes_Size(bytes) as usize;
    let text = String::from_utf8_lossy(std::slice::from_raw_parts(data as *const u8, len)).into_owned();
    ffi::Py_DECREF(bytes);
    Some(text)
}

/// `"".join(traceback.format_exception(ty, value, tb))`, or `None` when it cannot be made.
unsafe fn format_traceback(
    ty: *mut ffi::PyObject,
    value: *mut ffi::PyObject,
    tb: *mut ffi::PyObject,
) -> Option<String> {
    let module = ffi::PyImport_ImportModule(c"traceback".as_ptr());
    if module.is_null() {
        ffi::PyErr_Clear();
        return None;
    }
    let none = ffi::Py_None();
    let or_none = |p: *mut ffi::PyObject| if p.is_null() { none } else { p };
    let lines = ffi::PyObject_CallMethod(
        module,
        c"format_exception".as_ptr(),
        c"OOO".as_ptr(),
        or_none(ty),
        or_none(value),
        or_none(tb),
    );
    ffi::Py_DECREF(module);
    if lines.is_null() {
        ffi::PyErr_Clear();
        return None;
    }
    let empty = ffi::PyUnicode_FromString(c"".as_ptr());
    let joined = ffi::PyUnicode_Join(empty, lines);
    ffi::Py_DECREF(empty);
    ffi::Py_DECREF(lines);
    if joined.is_null() {
        ffi::PyErr_Clear();
        return None;
    }
    let text = utf8_of(joined);
    ffi::Py_DECREF(joined);
    text
}
