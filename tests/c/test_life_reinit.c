/*
 * Issue 10, behaviour 8: re-init. 5 cycles of gilstuff_init -> calls -> gilstuff_finalize
 * with the same 4 long-lived pthreads calling in every cycle (origin owned and caller in
 * turn). In each cycle, each worker checks on its first call that it starts fresh, then
 * that its state is kept across its calls in that cycle:
 * - the C API's per-thread-state dict (PyThreadState_GetDict) has no "life_cycle" key at
 *   the first call of a cycle (a thread state of an earlier cycle is never reused), and
 *   holds the value set in this cycle at every later call;
 * - a threading.local made in this cycle has no attribute at the first call, and keeps
 *   the worker's (cycle, worker) value at every later call;
 * - every call returns GILSTUFF_OK, within the hang guard (3.15 hung here: its PyGILState
 *   thread_local kept each thread's freed state across the re-init).
 */
#include "life.h"

#include <pthread.h>

#define CYCLES 5
#define NWORKERS 4
#define CALLS 20

static pthread_barrier_t go, done;
static int cycle;

typedef struct {
    int worker;
    int first;
} probe_t;

/* The thread state's dict: fresh at the first call of the cycle, then this cycle's. */
static gilstuff_status cb_tstate_dict(void *arg) {
    probe_t *p = arg;
    PyObject *d = PyThreadState_GetDict();
    CHECK(d != NULL);
    PyObject *v = PyDict_GetItemString(d, "life_cycle"); /* borrowed */
    if (p->first) {
        CHECKF(v == NULL, "cycle %d worker %d: at its first call the thread state's dict already holds life_cycle = %ld",
               cycle, p->worker, v ? PyLong_AsLong(v) : -1L);
        PyObject *c = PyLong_FromLong(cycle);
        CHECK(c && PyDict_SetItemString(d, "life_cycle", c) == 0);
        Py_DECREF(c);
    } else {
        CHECKF(v != NULL && PyLong_AsLong(v) == cycle, "cycle %d worker %d: the thread state's life_cycle changed",
               cycle, p->worker);
    }
    return GILSTUFF_OK;
}

static void one_round(int worker, int first) {
    gilstuff_error *err;
    probe_t p = {worker, first};
    CHECK_OK(gilstuff_with_gil(cb_tstate_dict, &p, &err), err);
    char code[512];
    if (first)
        snprintf(code, sizeof code,
                 "assert not hasattr(tl, 'v'), 'fresh threading.local already holds %%r' %% (tl.v,)\n"
                 "tl.v = (%d, %d)\n",
                 cycle, worker);
    else
        snprintf(code, sizeof code, "assert getattr(tl, 'v', None) == (%d, %d), getattr(tl, 'v', None)\n", cycle,
                 worker);
    CHECK_OK(gilstuff_run_string(code, &err), err);
}

static void *worker(void *arg) {
    int w = (int)(intptr_t)arg;
    for (int c = 0; c < CYCLES; c++) {
        pthread_barrier_wait(&go);
        for (int k = 0; k < CALLS; k++)
            one_round(w, k == 0);
        pthread_barrier_wait(&done);
    }
    return NULL;
}

static void reinit_cycles(void) {
    CHECK(pthread_barrier_init(&go, NULL, NWORKERS + 1) == 0);
    CHECK(pthread_barrier_init(&done, NULL, NWORKERS + 1) == 0);
    pthread_t th[NWORKERS];
    for (int i = 0; i < NWORKERS; i++)
        CHECK(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) == 0);
    for (cycle = 0; cycle < CYCLES; cycle++) {
        gilstuff_config cfg;
        gilstuff_config_init(&cfg);
        cfg.origin = cycle % 2 ? GILSTUFF_ORIGIN_CALLER : GILSTUFF_ORIGIN_OWNED;
        gilstuff_error *err;
        double t0 = life_now();
        CHECK_OK(gilstuff_init(&cfg, &err), err);
        CHECK_OK(gilstuff_run_string("import threading\ntl = threading.local()\n", &err), err);
        pthread_barrier_wait(&go);
        /* this thread calls too, as the fifth participant */
        for (int k = 0; k < CALLS; k++)
            one_round(NWORKERS, k == 0);
        pthread_barrier_wait(&done);
        CHECK_OK(gilstuff_finalize(&err), err);
        fprintf(stderr, "cycle %d (%s origin): %.3f s\n", cycle, cycle % 2 ? "caller" : "owned", life_now() - t0);
    }
    for (int i = 0; i < NWORKERS; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
}

int main(int argc, char **argv) {
    static const life_scenario scenarios[] = {
        {"reinit_cycles", reinit_cycles, 120},
    };
    return life_main(argc, argv, scenarios, sizeof scenarios / sizeof scenarios[0]);
}
