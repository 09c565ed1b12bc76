/*
 * An "occupant": a thread that keeps entering a target interpreter and staying inside
 * for a while, for the tests that free / create interpreters or call pools while other
 * threads are inside (issue 10, behaviours 4 and 12). Include after mix.h.
 *
 * Each stay lasts `hold_ms` (bounded, so that an implementation that waits for calls in
 * flight always gets to go on) and, while inside the target, makes calls that need the
 * MAIN interpreter's GIL:
 *   OCC_NESTED_MAIN   with_interp(target) { loop: gilstuff_eval(NULL, "WHO") == 'main' }
 *   OCC_WITHOUT_GIL   with_interp(target) { without_gil { loop: gilstuff_run_string } }
 * So a thread that holds the main GIL while waiting for the target's calls to end
 * deadlocks with it. And one that needs no other interpreter:
 *   OCC_SLEEP_WITHOUT_GIL  with_interp(target) { without_gil { sleep } } Between stays the occupant sleeps 20 ms; it stops when asked, after
 * 20 s, or when the target is gone (GILSTUFF_ERR_INVALID_HANDLE: the target was freed);
 * any other failure fails the test.
 *
 *   occupant o; occupant_start(&o, target, "who", OCC_NESTED_MAIN, 1000);
 *   occupant_wait_inside(&o);      // the occupant is inside the target now
 *   ...
 *   occupant_stop(&o);             // asks it to stop and joins it
 *   occupant_join(&o);             // joins it (it stops by itself once the target is freed)
 */
#ifndef GILSTUFF_TESTS_MIX_OCCUPY_H
#define GILSTUFF_TESTS_MIX_OCCUPY_H

#include "mix.h"

typedef enum { OCC_NESTED_MAIN, OCC_WITHOUT_GIL, OCC_SLEEP_WITHOUT_GIL } occ_mode;

typedef struct {
    gilstuff_interp *target;
    const char *who; /* the target's WHO */
    occ_mode mode;
    int hold_ms;
    mix_flag inside; /* 1 while inside the target, 0 between stays */
    int stop;        /* __atomic */
    int stays;       /* completed stays */
    bool saw_freed;  /* with_interp(target) returned GILSTUFF_ERR_INVALID_HANDLE */
    pthread_t thread;
} occupant;

static gilstuff_status occupant_cb_nogil(void *arg) {
    occupant *o = arg;
    int64_t t0 = mix_now_ms();
    gilstuff_error *err;
    while (mix_now_ms() - t0 < o->hold_ms) {
        if (o->mode == OCC_WITHOUT_GIL)
            CHECK_OK(gilstuff_run_string("occupant_ticks = globals().get('occupant_ticks', 0) + 1", &err), err);
        mix_sleep_ms(10);
    }
    return GILSTUFF_OK;
}

static gilstuff_status occupant_cb(void *arg) {
    occupant *o = arg;
    mix_expect_current_who(o->who);
    mix_flag_set(&o->inside, 1);
    gilstuff_error *err;
    if (o->mode != OCC_NESTED_MAIN) {
        CHECK_OK(gilstuff_without_gil(occupant_cb_nogil, o, &err), err);
    } else {
        int64_t t0 = mix_now_ms();
        while (mix_now_ms() - t0 < o->hold_ms) {
            mix_expect_who(NULL, "main"); /* a nested call into main */
            mix_expect_current_who(o->who);
            mix_sleep_ms(5);
        }
    }
    mix_expect_current_who(o->who);
    mix_flag_set(&o->inside, 0);
    return GILSTUFF_OK;
}

static void *occupant_thread(void *arg) {
    occupant *o = arg;
    int64_t end = mix_now_ms() + 20000;
    while (!__atomic_load_n(&o->stop, __ATOMIC_ACQUIRE) && mix_now_ms() < end) {
        gilstuff_error *err = NULL;
        gilstuff_status st = gilstuff_with_interp(o->target, occupant_cb, o, &err);
        if (st == GILSTUFF_ERR_INVALID_HANDLE) {
            gilstuff_error_free(err);
            o->saw_freed = true;
            break;
        }
        if (st != GILSTUFF_OK)
            check_fail(__FILE__, __LINE__, err, "occupant: gilstuff_with_interp(target) returned %s",
                       gilstuff_status_name(st));
        o->stays++;
        mix_sleep_ms(20);
    }
    return NULL;
}

static inline void occupant_start(occupant *o, gilstuff_interp *target, const char *who, occ_mode mode,
                                  int hold_ms) {
    memset(o, 0, sizeof *o);
    pthread_mutex_init(&o->inside.mu, NULL);
    pthread_cond_init(&o->inside.cv, NULL);
    o->target = target;
    o->who = who;
    o->mode = mode;
    o->hold_ms = hold_ms;
    o->thread = mix_thread_start(occupant_thread, o);
}

/* Waits (up to 10 s, else the test fails) until the occupant is inside the target. */
static inline void occupant_wait_inside(occupant *o) {
    CHECKF(mix_flag_wait(&o->inside, 1, 10000), "the occupant did not get inside %s within 10 s", o->who);
}

/* Joins the occupant without asking it to stop: it ends when the target is gone. */
static inline void occupant_join(occupant *o) {
    mix_thread_join(o->thread);
}

static inline void occupant_stop(occupant *o) {
    __atomic_store_n(&o->stop, 1, __ATOMIC_RELEASE);
    mix_thread_join(o->thread);
}

#endif /* GILSTUFF_TESTS_MIX_OCCUPY_H */
