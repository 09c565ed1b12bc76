/*
 * Behaviour 6: restart. Before the first init every call returns GILSTUFF_NOT_INITIALIZED
 * at once (without running its callback); then init -> work -> finalize four times in one
 * process, alternating owned and caller origin, each cycle giving the same result; after
 * each finalize every call returns GILSTUFF_FINALIZED at once.
 *
 * The work: 2 pthreads that live through all cycles plus the main thread each call
 * thing.inc() 500 times, then thing.x must be 1500 (a fresh interpreter each time: a
 * module surviving from an earlier cycle would give 3000, 4500, ...), a name defined in
 * __main__ in an earlier cycle must be gone, and the thread's threading.local from an
 * earlier cycle must be gone.
 * "At once" is checked as: returns within 1 s with the callback not run (a call that
 * blocks forever is caught by the hang guard).
 */
#include <Python.h>
#include <pthread.h>
#include <time.h>

#include "check.h"
#include "thing_inc.h"

#define CYCLES 4
#define CALLS 500
#define NTHREADS 2

static pthread_barrier_t go, done;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static gilstuff_status cb_mark(void *ran) {
    *(int *)ran = 1;
    return GILSTUFF_OK;
}

/* Every entry point refuses with `expected` at once, without running a callback. */
static void check_refused(gilstuff_status expected) {
    gilstuff_error *err;
    int ran = 0;
    double t0 = now();
    CHECK(!gilstuff_is_initialized());
    CHECK_STATUS(expected, gilstuff_with_gil(cb_mark, &ran, &err), err);
    CHECK_STATUS(expected, gilstuff_run_string("pass", &err), err);
    CHECK_STATUS(expected, gilstuff_finalize(&err), err);
    CHECK_STATUS(expected, gilstuff_thread_register(&err), err);
    CHECK_STATUS(expected, gilstuff_thread_unregister(&err), err);
    /* err may be NULL: the status alone comes back. */
    CHECK(gilstuff_with_gil(cb_mark, &ran, NULL) == expected);
    CHECK(gilstuff_run_string("pass", NULL) == expected);
    CHECK(!ran);
    double dt = now() - t0;
    CHECKF(dt < 1.0, "refused calls took %.3f s", dt);
}

static void do_incs(void) {
    gilstuff_error *err;
    for (int i = 0; i < CALLS; i++)
        CHECK_OK(gilstuff_with_gil(thing_inc, NULL, &err), err);
}

/* Evaluates `expr` in __main__ and returns it as a long. */
typedef struct {
    const char *expr;
    long value;
} eval_t;

static gilstuff_status cb_eval(void *arg) {
    eval_t *e = arg;
    PyObject *main = PyImport_AddModule("__main__");
    if (!main)
        return GILSTUFF_ERR_PYTHON;
    PyObject *g = PyModule_GetDict(main);
    PyObject *r = PyRun_String(e->expr, Py_eval_input, g, g);
    if (!r)
        return GILSTUFF_ERR_PYTHON;
    e->value = PyLong_AsLong(r);
    Py_DECREF(r);
    return PyErr_Occurred() ? GILSTUFF_ERR_PYTHON : GILSTUFF_OK;
}

static long eval(const char *expr) {
    eval_t e = {expr, -1};
    gilstuff_error *err;
    CHECK_OK(gilstuff_with_gil(cb_eval, &e, &err), err);
    return e.value;
}

static void *worker(void *unused) {
    (void)unused;
    for (int c = 0; c < CYCLES; c++) {
        pthread_barrier_wait(&go);
        do_incs();
        pthread_barrier_wait(&done);
    }
    return NULL;
}

int main(void) {
    check_hang_guard(120);
    gilstuff_error *err;
    check_refused(GILSTUFF_NOT_INITIALIZED);

    CHECK(pthread_barrier_init(&go, NULL, NTHREADS + 1) == 0);
    CHECK(pthread_barrier_init(&done, NULL, NTHREADS + 1) == 0);
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        CHECK(pthread_create(&th[i], NULL, worker, NULL) == 0);

    long results[CYCLES];
    for (int c = 0; c < CYCLES; c++) {
        gilstuff_config cfg;
        gilstuff_config_init(&cfg);
        cfg.origin = c % 2 ? GILSTUFF_ORIGIN_CALLER : GILSTUFF_ORIGIN_OWNED;
        CHECK_OK(gilstuff_init(&cfg, &err), err);
        CHECK(gilstuff_is_initialized());

        /* Nothing survives from the previous cycle. */
        CHECK(eval("int('marker' in globals())") == 0);
        CHECK(eval("int('thing' in __import__('sys').modules)") == 0);
        CHECK_OK(gilstuff_run_string("marker = 1\n", &err), err);
        CHECK(eval("marker") == 1);

        pthread_barrier_wait(&go);
        do_incs();
        pthread_barrier_wait(&done);

        results[c] = eval("__import__('thing').x");
        fprintf(stderr, "cycle %d (%s origin): thing.x = %ld\n", c, c % 2 ? "caller" : "owned", results[c]);
        CHECKF(results[c] == (long)(NTHREADS + 1) * CALLS, "cycle %d: thing.x = %ld, expected %d", c,
               results[c], (NTHREADS + 1) * CALLS);
        CHECK(results[c] == results[0]);

        CHECK_OK(gilstuff_finalize(&err), err);
        check_refused(GILSTUFF_FINALIZED);
    }
    for (int i = 0; i < NTHREADS; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
    printf("ok test_restart\n");
    return 0;
}
