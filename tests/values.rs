//! Issue 4: the portable `gilstuff_value` — round trips through the C functions (every
//! kind, nesting, edge sizes, bad input with its status and message) and through Python
//! objects in the main interpreter (what is accepted, what is refused and why).
mod common;
use common::*;
use gilstuff::runtime::value::{eval_to_value, roundtrip_through_python, Value, GILSTUFF_VALUE_MAX_DEPTH};
use std::ffi::{c_char, CStr, CString};
use std::ptr;

type V = *mut gilstuff_value;

// ---- building and reading values through the C functions only ------------------------

fn c_str(bytes: &[u8]) -> Result<V, (gilstuff_status, String)> {
    let mut out = ptr::null_mut();
    call(|e| gilstuff_value_str(bytes.as_ptr().cast(), bytes.len(), &mut out, e))?;
    assert!(!out.is_null());
    Ok(out)
}

fn c_bytes(bytes: &[u8]) -> V {
    let mut out = ptr::null_mut();
    ok(|e| gilstuff_value_bytes(bytes.as_ptr(), bytes.len(), &mut out, e));
    out
}

/// `v` made with the C constructors.
fn to_c(v: &Value) -> V {
    let p = match v {
        Value::None => gilstuff_value_none(),
        Value::Bool(b) => gilstuff_value_bool(*b),
        Value::Int(i) => gilstuff_value_int(*i),
        Value::Float(f) => gilstuff_value_float(*f),
        Value::Str(s) => c_str(s.as_bytes()).unwrap(),
        Value::Bytes(b) => c_bytes(b),
        Value::List(items) => {
            let list = gilstuff_value_list_new();
            for item in items {
                let item = to_c(item);
                ok(|e| gilstuff_value_list_push(list, item, e));
            }
            list
        }
    };
    assert!(!p.is_null());
    p
}

/// The value behind `p`, read with the C readers only.
fn from_c(p: *const gilstuff_value) -> Value {
    match gilstuff_value_get_kind(p) {
        GILSTUFF_VALUE_NONE => Value::None,
        GILSTUFF_VALUE_BOOL => {
            let mut b = false;
            ok(|e| gilstuff_value_get_bool(p, &mut b, e));
            Value::Bool(b)
        }
        GILSTUFF_VALUE_INT => {
            let mut i = 0;
            ok(|e| gilstuff_value_get_int(p, &mut i, e));
            Value::Int(i)
        }
        GILSTUFF_VALUE_FLOAT => {
            let mut f = 0.0;
            ok(|e| gilstuff_value_get_float(p, &mut f, e));
            Value::Float(f)
        }
        GILSTUFF_VALUE_STR => {
            let (mut data, mut len): (*const c_char, usize) = (ptr::null(), usize::MAX);
            ok(|e| gilstuff_value_get_str(p, &mut data, &mut len, e));
            assert!(!data.is_null());
            // SAFETY: borrowed from `p`: `len` bytes and a NUL.
            let bytes = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len + 1) };
            assert_eq!(bytes[len], 0, "str data not NUL-terminated");
            Value::Str(String::from_utf8(bytes[..len].to_vec()).unwrap())
        }
        GILSTUFF_VALUE_BYTES => {
            let (mut data, mut len): (*const u8, usize) = (ptr::null(), usize::MAX);
            ok(|e| gilstuff_value_get_bytes(p, &mut data, &mut len, e));
            assert!(!data.is_null(), "bytes data NULL");
            // SAFETY: borrowed from `p`: `len` bytes and a NUL.
            let bytes = unsafe { std::slice::from_raw_parts(data, len + 1) };
            assert_eq!(bytes[len], 0, "bytes data not NUL-terminated");
            Value::Bytes(bytes[..len].to_vec())
        }
        GILSTUFF_VALUE_LIST => {
            let mut n = usize::MAX;
            ok(|e| gilstuff_value_list_len(p, &mut n, e));
            Value::List(
                (0..n)
                    .map(|i| {
                        let mut item = ptr::null();
                        ok(|e| gilstuff_value_list_get(p, i, &mut item, e));
                        from_c(item)
                    })
                    .collect(),
            )
        }
        k => panic!("unexpected kind {k}"),
    }
}

