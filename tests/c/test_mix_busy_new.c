/*
 * Issue 10, behaviour 4 (interp_new): gilstuff_interp_new called inside a callback
 * (gilstuff_with_gil, or gilstuff_with_interp(other)) while another thread is inside
 * `other` making nested calls into main, or sitting in gilstuff_without_gil there and
 * calling into main (tests/c/mix_occupy.h, 1 s stays).
 *
 * Checked: interp_new comes back within 10 s (the 30 s hang guard catches a deadlock)
 * with GILSTUFF_OK; the new interpreter works (its own WHO, set and read from inside the
 * same callback and afterwards); the callback is still in its own interpreter after the
 * call (raw C API); the occupant's calls never failed; main and `other` still work.
 *
 * Cases (one process each): in a main callback / in other's callback, occupant calling
 * main / in without_gil, on a thread that made calls before, and (first_call_*) on a new
 * thread whose first gilstuff call is the callback.
 */
#include <Python.h>

#include "check.h"
#include "mix.h"
#include "mix_occupy.h"

typedef struct {
    bool in_sub;
    gilstuff_interp *other;
    gilstuff_interp *made;
    int64_t ms;
} new_job;

static gilstuff_status cb_new(void *arg) {
    new_job *job = arg;
    const char *mine = job->in_sub ? "other" : "main";
    mix_expect_current_who(mine);
    gilstuff_interp_config cfg;
    gilstuff_interp_config_init(&cfg);
    gilstuff_error *err;
    int64_t t0 = mix_now_ms();
    CHECK_OK(gilstuff_interp_new(&cfg, &job->made, &err), err);
    job->ms = mix_now_ms() - t0;
    mix_expect_current_is_main(!job->in_sub);
    mix_expect_current_who(mine);
    mix_set_who(job->made, "made");
    mix_expect_who(job->made, "made");
    mix_expect_current_who(mine);
    return GILSTUFF_OK;
}

static void *do_new(void *arg) {
    new_job *job = arg;
    gilstuff_error *err;
    if (job->in_sub)
        CHECK_OK(gilstuff_with_interp(job->other, cb_new, job, &err), err);
    else
        CHECK_OK(gilstuff_with_gil(cb_new, job, &err), err);
    return NULL;
}

static void new_while_occupied(occ_mode mode, bool in_sub, bool first_call_thread) {
    mix_init();
    mix_set_who(NULL, "main");
    gilstuff_interp *other = mix_new_sub("other");

    occupant occ;
    occupant_start(&occ, other, "other", mode, 1000);
    occupant_wait_inside(&occ);

    new_job job = {in_sub, other, NULL, 0};
    if (first_call_thread)
        mix_thread_join(mix_thread_start(do_new, &job));
    else
        do_new(&job);
    printf("gilstuff_interp_new inside a %s callback, %s: OK after %lld ms\n", in_sub ? "sub" : "main",
           mode == OCC_NESTED_MAIN ? "occupant calling main" : "occupant in without_gil", (long long)job.ms);
    CHECKF(job.ms < 10000, "gilstuff_interp_new took %lld ms", (long long)job.ms);
    occupant_stop(&occ);
    CHECK(!occ.saw_freed);
    mix_expect_who(job.made, "made");
    mix_expect_who(NULL, "main");
    mix_expect_who(other, "other");
    mix_free_sub(job.made);
    mix_free_sub(other);
    mix_finalize();
}

static void new_in_main_cb_nested_main(void) { new_while_occupied(OCC_NESTED_MAIN, false, false); }
static void new_in_main_cb_without_gil(void) { new_while_occupied(OCC_WITHOUT_GIL, false, false); }
static void new_in_sub_cb_nested_main(void) { new_while_occupied(OCC_NESTED_MAIN, true, false); }
static void new_in_sub_cb_without_gil(void) { new_while_occupied(OCC_WITHOUT_GIL, true, false); }
static void first_call_new_in_main_cb(void) { new_while_occupied(OCC_NESTED_MAIN, false, true); }
static void first_call_new_in_sub_cb(void) { new_while_occupied(OCC_WITHOUT_GIL, true, true); }

MIX_MAIN("test_mix_busy_new",
         MIX_CASE(new_in_main_cb_nested_main, 30),
         MIX_CASE(new_in_main_cb_without_gil, 30),
         MIX_CASE(new_in_sub_cb_nested_main, 30),
         MIX_CASE(new_in_sub_cb_without_gil, 30),
         MIX_CASE(first_call_new_in_main_cb, 30),
         MIX_CASE(first_call_new_in_sub_cb, 30))
