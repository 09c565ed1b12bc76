//! Python objects behind handles: create, read, use, release — each call whole.
//!
//! Every function enters the interpreter it works in (a plain frame count when the
//! thread is already inside a gilstuff callback), checks its handles under the GIL, holds
//! an extra reference to each object it uses for the length of the call (another thread
//! may release the handle meanwhile), and leaves no Python exception set.

use std::ffi::CStr;
use std::ptr;

use pyo3_ffi as ffi;

use super::error::{self, Error, Result};
use super::enter::{self, Entered};
use super::handles::{self, Token};
use super::interp;
use super::state;
use super::status::*;

/// An owned reference, released on drop. Only made and dropped with the GIL held.
pub(crate) struct Owned(*mut ffi::PyObject);

impl Owned {
    /// Takes a new reference returned by the C API; NULL means the call raised.
    ///
    /// # Safety
    /// The GIL is held and `p` is NULL or an owned reference.
    pub(crate) unsafe fn from_new(p: *mut ffi::PyObject) -> Result<Owned> {
        if p.is_null() {
            Err(Error::fetch_python())
        } else {
            Ok(Owned(p))
        }
    }

    /// # Safety
    /// The GIL is held and `p` is a live borrowed reference.
    pub(crate) unsafe fn from_borrowed(p: *mut ffi::PyObject) -> Owned {
        ffi::Py_INCREF(p);
        Owned(p)
    }

    pub(crate) fn ptr(&self) -> *mut ffi::PyObject {
        self.0
    }

    pub(crate) fn into_ptr(self) -> *mut ffi::PyObject {
        let p = self.0;
        std::mem::forget(self);
        p
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        // SAFETY: made with the GIL held and dropped in the same call, still holding it.
        unsafe { ffi::Py_DECREF(self.0) }
    }
}

/// The interpreter a call works in: 0 for main, else a sub-interpreter's generation.
pub type InterpId = interp::Gen;

/// Enters `interp` on this thread.
#[inline(always)]
fn enter(interp: InterpId) -> Result<Entered> {
    Ok(enter::enter(interp)?)
}

fn dead_interp() -> Error {
    Error::new(GILSTUFF_ERR_INVALID_HANDLE, "invalid handle: its interpreter has been freed, and its object with it")
}

#[inline]
fn check_epoch(epoch: u64) -> Result<()> {
    let st = state::state();
    if st != state::RUNNING {
        return Err(state::refusal(st));
    }
    if epoch != state::epoch() {
        return Err(Error::new(
            GILSTUFF_ERR_INVALID_HANDLE,
            "invalid handle: it belongs to an earlier gilstuff_init; its object died at gilstuff_finalize",
        ));
    }
    Ok(())
}

/// The handle's object, with a reference held for the call.
///
/// `_gil` proves this thread is inside `interp`.
fn object(_gil: &Entered, interp: InterpId, token: Token) -> Result<Owned> {
    let t = handles::get(token)?;
    check_epoch(t.epoch)?;
    if t.interp != interp {
        if t.interp != 0 && interp::lookup(t.interp).is_err() {
            return Err(dead_interp());
        }
        return Err(Error::new(
            GILSTUFF_ERR_WRONG_INTERPRETER,
            format!("the handle belongs to interpreter {} but this call works in interpreter {interp}", t.interp),
        ));
    }
    // SAFETY: the GIL of `interp` is held and the handle was live under it: its decref can
    // only happen under this same GIL, so the object is alive here.
    Ok(unsafe { Owned::from_borrowed(t.object) })
}

