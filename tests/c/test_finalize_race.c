/*
 * Behaviour 5: finalisation safety. 20 init/finalize cycles in one process; in each, 4
 * host threads call into Python in a loop while gilstuff_finalize runs on another
 * thread. The same 4 threads live through all cycles, so their cached thread states of
 * earlier epochs must be dropped, not reused. Checked for every call:
 * - the status is GILSTUFF_OK or one of GILSTUFF_FINALIZING / GILSTUFF_FINALIZED /
 *   GILSTUFF_NOT_INITIALIZED, with an error of that code and a non-empty message;
 * - a call whose callback started returns GILSTUFF_OK (finalize waits for calls in
 *   flight, so their Python work completes);
 * - once a thread has been refused, its later calls in that cycle are refused too;
 * - no crash, no signal, no hang (hang guard: SIGALRM fails the test).
 * Each cycle waits until calls have succeeded before finalizing, so calls are in flight.
 * Finalize comes from a new thread (owned origin), from two threads at once (exactly one
 * gets GILSTUFF_OK, the other GILSTUFF_FINALIZING or GILSTUFF_FINALIZED), or, with
 * GILSTUFF_ORIGIN_CALLER, from the main thread that called init.
 * The four workers enter in four ways: a callback running Python; gilstuff_run_string;
 * a callback that calls gilstuff_without_gil around a sleep; nested callbacks with a
 * Python time.sleep(0) (which releases the GIL inside the call).
 */
#include <Python.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "check.h"
#include "thing_inc.h"

#define CYCLES 20
#define NWORKERS 4
#define MIN_CALLS_BEFORE_FINALIZE 40

static pthread_barrier_t start_barrier, end_barrier;
static atomic_long successes; /* this cycle */
static atomic_long total_successes, total_refusals;
static atomic_int refused_count[GILSTUFF_ERR_PANIC + 1];

static int is_refusal(gilstuff_status st) {
    return st == GILSTUFF_FINALIZING || st == GILSTUFF_FINALIZED || st == GILSTUFF_NOT_INITIALIZED;
}

static gilstuff_status cb_plain(void *ran) {
    *(int *)ran = 1;
    return thing_inc(NULL);
}

static gilstuff_status cb_sleep_no_gil(void *unused) {
    (void)unused;
    CHECK(PyGILState_Check() == 0);
    usleep(200);
    return GILSTUFF_OK;
}

static gilstuff_status cb_without(void *ran) {
    *(int *)ran = 1;
    gilstuff_error *err;
    CHECK_OK(gilstuff_without_gil(cb_sleep_no_gil, NULL, &err), err);
    return thing_inc(NULL);
}

static gilstuff_status cb_inner(void *unused) {
    (void)unused;
    PyObject *r = PyRun_String("__import__('time').sleep(0)", Py_eval_input, PyEval_GetBuiltins(), NULL);
    if (!r)
        return GILSTUFF_ERR_PYTHON;
    Py_DECREF(r);
    return thing_inc(NULL);
}

static gilstuff_status cb_nested(void *ran) {
    *(int *)ran = 1;
    gilstuff_error *err;
    CHECK_OK(gilstuff_with_gil(cb_inner, NULL, &err), err);
    return GILSTUFF_OK;
}

/* One call of worker kind `kind`; *ran tells whether Python code was entered. */
static gilstuff_status one_call(int kind, int *ran, gilstuff_error **err) {
    *ran = 0;
    switch (kind) {
    case 0:
        return gilstuff_with_gil(cb_plain, ran, err);
    case 1: {
        gilstuff_status st = gilstuff_run_string("import thing\nthing.inc()", err);
        *ran = st == GILSTUFF_OK;
        return st;
    }
    case 2:
        return gilstuff_with_gil(cb_without, ran, err);
    default:
        return gilstuff_with_gil(cb_nested, ran, err);
    }
}

