/*
 * Object API benchmark (issue 3): gilstuff's object handles against the raw CPython C
 * API doing the same work, in one process and one run, on one registered thread (the
 * program's main thread, which makes gilstuff calls before anything is timed; Python is
 * started with gilstuff_init, owned origin, so this is not Python's main thread).
 *
 * Pairs (gilstuff variant vs raw variant):
 *   [1] call `lambda: None` and drop the result, each call entering Python by itself:
 *       gilstuff_call + gilstuff_object_release, outside any callback
 *       vs  PyEval_RestoreThread + PyObject_CallNoArgs + Py_DECREF + PyEval_SaveThread on a
 *       PyThreadState kept for the whole run (the floor of bench_core).   Target <= 1.3x.
 *   [1b] the same call through gilstuff_invoke, which drops the result inside the call
 *       (no result handle), vs the same raw loop.                        Target <= 1.3x.
 *   [2] the same call inside one GIL hold: a loop of gilstuff_call + release inside one
 *       gilstuff_with_gil callback (the nested fast path) vs a loop of PyObject_CallNoArgs
 *       + Py_DECREF inside one RestoreThread/SaveThread. Reported, no target.
 *   [3] int round trip, each step entering by itself: gilstuff_int, gilstuff_to_int,
 *       gilstuff_object_release vs PyLong_FromLongLong, PyLong_AsLongLong, Py_DECREF each
 *       inside its own RestoreThread/SaveThread (3 GIL entries). gilstuff_object_release
 *       outside a callback does not take the GIL: it queues the decref, which the next
 *       entry applies, so gilstuff enters twice per round trip. A second raw line with 2
 *       entries (the decref done in the read's entry) is printed for reference.
 *   [4] int round trip inside one GIL hold (gilstuff inside one with_gil callback vs raw
 *       inside one RestoreThread/SaveThread).                             Target <= 1.5x.
 *   [5] str round trip, each step entering by itself: gilstuff_str of 16 ASCII bytes,
 *       gilstuff_to_str_into a stack buffer, release vs PyUnicode_FromStringAndSize,
 *       PyUnicode_AsUTF8AndSize + memcpy, Py_DECREF, each in its own Restore/Save (and the
 *       2-entry raw line, as in [3]).                                      Target <= 1.5x.
 *   [6] str round trip inside one GIL hold.                                Target <= 1.5x.
 *   [7] gilstuff_invoke on main while a decref waits in the queue of an idle
 *       sub-interpreter (never entered during the run) vs the same with every queue
 *       empty: each interpreter has its own queue, so the first costs nothing more.
 *       Both lines are gilstuff; each run sets its queue state first.   Target <= 1.05x.
 * Ints are 1000003 + (i & 1023), outside CPython's small-int cache.
 *
 * Each variant's operation count is calibrated so one run takes about RUN_SECONDS; the
 * variants of a pair then run alternately REPS times (order swapped every repetition)
 * and the median ns/op is kept. It is a benchmark: targets are printed, not enforced
 * (the exit status is 0 unless a call fails). Runs in about 20 s.
 */
#include <Python.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gilstuff.h"
#include "bench_util.h"

#define REPS 7
#define RUN_SECONDS 0.2
#define PILOT_OPS 5000L
#define INT_BASE 1000003LL

static const char STR16[] = "abcdefghijklmnop"; /* 16 ASCII bytes */

static PyThreadState *raw_ts;  /* the raw variants' thread state, kept for the whole run */
static PyObject *raw_func;     /* __main__.f = lambda: None (strong reference) */
static gilstuff_object *h_func; /* a handle to the same object */
static volatile int64_t sink;  /* keeps results alive */

static void die(const char *what, gilstuff_status st, gilstuff_error *err) { bench_die("bench_objects", what, st, err); }

#define CHECK(what, call)                                                                          \
    do {                                                                                           \
        gilstuff_error *err_ = NULL;                                                               \
        gilstuff_status st_ = (call);                                                              \
        (void)err_;                                                                                \
        if (st_ != GILSTUFF_OK)                                                                    \
            die(what, st_, err_);                                                                  \
    } while (0)
/* `call` may name the error out-parameter as &err_. */