/// Enters the handle's interpreter and resolves the handle.
#[inline(always)]
fn enter_with(token: Token) -> Result<(Entered, InterpId, Owned)> {
    // Read before entering, to know which interpreter to enter; checked again once the
    // GIL is held (a release may race with the read).
    let t = handles::peek(token).ok_or_else(handles::invalid)?;
    if t.interp != 0 {
        // A sub-interpreter ends at finalize: say "finalized" rather than "freed" then.
        check_epoch(t.epoch)?;
        interp::lookup(t.interp).map_err(|_| dead_interp())?;
    }
    let gil = enter(t.interp)?;
    // Still live under the GIL means no release happened since `peek` (a slot's live state
    // never recurs), so `t` is what it names. And of the epoch now running: an entry waits
    // out any finalize, so the epoch cannot change after this check.
    if !handles::still_live(token) || t.epoch != state::epoch() {
        return Err(stale(token));
    }
    // SAFETY: the interpreter's GIL is held and the handle is live under it: its decref
    // can only happen under this same GIL, so the object is alive.
    let obj = unsafe { Owned::from_borrowed(t.object) };
    Ok((gil, t.interp, obj))
}

/// Why a handle that `peek` found is unusable after entering.
#[cold]
fn stale(token: Token) -> Error {
    match handles::get(token) {
        Ok(t) => check_epoch(t.epoch).err().unwrap_or_else(handles::invalid),
        Err(e) => e,
    }
}

fn new_handle(_gil: &Entered, interp: InterpId, obj: Owned) -> Result<Token> {
    let p = obj.into_ptr();
    handles::insert(p, interp, state::epoch()).inspect_err(|_| {
        // SAFETY: GIL held (`_gil`); `p` is the owned reference that was not stored.
        unsafe { ffi::Py_DECREF(p) }
    })
}

/// Makes a new object in `interp` with `make` (which returns a new reference or NULL).
fn create(interp: InterpId, make: impl FnOnce() -> *mut ffi::PyObject) -> Result<Token> {
    let gil = enter(interp)?;
    // SAFETY: the GIL is held; `make` returns a new reference or NULL with an exception.
    let obj = unsafe { Owned::from_new(make()) }?;
    new_handle(&gil, interp, obj)
}

// ---- create -------------------------------------------------------------------------

pub fn none(interp: InterpId) -> Result<Token> {
    // SAFETY (closures below): called by `create` with the GIL held.
    create(interp, || unsafe { ffi::compat::Py_NewRef(ffi::Py_None()) })
}

pub fn boolean(interp: InterpId, v: bool) -> Result<Token> {
    create(interp, || unsafe { ffi::PyBool_FromLong(v as _) })
}

pub fn int(interp: InterpId, v: i64) -> Result<Token> {
    create(interp, || unsafe { ffi::PyLong_FromLongLong(v) })
}

pub fn uint(interp: InterpId, v: u64) -> Result<Token> {
    create(interp, || unsafe { ffi::PyLong_FromUnsignedLongLong(v) })
}

pub fn float(interp: InterpId, v: f64) -> Result<Token> {
    create(interp, || unsafe { ffi::PyFloat_FromDouble(v) })
}

pub fn str(interp: InterpId, text: &str) -> Result<Token> {
    create(interp, || unsafe { ffi::PyUnicode_FromStringAndSize(text.as_ptr().cast(), text.len() as _) })
}

pub fn bytes(interp: InterpId, data: &[u8]) -> Result<Token> {
    create(interp, || unsafe { ffi::PyBytes_FromStringAndSize(data.as_ptr().cast(), data.len() as _) })
}

pub fn dict(interp: InterpId) -> Result<Token> {
    create(interp, || unsafe { ffi::PyDict_New() })
}

/// A tuple (`list == false`) or list of the handles' objects.
pub fn sequence(interp: InterpId, items: &[Token], list: bool) -> Result<Token> {
    let gil = enter(interp)?;
    let objs = items.iter().map(|&t| object(&gil, interp, t)).collect::<Result<Vec<_>>>()?;
    // SAFETY: GIL held; PyTuple_SetItem/PyList_SetItem steal the new references given.
    let seq = unsafe {
        let n = objs.len() as ffi::Py_ssize_t;
        let seq = Owned::from_new(if list { ffi::PyList_New(n) } else { ffi::PyTuple_New(n) })?;
        for (i, o) in objs.into_iter().enumerate() {
            let p = o.into_ptr();
            if list {
                ffi::PyList_SetItem(seq.ptr(), i as _, p);
            } else {
                ffi::PyTuple_SetItem(seq.ptr(), i as _, p);
            }
        }
        seq
    };
    new_handle(&gil, interp, seq)
}

