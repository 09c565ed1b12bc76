/*
 * Issue 4, behaviour 7 (and the gilstuff_value API) from C.
 *
 * - Portable values: create / read / free for every kind, list building and borrowing,
 *   clone is deep, and the documented errors (NULL pointers, invalid UTF-8, wrong kind,
 *   index out of range, a list pushed into itself, nesting deeper than
 *   GILSTUFF_VALUE_MAX_DEPTH); a refused push leaves the item the caller's.
 * - A pool of 2 interpreters with the default config (own GIL on 3.12+, shared GIL
 *   before): 8 host threads x 1000 calls of gilstuff_testmod.add with int values give
 *   the right sums; every 50th call also runs describe, and the calls are seen to run in
 *   both pool interpreters (two distinct id(sys.modules), neither of them main's).
 *   Values of every kind cross the pool and come back (add of str, bytes, lists, floats,
 *   bools; tuples come back as lists).
 * - Errors: a Python exception -> GILSTUFF_ERR_PYTHON with its type and message; a result
 *   that is not portable -> GILSTUFF_ERR_TYPE; missing module / function ->
 *   GILSTUFF_ERR_PYTHON; NULL arguments -> GILSTUFF_ERR_NULL_POINTER; bad sizes /
 *   indexes -> GILSTUFF_ERR_INVALID_ARGUMENT; own GIL before 3.12 ->
 *   GILSTUFF_ERR_UNSUPPORTED. The out-parameter stays untouched on failure.
 * - Free while calls are in flight (sleepy, 0.6 s, on both interpreters): free returns
 *   only after both calls have finished, both calls succeed with their results; a call
 *   started while free is waiting, later calls, pool_interp and a second free ->
 *   GILSTUFF_ERR_INVALID_HANDLE.
 * Every gilstuff_value is freed: LeakSanitizer reports any the test or the library leaks.
 */
#include <Python.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "check.h"

#define NTHREADS 8
#define CALLS 1000
#define SLEEP_S 0.6

static int py_minor;
static gilstuff_pool *pool;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static gilstuff_value *str_value(const char *s) {
    gilstuff_value *v = NULL;
    gilstuff_error *err;
    CHECK_OK(gilstuff_value_str(s, strlen(s), &v, &err), err);
    return v;
}

static int64_t int_value(const gilstuff_value *v) {
    int64_t x = 0;
    gilstuff_error *err;
    CHECK_OK(gilstuff_value_get_int(v, &x, &err), err);
    return x;
}

static const gilstuff_value *item(const gilstuff_value *list, size_t k) {
    const gilstuff_value *it = NULL;
    gilstuff_error *err;
    CHECK_OK(gilstuff_value_list_get(list, k, &it, &err), err);
    return it;
}

static size_t list_len(const gilstuff_value *list) {
    size_t n = 0;
    gilstuff_error *err;
    CHECK_OK(gilstuff_value_list_len(list, &n, &err), err);
    return n;
}

/* gilstuff_testmod.<fn>(*args) through the pool; the result, which must succeed. */
static gilstuff_value *pcall(const char *fn, const gilstuff_value *const *args, size_t nargs) {
    gilstuff_value *out = NULL;
    gilstuff_error *err;
    CHECK_OK(gilstuff_pool_call(pool, "gilstuff_testmod", fn, args, nargs, &out, &err), err);
    CHECK(out != NULL);
    return out;
}

/* ---------------------------------------------------------------- values */

