/*
 * Issue 3 from C: the object handle API used as a C host uses it.
 *
 * 1. The seed counter with handles only (import thing, getattr inc, gilstuff_call) from
 *    8 threads x 1000 calls: thing.x == 8000 (read back through handles too).
 * 2. The bad-input table: every pointer parameter NULL in turn (for a representative set
 *    of functions), made-up tokens, invalid UTF-8 (data, names, code), a str with a lone
 *    surrogate, int64 overflow both ways, uint64 negative / too big, float overflow,
 *    wrong types, kwargs / globals that are not dicts, release twice, use after
 *    release (also after the slot was reused), before init, a handle used after
 *    finalize, a handle of a previous init/finalize epoch. Each row returns its
 *    documented status with a non-empty message (CHECK_STATUS), leaves the out-parameter
 *    untouched, leaves no Python exception set (PyErr_Occurred and sys.exc_info()
 *    checked in a gilstuff_with_gil callback after every row) and leaks no reference
 *    (sys.getrefcount(probe) compared after every row).
 * 3. Release storm: 100,000 handles to one object released from 4 threads that never
 *    entered Python while 2 other threads call Python: the refcount returns to its start
 *    value; a second release is refused and not applied.
 * 4. Exceptions raised by called Python code (ZeroDivisionError, a custom class,
 *    KeyboardInterrupt, SystemExit) come back as GILSTUFF_ERR_PYTHON with type, message
 *    and traceback, through gilstuff_call, gilstuff_call_method, gilstuff_eval and
 *    gilstuff_exec; the process lives on and no exception is left set.
 * 5. Buffers: to_str / to_bytes / repr / type_name give NUL-terminated owned buffers
 *    (embedded NULs and non-ASCII kept) freed by gilstuff_buffer_free, which resets the
 *    buffer so a second free is harmless; the *_into variants report the needed size
 *    (cap 0 with NULL buf, cap too small -> GILSTUFF_ERR_BUFFER_TOO_SMALL with *len set
 *    and nothing copied; then a big enough buffer works).
 */
#include <Python.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "check.h"

#define NTHREADS 8
#define CALLS 1000
#define STORM 100000
#define RELEASERS 4
#define CALLERS 2

/* ---------------------------------------------------------------- helpers */

static void finalize_gilstuff(void) {
    gilstuff_error *err;
    CHECK_OK(gilstuff_finalize(&err), err);
}

static gilstuff_object *eval_obj(const char *expr) {
    gilstuff_error *err;
    gilstuff_object *out = NULL;
    CHECK_OK(gilstuff_eval(NULL, expr, NULL, &out, &err), err);
    CHECK(out != NULL);
    return out;
}

static void exec_code(const char *code) {
    gilstuff_error *err;
    CHECK_OK(gilstuff_exec(NULL, code, NULL, &err), err);
}

static void release(gilstuff_object *obj) {
    gilstuff_error *err;
    CHECK_OK(gilstuff_object_release(obj, &err), err);
}

static int64_t int_of(gilstuff_object *obj) {
    gilstuff_error *err;
    int64_t v = 0;
    CHECK_OK(gilstuff_to_int(obj, &v, &err), err);
    return v;
}

static int64_t eval_int(const char *expr) {
    gilstuff_object *o = eval_obj(expr);
    int64_t v = int_of(o);
    release(o);
    return v;
}

/* Runs with the GIL: no exception is pending and none is being handled. */
static gilstuff_status cb_no_exception(void *unused) {
    (void)unused;
    CHECKF(PyErr_Occurred() == NULL, "a Python exception is left set");
    PyObject *t = NULL, *v = NULL, *tb = NULL;
    PyErr_GetExcInfo(&t, &v, &tb);
    int clean = (t == NULL || t == Py_None);
    Py_XDECREF(t);
    Py_XDECREF(v);
    Py_XDECREF(tb);
    CHECKF(clean, "sys.exc_info() is not empty");
    return GILSTUFF_OK;
}

static void check_no_exception(void) {
    gilstuff_error *err;
    CHECK_OK(gilstuff_with_gil(cb_no_exception, NULL, &err), err);
    CHECK(eval_int("1 if sys.exc_info()[0] is None else 0") == 1);
}

/* ---------------------------------------------------------------- 1. counter */

static gilstuff_object *inc_fn;

static void *counter_worker(void *arg) {
    (void)arg;
    gilstuff_error *err;
    for (int i = 0; i < CALLS; i++) {
        if (i % 2) { /* every other call drops its result inside the call */
            CHECK_OK(gilstuff_invoke(inc_fn, NULL, 0, NULL, &err), err);
            continue;
        }
        gilstuff_object *r = NULL;
        CHECK_OK(gilstuff_call(inc_fn, NULL, 0, NULL, &r, &err), err);
        int64_t v = int_of(r);
        CHECKF(v >= 1 && v <= NTHREADS * CALLS, "inc() returned %lld", (long long)v);
        release(r);
    }
    return NULL;
}