// ---- read ---------------------------------------------------------------------------

pub(crate) fn type_error(obj: &Owned, wanted: &str) -> Error {
    // SAFETY: called with the GIL held (obj exists only then).
    let ty = unsafe { error::type_name(ffi::Py_TYPE(obj.ptr()).cast()) };
    Error::new(GILSTUFF_ERR_TYPE, format!("expected {wanted}, got {ty}"))
}

/// The pending exception as an OVERFLOW error if it is an OverflowError.
unsafe fn overflow_or_python(what: &str) -> Error {
    if ffi::PyErr_ExceptionMatches(ffi::PyExc_OverflowError) != 0 {
        ffi::PyErr_Clear();
        Error::new(GILSTUFF_ERR_OVERFLOW, format!("the integer does not fit in {what}"))
    } else {
        Error::fetch_python()
    }
}

pub fn to_int(token: Token) -> Result<i64> {
    let (_gil, _, obj) = enter_with(token)?;
    // SAFETY: GIL held.
    unsafe {
        if ffi::PyLong_Check(obj.ptr()) == 0 && ffi::PyIndex_Check(obj.ptr()) == 0 {
            return Err(type_error(&obj, "an int"));
        }
        let mut overflow = 0;
        let v = ffi::PyLong_AsLongLongAndOverflow(obj.ptr(), &mut overflow);
        if overflow != 0 {
            return Err(Error::new(GILSTUFF_ERR_OVERFLOW, "the integer does not fit in int64_t"));
        }
        if v == -1 && !ffi::PyErr_Occurred().is_null() {
            return Err(Error::fetch_python());
        }
        Ok(v)
    }
}

pub fn to_uint(token: Token) -> Result<u64> {
    let (_gil, _, obj) = enter_with(token)?;
    // SAFETY: GIL held.
    unsafe {
        if ffi::PyLong_Check(obj.ptr()) == 0 && ffi::PyIndex_Check(obj.ptr()) == 0 {
            return Err(type_error(&obj, "an int"));
        }
        let index = Owned::from_new(ffi::PyNumber_Index(obj.ptr()))?;
        let v = ffi::PyLong_AsUnsignedLongLong(index.ptr());
        if v == u64::MAX && !ffi::PyErr_Occurred().is_null() {
            return Err(overflow_or_python("uint64_t (negative or too large)"));
        }
        Ok(v)
    }
}

pub fn to_float(token: Token) -> Result<f64> {
    let (_gil, _, obj) = enter_with(token)?;
    // SAFETY: GIL held.
    unsafe {
        if ffi::PyFloat_Check(obj.ptr()) == 0 && ffi::PyLong_Check(obj.ptr()) == 0 {
            return Err(type_error(&obj, "a float or int"));
        }
        let v = ffi::PyFloat_AsDouble(obj.ptr());
        if v == -1.0 && !ffi::PyErr_Occurred().is_null() {
            return Err(overflow_or_python("a double"));
        }
        Ok(v)
    }
}

pub fn to_bool(token: Token) -> Result<bool> {
    let (_gil, _, obj) = enter_with(token)?;
    // SAFETY: GIL held.
    match unsafe { ffi::PyObject_IsTrue(obj.ptr()) } {
        -1 => Err(unsafe { Error::fetch_python() }),
        v => Ok(v != 0),
    }
}

pub fn is_none(token: Token) -> Result<bool> {
    let (_gil, _, obj) = enter_with(token)?;
    // SAFETY: GIL held.
    Ok(obj.ptr() == unsafe { ffi::Py_None() })
}

