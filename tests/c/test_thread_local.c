/*
 * Behaviour 2: a thread keeps one thread state across calls.
 * - A value set in a threading.local in one gilstuff_with_gil call is still there in the
 *   next calls on the same OS thread (each call is a separate outermost entry).
 * - Other threads (alive at the same time, started after the value was set) don't see it.
 * - threading.get_ident() is stable per thread and distinct between live threads;
 *   threading.get_native_id() is this OS thread's gettid().
 * - After gilstuff_thread_unregister the thread's local data is gone (documented), and
 *   the next call works with a new thread state.
 */
#include <Python.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

#define NTHREADS 6
#define ROUNDS 50

static const char *SETUP =
    "import threading\n"
    "loc = threading.local()\n"
    "def setv(v):\n"
    "    loc.v = v\n"
    "def probe():\n"
    "    return (getattr(loc, 'v', None), threading.get_ident(), threading.get_native_id())\n";

static pthread_barrier_t barrier;

typedef struct {
    long set_to;     /* value for setv, when `set` is 1 */
    int set;
    /* results of probe() */
    int has_v;
    long v;
    unsigned long ident;
    long native_id;
} probe_t;

/* Calls __main__.setv(set_to) if asked, then __main__.probe(). Runs with the GIL. */
static gilstuff_status cb_probe(void *arg) {
    probe_t *p = arg;
    CHECK(PyGILState_Check() == 1);
    PyObject *main = PyImport_AddModule("__main__"); /* borrowed */
    if (!main)
        return GILSTUFF_ERR_PYTHON;
    if (p->set) {
        PyObject *r = PyObject_CallMethod(main, "setv", "l", p->set_to);
        if (!r)
            return GILSTUFF_ERR_PYTHON;
        Py_DECREF(r);
    }
    PyObject *t = PyObject_CallMethod(main, "probe", NULL);
    if (!t)
        return GILSTUFF_ERR_PYTHON;
    CHECK(PyTuple_Check(t) && PyTuple_GET_SIZE(t) == 3);
    PyObject *v = PyTuple_GET_ITEM(t, 0);
    p->has_v = v != Py_None;
    p->v = p->has_v ? PyLong_AsLong(v) : 0;
    p->ident = PyLong_AsUnsignedLong(PyTuple_GET_ITEM(t, 1));
    p->native_id = PyLong_AsLong(PyTuple_GET_ITEM(t, 2));
    Py_DECREF(t);
    return PyErr_Occurred() ? GILSTUFF_ERR_PYTHON : GILSTUFF_OK;
}

static probe_t call_probe(int set, long set_to) {
    probe_t p = {.set = set, .set_to = set_to};
    gilstuff_error *err;
    CHECK_OK(gilstuff_with_gil(cb_probe, &p, &err), err);
    return p;
}

static unsigned long idents[NTHREADS];

static void *worker(void *arg) {
    long me = (long)(intptr_t)arg;
    long tid = (long)syscall(SYS_gettid);
    long mine = 1000 + me;

    /* Call 1: the main thread's value (set before we started) is not visible here. */
    probe_t p = call_probe(0, 0);
    CHECKF(!p.has_v, "thread %ld sees loc.v = %ld set by another thread", me, p.v);
    CHECK(p.native_id == tid);
    unsigned long ident = p.ident;
    idents[me] = ident;

    /* Call 2: set ours. */
    p = call_probe(1, mine);
    CHECK(p.has_v && p.v == mine);
    CHECK(p.ident == ident);

    /* Every thread has now set its own value; none sees another's. */
    pthread_barrier_wait(&barrier);
    for (int r = 0; r < ROUNDS; r++) {
        p = call_probe(0, 0);
        CHECKF(p.has_v && p.v == mine, "thread %ld round %d: loc.v %s %ld, expected %ld", me, r,
               p.has_v ? "=" : "missing", p.v, mine);
        CHECKF(p.ident == ident, "thread %ld round %d: get_ident changed %lu -> %lu", me, r, ident, p.ident);
        CHECK(p.native_id == tid);
        if (r % 10 == 0)
            sched_yield();
    }
    pthread_barrier_wait(&barrier);

    /* Unregister drops this thread's thread state, and its threading.local data with it. */
    gilstuff_error *err;
    CHECK_OK(gilstuff_thread_unregister(&err), err);
    p = call_probe(0, 0);
    CHECKF(!p.has_v, "thread %ld: loc.v survived gilstuff_thread_unregister", me);
    CHECK(p.native_id == tid);
    /* And the new thread state keeps data across calls again. */
    call_probe(1, mine + 1);
    p = call_probe(0, 0);
    CHECK(p.has_v && p.v == mine + 1);
    return NULL;
}

int main(void) {
    check_hang_guard(60);
    gilstuff_error *err;
    CHECK_OK(gilstuff_init(NULL, &err), err);
    CHECK_OK(gilstuff_run_string(SETUP, &err), err);

    /* The main thread's value, kept across its own calls. */
    probe_t p = call_probe(1, -1);
    CHECK(p.has_v && p.v == -1);
    unsigned long main_ident = p.ident;
    for (int i = 0; i < 5; i++) {
        p = call_probe(0, 0);
        CHECK(p.has_v && p.v == -1);
        CHECK(p.ident == main_ident);
    }

    CHECK(pthread_barrier_init(&barrier, NULL, NTHREADS) == 0);
    pthread_t th[NTHREADS];
    for (long i = 0; i < NTHREADS; i++)
        CHECK(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < NTHREADS; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
    pthread_barrier_destroy(&barrier);

    /* All workers were alive together: their idents are distinct, and not main's. */
    for (int i = 0; i < NTHREADS; i++) {
        CHECK(idents[i] != main_ident);
        for (int j = i + 1; j < NTHREADS; j++)
            CHECKF(idents[i] != idents[j], "threads %d and %d share get_ident %lu", i, j, idents[i]);
    }

    /* The workers never touched the main thread's value. */
    p = call_probe(0, 0);
    CHECK(p.has_v && p.v == -1);
    CHECK(p.ident == main_ident);

    CHECK_OK(gilstuff_finalize(&err), err);
    printf("ok test_thread_local\n");
    return 0;
}