static void raw_fail(const char *what) {
    PyErr_Print();
    fprintf(stderr, "bench_objects: raw %s failed\n", what);
    exit(1);
}

/* ---- [1]/[2] call ---- */

static void g_call_once(void) {
    gilstuff_object *r;
    CHECK("gilstuff_call", gilstuff_call(h_func, NULL, 0, NULL, &r, &err_));
    CHECK("gilstuff_object_release", gilstuff_object_release(r, &err_));
}

static void r_call_once(void) {
    PyObject *r = PyObject_CallNoArgs(raw_func);
    if (!r)
        raw_fail("PyObject_CallNoArgs");
    Py_DECREF(r);
}

static void g_call_each(long n) {
    for (long i = 0; i < n; i++)
        g_call_once();
}

static void g_invoke_each(long n) {
    for (long i = 0; i < n; i++)
        CHECK("gilstuff_invoke", gilstuff_invoke(h_func, NULL, 0, NULL, &err_));
}

static void r_call_each(long n) {
    for (long i = 0; i < n; i++) {
        PyEval_RestoreThread(raw_ts);
        r_call_once();
        PyEval_SaveThread();
    }
}

static gilstuff_status g_call_loop_cb(void *np) {
    long n = *(long *)np;
    for (long i = 0; i < n; i++)
        g_call_once();
    return GILSTUFF_OK;
}

static void g_call_hold(long n) { CHECK("gilstuff_with_gil", gilstuff_with_gil(g_call_loop_cb, &n, &err_)); }

static void r_call_hold(long n) {
    PyEval_RestoreThread(raw_ts);
    for (long i = 0; i < n; i++)
        r_call_once();
    PyEval_SaveThread();
}

/* ---- [3]/[4] int round trip ---- */

static void g_int_once(long i) {
    int64_t v = INT_BASE + (i & 1023), x;
    gilstuff_object *o;
    CHECK("gilstuff_int", gilstuff_int(NULL, v, &o, &err_));
    CHECK("gilstuff_to_int", gilstuff_to_int(o, &x, &err_));
    CHECK("gilstuff_object_release", gilstuff_object_release(o, &err_));
    sink = x;
}

static void g_int_each(long n) {
    for (long i = 0; i < n; i++)
        g_int_once(i);
}

static gilstuff_status g_int_loop_cb(void *np) {
    long n = *(long *)np;
    for (long i = 0; i < n; i++)
        g_int_once(i);
    return GILSTUFF_OK;
}

static void g_int_hold(long n) { CHECK("gilstuff_with_gil", gilstuff_with_gil(g_int_loop_cb, &n, &err_)); }

static long long r_int_read(PyObject *o) {
    long long x = PyLong_AsLongLong(o);
    if (x == -1 && PyErr_Occurred())
        raw_fail("PyLong_AsLongLong");
    return x;
}

static PyObject *r_int_make(long i) {
    PyObject *o = PyLong_FromLongLong(INT_BASE + (i & 1023));
    if (!o)
        raw_fail("PyLong_FromLongLong");
    return o;
}

static void r_int_each3(long n) {
    for (long i = 0; i < n; i++) {
        PyEval_RestoreThread(raw_ts);
        PyObject *o = r_int_make(i);
        PyEval_SaveThread();
        PyEval_RestoreThread(raw_ts);
        long long x = r_int_read(o);
        PyEval_SaveThread();
        PyEval_RestoreThread(raw_ts);
        Py_DECREF(o);
        PyEval_SaveThread();
        sink = x;
    }
}

static void r_int_each2(long n) {
    for (long i = 0; i < n; i++) {
        PyEval_RestoreThread(raw_ts);
        PyObject *o = r_int_make(i);
        PyEval_SaveThread();
        PyEval_RestoreThread(raw_ts);
        long long x = r_int_read(o);
        Py_DECREF(o);
        PyEval_SaveThread();
        sink = x;
    }
}

static void r_int_hold(long n) {
    PyEval_RestoreThread(raw_ts);
    for (long i = 0; i < n; i++) {
        PyObject *o = r_int_make(i);
        long long x = r_int_read(o);
        Py_DECREF(o);
        sink = x;
    }
    PyEval_SaveThread();
}

