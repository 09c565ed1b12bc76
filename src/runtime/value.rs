//! `Value`: plain data that crosses interpreters — none, bool, int64, double, str, bytes
//! and lists of these. A value owns its data and holds no Python reference, so it may be
//! made in one interpreter, moved to any thread and turned into objects of another.
//!
//! Conversions from Python accept `None`, `bool`, `int`, `float`, `str`, `bytes`,
//! `bytearray`, `list` and `tuple` (subclasses included; `bool` is tested before `int`);
//! both sequence types become [`Value::List`], so a round trip turns tuples into lists.
//! Anything else is `GILSTUFF_ERR_TYPE`. Lists may nest at most
//! [`GILSTUFF_VALUE_MAX_DEPTH`] levels, which also stops a list that contains itself.

use std::ffi::CStr;

use pyo3_ffi as ffi;

use super::error::{Error, Result};
use super::enter;
use super::object::{self, Owned};
use super::status::*;

/// The deepest list nesting a `gilstuff_value` may have: a list is 1 level, a list of
/// lists 2, and so on. Deeper values (or a Python list that contains itself) are refused
/// with `GILSTUFF_ERR_INVALID_ARGUMENT`.
pub const GILSTUFF_VALUE_MAX_DEPTH: usize = 100;

/// A portable value: plain data, no Python reference.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    List(Vec<Value>),
}

impl Value {
    /// The kind's name as users see it in messages: `"none"`, `"bool"`, `"int"`,
    /// `"float"`, `"str"`, `"bytes"` or `"list"`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::None => "none",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Bytes(_) => "bytes",
            Value::List(_) => "list",
        }
    }

    /// Whether lists nest more than `max` levels deep in this value. Recurses at most
    /// `max + 1` levels whatever the value's real depth.
    pub fn depth_exceeds(&self, max: usize) -> bool {
        match self {
            Value::List(items) => max == 0 || items.iter().any(|v| v.depth_exceeds(max - 1)),
            _ => false,
        }
    }
}

fn too_deep() -> Error {
    Error::new(
        GILSTUFF_ERR_INVALID_ARGUMENT,
        format!("lists nest more than {GILSTUFF_VALUE_MAX_DEPTH} levels deep (or a list contains itself)"),
    )
}

/// A new Python object equal to `v`; lists become Python `list`s.
///
/// # Safety
/// The calling thread holds the GIL of the interpreter the object is made in.
pub(crate) unsafe fn to_python(v: &Value) -> Result<Owned> {
    to_python_at(v, 0)
}

/// `depth`: how many lists enclose `v`.
unsafe fn to_python_at(v: &Value, depth: usize) -> Result<Owned> {
    // SAFETY (every call below): GIL held (caller's contract); each returns a new
    // reference or NULL with an exception set, which `from_new` takes.
    let p = match v {
        Value::None => ffi::compat::Py_NewRef(ffi::Py_None()),
        Value::Bool(b) => ffi::PyBool_FromLong(*b as _),
        Value::Int(i) => ffi::PyLong_FromLongLong(*i),
        Value::Float(f) => ffi::PyFloat_FromDouble(*f),
        // A Rust String or Vec never holds more than isize::MAX bytes: the casts are exact.
        Value::Str(s) => ffi::PyUnicode_FromStringAndSize(s.as_ptr().cast(), s.len() as _),
        Value::Bytes(b) => ffi::PyBytes_FromStringAndSize(b.as_ptr().cast(), b.len() as _),
        Value::List(items) => {
            if depth >= GILSTUFF_VALUE_MAX_DEPTH {
                return Err(too_deep());
            }
            let list = Owned::from_new(ffi::PyList_New(items.len() as _))?;
            for (i, item) in items.iter().enumerate() {
                // On an error the list is dropped with its unfilled slots still NULL,
                // which list deallocation allows.
                let obj = to_python_at(item, depth + 1)?;
                // SAFETY: `i` < the list's length; SET_ITEM steals the new reference
                // into a slot that is still NULL.
                ffi::PyList_SET_ITEM(list.ptr(), i as _, obj.into_ptr());
            }
            return Ok(list);
        }
    };
    Owned::from_new(p)
}

/// The value of a Python object (see the module documentation for what is accepted).
///
/// Errors: `GILSTUFF_ERR_TYPE` naming the type for anything else, `GILSTUFF_ERR_OVERFLOW`
/// for an int outside int64, `GILSTUFF_ERR_INVALID_UTF8` for a str with lone surrogates,
/// `GILSTUFF_ERR_INVALID_ARGUMENT` for lists nested deeper than
/// [`GILSTUFF_VALUE_MAX_DEPTH`]. No Python exception is left set.
///
/// # Safety
/// The calling thread holds the GIL of `obj`'s interpreter and `obj` is a live reference.
pub(crate) unsafe fn from_python(obj: *mut ffi::PyObject) -> Result<Value> {
    // A reference of our own, so that the object outlives any Python code the
    // conversion might run (a type name lookup on an error path).
    from_python_at(&Owned::from_borrowed(obj), 0)
}