/// Hands the UTF-8 bytes of a `str` object to `f`.
///
/// # Safety
/// The GIL is held and `s` is a str.
pub(crate) unsafe fn with_utf8<R>(s: *mut ffi::PyObject, f: impl FnOnce(&[u8]) -> R) -> Result<R> {
    let mut len: ffi::Py_ssize_t = 0;
    let data = ffi::PyUnicode_AsUTF8AndSize(s, &mut len);
    if data.is_null() {
        if ffi::PyErr_ExceptionMatches(ffi::PyExc_UnicodeEncodeError) != 0 {
            ffi::PyErr_Clear();
            return Err(Error::new(
                GILSTUFF_ERR_INVALID_UTF8,
                "the str holds lone surrogates and cannot be encoded as UTF-8",
            ));
        }
        return Err(Error::fetch_python());
    }
    Ok(f(std::slice::from_raw_parts(data.cast(), len as usize)))
}

/// Hands the contents of a `bytes` or `bytearray` object to `f`.
///
/// # Safety
/// The GIL is held.
pub(crate) unsafe fn with_bytes<R>(obj: &Owned, f: impl FnOnce(&[u8]) -> R) -> Result<R> {
    let p = obj.ptr();
    let (data, len) = if ffi::PyBytes_Check(p) != 0 {
        (ffi::PyBytes_AsString(p), ffi::PyBytes_Size(p))
    } else if ffi::PyByteArray_Check(p) != 0 {
        (ffi::PyByteArray_AsString(p), ffi::PyByteArray_Size(p))
    } else {
        return Err(type_error(obj, "bytes or bytearray"));
    };
    Ok(f(std::slice::from_raw_parts(data.cast(), len as usize)))
}

/// Which text or bytes a read function hands over.
#[derive(Clone, Copy)]
pub enum Text {
    /// The contents of a `str` (UTF-8).
    Str,
    /// The contents of a `bytes` or `bytearray`.
    Bytes,
    /// `repr(obj)`.
    Repr,
    /// The name of `type(obj)`.
    TypeName,
}

/// Hands the text (or bytes) `kind` of the handle's object to `f`, under the GIL.
pub fn read_text<R>(token: Token, kind: Text, f: impl FnOnce(&[u8]) -> R) -> Result<R> {
    let (_gil, _, obj) = enter_with(token)?;
    // SAFETY: GIL held for every call below.
    unsafe {
        match kind {
            Text::Str => {
                if ffi::PyUnicode_Check(obj.ptr()) == 0 {
                    return Err(type_error(&obj, "a str"));
                }
                with_utf8(obj.ptr(), f)
            }
            Text::Bytes => with_bytes(&obj, f),
            Text::Repr => {
                let r = Owned::from_new(ffi::PyObject_Repr(obj.ptr()))?;
                with_utf8(r.ptr(), f)
            }
            Text::TypeName => Ok(f(error::type_name(ffi::Py_TYPE(obj.ptr()).cast()).as_bytes())),
        }
    }
}

pub fn len(token: Token) -> Result<usize> {
    let (_gil, _, obj) = enter_with(token)?;
    // SAFETY: GIL held.
    match unsafe { ffi::PyObject_Size(obj.ptr()) } {
        -1 => Err(unsafe { Error::fetch_python() }),
        n => Ok(n as usize),
    }
}

pub fn getitem(container: Token, key: Token) -> Result<Token> {
    let (gil, interp, obj) = enter_with(container)?;
    let key = object(&gil, interp, key)?;
    // SAFETY: GIL held.
    let item = unsafe { Owned::from_new(ffi::PyObject_GetItem(obj.ptr(), key.ptr())) }?;
    new_handle(&gil, interp, item)
}