/* ---- [5]/[6] str round trip ---- */

static void g_str_once(void) {
    char buf[64];
    size_t len;
    gilstuff_object *o;
    CHECK("gilstuff_str", gilstuff_str(NULL, STR16, 16, &o, &err_));
    CHECK("gilstuff_to_str_into", gilstuff_to_str_into(o, buf, sizeof buf, &len, &err_));
    CHECK("gilstuff_object_release", gilstuff_object_release(o, &err_));
    sink = buf[len - 1];
}

static void g_str_each(long n) {
    for (long i = 0; i < n; i++)
        g_str_once();
}

static gilstuff_status g_str_loop_cb(void *np) {
    long n = *(long *)np;
    for (long i = 0; i < n; i++)
        g_str_once();
    return GILSTUFF_OK;
}

static void g_str_hold(long n) { CHECK("gilstuff_with_gil", gilstuff_with_gil(g_str_loop_cb, &n, &err_)); }

static PyObject *r_str_make(void) {
    PyObject *o = PyUnicode_FromStringAndSize(STR16, 16);
    if (!o)
        raw_fail("PyUnicode_FromStringAndSize");
    return o;
}

static void r_str_read(PyObject *o, char *buf, size_t cap) {
    Py_ssize_t len;
    const char *p = PyUnicode_AsUTF8AndSize(o, &len);
    if (!p)
        raw_fail("PyUnicode_AsUTF8AndSize");
    if ((size_t)len + 1 > cap) {
        fprintf(stderr, "bench_objects: buffer too small\n");
        exit(1);
    }
    memcpy(buf, p, (size_t)len + 1);
    sink = buf[len - 1];
}

static void r_str_each3(long n) {
    char buf[64];
    for (long i = 0; i < n; i++) {
        PyEval_RestoreThread(raw_ts);
        PyObject *o = r_str_make();
        PyEval_SaveThread();
        PyEval_RestoreThread(raw_ts);
        r_str_read(o, buf, sizeof buf);
        PyEval_SaveThread();
        PyEval_RestoreThread(raw_ts);
        Py_DECREF(o);
        PyEval_SaveThread();
    }
}

static void r_str_each2(long n) {
    char buf[64];
    for (long i = 0; i < n; i++) {
        PyEval_RestoreThread(raw_ts);
        PyObject *o = r_str_make();
        PyEval_SaveThread();
        PyEval_RestoreThread(raw_ts);
        r_str_read(o, buf, sizeof buf);
        Py_DECREF(o);
        PyEval_SaveThread();
    }
}

static void r_str_hold(long n) {
    char buf[64];
    PyEval_RestoreThread(raw_ts);
    for (long i = 0; i < n; i++) {
        PyObject *o = r_str_make();
        r_str_read(o, buf, sizeof buf);
        Py_DECREF(o);
    }
    PyEval_SaveThread();
}

/* [7]: a sub-interpreter that stays idle, with or without a queued decref. */
static gilstuff_interp *idle_sub;

static gilstuff_status noop_cb(void *unused) {
    (void)unused;
    return GILSTUFF_OK;
}

static void g_invoke_sub_queued(long n) {
    gilstuff_object *o;
    CHECK("gilstuff_int (sub)", gilstuff_int(idle_sub, 1000003, &o, &err_));
    CHECK("gilstuff_object_release (queued)", gilstuff_object_release(o, &err_)); /* no GIL held: queued */
    g_invoke_each(n);
}

static void g_invoke_queues_empty(long n) {
    CHECK("gilstuff_with_interp (applies the queue)", gilstuff_with_interp(idle_sub, noop_cb, NULL, &err_));
    g_invoke_each(n);
}

/* ---- driver ---- */

typedef struct {
    const char *name;
    void (*fn)(long n);
} variant;

typedef struct {
    const char *title;
    double target; /* 0: reported, no target */
    variant g;     /* gilstuff */
    variant r;     /* raw C API, same GIL entries (or one hold) */
    variant r2;    /* optional second raw line (fn NULL: none) */
} pair;