static void test_counter(void) {
    gilstuff_error *err;
    gilstuff_object *thing = NULL;
    CHECK_OK(gilstuff_import(NULL, "thing", &thing, &err), err);
    CHECK_OK(gilstuff_getattr(thing, "inc", &inc_fn, &err), err);
    gilstuff_object *x0 = NULL;
    CHECK_OK(gilstuff_getattr(thing, "x", &x0, &err), err);
    int64_t start = int_of(x0);
    release(x0);

    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        CHECK(pthread_create(&th[i], NULL, counter_worker, NULL) == 0);
    for (int i = 0; i < NTHREADS; i++)
        CHECK(pthread_join(th[i], NULL) == 0);

    gilstuff_object *x = NULL;
    CHECK_OK(gilstuff_getattr(thing, "x", &x, &err), err);
    int64_t total = int_of(x) - start;
    CHECKF(total == NTHREADS * CALLS, "counter total %lld, expected %d", (long long)total,
           NTHREADS * CALLS);
    /* get() through call_method agrees. */
    gilstuff_object *got = NULL;
    CHECK_OK(gilstuff_call_method(thing, "get", NULL, 0, NULL, &got, &err), err);
    CHECK(int_of(got) == start + NTHREADS * CALLS);
    release(got);
    release(x);
    release(inc_fn);
    release(thing);
}

/* ---------------------------------------------------------------- 2. bad input */

static gilstuff_object *probe; /* __main__.probe, an object() */
static int64_t probe_start;

static int64_t probe_refcount(void) { return eval_int("sys.getrefcount(probe)"); }

/* One row of the table: `call` returns `expected` with a message, and afterwards no
 * exception is set and probe's refcount is unchanged. */
