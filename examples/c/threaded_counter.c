/*
 * The seed scenario: N host threads each add 1000 to a counter kept in Python
 * (examples/thing.py), one gilstuff entry per call; finalize then runs on yet another
 * thread. Run from examples/ with PYTHONPATH=. so that `import thing` finds thing.py.
 *
 *   threaded_counter [N] [--handles]
 *
 * Default mode: each call is a gilstuff_with_gil callback using the raw CPython API.
 * --handles: no CPython API at all: thing.inc is looked up once as a gilstuff_object
 * and each call is one gilstuff_call from the worker thread.
 */
#include <Python.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gilstuff.h"

#define CALLS_PER_THREAD 1000

static int report(const char *what, gilstuff_status st, gilstuff_error *err) {
    fprintf(stderr, "%s failed: %s: %s\n", what, gilstuff_status_name(st),
            err ? gilstuff_error_message(err) : "(no detail)");
    if (err && gilstuff_error_traceback(err))
        fputs(gilstuff_error_traceback(err), stderr);
    gilstuff_error_free(err);
    return 1;
}

/* thing.inc() through the raw C API; runs with the GIL held. */
static gilstuff_status call_inc(void *unused) {
    (void)unused;
    PyObject *thing = PyImport_ImportModule("thing");
    if (!thing)
        return GILSTUFF_ERR_PYTHON;
    PyObject *r = PyObject_CallMethod(thing, "inc", NULL);
    Py_DECREF(thing);
    if (!r)
        return GILSTUFF_ERR_PYTHON;
    Py_DECREF(r);
    return GILSTUFF_OK;
}

/* Set in --handles mode: the function thing.inc as a handle shared by all threads. */
static gilstuff_object *inc_handle;

static gilstuff_status one_call(gilstuff_error **err) {
    if (!inc_handle)
        return gilstuff_with_gil(call_inc, NULL, err);
    gilstuff_object *result = NULL;
    gilstuff_status st = gilstuff_call(inc_handle, NULL, 0, NULL, &result, err);
    if (st == GILSTUFF_OK)
        st = gilstuff_object_release(result, err);
    return st;
}

static void *worker(void *arg) {
    long *failures = arg;
    for (int i = 0; i < CALLS_PER_THREAD; i++) {
        gilstuff_error *err = NULL;
        gilstuff_status st = one_call(&err);
        if (st != GILSTUFF_OK) {
            report("calling thing.inc", st, err);
            (*failures)++;
            break;
        }
    }
    return NULL;
}

/* Looks up thing.inc as a handle. */
static gilstuff_status lookup_inc(gilstuff_error **err) {
    gilstuff_object *thing = NULL;
    gilstuff_status st = gilstuff_import(NULL, "thing", &thing, err);
    if (st != GILSTUFF_OK)
        return st;
    st = gilstuff_getattr(thing, "inc", &inc_handle, err);
    gilstuff_object_release(thing, NULL);
    return st;
}

/* Reads thing.x into *(long *)out. */
static gilstuff_status read_total(void *out) {
    PyObject *thing = PyImport_ImportModule("thing");
    if (!thing)
        return GILSTUFF_ERR_PYTHON;
    PyObject *x = PyObject_GetAttrString(thing, "x");
    Py_DECREF(thing);
    if (!x)
        return GILSTUFF_ERR_PYTHON;
    *(long *)out = PyLong_AsLong(x);
    Py_DECREF(x);
    return PyErr_Occurred() ? GILSTUFF_ERR_PYTHON : GILSTUFF_OK;
}

static void *finalizer(void *out) {
    gilstuff_error *err = NULL;
    gilstuff_status st = gilstuff_finalize(&err);
    if (st != GILSTUFF_OK)
        report("gilstuff_finalize", st, err);
    *(gilstuff_status *)out = st;
    return NULL;
}

int main(int argc, char **argv) {
    int n = 8;
    int handles = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--handles") == 0)
            handles = 1;
        else if (argv[i][0] != '-')
            n = atoi(argv[i]);
    }
    if (n < 1 || n > 1024) {
        fprintf(stderr, "usage: %s [threads 1..1024] [--handles]\n", argv[0]);
        return 2;
    }

    gilstuff_error *err = NULL;
    gilstuff_status st = gilstuff_init(NULL, &err);
    if (st != GILSTUFF_OK)
        return report("gilstuff_init", st, err);
    if (handles && (st = lookup_inc(&err)) != GILSTUFF_OK)
        return report("looking up thing.inc", st, err);

    pthread_t *threads = calloc((size_t)n, sizeof *threads);
    long *failures = calloc((size_t)n, sizeof *failures);
    if (!threads || !failures)
        return 1;
    for (int i = 0; i < n; i++)
        pthread_create(&threads[i], NULL, worker, &failures[i]);
    long failed = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(threads[i], NULL);
        failed += failures[i];
    }

    long total = -1;
    st = gilstuff_with_gil(read_total, &total, &err);
    if (st != GILSTUFF_OK)
        return report("reading thing.x", st, err);
    printf("threads=%d calls_per_thread=%d total=%ld mode=%s\n", n, CALLS_PER_THREAD, total,
           handles ? "handles" : "with_gil");
    if (inc_handle)
        gilstuff_object_release(inc_handle, NULL);

    /* Finalize from a thread that is neither main() nor a worker. */
    pthread_t fin;
    gilstuff_status fin_st = GILSTUFF_ERR_PANIC;
    pthread_create(&fin, NULL, finalizer, &fin_st);
    pthread_join(fin, NULL);

    free(threads);
    free(failures);
    return (failed == 0 && fin_st == GILSTUFF_OK && total == (long)n * CALLS_PER_THREAD) ? 0 : 1;
}