/// `depth`: how many lists enclose `obj`.
unsafe fn from_python_at(obj: &Owned, depth: usize) -> Result<Value> {
    // SAFETY (whole body): GIL held (caller's contract); `obj` is alive while borrowed.
    let p = obj.ptr();
    if p == ffi::Py_None() {
        return Ok(Value::None);
    }
    if ffi::PyBool_Check(p) != 0 {
        return Ok(Value::Bool(p == ffi::Py_True()));
    }
    if ffi::PyLong_Check(p) != 0 {
        let mut overflow = 0;
        let v = ffi::PyLong_AsLongLongAndOverflow(p, &mut overflow);
        if overflow != 0 {
            return Err(Error::new(GILSTUFF_ERR_OVERFLOW, "the integer does not fit in int64_t"));
        }
        if v == -1 && !ffi::PyErr_Occurred().is_null() {
            return Err(Error::fetch_python());
        }
        return Ok(Value::Int(v));
    }
    if ffi::PyFloat_Check(p) != 0 {
        return Ok(Value::Float(ffi::PyFloat_AS_DOUBLE(p)));
    }
    if ffi::PyUnicode_Check(p) != 0 {
        let text = object::with_utf8(p, |b| std::str::from_utf8(b).map(|s| {
            // One spare byte: the C API keeps a NUL terminator there (capi::value).
            let mut text = String::with_capacity(s.len() + 1);
            text.push_str(s);
            text
        }))?;
        return text.map(Value::Str).map_err(|e| Error::new(GILSTUFF_ERR_INVALID_UTF8, format!("{e}")));
    }
    if ffi::PyBytes_Check(p) != 0 || ffi::PyByteArray_Check(p) != 0 {
        return object::with_bytes(obj, |b| {
            let mut bytes = Vec::with_capacity(b.len() + 1);
            bytes.extend_from_slice(b);
            Value::Bytes(bytes)
        });
    }
    let list = ffi::PyList_Check(p) != 0;
    if list || ffi::PyTuple_Check(p) != 0 {
        if depth >= GILSTUFF_VALUE_MAX_DEPTH {
            return Err(too_deep());
        }
        let len = |p| if list { ffi::PyList_Size(p) } else { ffi::PyTuple_Size(p) };
        let mut items = Vec::with_capacity(len(p).max(0) as usize);
        // The length is read again at each step: nothing here should run Python code
        // that changes the list, but a stale length must never index past the end.
        let mut i = 0;
        while i < len(p) {
            // A strong reference where the C API has one (lists: free-threaded builds may
            // change a list under a borrowed reference); a tuple's items cannot change.
            let item = if list {
                Owned::from_new(ffi::compat::PyList_GetItemRef(p, i))?
            } else {
                let item = ffi::PyTuple_GetItem(p, i);
                if item.is_null() {
                    return Err(Error::fetch_python());
                }
                // SAFETY: a borrowed reference from the live tuple, made strong here.
                Owned::from_borrowed(item)
            };
            items.push(from_python_at(&item, depth + 1)?);
            i += 1;
        }
        return Ok(Value::List(items));
    }
    Err(object::type_error(obj, "None, bool, int, float, str, bytes, bytearray, list or tuple"))
}

/// `from_python(to_python(v))` in the main interpreter: for tests.
#[doc(hidden)]
pub fn roundtrip_through_python(v: &Value) -> Result<Value> {
    let _gil = enter::enter(0)?;
    // SAFETY: the main interpreter's GIL is held by `_gil`, which outlives `obj`.
    unsafe {
        let obj = to_python(v)?;
        from_python(obj.ptr())
    }
}

/// The value of the expression `expr` evaluated in `__main__` of the main interpreter:
/// for tests.
#[doc(hidden)]
pub fn eval_to_value(expr: &CStr) -> Result<Value> {
    let _gil = enter::enter(0)?;
    // SAFETY: the main interpreter's GIL is held by `_gil`, which outlives every Owned
    // here; `__main__` exists while Python runs and its dict is a borrowed reference.
    unsafe {
        let main = Owned::from_new(ffi::compat::PyImport_AddModuleRef(c"__main__".as_ptr()))?;
        let globals = ffi::PyModule_GetDict(main.ptr());
        let obj = Owned::from_new(ffi::PyRun_StringFlags(
            expr.as_ptr(),
            ffi::Py_eval_input,
            globals,
            globals,
            std::ptr::null_mut(),
        ))?;
        from_python(obj.ptr())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> Value {
        let mut v = Value::Int(1);
        for _ in 0..levels {
            v = Value::List(vec![v]);
        }
        v
    }

    #[test]
    fn depth_counts_list_levels() {
        assert!(!Value::Int(3).depth_exceeds(0));
        assert!(!Value::List(vec![]).depth_exceeds(1));
        assert!(Value::List(vec![]).depth_exceeds(0));
        assert!(!nested(GILSTUFF_VALUE_MAX_DEPTH).depth_exceeds(GILSTUFF_VALUE_MAX_DEPTH));
        assert!(nested(GILSTUFF_VALUE_MAX_DEPTH + 1).depth_exceeds(GILSTUFF_VALUE_MAX_DEPTH));
        // The deepest branch counts, wherever it is.
        let v = Value::List(vec![Value::None, nested(3), Value::List(vec![])]);
        assert!(!v.depth_exceeds(4));
        assert!(v.depth_exceeds(3));
    }

    #[test]
    fn kind_names() {
        let all = [
            Value::None,
            Value::Bool(true),
            Value::Int(0),
            Value::Float(0.5),
            Value::Str("x".into()),
            Value::Bytes(vec![1]),
            Value::List(vec![]),
        ];
        let names: Vec<_> = all.iter().map(Value::kind_name).collect();
        assert_eq!(names, ["none", "bool", "int", "float", "str", "bytes", "list"]);
    }

    #[test]
    fn clone_is_deep_and_equal() {
        let v = Value::List(vec![Value::Str("é".into()), Value::Bytes(vec![0, 255]), nested(2)]);
        let w = v.clone();
        assert_eq!(v, w);
        drop(v);
        assert_eq!(w.kind_name(), "list");
    }
}
