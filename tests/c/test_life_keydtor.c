/*
 * Issue 10, behaviour 7: threads whose last gilstuff call is made from a pthread key
 * destructor (it runs at thread exit, after the thread's C++/Rust thread_local
 * destructors). Each scenario runs in a process of its own (life.h), under a hang guard.
 *
 * - hundred_threads: 100 threads; half make an ordinary call first, half make their
 *   first and only call in the destructor; the destructor calls gilstuff_run_string or
 *   gilstuff_with_gil (thing.inc()). After all are joined, the main interpreter holds as
 *   many thread states as before they started (counted with
 *   PyInterpreterState_ThreadHead/PyThreadState_Next: the owner's and this thread's states
 *   are there from the start). Each destructor call returns GILSTUFF_OK or the
 *   "thread is exiting" refusal GILSTUFF_ERR_WRONG_THREAD (DESIGN: entries after the
 *   thread's context was destroyed are refused), with a message; thing.x counts exactly
 *   the calls that returned GILSTUFF_OK.
 * - race_finalize: 5 init/finalize cycles; in each, 16 threads make a call, then exit
 *   while gilstuff_finalize runs on the main thread, so their destructor calls race it.
 *   Checked: no crash, no ASan report; finalize returns GILSTUFF_OK; every destructor call
 *   returns GILSTUFF_OK, GILSTUFF_FINALIZING, GILSTUFF_FINALIZED or the exiting refusal
 *   (with a matching error); finalize waits for them: every destructor callback that
 *   entered Python has finished when finalize returns, and none enters afterwards.
 */
#include "life.h"

#include <pthread.h>
#include <stdatomic.h>

#include "thing_inc.h"

enum { CALL_BEFORE = 1, DTOR_WITH_GIL = 2 };

typedef struct {
    int kind;
    int index;
    gilstuff_status st; /* status of the destructor's call */
    int ran;            /* its callback ran (DTOR_WITH_GIL) */
    int done;
} slot_t;

static pthread_key_t key;
static atomic_int entered, finished, entered_after_finalize;
static atomic_bool finalize_returned;

static gilstuff_status cb_dtor(void *arg) {
    slot_t *s = arg;
    s->ran = 1;
    if (atomic_load(&finalize_returned))
        atomic_fetch_add(&entered_after_finalize, 1);
    atomic_fetch_add(&entered, 1);
    /* Sleep inside the call with the GIL released: finalize must wait for the call. */
    PyObject *r = PyRun_String("__import__('time').sleep(0.001)", Py_eval_input, PyEval_GetBuiltins(), NULL);
    if (!r)
        return GILSTUFF_ERR_PYTHON;
    Py_DECREF(r);
    gilstuff_status st = thing_inc(NULL);
    atomic_fetch_add(&finished, 1);
    return st;
}

static int dtor_status_ok(gilstuff_status st, int racing) {
    return st == GILSTUFF_OK || st == GILSTUFF_ERR_WRONG_THREAD || (racing && life_is_refusal(st));
}

static int racing;

static void key_dtor(void *v) {
    slot_t *s = v;
    gilstuff_error *err = NULL;
    if (s->kind & DTOR_WITH_GIL)
        s->st = gilstuff_with_gil(cb_dtor, s, &err);
    else
        s->st = gilstuff_run_string("import thing\nthing.inc()\n", &err);
    if (s->st != GILSTUFF_OK)
        check_error_matches(__FILE__, __LINE__, "the key destructor's call", err, s->st);
    if (!dtor_status_ok(s->st, racing))
        check_fail(__FILE__, __LINE__, err, "thread %d: the key destructor's call returned %s", s->index,
                   gilstuff_status_name(s->st));
    gilstuff_error_free(err);
    s->done = 1;
}

static pthread_barrier_t race_start;

static void *worker(void *arg) {
    slot_t *s = arg;
    if (s->kind & CALL_BEFORE) {
        gilstuff_error *err;
        CHECK_OK(gilstuff_run_string("import thing\nthing.inc()\n", &err), err);
    }
    CHECK(pthread_setspecific(key, s) == 0);
    if (racing) {
        pthread_barrier_wait(&race_start);
        unsigned seed = (unsigned)s->index;
        usleep((useconds_t)(rand_r(&seed) % 2000));
    }
    return NULL; /* key_dtor runs the last gilstuff call now */
}

static long thing_x(void) {
    return life_eval_long(NULL, "__import__('thing').x");
}

#define HUNDRED 100