static void test_values(void) {
    gilstuff_error *err;
    CHECK(gilstuff_value_get_kind(NULL) == GILSTUFF_VALUE_INVALID);
    gilstuff_value *none = gilstuff_value_none(), *t = gilstuff_value_bool(true),
                   *i = gilstuff_value_int(INT64_MIN), *f = gilstuff_value_float(-0.5);
    CHECK(gilstuff_value_get_kind(none) == GILSTUFF_VALUE_NONE);
    CHECK(gilstuff_value_get_kind(t) == GILSTUFF_VALUE_BOOL);
    CHECK(gilstuff_value_get_kind(i) == GILSTUFF_VALUE_INT);
    CHECK(gilstuff_value_get_kind(f) == GILSTUFF_VALUE_FLOAT);
    bool b = false;
    CHECK_OK(gilstuff_value_get_bool(t, &b, &err), err);
    CHECK(b);
    CHECK(int_value(i) == INT64_MIN);
    double d = 0;
    CHECK_OK(gilstuff_value_get_float(f, &d, &err), err);
    CHECK(d == -0.5);

    /* str: non-ASCII and an embedded NUL, NUL-terminated and borrowed. */
    static const char text[] = "\xc3\xa9t\xc3\xa9\0!";
    gilstuff_value *s = NULL;
    CHECK_OK(gilstuff_value_str(text, 7, &s, &err), err);
    const char *sd = NULL;
    size_t sl = 0;
    CHECK_OK(gilstuff_value_get_str(s, &sd, &sl, &err), err);
    CHECK(sl == 7 && memcmp(sd, text, 7) == 0 && sd[7] == 0);
    gilstuff_value *empty = NULL;
    CHECK_OK(gilstuff_value_str(NULL, 0, &empty, &err), err);
    CHECK_OK(gilstuff_value_get_str(empty, &sd, &sl, &err), err);
    CHECK(sl == 0 && sd != NULL && sd[0] == 0);
    /* bytes: never a NULL pointer, even empty. */
    static const uint8_t raw[] = {0, 0xff, 7};
    gilstuff_value *by = NULL, *eby = NULL;
    CHECK_OK(gilstuff_value_bytes(raw, 3, &by, &err), err);
    CHECK_OK(gilstuff_value_bytes(NULL, 0, &eby, &err), err);
    const uint8_t *bd = NULL;
    size_t bl = 0;
    CHECK_OK(gilstuff_value_get_bytes(by, &bd, &bl, &err), err);
    CHECK(bl == 3 && memcmp(bd, raw, 3) == 0 && bd[3] == 0);
    CHECK_OK(gilstuff_value_get_bytes(eby, &bd, &bl, &err), err);
    CHECK(bl == 0 && bd != NULL);

    /* Errors, out-parameters untouched. */
    gilstuff_value *untouched = (gilstuff_value *)(uintptr_t)0x77;
    gilstuff_value *out = untouched;
    int64_t x = 5;
    CHECK_STATUS(GILSTUFF_ERR_INVALID_UTF8, gilstuff_value_str("a\xff", 2, &out, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_value_str(NULL, 1, &out, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_value_str("a", 1, NULL, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_value_bytes(NULL, 1, &out, &err), err);
    CHECK(out == untouched);
    CHECK_STATUS(GILSTUFF_ERR_TYPE, gilstuff_value_get_int(t, &x, &err), err); /* bool is not int */
    CHECK_STATUS(GILSTUFF_ERR_TYPE, gilstuff_value_get_int(f, &x, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_TYPE, gilstuff_value_get_float(i, &d, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_TYPE, gilstuff_value_get_bool(none, &b, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_TYPE, gilstuff_value_get_str(by, &sd, &sl, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_TYPE, gilstuff_value_get_bytes(s, &bd, &bl, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_TYPE, gilstuff_value_list_len(s, &sl, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_value_get_int(NULL, &x, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_value_get_int(i, NULL, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_value_get_str(s, NULL, &sl, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_value_get_str(s, &sd, NULL, &err), err);
    CHECK(x == 5);

    /* Lists: push takes ownership; borrowed elements; deep clone. */
    gilstuff_value *list = gilstuff_value_list_new(), *inner = gilstuff_value_list_new();
    CHECK(gilstuff_value_get_kind(list) == GILSTUFF_VALUE_LIST);
    CHECK(list_len(list) == 0);
    CHECK_OK(gilstuff_value_list_push(inner, gilstuff_value_int(42), &err), err);
    gilstuff_value *items[] = {none, t, i, f, s, by, inner};
    for (size_t k = 0; k < sizeof items / sizeof items[0]; k++)
        CHECK_OK(gilstuff_value_list_push(list, items[k], &err), err);
    CHECK(list_len(list) == 7);
    CHECK(int_value(item(item(list, 6), 0)) == 42);
    const gilstuff_value *bad_item = (const gilstuff_value *)(uintptr_t)0x99;
    CHECK_STATUS(GILSTUFF_ERR_INVALID_ARGUMENT, gilstuff_value_list_get(list, 7, &bad_item, &err), err);
    CHECK(bad_item == (const gilstuff_value *)(uintptr_t)0x99);
    gilstuff_value *loose = gilstuff_value_none();
    CHECK_STATUS(GILSTUFF_ERR_TYPE, gilstuff_value_list_push(eby, loose, &err), err); /* not a list */
    gilstuff_value_free(loose); /* a refused item stays the caller's */
    CHECK_STATUS(GILSTUFF_ERR_INVALID_ARGUMENT, gilstuff_value_list_push(list, list, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_value_list_push(list, NULL, &err), err);
    gilstuff_value *copy = gilstuff_value_clone(list);
    CHECK(gilstuff_value_clone(NULL) == NULL);
    gilstuff_value_free(list); /* frees every element pushed into it */
    CHECK(list_len(copy) == 7 && int_value(item(copy, 2)) == INT64_MIN);
    CHECK_OK(gilstuff_value_get_str(item(copy, 4), &sd, &sl, &err), err);
    CHECK(sl == 7 && memcmp(sd, text, 7) == 0);
    gilstuff_value *elem_copy = gilstuff_value_clone(item(copy, 6)); /* clone of a borrowed one */
    CHECK(int_value(item(elem_copy, 0)) == 42);
    gilstuff_value_free(elem_copy);
    gilstuff_value_free(copy);

    /* Nesting limit: GILSTUFF_VALUE_MAX_DEPTH levels are fine, one more is refused and
     * the refused item stays the caller's (freed here: LSan checks nothing leaks). */
    gilstuff_value *deep = gilstuff_value_list_new(); /* depth 1 */
    for (int depth = 2; depth <= GILSTUFF_VALUE_MAX_DEPTH; depth++) {
        gilstuff_value *outer = gilstuff_value_list_new();
        CHECK_OK(gilstuff_value_list_push(outer, deep, &err), err);
        deep = outer;
    }
    gilstuff_value *too_deep = gilstuff_value_list_new();
    CHECK_FAILS(GILSTUFF_ERR_INVALID_ARGUMENT, gilstuff_value_list_push(too_deep, deep, &err), err);
    gilstuff_error_free(err);
    gilstuff_value_free(too_deep);
    gilstuff_value_free(deep);
    gilstuff_value_free(empty);
    gilstuff_value_free(eby);
    gilstuff_value_free(NULL);
}

/* ---------------------------------------------------------------- calls from 8 threads */

static int64_t main_modules_id;

typedef struct {
    int64_t t;
    int64_t seen[4]; /* distinct id(sys.modules) values seen by describe */
    int nseen;
} worker_t;

static void *worker(void *arg) {
    worker_t *w = arg;
    for (int64_t k = 0; k < CALLS; k++) {
        gilstuff_value *a = gilstuff_value_int(w->t * 1000000 + k), *b = gilstuff_value_int(k);
        const gilstuff_value *args[2] = {a, b};
        gilstuff_value *r = pcall("add", args, 2);
        CHECKF(int_value(r) == w->t * 1000000 + 2 * k, "add(%lld, %lld) = %lld", (long long)(w->t * 1000000 + k),
               (long long)k, (long long)int_value(r));
        gilstuff_value_free(r);
        if (k % 50 == 0) {
            gilstuff_value *dsc = pcall("describe", args, 1);
            CHECK(gilstuff_value_get_kind(dsc) == GILSTUFF_VALUE_LIST && list_len(dsc) == 2);
            CHECK(int_value(item(dsc, 0)) == w->t * 1000000 + k);
            int64_t id = int_value(item(dsc, 1));
            int known = 0;
            for (int j = 0; j < w->nseen; j++)
                known |= w->seen[j] == id;
            if (!known) {
                CHECKF(w->nseen < 4, "more than 4 distinct interpreters");
                w->seen[w->nseen++] = id;
            }
            gilstuff_value_free(dsc);
        }
        gilstuff_value_free(a);
        gilstuff_value_free(b);
    }
    return NULL;
}

static gilstuff_status cb_main_modules(void *out) {
    PyObject *mods = PyImport_GetModuleDict();
    *(int64_t *)out = (int64_t)(intptr_t)mods;
    return GILSTUFF_OK;
}

static void test_many_threads(void) {
    gilstuff_error *err;
    CHECK_OK(gilstuff_with_gil(cb_main_modules, &main_modules_id, &err), err);
    pthread_t th[NTHREADS];
    worker_t w[NTHREADS];
    memset(w, 0, sizeof w);
    double t0 = now();
    for (int k = 0; k < NTHREADS; k++) {
        w[k].t = k;
        CHECK(pthread_create(&th[k], NULL, worker, &w[k]) == 0);
    }
    int64_t all[8];
    int nall = 0;
    for (int k = 0; k < NTHREADS; k++) {
        CHECK(pthread_join(th[k], NULL) == 0);
        for (int j = 0; j < w[k].nseen; j++) {
            int known = 0;
            for (int m = 0; m < nall; m++)
                known |= all[m] == w[k].seen[j];
            if (!known) {
                CHECK(nall < 8);
                all[nall++] = w[k].seen[j];
            }
        }
    }
    fprintf(stderr, "%d x %d pool calls in %.2f s, %d interpreters seen\n", NTHREADS, CALLS,
            now() - t0, nall);
    CHECKF(nall == 2, "calls ran in %d distinct interpreters, expected the pool's 2", nall);
    for (int m = 0; m < nall; m++)
        CHECKF(all[m] != main_modules_id, "a pool call ran in the main interpreter");
}

/* ---------------------------------------------------------------- kinds through the pool */

static void test_kinds(void) {
    gilstuff_error *err;
    /* str + str */
    gilstuff_value *a = str_value("h\xc3\xa9"), *b = str_value("llo");
    const gilstuff_value *args[2] = {a, b};
    gilstuff_value *r = pcall("add", args, 2);
    const char *sd;
    size_t sl;
    CHECK_OK(gilstuff_value_get_str(r, &sd, &sl, &err), err);
    CHECK(sl == 6 && memcmp(sd, "h\xc3\xa9llo", 6) == 0);
    gilstuff_value_free(r);
    gilstuff_value_free(a);
    gilstuff_value_free(b);
    /* bytes + bytes */
    static const uint8_t x[] = {0, 1}, y[] = {0xff};
    CHECK_OK(gilstuff_value_bytes(x, 2, &a, &err), err);
    CHECK_OK(gilstuff_value_bytes(y, 1, &b, &err), err);
    args[0] = a, args[1] = b;
    r = pcall("add", args, 2);
    const uint8_t *bd;
    size_t bl;
    CHECK_OK(gilstuff_value_get_bytes(r, &bd, &bl, &err), err);
    CHECK(bl == 3 && bd[0] == 0 && bd[1] == 1 && bd[2] == 0xff);
    gilstuff_value_free(r);
    gilstuff_value_free(a);
    gilstuff_value_free(b);
    /* float + int, bool + bool */
    a = gilstuff_value_float(0.25), b = gilstuff_value_int(2);
    args[0] = a, args[1] = b;
    r = pcall("add", args, 2);
    double d = 0;
    CHECK_OK(gilstuff_value_get_float(r, &d, &err), err);
    CHECK(d == 2.25);
    gilstuff_value_free(r);
    gilstuff_value_free(a);
    gilstuff_value_free(b);
    a = gilstuff_value_bool(true), b = gilstuff_value_bool(true);
    args[0] = a, args[1] = b;
    r = pcall("add", args, 2);
    CHECK(gilstuff_value_get_kind(r) == GILSTUFF_VALUE_INT && int_value(r) == 2);
    gilstuff_value_free(r);
    gilstuff_value_free(a);
    gilstuff_value_free(b);
    /* list + list, with nested lists, None and str inside */
    a = gilstuff_value_list_new(), b = gilstuff_value_list_new();
    CHECK_OK(gilstuff_value_list_push(a, gilstuff_value_none(), &err), err);
    gilstuff_value *in = gilstuff_value_list_new();
    CHECK_OK(gilstuff_value_list_push(in, str_value("deep"), &err), err);
    CHECK_OK(gilstuff_value_list_push(b, in, &err), err);
    args[0] = a, args[1] = b;
    r = pcall("add", args, 2);
    CHECK(list_len(r) == 2);
    CHECK(gilstuff_value_get_kind(item(r, 0)) == GILSTUFF_VALUE_NONE);
    CHECK(list_len(item(r, 1)) == 1);
    CHECK_OK(gilstuff_value_get_str(item(item(r, 1), 0), &sd, &sl, &err), err);
    CHECK(sl == 4 && memcmp(sd, "deep", 4) == 0);
    gilstuff_value_free(r);
    gilstuff_value_free(a);
    gilstuff_value_free(b);
    /* a large int and a result computed in the pool */
    a = gilstuff_value_int(1000);
    args[0] = a;
    r = pcall("sum_of_squares", args, 1);
    CHECK(int_value(r) == 332833500);
    gilstuff_value_free(r);
    gilstuff_value_free(a);
}

/* ---------------------------------------------------------------- errors */

static void test_errors(void) {
    gilstuff_error *err;
    gilstuff_value *untouched = (gilstuff_value *)(uintptr_t)0x77, *out = untouched;
    gilstuff_value *msg = str_value("boom");
    const gilstuff_value *args[2] = {msg, msg};
    CHECK_FAILS(GILSTUFF_ERR_PYTHON, gilstuff_pool_call(pool, "gilstuff_testmod", "fail", args, 1, &out, &err), err);
    CHECK_STR_CONTAINS(gilstuff_error_python_type(err), "ValueError");
    CHECK_STR_CONTAINS(gilstuff_error_message(err), "boom");
    CHECK_STR_CONTAINS(gilstuff_error_traceback(err), "in fail");
    gilstuff_error_free(err);
    CHECK_STATUS(GILSTUFF_ERR_TYPE, gilstuff_pool_call(pool, "gilstuff_testmod", "not_portable", NULL, 0, &out, &err), err);
    CHECK_FAILS(GILSTUFF_ERR_PYTHON, gilstuff_pool_call(pool, "gilstuff_testmod", "no_such_function", NULL, 0, &out, &err), err);
    CHECK_STR_CONTAINS(gilstuff_error_python_type(err), "AttributeError");
    gilstuff_error_free(err);
    CHECK_FAILS(GILSTUFF_ERR_PYTHON, gilstuff_pool_call(pool, "no_such_module_xyz", "f", NULL, 0, &out, &err), err);
    CHECK_STR_CONTAINS(gilstuff_error_python_type(err), "ModuleNotFoundError");
    gilstuff_error_free(err);
    /* Wrong number of arguments: a TypeError from Python. */
    CHECK_FAILS(GILSTUFF_ERR_PYTHON, gilstuff_pool_call(pool, "gilstuff_testmod", "add", args, 1, &out, &err), err);
    CHECK_STR_CONTAINS(gilstuff_error_python_type(err), "TypeError");
    gilstuff_error_free(err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_pool_call(pool, NULL, "add", args, 2, &out, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_pool_call(pool, "gilstuff_testmod", NULL, args, 2, &out, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_pool_call(pool, "gilstuff_testmod", "add", NULL, 2, &out, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_pool_call(pool, "gilstuff_testmod", "add", args, 2, NULL, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_INVALID_UTF8, gilstuff_pool_call(pool, "gilstuff_testmod", "a\xff", args, 2, &out, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE,
                 gilstuff_pool_call((gilstuff_pool *)(uintptr_t)0x4242, "gilstuff_testmod", "add", args, 2, &out, &err), err);
    CHECK(out == untouched);
    gilstuff_value_free(msg);
    /* The pool is fine after all that. */
    gilstuff_value *one = gilstuff_value_int(1);
    args[0] = one, args[1] = one;
    gilstuff_value *r = pcall("add", args, 2);
    CHECK(int_value(r) == 2);
    gilstuff_value_free(r);
    gilstuff_value_free(one);

    /* pool_new / pool_interp argument errors. */
    gilstuff_pool *p = (gilstuff_pool *)(uintptr_t)0x55;
    CHECK_STATUS(GILSTUFF_ERR_INVALID_ARGUMENT, gilstuff_pool_new(0, NULL, &p, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_INVALID_ARGUMENT, gilstuff_pool_new(257, NULL, &p, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_pool_new(1, NULL, NULL, &err), err);
    if (py_minor < 12) {
        gilstuff_interp_config cfg;
        gilstuff_interp_config_init(&cfg);
        CHECK(!cfg.own_gil);
        cfg.own_gil = true;
        CHECK_FAILS(GILSTUFF_ERR_UNSUPPORTED, gilstuff_pool_new(2, &cfg, &p, &err), err);
        CHECK_STR_CONTAINS(gilstuff_error_message(err), "3.12");
        gilstuff_error_free(err);
    }
    CHECK(p == (gilstuff_pool *)(uintptr_t)0x55);
    gilstuff_interp *ip = NULL;
    CHECK_STATUS(GILSTUFF_ERR_INVALID_ARGUMENT, gilstuff_pool_interp(pool, 2, &ip, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_pool_interp(pool, 0, NULL, &err), err);
    CHECK(ip == NULL);
}

/* ---------------------------------------------------------------- free while in flight */

typedef struct {
    int64_t k;
    double started, finished;
    gilstuff_status st;
    int64_t result;
} slow_t;

static atomic_int slow_started;

static void *slow_call(void *arg) {
    slow_t *s = arg;
    gilstuff_value *secs = gilstuff_value_float(SLEEP_S), *v = gilstuff_value_int(s->k);
    const gilstuff_value *args[2] = {secs, v};
    gilstuff_value *out = NULL;
    gilstuff_error *err = NULL;
    s->started = now();
    atomic_fetch_add(&slow_started, 1);
    s->st = gilstuff_pool_call(pool, "gilstuff_testmod", "sleepy", args, 2, &out, &err);
    s->finished = now();
    if (s->st == GILSTUFF_OK) {
        s->result = int_value(out);
        gilstuff_value_free(out);
    } else {
        check_print_error(err);
        gilstuff_error_free(err);
    }
    gilstuff_value_free(secs);
    gilstuff_value_free(v);
    return NULL;
}

static double free_returned;
static gilstuff_status free_status;

static void *free_pool(void *unused) {
    (void)unused;
    gilstuff_error *err = NULL;
    free_status = gilstuff_pool_free(pool, &err);
    free_returned = now();
    if (free_status != GILSTUFF_OK)
        check_print_error(err);
    gilstuff_error_free(err);
    return NULL;
}

static void test_free_in_flight(void) {
    slow_t s[2] = {{.k = 11}, {.k = 22}};
    pthread_t th[2], fr;
    for (int k = 0; k < 2; k++)
        CHECK(pthread_create(&th[k], NULL, slow_call, &s[k]) == 0);
    while (atomic_load(&slow_started) < 2)
        usleep(1000);
    usleep(200 * 1000); /* both calls are in Python, sleeping */
    double free_called = now();
    CHECK(pthread_create(&fr, NULL, free_pool, NULL) == 0);
    usleep(150 * 1000); /* free is waiting for the two calls */
    /* A call that starts now is refused, at once. */
    gilstuff_error *err;
    gilstuff_value *v = gilstuff_value_int(1), *out = NULL;
    const gilstuff_value *args[2] = {v, v};
    double t0 = now();
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_pool_call(pool, "gilstuff_testmod", "add", args, 2, &out, &err), err);
    CHECKF(now() - t0 < 0.2, "a call after free began took %.3f s", now() - t0);
    CHECK(pthread_join(fr, NULL) == 0);
    for (int k = 0; k < 2; k++) {
        CHECK(pthread_join(th[k], NULL) == 0);
        CHECKF(s[k].st == GILSTUFF_OK, "in-flight call %d: %s", k, gilstuff_status_name(s[k].st));
        CHECK(s[k].result == s[k].k);
        CHECKF(s[k].finished - s[k].started >= SLEEP_S - 0.01, "call %d took %.3f s", k,
               s[k].finished - s[k].started);
        /* free returned only after the call had slept its full time */
        CHECKF(free_returned >= s[k].started + SLEEP_S - 0.01,
               "pool_free returned %.3f s after call %d started (it sleeps %.1f s)",
               free_returned - s[k].started, k, SLEEP_S);
    }
    CHECK(free_status == GILSTUFF_OK);
    CHECK(free_returned > free_called);
    /* Afterwards: every use of the pool is refused. */
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_pool_call(pool, "gilstuff_testmod", "add", args, 2, &out, &err), err);
    gilstuff_interp *ip = NULL;
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_pool_interp(pool, 0, &ip, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_pool_free(pool, &err), err);
    CHECK(out == NULL && ip == NULL);
    gilstuff_value_free(v);
}

int main(void) {
    check_hang_guard(120);
    const char *ver = gilstuff_python_version();
    int major = 0;
    CHECK(sscanf(ver, "%d.%d", &major, &py_minor) == 2 && major == 3);
    test_values(); /* no Python needed */

    check_init_with_test_paths();
    gilstuff_error *err;
    gilstuff_interp_config cfg;
    gilstuff_interp_config_init(&cfg);
    CHECK(cfg.own_gil == (py_minor >= 12));
    CHECK_OK(gilstuff_pool_new(2, &cfg, &pool, &err), err);
    gilstuff_interp *i0 = NULL, *i1 = NULL;
    CHECK_OK(gilstuff_pool_interp(pool, 0, &i0, &err), err);
    CHECK_OK(gilstuff_pool_interp(pool, 1, &i1, &err), err);
    CHECK(gilstuff_interp_id(i0) > 0 && gilstuff_interp_id(i1) > 0 &&
          gilstuff_interp_id(i0) != gilstuff_interp_id(i1));

    test_many_threads();
    test_kinds();
    test_errors();
    test_free_in_flight();
    CHECK(gilstuff_interp_id(i0) == -1 && gilstuff_interp_id(i1) == -1);

    CHECK_OK(gilstuff_finalize(&err), err);
    printf("ok test_pool (python %s)\n", ver);
    return 0;
}