static const pair pairs[] = {
    {"[1] call `lambda: None` + drop the result; each call enters Python by itself",
     1.3,
     {"gilstuff_call + gilstuff_object_release (outside any callback)", g_call_each},
     {"raw: RestoreThread + PyObject_CallNoArgs + Py_DECREF + SaveThread", r_call_each},
     {NULL, NULL}},
    {"[1b] the same with gilstuff_invoke, which drops the result inside the call",
     1.3,
     {"gilstuff_invoke (outside any callback)", g_invoke_each},
     {"raw: RestoreThread + PyObject_CallNoArgs + Py_DECREF + SaveThread", r_call_each},
     {NULL, NULL}},
    {"[2] call `lambda: None` + drop the result; all calls inside one GIL hold",
     0,
     {"gilstuff_call + release, inside one gilstuff_with_gil", g_call_hold},
     {"raw: PyObject_CallNoArgs + Py_DECREF, inside one Restore/Save", r_call_hold},
     {NULL, NULL}},
    {"[3] int round trip; each step enters Python by itself",
     1.5,
     {"gilstuff_int, gilstuff_to_int, release (2 entries + queued decref)", g_int_each},
     {"raw: FromLongLong | AsLongLong | DECREF, 3 Restore/Save", r_int_each3},
     {"raw: FromLongLong | AsLongLong + DECREF, 2 Restore/Save", r_int_each2}},
    {"[4] int round trip; everything inside one GIL hold",
     1.5,
     {"gilstuff_int, to_int, release, inside one gilstuff_with_gil", g_int_hold},
     {"raw: FromLongLong, AsLongLong, DECREF, inside one Restore/Save", r_int_hold},
     {NULL, NULL}},
    {"[5] str round trip (16 ASCII bytes); each step enters Python by itself",
     1.5,
     {"gilstuff_str, gilstuff_to_str_into, release (2 entries + queued decref)", g_str_each},
     {"raw: FromStringAndSize | AsUTF8AndSize+memcpy | DECREF, 3 Restore/Save", r_str_each3},
     {"raw: FromStringAndSize | AsUTF8AndSize+memcpy + DECREF, 2 Restore/Save", r_str_each2}},
    {"[6] str round trip (16 ASCII bytes); everything inside one GIL hold",
     1.5,
     {"gilstuff_str, to_str_into, release, inside one gilstuff_with_gil", g_str_hold},
     {"raw: FromStringAndSize, AsUTF8AndSize+memcpy, DECREF, one Restore/Save", r_str_hold},
     {NULL, NULL}},
    {"[7] gilstuff_invoke on main; a decref queued for an idle sub-interpreter vs none",
     1.05,
     {"gilstuff_invoke, one decref waiting in the idle sub-interpreter's queue", g_invoke_sub_queued},
     {"gilstuff_invoke, every queue empty (the same run's baseline)", g_invoke_queues_empty},
     {NULL, NULL}},
};
#define NPAIRS (sizeof pairs / sizeof pairs[0])

/* ns/op of one run of n ops, after a short untimed warm-up. */
static double time_run(const variant *v, long n) {
    v->fn(n / 20 + 10);
    double t0 = bench_now();
    v->fn(n);
    return (bench_now() - t0) * 1e9 / (double)n;
}

static long calibrate(const variant *v) {
    double ns = time_run(v, PILOT_OPS);
    long n = (long)(RUN_SECONDS / (ns * 1e-9));
    return n < 1000 ? 1000 : n;
}

static gilstuff_status setup_cb(void *unused) {
    (void)unused;
    PyObject *main = PyImport_AddModule("__main__"); /* borrowed */
    if (!main)
        return GILSTUFF_ERR_PYTHON;
    raw_func = PyDict_GetItemString(PyModule_GetDict(main), "f"); /* borrowed */
    if (!raw_func)
        return GILSTUFF_ERR_PYTHON;
    Py_INCREF(raw_func);
    raw_ts = PyThreadState_New(PyThreadState_Get()->interp);
    return raw_ts ? GILSTUFF_OK : GILSTUFF_ERR_PYTHON;
}

static gilstuff_status teardown_cb(void *unused) {
    (void)unused;
    Py_DECREF(raw_func);
    return GILSTUFF_OK;
}

