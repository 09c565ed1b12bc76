/*
 * gilstuff_without_gil really releases the GIL: thread A, inside a gilstuff_with_gil
 * callback, calls gilstuff_without_gil with a host callback that signals B and then
 * waits (up to 10 s) for B to report that it ran Python. Thread B, once signalled, runs
 * Python through gilstuff (gilstuff_run_string, then a gilstuff_with_gil callback).
 * If without_gil kept the GIL, B could not enter and A's wait would time out.
 * Also checked:
 * - inside the without_gil callback this thread does not hold the GIL
 *   (PyGILState_Check() == 0), and a gilstuff_with_gil call from there works;
 * - after without_gil returns, A holds the GIL again with the same thread state and sees
 *   what B wrote;
 * - without_gil returns GILSTUFF_OK when its callback does, and its callback's status
 *   otherwise (the timeout path).
 * Repeated 20 times, alternating which thread waits.
 */
#include <Python.h>
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "check.h"

#define ROUNDS 20

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int waiter_inside;  /* round number the waiter is inside without_gil for */
static int other_done;     /* round number the other thread finished Python for */

static void set_and_signal(int *what, int value) {
    pthread_mutex_lock(&mu);
    *what = value;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

/* Waits until *what == value; returns 0 on success, ETIMEDOUT after `seconds`. */
static int wait_for(int *what, int value, int seconds) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += seconds;
    int rc = 0;
    pthread_mutex_lock(&mu);
    while (*what != value && rc == 0)
        rc = pthread_cond_timedwait(&cv, &mu, &deadline);
    int ok = *what == value;
    pthread_mutex_unlock(&mu);
    return ok ? 0 : ETIMEDOUT;
}

static gilstuff_status cb_read_written(void *out) {
    PyObject *main = PyImport_AddModule("__main__");
    if (!main)
        return GILSTUFF_ERR_PYTHON;
    PyObject *v = PyObject_GetAttrString(main, "written_by_other");
    if (!v)
        return GILSTUFF_ERR_PYTHON;
    *(long *)out = PyLong_AsLong(v);
    Py_DECREF(v);
    return GILSTUFF_OK;
}

typedef struct {
    int round;
    long seen_inside; /* read through a nested gilstuff call inside without_gil */
} wait_arg;

/* Runs without the GIL: lets the other thread in and waits for it. */
static gilstuff_status cb_wait_for_other(void *arg) {
    wait_arg *w = arg;
    CHECK(PyGILState_Check() == 0);
    set_and_signal(&waiter_inside, w->round);
    if (wait_for(&other_done, w->round, 10) != 0) {
        fprintf(stderr, "round %d: the other thread did not run Python within 10 s while this one "
                        "was inside gilstuff_without_gil\n", w->round);
        return GILSTUFF_ERR_WRONG_THREAD; /* any non-OK status: reported below */
    }
    /* gilstuff calls from inside without_gil take the GIL themselves. */
    gilstuff_error *err;
    CHECK_OK(gilstuff_with_gil(cb_read_written, &w->seen_inside, &err), err);
    CHECK(PyGILState_Check() == 0);
    return GILSTUFF_OK;
}

static gilstuff_status cb_waiter(void *arg) {
    wait_arg *w = arg;
    PyThreadState *ts = PyThreadState_Get();
    gilstuff_error *err;
    CHECK_OK(gilstuff_without_gil(cb_wait_for_other, w, &err), err);
    /* Back with the GIL and the same thread state. */
    CHECK(PyGILState_Check() == 1);
    CHECK(PyThreadState_Get() == ts);
    long v = -1;
    CHECK(cb_read_written(&v) == GILSTUFF_OK);
    CHECKF(v == w->round, "round %d: read %ld after without_gil", w->round, v);
    CHECK(w->seen_inside == w->round);
    return GILSTUFF_OK;
}

static gilstuff_status cb_mark(void *round) {
    CHECK(PyGILState_Check() == 1);
    PyObject *main = PyImport_AddModule("__main__");
    if (!main)
        return GILSTUFF_ERR_PYTHON;
    PyObject *v = PyLong_FromLong(*(int *)round);
    if (!v)
        return GILSTUFF_ERR_PYTHON;
    int rc = PyObject_SetAttrString(main, "written_by_other", v);
    Py_DECREF(v);
    return rc == 0 ? GILSTUFF_OK : GILSTUFF_ERR_PYTHON;
}

static void be_waiter(int round) {
    wait_arg w = {round, -1};
    gilstuff_error *err;
    CHECK_OK(gilstuff_with_gil(cb_waiter, &w, &err), err);
}

static void be_other(int round) {
    gilstuff_error *err;
    CHECKF(wait_for(&waiter_inside, round, 10) == 0, "round %d: waiter never entered without_gil", round);
    /* The waiter is inside without_gil now: we must be able to run Python. */
    CHECK_OK(gilstuff_run_string("assert sum(range(1000)) == 499500\n", &err), err);
    CHECK_OK(gilstuff_with_gil(cb_mark, &round, &err), err);
    set_and_signal(&other_done, round);
}

static void *thread_b(void *unused) {
    (void)unused;
    for (int r = 1; r <= ROUNDS; r++) {
        if (r % 2)
            be_other(r);
        else
            be_waiter(r);
    }
    return NULL;
}

/* without_gil's callback status comes back: simulate the timeout path. */
static gilstuff_status cb_fail(void *unused) {
    (void)unused;
    CHECK(PyGILState_Check() == 0);
    return GILSTUFF_ERR_WRONG_THREAD;
}

static gilstuff_status cb_expect_failure(void *unused) {
    (void)unused;
    gilstuff_error *err;
    CHECK_STATUS(GILSTUFF_ERR_WRONG_THREAD, gilstuff_without_gil(cb_fail, NULL, &err), err);
    CHECK(PyGILState_Check() == 1);
    return GILSTUFF_OK;
}

int main(void) {
    check_hang_guard(120);
    gilstuff_error *err;
    CHECK_OK(gilstuff_init(NULL, &err), err);
    CHECK_OK(gilstuff_with_gil(cb_expect_failure, NULL, &err), err);

    pthread_t b;
    CHECK(pthread_create(&b, NULL, thread_b, NULL) == 0);
    for (int r = 1; r <= ROUNDS; r++) {
        if (r % 2)
            be_waiter(r);
        else
            be_other(r);
    }
    CHECK(pthread_join(b, NULL) == 0);

    CHECK_OK(gilstuff_finalize(&err), err);
    printf("ok test_without_gil\n");
    return 0;
}