#define ROW(expected, call)                                                             \
    do {                                                                                \
        gilstuff_error *row_err_;                                                       \
        CHECK_STATUS(expected, call, row_err_);                                         \
        check_no_exception();                                                           \
        int64_t row_rc_ = probe_refcount();                                             \
        CHECKF(row_rc_ == probe_start, "%s: refcount of probe %lld, expected %lld",     \
               #call, (long long)row_rc_, (long long)probe_start);                      \
    } while (0)

/* Out-parameters are written only on success. */
#define SENTINEL ((gilstuff_object *)(uintptr_t)0x5e5e5e5e)

static void test_bad_input(void) {
    exec_code("import sys\nprobe = object()\nd = {}\ns = 'text'\nbs = b'bytes'\n"
              "def f(*a, **k): return None\n");
    probe = eval_obj("probe");
    probe_start = probe_refcount();
    gilstuff_object *d = eval_obj("d"), *s = eval_obj("s"), *bs = eval_obj("bs"),
                    *f = eval_obj("f");
    gilstuff_object *out = SENTINEL;
    gilstuff_object *null = NULL;
    gilstuff_object *made_up = (gilstuff_object *)(uintptr_t)0xdeadbeef;
    gilstuff_buffer b = {NULL, 0};
    int64_t i = 0;
    uint64_t u = 0;
    double fl = 0;
    bool flag = false;
    size_t n = 0;
    char small[8];

    /* Constructors: NULL out, NULL data with len > 0, NULL items, NULL handle in items. */
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_none(NULL, NULL, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_bool(NULL, true, NULL, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_int(NULL, 1, NULL, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_uint(NULL, 1, NULL, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_float(NULL, 1.0, NULL, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_str(NULL, "abc", 3, NULL, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_str(NULL, NULL, 3, &out, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_bytes(NULL, NULL, 3, &out, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_bytes(NULL, (const uint8_t *)"a", 1, NULL, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_tuple(NULL, NULL, 2, &out, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_tuple(NULL, &probe, 1, NULL, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_list(NULL, NULL, 1, &out, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_list(NULL, &null, 1, &out, &row_err_));
    {
        gilstuff_object *items[3] = {probe, null, probe};
        ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_tuple(NULL, items, 3, &out, &row_err_));
        items[1] = made_up;
        ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_list(NULL, items, 3, &out, &row_err_));
    }
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_dict(NULL, NULL, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_setitem(null, probe, probe, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_setitem(d, null, probe, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_setitem(d, probe, null, &row_err_));
    CHECK(eval_int("len(d)") == 0); /* nothing was stored by the refused setitems */

    /* Readers: NULL handle, made-up handle, NULL out. */
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_to_int(null, &i, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_to_int(made_up, &i, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_to_int(probe, NULL, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_to_uint(null, &u, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_to_uint(probe, NULL, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_to_float(null, &fl, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_to_float(probe, NULL, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_to_bool(null, &flag, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_to_bool(probe, NULL, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_is_none(null, &flag, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_is_none(probe, NULL, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_len(null, &n, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_len(s, NULL, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_to_str(null, &b, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_to_str(s, NULL, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_to_bytes(null, &b, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_to_bytes(bs, NULL, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_repr(null, &b, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_repr(probe, NULL, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_type_name(null, &b, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_type_name(probe, NULL, &row_err_));
    CHECK(b.data == NULL && b.len == 0); /* never written on failure */
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_to_str_into(null, small, sizeof small, &n, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_to_str_into(s, NULL, 4, &n, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_to_str_into(s, NULL, 0, NULL, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_to_bytes_into(null, (uint8_t *)small, sizeof small, &n, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_to_bytes_into(bs, NULL, 4, &n, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_to_bytes_into(bs, (uint8_t *)small, sizeof small, NULL, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_getitem(null, s, &out, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_getitem(d, null, &out, &row_err_));

    /* Use: import / getattr / setattr / call / call_method / eval / exec / main_dict. */
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_import(NULL, NULL, &out, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_import(NULL, "sys", NULL, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_getattr(null, "x", &out, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_getattr(probe, NULL, &out, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_getattr(probe, "__class__", NULL, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_setattr(null, "x", probe, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_setattr(f, NULL, probe, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_setattr(f, "x", null, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_call(null, NULL, 0, NULL, &out, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_call(f, NULL, 1, NULL, &out, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_call(f, &null, 1, NULL, &out, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_call(f, NULL, 0, NULL, NULL, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_call(f, NULL, 0, made_up, &out, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_invoke(null, NULL, 0, NULL, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_invoke(f, NULL, 1, NULL, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_invoke(f, &null, 1, NULL, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_invoke(f, NULL, 0, made_up, &row_err_));
    ROW(GILSTUFF_ERR_TYPE, gilstuff_invoke(f, NULL, 0, probe, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_call_method(null, "x", NULL, 0, NULL, &out, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_call_method(s, NULL, NULL, 0, NULL, &out, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_call_method(s, "upper", NULL, 1, NULL, &out, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_call_method(s, "upper", NULL, 0, NULL, NULL, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_eval(NULL, NULL, NULL, &out, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_eval(NULL, "1", NULL, NULL, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_eval(NULL, "1", made_up, &out, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_exec(NULL, NULL, NULL, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_main_dict(NULL, NULL, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_object_clone(null, &out, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_object_clone(made_up, &out, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_object_clone(probe, NULL, &row_err_));
    ROW(GILSTUFF_ERR_NULL_POINTER, gilstuff_object_release(NULL, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_object_release(made_up, &row_err_));
    /* A made-up interpreter is refused as well. */
    ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_int((gilstuff_interp *)(uintptr_t)0x5151, 1, &out, &row_err_));
    CHECK(out == SENTINEL);

    /* Invalid UTF-8 in data, in names and in code; lone surrogates on the way out. */
    static const char bad[] = "ab\xff";
    ROW(GILSTUFF_ERR_INVALID_UTF8, gilstuff_str(NULL, bad, 3, &out, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_UTF8, gilstuff_str(NULL, "\xc3", 1, &out, &row_err_)); /* truncated */
    ROW(GILSTUFF_ERR_INVALID_UTF8, gilstuff_str(NULL, "\xed\xa0\x80", 3, &out, &row_err_)); /* surrogate */
    ROW(GILSTUFF_ERR_INVALID_UTF8, gilstuff_import(NULL, "m\xffod", &out, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_UTF8, gilstuff_getattr(probe, "m\xffod", &out, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_UTF8, gilstuff_setattr(f, "m\xffod", probe, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_UTF8, gilstuff_call_method(s, "up\xffper", NULL, 0, NULL, &out, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_UTF8, gilstuff_eval(NULL, "'\xff'", NULL, &out, &row_err_));
    ROW(GILSTUFF_ERR_INVALID_UTF8, gilstuff_exec(NULL, "x = '\xff'", NULL, &row_err_));
    {
        gilstuff_object *sur = eval_obj("'a\\ud800b'");
        ROW(GILSTUFF_ERR_INVALID_UTF8, gilstuff_to_str(sur, &b, &row_err_));
        ROW(GILSTUFF_ERR_INVALID_UTF8, gilstuff_to_str_into(sur, small, sizeof small, &n, &row_err_));
        CHECK(b.data == NULL);
        release(sur);
    }

    /* Integer ranges: int64 overflow both ways, uint64 negative / too big; the limits
     * themselves convert. */
    {
        gilstuff_error *okerr;
        gilstuff_object *o = eval_obj("2**63");
        ROW(GILSTUFF_ERR_OVERFLOW, gilstuff_to_int(o, &i, &row_err_));
        CHECK_OK(gilstuff_to_uint(o, &u, &okerr), okerr);
        CHECK(u == (uint64_t)1 << 63);
        release(o);
        o = eval_obj("-2**63-1");
        ROW(GILSTUFF_ERR_OVERFLOW, gilstuff_to_int(o, &i, &row_err_));
        ROW(GILSTUFF_ERR_OVERFLOW, gilstuff_to_uint(o, &u, &row_err_));
        release(o);
        o = eval_obj("2**63-1");
        CHECK(int_of(o) == INT64_MAX);
        release(o);
        o = eval_obj("-2**63");
        CHECK(int_of(o) == INT64_MIN);
        release(o);
        o = eval_obj("-1");
        u = 77;
        ROW(GILSTUFF_ERR_OVERFLOW, gilstuff_to_uint(o, &u, &row_err_));
        CHECK(u == 77); /* out untouched on failure */
        release(o);
        o = eval_obj("2**64");
        ROW(GILSTUFF_ERR_OVERFLOW, gilstuff_to_uint(o, &u, &row_err_));
        release(o);
        o = eval_obj("2**64-1");
        CHECK_OK(gilstuff_to_uint(o, &u, &okerr), okerr);
        CHECK(u == UINT64_MAX);
        release(o);
        o = eval_obj("10**400");
        ROW(GILSTUFF_ERR_OVERFLOW, gilstuff_to_float(o, &fl, &row_err_));
        ROW(GILSTUFF_ERR_OVERFLOW, gilstuff_to_int(o, &i, &row_err_));
        release(o);
        /* And the other way: created from C, read back by Python. */
        gilstuff_object *mx = NULL, *mn = NULL, *umx = NULL;
        gilstuff_error *e;
        CHECK_OK(gilstuff_int(NULL, INT64_MIN, &mn, &e), e);
        CHECK_OK(gilstuff_int(NULL, INT64_MAX, &mx, &e), e);
        CHECK_OK(gilstuff_uint(NULL, UINT64_MAX, &umx, &e), e);
        CHECK(int_of(mn) == INT64_MIN && int_of(mx) == INT64_MAX);
        ROW(GILSTUFF_ERR_OVERFLOW, gilstuff_to_int(umx, &i, &row_err_));
        gilstuff_buffer r = {NULL, 0};
        CHECK_OK(gilstuff_repr(umx, &r, &e), e);
        CHECK(strcmp((const char *)r.data, "18446744073709551615") == 0);
        gilstuff_buffer_free(&r);
        release(mn);
        release(mx);
        release(umx);
    }

    /* Wrong types. */
    ROW(GILSTUFF_ERR_TYPE, gilstuff_to_int(probe, &i, &row_err_));
    ROW(GILSTUFF_ERR_TYPE, gilstuff_to_int(s, &i, &row_err_));
    ROW(GILSTUFF_ERR_TYPE, gilstuff_to_uint(s, &u, &row_err_));
    ROW(GILSTUFF_ERR_TYPE, gilstuff_to_float(probe, &fl, &row_err_));
    ROW(GILSTUFF_ERR_TYPE, gilstuff_to_str(probe, &b, &row_err_));
    ROW(GILSTUFF_ERR_TYPE, gilstuff_to_str(bs, &b, &row_err_));
    ROW(GILSTUFF_ERR_TYPE, gilstuff_to_bytes(s, &b, &row_err_));
    ROW(GILSTUFF_ERR_TYPE, gilstuff_to_str_into(bs, small, sizeof small, &n, &row_err_));
    ROW(GILSTUFF_ERR_TYPE, gilstuff_to_bytes_into(probe, (uint8_t *)small, sizeof small, &n, &row_err_));

    /* kwargs that is not a dict (an object, a list); globals that is not a dict. */
    {
        gilstuff_object *lst = eval_obj("[('a', 1)]");
        ROW(GILSTUFF_ERR_TYPE, gilstuff_call(f, NULL, 0, probe, &out, &row_err_));
        ROW(GILSTUFF_ERR_TYPE, gilstuff_call(f, NULL, 0, lst, &out, &row_err_));
        ROW(GILSTUFF_ERR_TYPE, gilstuff_call_method(s, "upper", NULL, 0, probe, &out, &row_err_));
        ROW(GILSTUFF_ERR_TYPE, gilstuff_eval(NULL, "1", probe, &out, &row_err_));
        ROW(GILSTUFF_ERR_TYPE, gilstuff_exec(NULL, "y = 1", lst, &row_err_));
        release(lst);
    }

    /* Python errors from the object API itself: a status and the exception's type. */
    {
        gilstuff_error *e;
        CHECK_FAILS(GILSTUFF_ERR_PYTHON, gilstuff_getattr(probe, "no_such_attr", &out, &e), e);
        CHECK_STR_CONTAINS(gilstuff_error_python_type(e), "AttributeError");
        gilstuff_error_free(e);
        check_no_exception();
        CHECK_FAILS(GILSTUFF_ERR_PYTHON, gilstuff_import(NULL, "no_such_module_xyz", &out, &e), e);
        CHECK_STR_CONTAINS(gilstuff_error_python_type(e), "ModuleNotFoundError");
        gilstuff_error_free(e);
        check_no_exception();
        ROW(GILSTUFF_ERR_PYTHON, gilstuff_getitem(d, probe, &out, &row_err_)); /* KeyError */
        ROW(GILSTUFF_ERR_PYTHON, gilstuff_len(probe, &n, &row_err_));        /* TypeError */
        ROW(GILSTUFF_ERR_PYTHON, gilstuff_eval(NULL, "1 +", NULL, &out, &row_err_)); /* SyntaxError */
        ROW(GILSTUFF_ERR_PYTHON, gilstuff_call(probe, NULL, 0, NULL, &out, &row_err_)); /* not callable */
    }
    CHECK(out == SENTINEL);

    /* The same calls with good arguments work (the table above is not refusing
     * everything), and give their references back. */
    {
        gilstuff_error *e;
        gilstuff_object *key = NULL, *r = NULL;
        CHECK_OK(gilstuff_str(NULL, "k", 1, &key, &e), e);
        CHECK_OK(gilstuff_setitem(d, key, probe, &e), e);
        CHECK(probe_refcount() == probe_start + 1); /* d['k'] holds probe */
        CHECK_OK(gilstuff_call(f, &probe, 1, d, &r, &e), e);
        bool is_none = false;
        CHECK_OK(gilstuff_is_none(r, &is_none, &e), e);
        CHECK(is_none);
        release(r);
        CHECK_OK(gilstuff_getitem(d, key, &r, &e), e);
        CHECK(probe_refcount() == probe_start + 2);
        release(r);
        exec_code("d.clear()");
        release(key);
        CHECK(probe_refcount() == probe_start);
    }

    /* Release twice; use after release; the slot reused by a new handle. */
    {
        gilstuff_object *c = NULL;
        gilstuff_error *e;
        CHECK_OK(gilstuff_object_clone(probe, &c, &e), e);
        CHECK(c != probe);
        CHECK(probe_refcount() == probe_start + 1);
        release(c);
        CHECK(probe_refcount() == probe_start);
        ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_object_release(c, &row_err_));
        ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_to_bool(c, &flag, &row_err_));
        ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_getattr(c, "__class__", &out, &row_err_));
        ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_call(f, &c, 1, NULL, &out, &row_err_));
        ROW(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_object_clone(c, &out, &row_err_));
        /* New handles may reuse the slot: the old token is still refused. */
        gilstuff_object *again[16];
        for (int k = 0; k < 16; k++) {
            CHECK_OK(gilstuff_object_clone(probe, &again[k], &e), e);
            CHECK(again[k] != c);
        }
        /* (ROW's refcount comparison does not hold here: 16 clones are alive.) */
        CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_to_bool(c, &flag, &e), e);
        CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_object_release(c, &e), e);
        check_no_exception();
        /* The refused release did not drop the reference of the handle now in its slot. */
        CHECK(probe_refcount() == probe_start + 16);
        for (int k = 0; k < 16; k++)
            release(again[k]);
    }
    CHECK(out == SENTINEL);

    CHECK(probe_refcount() == probe_start);
    check_no_exception();
    release(d);
    release(s);
    release(bs);
    release(f);
}

/* ---------------------------------------------------------------- 3. release storm */

static gilstuff_object **storm;
static atomic_int stop_callers;
static atomic_long caller_calls[CALLERS];

static void *releaser(void *arg) {
    size_t k = (size_t)(uintptr_t)arg;
    gilstuff_error *err;
    /* Start once every caller is calling, so that releases and calls overlap (the
     * releases alone take a few milliseconds). Waiting does not enter Python. */
    for (int c = 0; c < CALLERS; c++)
        while (atomic_load(&caller_calls[c]) == 0)
            usleep(100);
    size_t per = STORM / RELEASERS;
    for (size_t j = k * per; j < (k + 1) * per; j++)
        CHECK_OK(gilstuff_object_release(storm[j], &err), err);
    return NULL;
}

static void *caller(void *arg) {
    atomic_long *calls = arg;
    gilstuff_error *err;
    gilstuff_object *sum = eval_obj("sum");
    while (!atomic_load(&stop_callers)) {
        gilstuff_object *lst = eval_obj("[1, 2, 3]"), *r = NULL;
        CHECK_OK(gilstuff_call(sum, &lst, 1, NULL, &r, &err), err);
        CHECK(int_of(r) == 6);
        release(r);
        release(lst);
        atomic_fetch_add(calls, 1);
    }
    release(sum);
    return NULL;
}

static void test_release_storm(void) {
    exec_code("shared = object()");
    int64_t start = eval_int("sys.getrefcount(shared)");
    gilstuff_object *shared = eval_obj("shared");
    storm = calloc(STORM, sizeof *storm);
    CHECK(storm != NULL);
    gilstuff_error *err;
    for (size_t j = 0; j < STORM; j++)
        CHECK_OK(gilstuff_object_clone(shared, &storm[j], &err), err);
    release(shared);
    CHECK(eval_int("sys.getrefcount(shared)") == start + STORM);

    pthread_t callers[CALLERS], releasers[RELEASERS];
    atomic_store(&stop_callers, 0);
    for (int k = 0; k < CALLERS; k++) {
        atomic_store(&caller_calls[k], 0);
        CHECK(pthread_create(&callers[k], NULL, caller, &caller_calls[k]) == 0);
    }
    for (int k = 0; k < RELEASERS; k++)
        CHECK(pthread_create(&releasers[k], NULL, releaser, (void *)(uintptr_t)k) == 0);
    for (int k = 0; k < RELEASERS; k++)
        CHECK(pthread_join(releasers[k], NULL) == 0);
    long during[CALLERS];
    for (int k = 0; k < CALLERS; k++)
        during[k] = atomic_load(&caller_calls[k]);
    atomic_store(&stop_callers, 1);
    for (int k = 0; k < CALLERS; k++)
        CHECK(pthread_join(callers[k], NULL) == 0);
    fprintf(stderr, "release storm: %d releases; calls by the 2 callers until the releases ended: %ld, %ld\n",
            STORM, during[0], during[1]);
    /* The next entry applies whatever is still queued. */
    int64_t now = eval_int("sys.getrefcount(shared)");
    CHECKF(now == start, "refcount of shared %lld after the storm, expected %lld",
           (long long)now, (long long)start);
    /* A second release of any of them is refused and not applied. */
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_object_release(storm[7], &err), err);
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_object_release(storm[STORM - 1], &err), err);
    CHECK(eval_int("sys.getrefcount(shared)") == start);
    free(storm);
    storm = NULL;
    check_no_exception();
}

/* ---------------------------------------------------------------- 4. exceptions */

static void check_python_error(gilstuff_error *e, const char *type, const char *msg) {
    const char *t = gilstuff_error_python_type(e);
    const char *m = gilstuff_error_message(e);
    const char *tb = gilstuff_error_traceback(e);
    CHECKF(t && strcmp(t, type) == 0, "python type %s, expected %s", t ? t : "(null)", type);
    CHECKF(m && strcmp(m, msg) == 0, "message \"%s\", expected \"%s\"", m ? m : "(null)", msg);
    CHECK_STR_CONTAINS(tb, "Traceback (most recent call last)");
    CHECK_STR_CONTAINS(tb, "in boom");
    /* traceback prints "__main__." classes without the module name */
    const char *dot = strrchr(type, '.');
    CHECK_STR_CONTAINS(tb, dot ? dot + 1 : type);
}

static void test_exceptions(void) {
    exec_code("class Custom(Exception): pass\n"
              "def boom(kind):\n"
              "    if kind == 'zero': return 1 / 0\n"
              "    if kind == 'custom': raise Custom('custom message')\n"
              "    if kind == 'kbd': raise KeyboardInterrupt('stop!')\n"
              "    if kind == 'exit': raise SystemExit(3)\n"
              "    return kind\n");
    static const struct {
        const char *kind, *type, *msg;
    } cases[] = {
        {"zero", "ZeroDivisionError", "division by zero"},
        {"custom", "__main__.Custom", "custom message"},
        {"kbd", "KeyboardInterrupt", "stop!"},
        {"exit", "SystemExit", "3"},
    };
    gilstuff_error *e;
    gilstuff_object *boom = eval_obj("boom"), *main_mod = NULL;
    CHECK_OK(gilstuff_import(NULL, "__main__", &main_mod, &e), e);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gilstuff_object *arg = NULL, *out = SENTINEL;
        CHECK_OK(gilstuff_str(NULL, cases[k].kind, strlen(cases[k].kind), &arg, &e), e);
        /* gilstuff_call */
        CHECK_FAILS(GILSTUFF_ERR_PYTHON, gilstuff_call(boom, &arg, 1, NULL, &out, &e), e);
        check_python_error(e, cases[k].type, cases[k].msg);
        gilstuff_error_free(e);
        check_no_exception();
        /* gilstuff_call_method on the module */
        CHECK_FAILS(GILSTUFF_ERR_PYTHON, gilstuff_call_method(main_mod, "boom", &arg, 1, NULL, &out, &e), e);
        check_python_error(e, cases[k].type, cases[k].msg);
        gilstuff_error_free(e);
        check_no_exception();
        /* gilstuff_eval and gilstuff_exec */
        char code[64];
        snprintf(code, sizeof code, "boom('%s')", cases[k].kind);
        CHECK_FAILS(GILSTUFF_ERR_PYTHON, gilstuff_eval(NULL, code, NULL, &out, &e), e);
        check_python_error(e, cases[k].type, cases[k].msg);
        gilstuff_error_free(e);
        CHECK_FAILS(GILSTUFF_ERR_PYTHON, gilstuff_exec(NULL, code, NULL, &e), e);
        check_python_error(e, cases[k].type, cases[k].msg);
        gilstuff_error_free(e);
        check_no_exception();
        CHECK(out == SENTINEL);
        release(arg);
    }
    /* A bare SystemExit / KeyboardInterrupt (no argument) from exec, and sys.exit(0). */
    CHECK_FAILS(GILSTUFF_ERR_PYTHON, gilstuff_exec(NULL, "raise KeyboardInterrupt", NULL, &e), e);
    CHECK_STR_CONTAINS(gilstuff_error_python_type(e), "KeyboardInterrupt");
    gilstuff_error_free(e);
    CHECK_FAILS(GILSTUFF_ERR_PYTHON, gilstuff_exec(NULL, "import sys\nsys.exit(0)", NULL, &e), e);
    CHECK_STR_CONTAINS(gilstuff_error_python_type(e), "SystemExit");
    gilstuff_error_free(e);
    /* The process is still here, Python still works, nothing is left set. */
    CHECK(eval_int("41 + 1") == 42);
    check_no_exception();
    release(boom);
    release(main_mod);
}

/* ---------------------------------------------------------------- 5. buffers */

static void test_buffers(void) {
    gilstuff_error *e;
    /* str with non-ASCII text and an embedded NUL: 4 code points, 5 bytes of UTF-8. */
    static const char text[] = "h\xc3\xa9\0x";
    gilstuff_object *s = NULL;
    CHECK_OK(gilstuff_str(NULL, text, 5, &s, &e), e);
    size_t n = 0;
    CHECK_OK(gilstuff_len(s, &n, &e), e);
    CHECK(n == 4);
    gilstuff_buffer b = {NULL, 0};
    CHECK_OK(gilstuff_to_str(s, &b, &e), e);
    CHECK(b.data != NULL && b.len == 5 && memcmp(b.data, text, 5) == 0 && b.data[5] == 0);
    gilstuff_buffer_free(&b);
    CHECK(b.data == NULL && b.len == 0);
    gilstuff_buffer_free(&b); /* second free: harmless */
    gilstuff_buffer_free(NULL);

    /* Empty str from (NULL, 0): still a C string. */
    gilstuff_object *empty = NULL;
    CHECK_OK(gilstuff_str(NULL, NULL, 0, &empty, &e), e);
    CHECK_OK(gilstuff_to_str(empty, &b, &e), e);
    CHECK(b.len == 0 && b.data != NULL && b.data[0] == 0);
    gilstuff_buffer_free(&b);
    release(empty);

    /* bytes with NUL and 0xff; bytearray too. */
    static const uint8_t raw[] = {0x00, 0xff, 0x41, 0x00};
    gilstuff_object *bs = NULL;
    CHECK_OK(gilstuff_bytes(NULL, raw, sizeof raw, &bs, &e), e);
    CHECK_OK(gilstuff_to_bytes(bs, &b, &e), e);
    CHECK(b.len == sizeof raw && memcmp(b.data, raw, sizeof raw) == 0 && b.data[b.len] == 0);
    gilstuff_buffer_free(&b);
    gilstuff_object *ba = eval_obj("bytearray(b'xyz')");
    CHECK_OK(gilstuff_to_bytes(ba, &b, &e), e);
    CHECK(b.len == 3 && memcmp(b.data, "xyz", 3) == 0);
    gilstuff_buffer_free(&b);
    release(ba);

    /* repr and type_name. */
    CHECK_OK(gilstuff_repr(bs, &b, &e), e);
    CHECKF(strcmp((char *)b.data, "b'\\x00\\xffA\\x00'") == 0, "repr %s", (char *)b.data);
    CHECK(strlen((char *)b.data) == b.len);
    gilstuff_buffer_free(&b);
    CHECK_OK(gilstuff_type_name(bs, &b, &e), e);
    CHECK(strcmp((char *)b.data, "bytes") == 0 && b.len == 5);
    gilstuff_buffer_free(&b);
    gilstuff_object *custom = eval_obj("Custom('x')");
    CHECK_OK(gilstuff_type_name(custom, &b, &e), e);
    CHECKF(strcmp((char *)b.data, "__main__.Custom") == 0, "type name %s", (char *)b.data);
    gilstuff_buffer_free(&b);
    release(custom);

    /* to_str_into: ask for the size, too small, then exactly big enough. */
    char buf[16];
    size_t len = 999;
    CHECK_STATUS(GILSTUFF_ERR_BUFFER_TOO_SMALL, gilstuff_to_str_into(s, NULL, 0, &len, &e), e);
    CHECK(len == 5);
    memset(buf, '#', sizeof buf);
    len = 999;
    CHECK_STATUS(GILSTUFF_ERR_BUFFER_TOO_SMALL, gilstuff_to_str_into(s, buf, 5, &len, &e), e);
    CHECK(len == 5); /* no room for the NUL: too small, and nothing copied */
    for (size_t k = 0; k < sizeof buf; k++)
        CHECK(buf[k] == '#');
    len = 999;
    CHECK_OK(gilstuff_to_str_into(s, buf, 6, &len, &e), e);
    CHECK(len == 5 && memcmp(buf, text, 5) == 0 && buf[5] == 0 && buf[6] == '#');
    /* to_bytes_into: no NUL is added, so exactly len bytes suffice. */
    uint8_t ub[16];
    memset(ub, '#', sizeof ub);
    len = 999;
    CHECK_STATUS(GILSTUFF_ERR_BUFFER_TOO_SMALL, gilstuff_to_bytes_into(bs, NULL, 0, &len, &e), e);
    CHECK(len == sizeof raw);
    len = 999;
    CHECK_STATUS(GILSTUFF_ERR_BUFFER_TOO_SMALL, gilstuff_to_bytes_into(bs, ub, sizeof raw - 1, &len, &e), e);
    CHECK(len == sizeof raw);
    for (size_t k = 0; k < sizeof ub; k++)
        CHECK(ub[k] == '#');
    len = 999;
    CHECK_OK(gilstuff_to_bytes_into(bs, ub, sizeof raw, &len, &e), e);
    CHECK(len == sizeof raw && memcmp(ub, raw, sizeof raw) == 0 && ub[sizeof raw] == '#');

    /* Containers built from handles. */
    gilstuff_object *one = NULL, *fl = NULL, *t = NULL, *l = NULL, *dd = NULL, *nn = NULL, *tr = NULL;
    CHECK_OK(gilstuff_int(NULL, 1, &one, &e), e);
    CHECK_OK(gilstuff_float(NULL, 2.5, &fl, &e), e);
    CHECK_OK(gilstuff_none(NULL, &nn, &e), e);
    CHECK_OK(gilstuff_bool(NULL, true, &tr, &e), e);
    gilstuff_object *items[4] = {one, fl, nn, tr};
    CHECK_OK(gilstuff_tuple(NULL, items, 4, &t, &e), e);
    CHECK_OK(gilstuff_list(NULL, items, 4, &l, &e), e);
    CHECK_OK(gilstuff_dict(NULL, &dd, &e), e);
    CHECK_OK(gilstuff_setitem(dd, s, t, &e), e);
    CHECK_OK(gilstuff_repr(dd, &b, &e), e);
    CHECKF(strcmp((char *)b.data, "{'h\xc3\xa9\\x00x': (1, 2.5, None, True)}") == 0, "repr %s",
           (char *)b.data);
    gilstuff_buffer_free(&b);
    CHECK_OK(gilstuff_len(l, &n, &e), e);
    CHECK(n == 4);
    gilstuff_object *item = NULL;
    CHECK_OK(gilstuff_getitem(l, one, &item, &e), e); /* l[1] */
    double dv = 0;
    CHECK_OK(gilstuff_to_float(item, &dv, &e), e);
    CHECK(dv == 2.5);
    release(item);
    bool truth = true;
    CHECK_OK(gilstuff_to_bool(nn, &truth, &e), e);
    CHECK(!truth);
    CHECK_OK(gilstuff_to_bool(l, &truth, &e), e);
    CHECK(truth);
    CHECK_OK(gilstuff_to_float(one, &dv, &e), e); /* ints convert to double */
    CHECK(dv == 1.0);
    gilstuff_object *all[] = {one, fl, t, l, dd, nn, tr, s, bs};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        release(all[k]);
}

/* ---------------------------------------------------------------- epochs */

static void *release_on_fresh_thread(void *h) {
    gilstuff_error *err;
    CHECK_OK(gilstuff_object_release(h, &err), err);
    return NULL;
}

static void test_epochs(void) {
    gilstuff_error *e;
    gilstuff_object *kept = eval_obj("probe"), *kept2 = NULL, *kept3 = NULL, *out = SENTINEL;
    CHECK_OK(gilstuff_object_clone(kept, &kept2, &e), e);
    CHECK_OK(gilstuff_object_clone(kept, &kept3, &e), e);
    finalize_gilstuff();

    /* Used after finalize: the lifecycle status, at once. */
    bool flag = false;
    CHECK_STATUS(GILSTUFF_FINALIZED, gilstuff_to_bool(kept, &flag, &e), e);
    CHECK_STATUS(GILSTUFF_FINALIZED, gilstuff_getattr(kept, "__class__", &out, &e), e);
    CHECK_STATUS(GILSTUFF_FINALIZED, gilstuff_int(NULL, 1, &out, &e), e);
    CHECK_STATUS(GILSTUFF_FINALIZED, gilstuff_eval(NULL, "1", NULL, &out, &e), e);
    CHECK(out == SENTINEL);
    /* Released after finalize (from this thread and from a fresh one): only the handle
     * is freed; a second release is refused. */
    CHECK_OK(gilstuff_object_release(kept2, &e), e);
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_object_release(kept2, &e), e);
    pthread_t th;
    CHECK(pthread_create(&th, NULL, release_on_fresh_thread, kept3) == 0);
    CHECK(pthread_join(th, NULL) == 0);

    /* A handle of the previous epoch after a new init: INVALID_HANDLE, never a crash. */
    check_init_with_test_paths();
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_to_bool(kept, &flag, &e), e);
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_object_clone(kept, &out, &e), e);
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_to_bool(kept2, &flag, &e), e);
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_to_bool(probe, &flag, &e), e);
    CHECK(out == SENTINEL);
    CHECK_OK(gilstuff_object_release(kept, &e), e);
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_object_release(kept, &e), e);
    CHECK_OK(gilstuff_object_release(probe, &e), e);
    probe = NULL;
    /* A fresh interpreter: the old __main__ names are gone; new handles work. */
    CHECK_FAILS(GILSTUFF_ERR_PYTHON, gilstuff_eval(NULL, "probe", NULL, &out, &e), e);
    CHECK_STR_CONTAINS(gilstuff_error_python_type(e), "NameError");
    gilstuff_error_free(e);
    CHECK(eval_int("6 * 7") == 42);
    exec_code("import sys");
    check_no_exception();
    finalize_gilstuff();
}

int main(void) {
    check_hang_guard(120);
    gilstuff_error *e;
    gilstuff_object *out = SENTINEL;
    /* Before init: the lifecycle status at once, out untouched. */
    CHECK_STATUS(GILSTUFF_NOT_INITIALIZED, gilstuff_int(NULL, 1, &out, &e), e);
    CHECK_STATUS(GILSTUFF_NOT_INITIALIZED, gilstuff_import(NULL, "sys", &out, &e), e);
    CHECK_STATUS(GILSTUFF_NOT_INITIALIZED, gilstuff_eval(NULL, "1", NULL, &out, &e), e);
    CHECK(out == SENTINEL);

    check_init_with_test_paths();
    test_counter();
    test_bad_input();
    test_release_storm();
    test_exceptions();
    test_buffers();
    test_epochs();
    printf("ok test_objects\n");
    return 0;
}