static void *worker(void *arg) {
    int kind = (int)(intptr_t)arg;
    for (int cycle = 0; cycle < CYCLES; cycle++) {
        pthread_barrier_wait(&start_barrier);
        int refused = 0;
        for (long i = 0;; i++) {
            gilstuff_error *err = NULL;
            int ran = 0;
            gilstuff_status st = one_call(kind, &ran, &err);
            if (st == GILSTUFF_OK) {
                CHECKF(!refused, "cycle %d worker %d: a call succeeded after a refusal", cycle, kind);
                CHECK(err == NULL);
                atomic_fetch_add(&successes, 1);
                atomic_fetch_add(&total_successes, 1);
                continue;
            }
            if (!is_refusal(st))
                check_fail(__FILE__, __LINE__, err, "cycle %d worker %d call %ld: unexpected status %s",
                           cycle, kind, i, gilstuff_status_name(st));
            CHECKF(!ran, "cycle %d worker %d: the callback ran but the call returned %s", cycle, kind,
                   gilstuff_status_name(st));
            check_error_matches(__FILE__, __LINE__, "refused call", err, st);
            gilstuff_error_free(err);
            atomic_fetch_add(&refused_count[st], 1);
            atomic_fetch_add(&total_refusals, 1);
            if (++refused == 5)
                break;
        }
        pthread_barrier_wait(&end_barrier);
    }
    return NULL;
}

static void *finalizer(void *out) {
    gilstuff_error *err = NULL;
    gilstuff_status st = gilstuff_finalize(&err);
    if (st != GILSTUFF_OK)
        check_error_matches(__FILE__, __LINE__, "gilstuff_finalize", err, st);
    gilstuff_error_free(err);
    *(gilstuff_status *)out = st;
    return NULL;
}

static void sleep_us(long us) {
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

int main(void) {
    check_hang_guard(240);
    gilstuff_error *err;
    CHECK(pthread_barrier_init(&start_barrier, NULL, NWORKERS + 1) == 0);
    CHECK(pthread_barrier_init(&end_barrier, NULL, NWORKERS + 1) == 0);
    pthread_t th[NWORKERS];
    for (int i = 0; i < NWORKERS; i++)
        CHECK(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) == 0);

    for (int cycle = 0; cycle < CYCLES; cycle++) {
        int mode = cycle % 4; /* 0, 1: one finalizer thread; 2: two at once; 3: caller origin */
        gilstuff_config cfg;
        gilstuff_config_init(&cfg);
        if (mode == 3)
            cfg.origin = GILSTUFF_ORIGIN_CALLER;
        CHECK_OK(gilstuff_init(&cfg, &err), err);
        CHECK(gilstuff_is_initialized());
        atomic_store(&successes, 0);
        pthread_barrier_wait(&start_barrier);

        /* Let calls get going, then finalize while they run. */
        while (atomic_load(&successes) < MIN_CALLS_BEFORE_FINALIZE)
            sleep_us(100);
        sleep_us((cycle * 577) % 3000);

        if (mode == 3) {
            CHECK_OK(gilstuff_finalize(&err), err);
        } else {
            int nfin = mode == 2 ? 2 : 1;
            pthread_t fin[2];
            gilstuff_status fst[2] = {GILSTUFF_ERR_PANIC, GILSTUFF_ERR_PANIC};
            for (int i = 0; i < nfin; i++)
                CHECK(pthread_create(&fin[i], NULL, finalizer, &fst[i]) == 0);
            for (int i = 0; i < nfin; i++)
                CHECK(pthread_join(fin[i], NULL) == 0);
            int oks = 0;
            for (int i = 0; i < nfin; i++) {
                if (fst[i] == GILSTUFF_OK)
                    oks++;
                else
                    CHECKF(fst[i] == GILSTUFF_FINALIZING || fst[i] == GILSTUFF_FINALIZED,
                           "cycle %d: concurrent finalize returned %s", cycle, gilstuff_status_name(fst[i]));
            }
            CHECKF(oks == 1, "cycle %d: %d of %d finalize calls returned GILSTUFF_OK", cycle, oks, nfin);
        }
        CHECK(!gilstuff_is_initialized());
        CHECK_STATUS(GILSTUFF_FINALIZED, gilstuff_run_string("pass", &err), err);
        pthread_barrier_wait(&end_barrier);
        fprintf(stderr, "cycle %2d (%s): %ld calls succeeded\n", cycle,
                mode == 3 ? "caller origin" : mode == 2 ? "2 finalizers" : "owned origin",
                atomic_load(&successes));
    }
    for (int i = 0; i < NWORKERS; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
    fprintf(stderr, "total: %ld successful calls, %ld refusals (FINALIZING %d, FINALIZED %d, NOT_INITIALIZED %d)\n",
            atomic_load(&total_successes), atomic_load(&total_refusals),
            atomic_load(&refused_count[GILSTUFF_FINALIZING]), atomic_load(&refused_count[GILSTUFF_FINALIZED]),
            atomic_load(&refused_count[GILSTUFF_NOT_INITIALIZED]));
    CHECK(atomic_load(&total_refusals) == (long)CYCLES * NWORKERS * 5);
    printf("ok test_finalize_race\n");
    return 0;
}