pub fn setitem(container: Token, key: Token, value: Token) -> Result<()> {
    let (gil, interp, obj) = enter_with(container)?;
    let key = object(&gil, interp, key)?;
    let value = object(&gil, interp, value)?;
    // SAFETY: GIL held.
    match unsafe { ffi::PyObject_SetItem(obj.ptr(), key.ptr(), value.ptr()) } {
        0 => Ok(()),
        _ => Err(unsafe { Error::fetch_python() }),
    }
}

// ---- use ----------------------------------------------------------------------------

pub fn import(interp: InterpId, name: &CStr) -> Result<Token> {
    create(interp, || unsafe { ffi::PyImport_ImportModule(name.as_ptr()) })
}

pub fn getattr(token: Token, name: &CStr) -> Result<Token> {
    let (gil, interp, obj) = enter_with(token)?;
    // SAFETY: GIL held.
    let attr = unsafe { Owned::from_new(ffi::PyObject_GetAttrString(obj.ptr(), name.as_ptr())) }?;
    new_handle(&gil, interp, attr)
}

pub fn setattr(token: Token, name: &CStr, value: Token) -> Result<()> {
    let (gil, interp, obj) = enter_with(token)?;
    let value = object(&gil, interp, value)?;
    // SAFETY: GIL held.
    match unsafe { ffi::PyObject_SetAttrString(obj.ptr(), name.as_ptr(), value.ptr()) } {
        0 => Ok(()),
        _ => Err(unsafe { Error::fetch_python() }),
    }
}

/// The kwargs handle's dict, or a TYPE error.
fn kwargs_dict(gil: &Entered, interp: InterpId, kwargs: Option<Token>) -> Result<Option<Owned>> {
    let Some(k) = kwargs else { return Ok(None) };
    let k = object(gil, interp, k)?;
    // SAFETY: GIL held.
    if unsafe { ffi::PyDict_Check(k.ptr()) } == 0 {
        return Err(Error::new(
            GILSTUFF_ERR_TYPE,
            format!("kwargs must be a dict, got {}", unsafe { error::type_name(ffi::Py_TYPE(k.ptr()).cast()) }),
        ));
    }
    Ok(Some(k))
}

/// `callable()`. `_gil` proves the GIL is held.
#[inline(always)]
fn call_no_args(_gil: &Entered, callable: &Owned) -> Result<Owned> {
    // SAFETY: GIL held; the result is a new reference or NULL with an exception set.
    unsafe { Owned::from_new(ffi::PyObject_CallNoArgs(callable.ptr())) }
}

/// Calls `callable(*args, **kwargs)` inside an entered interpreter; returns the result.
fn apply(gil: &Entered, interp: InterpId, callable: &Owned, args: &[Token], kwargs: Option<Token>) -> Result<Owned> {
    if args.is_empty() && kwargs.is_none() {
        return call_no_args(gil, callable);
    }
    let kwargs = kwargs_dict(gil, interp, kwargs)?;
    let held = args.iter().map(|&t| object(gil, interp, t)).collect::<Result<Vec<_>>>()?;
    let argv: Vec<*mut ffi::PyObject> = held.iter().map(Owned::ptr).collect();
    let kw = kwargs.as_ref().map_or(ptr::null_mut(), Owned::ptr);
    // SAFETY: GIL held; `argv` holds references kept alive by `held` during the call;
    // the result is a new reference or NULL with an exception set.
    unsafe { Owned::from_new(ffi::PyObject_VectorcallDict(callable.ptr(), argv.as_ptr(), argv.len(), kw)) }
}

pub fn call(callable: Token, args: &[Token], kwargs: Option<Token>) -> Result<Token> {
    let (gil, interp, f) = enter_with(callable)?;
    let result = apply(&gil, interp, &f, args, kwargs)?;
    new_handle(&gil, interp, result)
}

/// `call` for its effect only: the result is dropped before leaving, so no handle is made.
pub fn invoke(callable: Token, args: &[Token], kwargs: Option<Token>) -> Result<()> {
    let (gil, interp, f) = enter_with(callable)?;
    if args.is_empty() && kwargs.is_none() {
        // The hottest call a host makes (what the bindings' benchmarks hold against the
        // raw C API): `call_no_args` inlined here saves the out-of-line `apply`.
        return call_no_args(&gil, &f).map(drop);
    }
    apply(&gil, interp, &f, args, kwargs).map(drop)
}