fn nested(levels: usize, leaf: Value) -> Value {
    (0..levels).fold(leaf, |v, _| Value::List(vec![v]))
}

/// One value of every kind, nested lists, edge cases of each scalar.
fn samples() -> Vec<Value> {
    vec![
        Value::None,
        Value::Bool(false),
        Value::Bool(true),
        Value::Int(0),
        Value::Int(-1),
        Value::Int(i64::MAX),
        Value::Int(i64::MIN),
        Value::Float(0.0),
        Value::Float(-0.5),
        Value::Float(f64::INFINITY),
        Value::Float(f64::MIN_POSITIVE),
        Value::Str(String::new()),
        Value::Str("hello".into()),
        Value::Str("ünïcødé — 中文 — 🐍".into()),
        Value::Str("nul\0inside".into()),
        Value::Bytes(vec![]),
        Value::Bytes(vec![0, 1, 2, 255]),
        Value::List(vec![]),
        Value::List(vec![Value::List(vec![])]),
        Value::List(vec![
            Value::Int(1),
            Value::Str("two".into()),
            Value::List(vec![Value::Float(3.0), Value::Bytes(b"four".to_vec()), Value::None]),
            Value::Bool(true),
        ]),
        nested(GILSTUFF_VALUE_MAX_DEPTH, Value::Str("deep".into())),
    ]
}

#[test]
fn values() {
    // Values need no Python: everything here works before init.
    c_api_round_trips();
    c_api_huge();
    c_api_bad_input();

    init();
    python_round_trips();
    python_conversions();
    python_refusals();
    finalize();

    // ...and after finalize; Python conversions report the lifecycle state.
    c_api_round_trips();
    assert_eq!(roundtrip_through_python(&Value::Int(1)).unwrap_err().code, GILSTUFF_FINALIZED);
}

fn c_api_round_trips() {
    for v in samples() {
        let p = to_c(&v);
        assert_eq!(from_c(p), v);
        let copy = gilstuff_value_clone(p);
        gilstuff_value_free(p);
        assert_eq!(from_c(copy), v, "clone outlives the original");
        gilstuff_value_free(copy);
    }
    // NaN is not equal to itself: check it on its own.
    let p = gilstuff_value_float(f64::NAN);
    let mut f = 0.0;
    ok(|e| gilstuff_value_get_float(p, &mut f, e));
    assert!(f.is_nan());
    gilstuff_value_free(p);

    // Empty str and bytes from NULL data; the readers still give a non-NULL "" pointer.
    let mut out = ptr::null_mut();
    ok(|e| gilstuff_value_str(ptr::null(), 0, &mut out, e));
    assert_eq!(from_c(out), Value::Str(String::new()));
    let mut data: *const c_char = ptr::null();
    let mut len = 7;
    ok(|e| gilstuff_value_get_str(out, &mut data, &mut len, e));
    assert_eq!((unsafe { CStr::from_ptr(data) }.to_bytes(), len), (&b""[..], 0));
    gilstuff_value_free(out);
    ok(|e| gilstuff_value_bytes(ptr::null(), 0, &mut out, e));
    assert_eq!(from_c(out), Value::Bytes(vec![]));
    gilstuff_value_free(out);

    // A str element borrowed from a list is a C string that lives as long as the list.
    let list = to_c(&Value::List(vec![Value::Int(1), Value::Str("élément".into())]));
    let mut item = ptr::null();
    ok(|e| gilstuff_value_list_get(list, 1, &mut item, e));
    ok(|e| gilstuff_value_get_str(item, &mut data, &mut len, e));
    assert_eq!(unsafe { CStr::from_ptr(data) }.to_str().unwrap(), "élément");
    assert_eq!(len, "élément".len());
    // Cloning a borrowed element gives an owned copy.
    let copy = gilstuff_value_clone(item);
    gilstuff_value_free(list);
    assert_eq!(from_c(copy), Value::Str("élément".into()));
    gilstuff_value_free(copy);
}

