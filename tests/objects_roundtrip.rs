//! Issue 3, behaviour 5: property test — ints, floats, strings and bytes survive
//! create → read unchanged, including empty, huge and non-ASCII values.
mod common;
use common::*;
use proptest::prelude::*;
use std::ptr;

fn roundtrip_int(v: i64) -> i64 {
    let mut o = ptr::null_mut();
    ok(|e| gilstuff_int(ptr::null_mut(), v, &mut o, e));
    let r = int_of(o);
    release(o);
    r
}

fn roundtrip_uint(v: u64) -> u64 {
    let (mut o, mut r) = (ptr::null_mut(), 0);
    ok(|e| gilstuff_uint(ptr::null_mut(), v, &mut o, e));
    ok(|e| gilstuff_to_uint(o, &mut r, e));
    release(o);
    r
}

fn roundtrip_float(v: f64) -> f64 {
    let (mut o, mut r) = (ptr::null_mut(), 0.0);
    ok(|e| gilstuff_float(ptr::null_mut(), v, &mut o, e));
    ok(|e| gilstuff_to_float(o, &mut r, e));
    release(o);
    r
}

fn roundtrip_str(v: &str) -> String {
    let mut o = ptr::null_mut();
    ok(|e| gilstuff_str(ptr::null_mut(), v.as_ptr().cast(), v.len(), &mut o, e));
    // Both read paths: owned buffer and caller buffer (after a size query).
    let owned = str_of(o);
    let mut needed = 0usize;
    let st = call(|e| gilstuff_to_str_into(o, ptr::null_mut(), 0, &mut needed, e));
    assert_eq!(st.map_err(|e| e.0), Err(GILSTUFF_ERR_BUFFER_TOO_SMALL));
    assert_eq!(needed, v.len());
    let mut buf = vec![0u8; needed + 1];
    let mut len = 0usize;
    ok(|e| gilstuff_to_str_into(o, buf.as_mut_ptr().cast(), buf.len(), &mut len, e));
    assert_eq!(len, v.len());
    assert_eq!(buf[len], 0, "NUL-terminated");
    assert_eq!(&buf[..len], owned.as_bytes());
    release(o);
    owned
}

fn roundtrip_bytes(v: &[u8]) -> Vec<u8> {
    let mut o = ptr::null_mut();
    ok(|e| gilstuff_bytes(ptr::null_mut(), v.as_ptr(), v.len(), &mut o, e));
    let mut b = gilstuff_buffer { data: ptr::null_mut(), len: 0 };
    ok(|e| gilstuff_to_bytes(o, &mut b, e));
    let r = unsafe { std::slice::from_raw_parts(b.data, b.len) }.to_vec();
    gilstuff_buffer_free(&mut b);
    assert!(b.data.is_null() && b.len == 0);
    let mut into = vec![0u8; v.len()];
    let mut len = 0usize;
    ok(|e| gilstuff_to_bytes_into(o, into.as_mut_ptr(), into.len(), &mut len, e));
    assert_eq!(&into[..len], &r[..]);
    release(o);
    r
}

#[test]
fn values_round_trip() {
    init();
    // Edge values first, then random ones.
    for v in [0, 1, -1, i64::MIN, i64::MAX] {
        assert_eq!(roundtrip_int(v), v);
    }
    for v in [0, u64::MAX, 1 << 63] {
        assert_eq!(roundtrip_uint(v), v);
    }
    for v in [0.0, -0.0, f64::MAX, f64::MIN_POSITIVE, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(roundtrip_float(v).to_bits(), v.to_bits());
    }
    assert!(roundtrip_float(f64::NAN).is_nan());
    for v in ["", "a", "héllo wörld", "日本語テキスト", "emoji 🐍🦀", "nul\0inside"] {
        assert_eq!(roundtrip_str(v), v);
    }
    let huge = "x".repeat(8 << 20) + "ü";
    assert_eq!(roundtrip_str(&huge), huge);
    let huge_bytes: Vec<u8> = (0..(4 << 20)).map(|i| (i % 251) as u8).collect();
    assert_eq!(roundtrip_bytes(&huge_bytes), huge_bytes);
    assert_eq!(roundtrip_bytes(&[]), Vec::<u8>::new());

    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(512));
    runner.run(&any::<i64>(), |v| {
        prop_assert_eq!(roundtrip_int(v), v);
        Ok(())
    }).unwrap();
    runner.run(&any::<u64>(), |v| {
        prop_assert_eq!(roundtrip_uint(v), v);
        Ok(())
    }).unwrap();
    runner.run(&any::<f64>(), |v| {
        let r = roundtrip_float(v);
        prop_assert!(r.to_bits() == v.to_bits() || (v.is_nan() && r.is_nan()));
        Ok(())
    }).unwrap();
    runner.run(&".{0,300}", |v: String| {
        prop_assert_eq!(roundtrip_str(&v), v);
        Ok(())
    }).unwrap();
    runner.run(&proptest::collection::vec(any::<u8>(), 0..2000), |v| {
        prop_assert_eq!(roundtrip_bytes(&v), v);
        Ok(())
    }).unwrap();
    finalize();
}