static void hundred_threads(void) {
    CHECK(pthread_key_create(&key, key_dtor) == 0);
    check_init_with_test_paths();
    long before = life_count_tstates(NULL);
    CHECK(before >= 1);
    static slot_t slots[HUNDRED];
    pthread_t th[HUNDRED];
    for (int i = 0; i < HUNDRED; i++) {
        slots[i] = (slot_t){.kind = i % 4, .index = i, .st = 999};
        CHECK(pthread_create(&th[i], NULL, worker, &slots[i]) == 0);
    }
    for (int i = 0; i < HUNDRED; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
    long after = life_count_tstates(NULL);
    int calls_ok = 0, dtor_ok = 0, exiting = 0;
    for (int i = 0; i < HUNDRED; i++) {
        CHECKF(slots[i].done, "thread %d: its key destructor did not run", i);
        calls_ok += (slots[i].kind & CALL_BEFORE) != 0;
        dtor_ok += slots[i].st == GILSTUFF_OK;
        exiting += slots[i].st == GILSTUFF_ERR_WRONG_THREAD;
        if (slots[i].kind & DTOR_WITH_GIL)
            CHECKF(slots[i].ran == (slots[i].st == GILSTUFF_OK), "thread %d: callback ran = %d, status %s", i,
                   slots[i].ran, gilstuff_status_name(slots[i].st));
    }
    fprintf(stderr, "destructor calls: %d GILSTUFF_OK, %d refused as exiting; thread states %ld before, %ld after\n",
            dtor_ok, exiting, before, after);
    CHECKF(after == before, "%d threads whose last call ran in a key destructor left %ld thread state(s) behind",
           HUNDRED, after - before);
    long x = thing_x();
    CHECKF(x == calls_ok + dtor_ok, "thing.x = %ld, expected %d ordinary + %d destructor calls", x, calls_ok, dtor_ok);
    gilstuff_error *err;
    CHECK_OK(gilstuff_finalize(&err), err);
}

#define RACERS 16
#define CYCLES 5

static void race_finalize(void) {
    CHECK(pthread_key_create(&key, key_dtor) == 0);
    racing = 1;
    int counts[GILSTUFF_ERR_PANIC + 1] = {0};
    for (int cycle = 0; cycle < CYCLES; cycle++) {
        check_init_with_test_paths();
        atomic_store(&finalize_returned, false);
        atomic_store(&entered, 0);
        atomic_store(&finished, 0);
        CHECK(pthread_barrier_init(&race_start, NULL, RACERS + 1) == 0);
        slot_t slots[RACERS];
        pthread_t th[RACERS];
        for (int i = 0; i < RACERS; i++) {
            /* every thread makes a call first, so all are registered before the race */
            slots[i] = (slot_t){.kind = CALL_BEFORE | (i % 2 ? DTOR_WITH_GIL : 0), .index = cycle * 100 + i, .st = 999};
            CHECK(pthread_create(&th[i], NULL, worker, &slots[i]) == 0);
        }
        pthread_barrier_wait(&race_start);
        usleep((useconds_t)(cycle * 300));
        gilstuff_error *err;
        CHECK_OK(gilstuff_finalize(&err), err);
        int in = atomic_load(&entered), out = atomic_load(&finished);
        atomic_store(&finalize_returned, true);
        CHECKF(in == out, "cycle %d: finalize returned while %d destructor call(s) were still inside Python", cycle,
               in - out);
        for (int i = 0; i < RACERS; i++)
            CHECK(pthread_join(th[i], NULL) == 0);
        CHECK(pthread_barrier_destroy(&race_start) == 0);
        CHECKF(atomic_load(&entered_after_finalize) == 0, "cycle %d: a destructor call entered Python after finalize",
               cycle);
        int ok = 0;
        for (int i = 0; i < RACERS; i++) {
            CHECKF(slots[i].done, "cycle %d thread %d: its key destructor did not run", cycle, i);
            if (slots[i].kind & DTOR_WITH_GIL)
                CHECKF(slots[i].ran == (slots[i].st == GILSTUFF_OK), "cycle %d thread %d: callback ran = %d, status %s",
                       cycle, i, slots[i].ran, gilstuff_status_name(slots[i].st));
            ok += slots[i].st == GILSTUFF_OK;
            if (slots[i].st <= GILSTUFF_ERR_PANIC)
                counts[slots[i].st]++;
        }
        fprintf(stderr, "cycle %d: %d of %d destructor calls GILSTUFF_OK\n", cycle, ok, RACERS);
    }
    fprintf(stderr, "destructor call statuses over %d cycles:", CYCLES);
    for (int s = 0; s <= GILSTUFF_ERR_PANIC; s++)
        if (counts[s])
            fprintf(stderr, " %s %d", gilstuff_status_name((gilstuff_status)s), counts[s]);
    fprintf(stderr, "\n");
}

int main(int argc, char **argv) {
    static const life_scenario scenarios[] = {
        {"hundred_threads", hundred_threads, 120},
        {"race_finalize", race_finalize, 120},
    };
    return life_main(argc, argv, scenarios, sizeof scenarios / sizeof scenarios[0]);
}
