/*
 * Issue 10, behaviour 12: two threads create and free sub-interpreters at the same time,
 * 25 times each, started together by a barrier:
 * - both_in_main_cb: each does gilstuff_with_gil { interp_new; use it; interp_free };
 * - main_cb_and_outside: one inside with_gil callbacks, the other with plain calls;
 * - sub_cb_and_main_cb: one inside with_interp(its own sub) callbacks, the other
 *   inside with_gil callbacks.
 * Every call returns GILSTUFF_OK, each new interpreter is a separate one (its own WHO,
 * read back through gilstuff), the callback is still in its own interpreter after each
 * call (raw C API), and everything completes: the 45 s hang guard turns a deadlock into
 * a failure.
 */
#include <Python.h>

#include "check.h"
#include "mix.h"

#define ITERATIONS 25

typedef enum { OUTSIDE, IN_MAIN_CB, IN_SUB_CB } how_t;

typedef struct {
    how_t how;
    int id;
    gilstuff_interp *home; /* IN_SUB_CB: the sub whose callbacks create and free */
    pthread_barrier_t *start;
} worker;

/* One create / use / free round. */
static void new_use_free(worker *w, int i) {
    gilstuff_interp_config cfg;
    gilstuff_interp_config_init(&cfg);
    gilstuff_interp *made = NULL;
    gilstuff_error *err;
    CHECK_OK(gilstuff_interp_new(&cfg, &made, &err), err);
    char who[64];
    snprintf(who, sizeof who, "made_%d_%d", w->id, i);
    mix_set_who(made, who);
    mix_expect_who(made, who);
    CHECK_OK(gilstuff_interp_free(made, &err), err);
    CHECK(gilstuff_interp_id(made) == -1);
}

typedef struct {
    worker *w;
    int i;
} round_arg;

static gilstuff_status cb_round(void *arg) {
    round_arg *r = arg;
    const char *mine = r->w->how == IN_SUB_CB ? "home" : "main";
    mix_expect_current_who(mine);
    new_use_free(r->w, r->i);
    mix_expect_current_is_main(r->w->how != IN_SUB_CB);
    mix_expect_current_who(mine);
    return GILSTUFF_OK;
}

static void *worker_thread(void *arg) {
    worker *w = arg;
    int rc = pthread_barrier_wait(w->start);
    CHECK(rc == 0 || rc == PTHREAD_BARRIER_SERIAL_THREAD);
    gilstuff_error *err;
    for (int i = 0; i < ITERATIONS; i++) {
        round_arg r = {w, i};
        switch (w->how) {
        case OUTSIDE:
            new_use_free(w, i);
            break;
        case IN_MAIN_CB:
            CHECK_OK(gilstuff_with_gil(cb_round, &r, &err), err);
            break;
        case IN_SUB_CB:
            CHECK_OK(gilstuff_with_interp(w->home, cb_round, &r, &err), err);
            break;
        }
    }
    return NULL;
}

static void two_threads(how_t a, how_t b) {
    mix_init();
    mix_set_who(NULL, "main");
    pthread_barrier_t start;
    CHECK(pthread_barrier_init(&start, NULL, 2) == 0);
    worker w[2] = {{a, 0, NULL, &start}, {b, 1, NULL, &start}};
    for (int k = 0; k < 2; k++)
        if (w[k].how == IN_SUB_CB)
            w[k].home = mix_new_sub("home");
    int64_t t0 = mix_now_ms();
    pthread_t t[2] = {mix_thread_start(worker_thread, &w[0]), mix_thread_start(worker_thread, &w[1])};
    mix_thread_join(t[0]);
    mix_thread_join(t[1]);
    printf("2 threads x %d interp_new + interp_free: %lld ms\n", ITERATIONS, (long long)(mix_now_ms() - t0));
    pthread_barrier_destroy(&start);
    mix_expect_who(NULL, "main");
    for (int k = 0; k < 2; k++)
        if (w[k].home) {
            mix_expect_who(w[k].home, "home");
            mix_free_sub(w[k].home);
        }
    mix_finalize();
}

static void both_in_main_cb(void) { two_threads(IN_MAIN_CB, IN_MAIN_CB); }
static void main_cb_and_outside(void) { two_threads(IN_MAIN_CB, OUTSIDE); }
static void sub_cb_and_main_cb(void) { two_threads(IN_SUB_CB, IN_MAIN_CB); }

MIX_MAIN("test_mix_concurrent_new_free",
         MIX_CASE(both_in_main_cb, 45),
         MIX_CASE(main_cb_and_outside, 45),
         MIX_CASE(sub_cb_and_main_cb, 45))