fn c_api_huge() {
    // 64 MiB of bytes, 16 MiB of non-ASCII text, a list of 200,000 elements.
    let big: Vec<u8> = (0..64usize << 20).map(|i| (i % 251) as u8).collect();
    let p = c_bytes(&big);
    assert_eq!(from_c(p), Value::Bytes(big));
    gilstuff_value_free(p);

    let text = "ü€🐍x".repeat((16 << 20) / 10);
    let p = c_str(text.as_bytes()).unwrap();
    assert_eq!(from_c(p), Value::Str(text));
    gilstuff_value_free(p);

    let many = Value::List((0..200_000).map(Value::Int).collect());
    let p = to_c(&many);
    let mut n = 0;
    ok(|e| gilstuff_value_list_len(p, &mut n, e));
    assert_eq!(n, 200_000);
    assert_eq!(from_c(p), many);
    gilstuff_value_free(p);
}

/// The status and message of a failing call; the message must mention `needle`.
fn fails(needle: &str, f: impl FnOnce(*mut *mut gilstuff_error) -> gilstuff_status) -> gilstuff_status {
    match call(f) {
        Ok(()) => panic!("expected a failure mentioning {needle:?}"),
        Err((st, msg)) => {
            assert!(msg.contains(needle), "message {msg:?} does not mention {needle:?}");
            st
        }
    }
}