static void print_line(const char *who, const char *name, double ns) { printf("    %-5s %-74s %8.1f ns/op\n", who, name, ns); }

int main(void) {
    gilstuff_status st;
    gilstuff_error *err = NULL;
    if ((st = gilstuff_init(NULL, &err)) != GILSTUFF_OK)
        die("gilstuff_init", st, err);
    /* This thread's first gilstuff calls register it; nothing below is timed yet. */
    if ((st = gilstuff_exec(NULL, "f = lambda: None", NULL, &err)) != GILSTUFF_OK)
        die("gilstuff_exec", st, err);
    if ((st = gilstuff_eval(NULL, "f", NULL, &h_func, &err)) != GILSTUFF_OK)
        die("gilstuff_eval", st, err);
    if ((st = gilstuff_with_gil(setup_cb, NULL, &err)) != GILSTUFF_OK)
        die("setup", st, err);
    gilstuff_interp_config icfg;
    gilstuff_interp_config_init(&icfg);
    if ((st = gilstuff_interp_new(&icfg, &idle_sub, &err)) != GILSTUFF_OK)
        die("gilstuff_interp_new", st, err);

    printf("bench_objects: gilstuff object API vs the raw CPython C API, one registered thread\n");
    printf("python %s, gilstuff %s, %ld online CPUs, %s\n", gilstuff_python_version(), gilstuff_version(),
           sysconf(_SC_NPROCESSORS_ONLN), bench_cpu_model());
    printf("median of %d alternating runs of ~%.1f s each; ns/op = elapsed / operations (one thread)\n"
           "raw = the C API on one PyThreadState kept for the whole run; \"|\" separates GIL entries\n\n",
           REPS, RUN_SECONDS);

    double t_start = bench_now(), m0 = bench_machine_cpu(), p0 = bench_process_cpu();
    for (size_t p = 0; p < NPAIRS; p++) {
        const pair *pr = &pairs[p];
        const variant *vs[3] = {&pr->g, &pr->r, pr->r2.fn ? &pr->r2 : NULL};
        int nv = vs[2] ? 3 : 2;
        long n[3];
        double ns[3][REPS], med[3];
        for (int k = 0; k < nv; k++)
            n[k] = calibrate(vs[k]);
        for (int rep = 0; rep < REPS; rep++)
            for (int k = 0; k < nv; k++) {
                int m = (rep % 2) ? nv - 1 - k : k; /* swap the order every repetition */
                ns[m][rep] = time_run(vs[m], n[m]);
            }
        for (int k = 0; k < nv; k++)
            med[k] = bench_median(ns[k], REPS);

        printf("%s\n", pr->title);
        print_line("(g)", pr->g.name, med[0]);
        print_line("(r)", pr->r.name, med[1]);
        if (nv == 3)
            print_line("(r2)", pr->r2.name, med[2]);
        double ratio = med[0] / med[1];
        if (pr->target > 0)
            printf("    g/r = %.3f (target <= %.2f: %s)", ratio, pr->target, ratio <= pr->target ? "met" : "NOT met");
        else
            printf("    g/r = %.3f (reported, no target)", ratio);
        if (nv == 3)
            printf("   g/r2 = %.3f", med[0] / med[2]);
        printf("\n\n");
        fflush(stdout);
    }
    bench_report_others(t_start, m0, p0);

    if ((st = gilstuff_object_release(h_func, &err)) != GILSTUFF_OK)
        die("gilstuff_object_release", st, err);
    if ((st = gilstuff_interp_free(idle_sub, &err)) != GILSTUFF_OK)
        die("gilstuff_interp_free", st, err);
    if ((st = gilstuff_with_gil(teardown_cb, NULL, &err)) != GILSTUFF_OK)
        die("teardown", st, err);
    /* Delete the raw thread state (it must be current to be deleted). */
    PyEval_RestoreThread(raw_ts);
    PyThreadState_Clear(raw_ts);
    PyThreadState_DeleteCurrent();
    if ((st = gilstuff_finalize(&err)) != GILSTUFF_OK)
        die("gilstuff_finalize", st, err);
    return 0;
}