pub fn call_method(obj: Token, name: &CStr, args: &[Token], kwargs: Option<Token>) -> Result<Token> {
    let (gil, interp, o) = enter_with(obj)?;
    // SAFETY: GIL held.
    let method = unsafe { Owned::from_new(ffi::PyObject_GetAttrString(o.ptr(), name.as_ptr())) }?;
    let result = apply(&gil, interp, &method, args, kwargs)?;
    new_handle(&gil, interp, result)
}

/// The globals to run code in: the handle's dict, or `__main__`'s.
fn globals(gil: &Entered, interp: InterpId, globals: Option<Token>) -> Result<Owned> {
    match globals {
        Some(g) => {
            let g = object(gil, interp, g)?;
            // SAFETY: GIL held.
            if unsafe { ffi::PyDict_Check(g.ptr()) } == 0 {
                return Err(Error::new(GILSTUFF_ERR_TYPE, "globals must be a dict"));
            }
            Ok(g)
        }
        // SAFETY: GIL held; __main__ always exists once Python runs.
        None => unsafe {
            let main = Owned::from_new(ffi::compat::PyImport_AddModuleRef(c"__main__".as_ptr()))?;
            Ok(Owned::from_borrowed(ffi::PyModule_GetDict(main.ptr())))
        },
    }
}

/// Runs `code` as an expression or as statements; returns its value (None for statements).
fn run(gil: &Entered, interp: InterpId, code: &CStr, globals_token: Option<Token>, expression: bool) -> Result<Owned> {
    let g = globals(gil, interp, globals_token)?;
    let start = if expression { ffi::Py_eval_input } else { ffi::Py_file_input };
    // SAFETY: GIL held.
    unsafe { Owned::from_new(ffi::PyRun_StringFlags(code.as_ptr(), start, g.ptr(), g.ptr(), ptr::null_mut())) }
}

pub fn eval(interp: InterpId, expr: &CStr, globals: Option<Token>) -> Result<Token> {
    let gil = enter(interp)?;
    let value = run(&gil, interp, expr, globals, true)?;
    new_handle(&gil, interp, value)
}

pub fn exec(interp: InterpId, code: &CStr, globals: Option<Token>) -> Result<()> {
    let gil = enter(interp)?;
    run(&gil, interp, code, globals, false).map(drop)
}

pub fn main_dict(interp: InterpId) -> Result<Token> {
    let gil = enter(interp)?;
    let g = globals(&gil, interp, None)?;
    new_handle(&gil, interp, g)
}

// ---- lifetime -----------------------------------------------------------------------

pub fn clone(token: Token) -> Result<Token> {
    let (gil, interp, obj) = enter_with(token)?;
    new_handle(&gil, interp, obj)
}

/// Ends the handle. The reference is dropped now if this thread is inside a gilstuff
/// call of the handle's interpreter, queued for that interpreter's next entry otherwise,
/// and only forgotten when its interpreter is gone (after finalize, earlier epoch).
pub fn release(token: Token) -> Result<()> {
    let (t, slot) = handles::remove_parked(token)?;
    let Some(interp) = interp::record(t.interp).filter(|i| t.epoch == i.epoch() && i.is_alive()) else {
        // The interpreter ended and took the object with it: only the slot is reused.
        handles::reuse(slot);
        return Ok(());
    };
    if enter::holds(t.interp, t.epoch) {
        // SAFETY: this thread has a state of the handle's interpreter attached (so holds
        // its GIL), in the handle's epoch, so the owned reference is alive.
        unsafe { ffi::Py_DECREF(t.object) };
        handles::reuse(slot);
    } else {
        interp.pending.push(slot);
    }
    Ok(())
}
