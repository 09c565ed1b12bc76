/*
 * Core benchmark (issue 2): the cost of one call of a trivial Python function
 * (`lambda: None`) from 1, 2 and 8 pthreads, in one process and one run, through
 *   (a) raw C API, PyGILState_Ensure / PyObject_CallNoArgs / PyGILState_Release per call
 *       on threads with no saved thread state (a thread state made and freed per call);
 *   (b) raw C API with one PyThreadState per thread (PyThreadState_New once),
 *       PyEval_RestoreThread / PyObject_CallNoArgs / PyEval_SaveThread per call: the floor;
 *   (c) gilstuff_with_gil with a callback doing PyObject_CallNoArgs.
 * Python is started with gilstuff_init (owned origin); the function and the interpreter
 * state are taken inside a gilstuff_with_gil callback.
 *
 * For each (mode, threads) the iteration count is calibrated so one run takes about
 * RUN_SECONDS; the three modes are then run in turn REPS times and the median is kept.
 * Printed: ns/call = wall time / total calls (inverse throughput of the process), the
 * mean per-thread ns/call (each thread's own elapsed / its calls) and calls/s per thread,
 * and the ratios c/b and a/c on ns/call (for 2 and 8 threads: throughput ratios).
 * The whole program runs in about 15-20 s on 2 cores. It is a benchmark: targets are printed, not
 * enforced (the exit status is 0 unless a call fails).
 */
#include <Python.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gilstuff.h"
#include "bench_util.h"

#define REPS 5
#define RUN_SECONDS 0.25
#define PILOT_CALLS 2000L
#define MAX_THREADS 8

enum mode { MODE_A, MODE_B, MODE_C, NMODES };
static const char *mode_names[NMODES] = {"(a) PyGILState_Ensure/Release", "(b) kept tstate (floor)",
                                         "(c) gilstuff_with_gil"};

static PyObject *func;              /* lambda: None, strong reference, lives to the end */
static PyInterpreterState *interp;  /* main interpreter */

static void die(const char *what, gilstuff_status st, gilstuff_error *err) { bench_die("bench_core", what, st, err); }

static gilstuff_status setup_cb(void *unused) {
    (void)unused;
    PyObject *main = PyImport_AddModule("__main__");
    if (!main)
        return GILSTUFF_ERR_PYTHON;
    PyObject *g = PyModule_GetDict(main);
    func = PyRun_String("lambda: None", Py_eval_input, g, g);
    if (!func)
        return GILSTUFF_ERR_PYTHON;
    interp = PyThreadState_Get()->interp;
    return GILSTUFF_OK;
}

static gilstuff_status call_cb(void *f) {
    PyObject *r = PyObject_CallNoArgs((PyObject *)f);
    if (!r)
        return GILSTUFF_ERR_PYTHON;
    Py_DECREF(r);
    return GILSTUFF_OK;
}

static void check_result(PyObject *r) {
    if (!r) {
        PyErr_Print();
        fprintf(stderr, "bench_core: the call failed\n");
        exit(1);
    }
    Py_DECREF(r);
}

typedef struct {
    bench_job base; /* start barrier, this thread's timed loop (elapsed) */
    enum mode mode;
    long calls;
} job_t;

static void *run_thread(void *arg) {
    job_t *j = arg;
    long warm = j->calls / 20 + 10;
    PyThreadState *ts = NULL;
    double t0 = 0, t1 = 0;

    switch (j->mode) {
    case MODE_A:
        for (long i = 0; i < warm; i++) {
            PyGILState_STATE g = PyGILState_Ensure();
            check_result(PyObject_CallNoArgs(func));
            PyGILState_Release(g);
        }
        t0 = bench_job_start(&j->base);
        for (long i = 0; i < j->calls; i++) {
            PyGILState_STATE g = PyGILState_Ensure();
            check_result(PyObject_CallNoArgs(func));
            PyGILState_Release(g);
        }
        t1 = bench_now();
        break;
    case MODE_B:
        ts = PyThreadState_New(interp);
        if (!ts) {
            fprintf(stderr, "bench_core: PyThreadState_New failed\n");
            exit(1);
        }
        for (long i = 0; i < warm; i++) {
            PyEval_RestoreThread(ts);
            check_result(PyObject_CallNoArgs(func));
            PyEval_SaveThread();
        }
        t0 = bench_job_start(&j->base);
        for (long i = 0; i < j->calls; i++) {
            PyEval_RestoreThread(ts);
            check_result(PyObject_CallNoArgs(func));
            PyEval_SaveThread();
        }
        t1 = bench_now();
        PyEval_RestoreThread(ts);
        PyThreadState_Clear(ts);
        PyThreadState_DeleteCurrent();
        break;
    case MODE_C: {
        gilstuff_error *err = NULL;
        gilstuff_status st;
        for (long i = 0; i < warm; i++)
            if ((st = gilstuff_with_gil(call_cb, func, &err)) != GILSTUFF_OK)
                die("gilstuff_with_gil", st, err);
        t0 = bench_job_start(&j->base);
        for (long i = 0; i < j->calls; i++)
            if ((st = gilstuff_with_gil(call_cb, func, &err)) != GILSTUFF_OK)
                die("gilstuff_with_gil", st, err);
        t1 = bench_now();
        break;
    }
    default:
        break;
    }
    j->base.elapsed = t1 - t0;
    return NULL;
}