fn c_api_bad_input() {
    let null: V = ptr::null_mut();
    let cnull: *const gilstuff_value = ptr::null();
    let mut out: V = ptr::null_mut();
    let (mut b, mut i, mut f, mut n) = (false, 0i64, 0f64, 0usize);
    let mut data: *const c_char = ptr::null();
    let mut bdata: *const u8 = ptr::null();
    let mut item: *const gilstuff_value = ptr::null();

    // Bad UTF-8: refused, nothing written.
    for bad in [&b"\xff"[..], b"abc\xc3", b"\xed\xa0\x80" /* an encoded surrogate */, b"\xc0\x80"] {
        let (st, msg) = c_str(bad).unwrap_err();
        assert_eq!(st, GILSTUFF_ERR_INVALID_UTF8, "{msg}");
        assert!(msg.contains("UTF-8"), "{msg}");
    }
    assert_eq!(fails("data", |e| gilstuff_value_str(ptr::null(), 1, &mut out, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(fails("data", |e| gilstuff_value_bytes(ptr::null(), 3, &mut out, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(fails("out", |e| gilstuff_value_str(c"x".as_ptr(), 1, ptr::null_mut(), e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(fails("out", |e| gilstuff_value_bytes(b"x".as_ptr(), 1, ptr::null_mut(), e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(fails("len", |e| gilstuff_value_bytes(b"x".as_ptr(), usize::MAX, &mut out, e)), GILSTUFF_ERR_INVALID_ARGUMENT);
    assert!(out.is_null(), "out written on failure");

    // NULL values and out-parameters in every reader.
    let v = gilstuff_value_int(5);
    let s = c_str(b"text").unwrap();
    let bytes = c_bytes(b"raw");
    let list = gilstuff_value_list_new();
    assert_eq!(gilstuff_value_get_kind(cnull), GILSTUFF_VALUE_INVALID);
    assert_eq!(fails("value", |e| gilstuff_value_get_bool(cnull, &mut b, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(fails("value", |e| gilstuff_value_get_int(cnull, &mut i, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(fails("value", |e| gilstuff_value_get_float(cnull, &mut f, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(fails("value", |e| gilstuff_value_get_str(cnull, &mut data, &mut n, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(fails("value", |e| gilstuff_value_get_bytes(cnull, &mut bdata, &mut n, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(fails("value", |e| gilstuff_value_list_len(cnull, &mut n, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(fails("list", |e| gilstuff_value_list_get(cnull, 0, &mut item, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(fails("out", |e| gilstuff_value_get_int(v, ptr::null_mut(), e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(fails("out", |e| gilstuff_value_get_bool(v, ptr::null_mut(), e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(fails("out", |e| gilstuff_value_get_float(v, ptr::null_mut(), e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(fails("data", |e| gilstuff_value_get_str(s, ptr::null_mut(), &mut n, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(fails("len", |e| gilstuff_value_get_str(s, &mut data, ptr::null_mut(), e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(fails("data", |e| gilstuff_value_get_bytes(bytes, ptr::null_mut(), &mut n, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(fails("len", |e| gilstuff_value_get_bytes(bytes, &mut bdata, ptr::null_mut(), e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(fails("out", |e| gilstuff_value_list_len(list, ptr::null_mut(), e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(fails("out", |e| gilstuff_value_list_get(list, 0, ptr::null_mut(), e)), GILSTUFF_ERR_NULL_POINTER);
    assert!(gilstuff_value_clone(cnull).is_null());
    gilstuff_value_free(null);

    // Wrong kinds: no conversion, the message names both kinds; nothing written.
    let bool_v = gilstuff_value_bool(true);
    let float_v = gilstuff_value_float(1.5);
    assert_eq!(fails("expected a bool value, got an int value", |e| gilstuff_value_get_bool(v, &mut b, e)), GILSTUFF_ERR_TYPE);
    assert_eq!(fails("expected an int value, got a bool value", |e| gilstuff_value_get_int(bool_v, &mut i, e)), GILSTUFF_ERR_TYPE);
    assert_eq!(fails("got a float", |e| gilstuff_value_get_int(float_v, &mut i, e)), GILSTUFF_ERR_TYPE);
    assert_eq!(fails("got an int", |e| gilstuff_value_get_float(v, &mut f, e)), GILSTUFF_ERR_TYPE);
    assert_eq!(fails("got a bytes", |e| gilstuff_value_get_str(bytes, &mut data, &mut n, e)), GILSTUFF_ERR_TYPE);
    assert_eq!(fails("got a str", |e| gilstuff_value_get_bytes(s, &mut bdata, &mut n, e)), GILSTUFF_ERR_TYPE);
    assert_eq!(fails("expected a list", |e| gilstuff_value_list_len(s, &mut n, e)), GILSTUFF_ERR_TYPE);
    assert_eq!(fails("expected a list", |e| gilstuff_value_list_get(v, 0, &mut item, e)), GILSTUFF_ERR_TYPE);
    assert_eq!((b, i, f, n), (false, 0, 0.0, 0), "out written on failure");
    assert!(data.is_null() && bdata.is_null() && item.is_null(), "out written on failure");

    // Index out of range.
    assert_eq!(fails("index 0 is out of range", |e| gilstuff_value_list_get(list, 0, &mut item, e)), GILSTUFF_ERR_INVALID_ARGUMENT);
    ok(|e| gilstuff_value_list_push(list, bool_v, e)); // the list owns bool_v now
    assert_eq!(fails("index 1", |e| gilstuff_value_list_get(list, 1, &mut item, e)), GILSTUFF_ERR_INVALID_ARGUMENT);
    assert_eq!(fails("index", |e| gilstuff_value_list_get(list, usize::MAX, &mut item, e)), GILSTUFF_ERR_INVALID_ARGUMENT);
    assert!(item.is_null());

    // Push: failures leave both sides unchanged and the item the caller's.
    assert_eq!(fails("list", |e| gilstuff_value_list_push(null, v, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(fails("item", |e| gilstuff_value_list_push(list, null, e)), GILSTUFF_ERR_NULL_POINTER);
    assert_eq!(fails("itself", |e| gilstuff_value_list_push(list, list, e)), GILSTUFF_ERR_INVALID_ARGUMENT);
    assert_eq!(fails("expected a list value, got a str", |e| gilstuff_value_list_push(s, v, e)), GILSTUFF_ERR_TYPE);
    assert_eq!(from_c(v), Value::Int(5), "item still the caller's after a failed push");
    assert_eq!(from_c(list), Value::List(vec![Value::Bool(true)]));
    // Nesting: exactly GILSTUFF_VALUE_MAX_DEPTH levels is fine, one more is refused.
    let deep = to_c(&nested(GILSTUFF_VALUE_MAX_DEPTH - 1, Value::None));
    let outer = gilstuff_value_list_new();
    ok(|e| gilstuff_value_list_push(outer, deep, e));
    assert_eq!(from_c(outer), nested(GILSTUFF_VALUE_MAX_DEPTH, Value::None));
    let too_deep = gilstuff_value_list_new();
    assert_eq!(fails("100 levels", |e| gilstuff_value_list_push(too_deep, outer, e)), GILSTUFF_ERR_INVALID_ARGUMENT);
    gilstuff_value_free(too_deep);
    gilstuff_value_free(outer);

    for p in [v, s, bytes, list, float_v] {
        gilstuff_value_free(p);
    }
}

// ---- Python ------------------------------------------------------------------------

fn python_round_trips() {
    for v in samples() {
        assert_eq!(roundtrip_through_python(&v).unwrap(), v);
    }
    let Value::Float(f) = roundtrip_through_python(&Value::Float(f64::NAN)).unwrap() else { panic!() };
    assert!(f.is_nan());
    // The C values themselves survive the trip (C → Value → Python → Value → C).
    let big = Value::List(vec![
        Value::Bytes((0..=255).collect()),
        Value::Str("🐍".repeat(100_000)),
        Value::List((0..10_000).map(|i| Value::Float(i as f64 / 3.0)).collect()),
    ]);
    let p = to_c(&big);
    let back = roundtrip_through_python(&from_c(p)).unwrap();
    gilstuff_value_free(p);
    assert_eq!(back, big);
    // One level too many never reaches Python.
    let err = roundtrip_through_python(&nested(GILSTUFF_VALUE_MAX_DEPTH + 1, Value::None)).unwrap_err();
    assert_eq!(err.code, GILSTUFF_ERR_INVALID_ARGUMENT, "{}", err.message_str());
}

fn value_of(expr: &str) -> Value {
    let e = CString::new(expr).unwrap();
    eval_to_value(&e).unwrap_or_else(|err| panic!("{expr}: {}", err.message_str()))
}

/// The code and message of a refused conversion.
fn refused(expr: &str) -> (gilstuff_status, String) {
    let e = CString::new(expr).unwrap();
    match eval_to_value(&e) {
        Ok(v) => panic!("{expr}: converted to {v:?}"),
        Err(err) => (err.code, err.message_str().to_string()),
    }
}

fn python_conversions() {
    exec("import enum\nclass Color(enum.IntEnum):\n    RED = 7\nclass MyStr(str): pass\nclass MyFloat(float): pass");
    let s = |t: &str| Value::Str(t.into());
    let cases: Vec<(&str, Value)> = vec![
        ("None", Value::None),
        ("True", Value::Bool(true)),
        ("False", Value::Bool(false)),
        ("1", Value::Int(1)),
        ("0", Value::Int(0)),
        ("2**63 - 1", Value::Int(i64::MAX)),
        ("-2**63", Value::Int(i64::MIN)),
        ("Color.RED", Value::Int(7)),
        ("1.25", Value::Float(1.25)),
        ("MyFloat(2.5)", Value::Float(2.5)),
        ("float('-inf')", Value::Float(f64::NEG_INFINITY)),
        ("'é\\x00z'", s("é\0z")),
        ("MyStr('sub')", s("sub")),
        ("''", s("")),
        ("b''", Value::Bytes(vec![])),
        ("b'\\x00\\xff'", Value::Bytes(vec![0, 255])),
        ("bytearray(b'ab')", Value::Bytes(b"ab".to_vec())),
        ("[]", Value::List(vec![])),
        ("()", Value::List(vec![])),
        ("(1, 'a', (None,))", Value::List(vec![Value::Int(1), s("a"), Value::List(vec![Value::None])])),
        ("[True, 1, [1.0, b'x']]", Value::List(vec![
            Value::Bool(true),
            Value::Int(1),
            Value::List(vec![Value::Float(1.0), Value::Bytes(b"x".to_vec())]),
        ])),
    ];
    for (expr, want) in cases {
        assert_eq!(value_of(expr), want, "{expr}");
    }
    // bool is not mistaken for int, nor int for bool.
    assert!(matches!(value_of("True"), Value::Bool(true)));
    assert!(matches!(value_of("1"), Value::Int(1)));
    // Deepest accepted nesting, built in Python.
    let deep = format!("{}None{}", "[".repeat(GILSTUFF_VALUE_MAX_DEPTH), "]".repeat(GILSTUFF_VALUE_MAX_DEPTH));
    assert_eq!(value_of(&deep), nested(GILSTUFF_VALUE_MAX_DEPTH, Value::None));
}

fn python_refusals() {
    exec("import sys\nprobe = object()\nloop = []\nloop.append(loop)");
    let before = eval_int("sys.getrefcount(probe)");

    let cases: &[(&str, gilstuff_status, &str)] = &[
        ("2**63", GILSTUFF_ERR_OVERFLOW, "int64"),
        ("-2**63 - 1", GILSTUFF_ERR_OVERFLOW, "int64"),
        ("[1, 10**30]", GILSTUFF_ERR_OVERFLOW, "int64"),
        ("object()", GILSTUFF_ERR_TYPE, "got object"),
        ("probe", GILSTUFF_ERR_TYPE, "got object"),
        ("[1, (2, [probe])]", GILSTUFF_ERR_TYPE, "got object"),
        ("{}", GILSTUFF_ERR_TYPE, "got dict"),
        ("{1, 2}", GILSTUFF_ERR_TYPE, "got set"),
        ("1j", GILSTUFF_ERR_TYPE, "got complex"),
        ("enum", GILSTUFF_ERR_TYPE, "got module"),
        ("'\\ud800'", GILSTUFF_ERR_INVALID_UTF8, "surrogate"),
        ("['ok', 'a\\udfffb']", GILSTUFF_ERR_INVALID_UTF8, "surrogate"),
        ("loop", GILSTUFF_ERR_INVALID_ARGUMENT, "levels"),
    ];
    for &(expr, code, needle) in cases {
        let (st, msg) = refused(expr);
        assert_eq!(st, code, "{expr}: {msg}");
        assert!(msg.contains(needle), "{expr}: message {msg:?} does not mention {needle:?}");
    }
    let too_deep = format!("{}None{}", "(".repeat(GILSTUFF_VALUE_MAX_DEPTH + 1), ",)".repeat(GILSTUFF_VALUE_MAX_DEPTH + 1));
    assert_eq!(refused(&too_deep).0, GILSTUFF_ERR_INVALID_ARGUMENT);
    // A Python exception from the expression itself is reported as such.
    assert_eq!(refused("1/0").0, GILSTUFF_ERR_PYTHON);

    // No reference leaked by the refusals, no exception left set, Python still fine.
    assert_eq!(eval_int("sys.getrefcount(probe)"), before);
    assert_eq!(value_of("sys.exc_info()[0]"), Value::None);
    assert_eq!(value_of("[len(loop)]"), Value::List(vec![Value::Int(1)]));
    exec("del loop[0]");
}