typedef struct {
    double ns_per_call;        /* wall / total calls */
    double thread_ns_per_call; /* mean over threads of elapsed / calls */
} result_t;

/* One run: `threads` fresh pthreads, `calls` timed calls each. */
static result_t run(enum mode mode, int threads, long calls) {
    job_t jobs[MAX_THREADS];
    double sum = 0;
    for (int i = 0; i < threads; i++)
        jobs[i] = (job_t){.mode = mode, .calls = calls};
    double wall = bench_run_threads(threads, run_thread, jobs, sizeof jobs[0]);
    for (int i = 0; i < threads; i++)
        sum += jobs[i].base.elapsed / (double)calls;
    result_t r = {wall * 1e9 / ((double)calls * threads), sum / threads * 1e9};
    return r;
}

int main(void) {
    gilstuff_error *err = NULL;
    gilstuff_status st = gilstuff_init(NULL, &err);
    if (st != GILSTUFF_OK)
        die("gilstuff_init", st, err);
    if ((st = gilstuff_with_gil(setup_cb, NULL, &err)) != GILSTUFF_OK)
        die("setup", st, err);

    printf("bench_core: one call of `lambda: None` per entry\n");
    printf("python %s, gilstuff %s, %ld online CPUs, %s\n", gilstuff_python_version(), gilstuff_version(),
           sysconf(_SC_NPROCESSORS_ONLN), bench_cpu_model());
    printf("median of %d runs of ~%.1f s each; ns/call = wall / total calls; per-thread = each thread's "
           "own time / its calls\n\n", REPS, RUN_SECONDS);

    static const int thread_counts[] = {1, 2, 8};
    double t_start = bench_now();
    for (size_t ti = 0; ti < sizeof thread_counts / sizeof *thread_counts; ti++) {
        int threads = thread_counts[ti];
        long calls[NMODES];
        /* Calibrate: calls per thread so that one run takes ~RUN_SECONDS. */
        for (int m = 0; m < NMODES; m++) {
            result_t pilot = run((enum mode)m, threads, PILOT_CALLS);
            double per_thread_s = RUN_SECONDS / threads; /* wall ≈ threads * calls * ns/call */
            calls[m] = (long)(per_thread_s / (pilot.ns_per_call * 1e-9));
            if (calls[m] < 1000)
                calls[m] = 1000;
        }
        double ns[NMODES][REPS], tns[NMODES][REPS];
        for (int rep = 0; rep < REPS; rep++) {
            static const enum mode order[NMODES] = {MODE_B, MODE_C, MODE_A};
            for (int k = 0; k < NMODES; k++) {
                enum mode m = order[(k + rep) % NMODES];
                result_t r = run(m, threads, calls[m]);
                ns[m][rep] = r.ns_per_call;
                tns[m][rep] = r.thread_ns_per_call;
            }
        }
        double med[NMODES], tmed[NMODES];
        for (int m = 0; m < NMODES; m++) {
            med[m] = bench_median(ns[m], REPS);
            tmed[m] = bench_median(tns[m], REPS);
        }
        printf("%d thread%s:\n", threads, threads == 1 ? "" : "s");
        printf("  %-32s %12s %18s %18s %12s\n", "", "ns/call", "per-thread ns/call", "calls/s per thread",
               "calls/thread");
        for (int m = 0; m < NMODES; m++)
            printf("  %-32s %12.1f %18.1f %18.0f %12ld\n", mode_names[m], med[m], tmed[m], 1e9 / tmed[m], calls[m]);
        double cb = med[MODE_C] / med[MODE_B], ac = med[MODE_A] / med[MODE_C];
        printf("  c/b = %.3f (target <= 1.10)   a/c = %.1f (target >= 50)\n\n", cb, ac);
        fflush(stdout);
    }
    printf("total bench time %.1f s\n", bench_now() - t_start);

    if ((st = gilstuff_finalize(&err)) != GILSTUFF_OK)
        die("gilstuff_finalize", st, err);
    return 0;
}
