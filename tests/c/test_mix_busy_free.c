/*
 * Issue 10, behaviour 4 (interp_free): gilstuff_interp_free(target) called inside a
 * callback (gilstuff_with_gil, or gilstuff_with_interp(other sub)) while another thread
 * is inside `target` (tests/c/mix_occupy.h: for 1 s at a time, either making nested calls
 * into main, or sitting in gilstuff_without_gil and calling into main from there, or
 * only sleeping in gilstuff_without_gil).
 *
 * The free must come back within 10 s (the hang guard, 30 s, catches a deadlock) with
 * GILSTUFF_OK or GILSTUFF_ERR_INTERP_BUSY:
 * - OK: the target is gone (gilstuff_interp_id == -1), the occupant's next entry gets
 *   GILSTUFF_ERR_INVALID_HANDLE and it stops; its calls inside never failed.
 * - INTERP_BUSY: the target still works (WHO == 'target'); once the occupant stopped, a
 *   free outside any callback succeeds.
 * Either way main and the other sub still work, and the callback that called free is
 * still in its own interpreter afterwards (raw C API).
 *
 * Cases (one process each): free in a main callback / in a callback of another sub, with
 * the occupant making nested main calls / sitting in without_gil, on a thread that made
 * calls before, and (first_call_*) on a new thread whose first gilstuff call is the
 * callback that frees.
 */
#include <Python.h>

#include "check.h"
#include "mix.h"
#include "mix_occupy.h"

typedef enum { IN_MAIN_CB, IN_SUB_CB } where_t;

typedef struct {
    where_t where;
    gilstuff_interp *target, *other;
    gilstuff_status st;
    gilstuff_error *err;
    int64_t ms;
} free_job;

static gilstuff_status cb_free(void *arg) {
    free_job *job = arg;
    const char *mine = job->where == IN_MAIN_CB ? "main" : "other";
    mix_expect_current_who(mine);
    int64_t t0 = mix_now_ms();
    job->st = gilstuff_interp_free(job->target, &job->err);
    job->ms = mix_now_ms() - t0;
    /* Back in the callback's own interpreter, with its GIL. */
    mix_expect_current_is_main(job->where == IN_MAIN_CB);
    mix_expect_current_who(mine);
    return GILSTUFF_OK;
}

static void *do_free(void *arg) {
    free_job *job = arg;
    gilstuff_error *err;
    if (job->where == IN_MAIN_CB)
        CHECK_OK(gilstuff_with_gil(cb_free, job, &err), err);
    else
        CHECK_OK(gilstuff_with_interp(job->other, cb_free, job, &err), err);
    return NULL;
}

static void free_while_occupied(occ_mode mode, where_t where, bool first_call_thread) {
    mix_init();
    mix_set_who(NULL, "main");
    gilstuff_interp *other = mix_new_sub("other");
    gilstuff_interp *target = mix_new_sub("target");

    occupant occ;
    occupant_start(&occ, target, "target", mode, 1000);
    occupant_wait_inside(&occ);

    free_job job = {where, target, other, GILSTUFF_OK, NULL, 0};
    if (first_call_thread)
        mix_thread_join(mix_thread_start(do_free, &job));
    else
        do_free(&job);
    printf("gilstuff_interp_free inside a %s callback, %s: %s after %lld ms\n",
           where == IN_MAIN_CB ? "main" : "sub", mode == OCC_NESTED_MAIN ? "occupant calling main" : mode == OCC_WITHOUT_GIL ? "occupant in without_gil calling main" : "occupant sleeping in without_gil",
           gilstuff_status_name(job.st), (long long)job.ms);
    CHECKF(job.ms < 10000, "gilstuff_interp_free took %lld ms", (long long)job.ms);

    if (job.st == GILSTUFF_OK) {
        CHECK(job.err == NULL);
        CHECK(gilstuff_interp_id(target) == -1);
        occupant_join(&occ);
        CHECKF(occ.saw_freed, "the occupant never saw the target freed");
    } else if (job.st == GILSTUFF_ERR_INTERP_BUSY) {
        check_error_matches(__FILE__, __LINE__, "gilstuff_interp_free", job.err, job.st);
        gilstuff_error_free(job.err);
        occupant_stop(&occ);
        CHECK(!occ.saw_freed);
        mix_expect_who(target, "target");
        mix_free_sub(target);
    } else {
        check_fail(__FILE__, __LINE__, job.err, "gilstuff_interp_free returned %s: expected GILSTUFF_OK or "
                   "GILSTUFF_ERR_INTERP_BUSY", gilstuff_status_name(job.st));
    }
    CHECKF(occ.stays >= 1 || job.st == GILSTUFF_OK, "the occupant never completed a stay");
    mix_expect_who(NULL, "main");
    mix_expect_who(other, "other");
    mix_free_sub(other);
    mix_finalize();
}

static void free_in_main_cb_nested_main(void) { free_while_occupied(OCC_NESTED_MAIN, IN_MAIN_CB, false); }
static void free_in_main_cb_without_gil(void) { free_while_occupied(OCC_WITHOUT_GIL, IN_MAIN_CB, false); }
static void free_in_main_cb_sleeping(void) { free_while_occupied(OCC_SLEEP_WITHOUT_GIL, IN_MAIN_CB, false); }
static void free_in_sub_cb_nested_main(void) { free_while_occupied(OCC_NESTED_MAIN, IN_SUB_CB, false); }
static void free_in_sub_cb_without_gil(void) { free_while_occupied(OCC_WITHOUT_GIL, IN_SUB_CB, false); }
static void first_call_free_in_main_cb(void) { free_while_occupied(OCC_NESTED_MAIN, IN_MAIN_CB, true); }
static void first_call_free_in_sub_cb(void) { free_while_occupied(OCC_WITHOUT_GIL, IN_SUB_CB, true); }

MIX_MAIN("test_mix_busy_free",
         MIX_CASE(free_in_main_cb_nested_main, 30),
         MIX_CASE(free_in_main_cb_without_gil, 30),
         MIX_CASE(free_in_main_cb_sleeping, 30),
         MIX_CASE(free_in_sub_cb_nested_main, 30),
         MIX_CASE(free_in_sub_cb_without_gil, 30),
         MIX_CASE(first_call_free_in_main_cb, 30),
         MIX_CASE(first_call_free_in_sub_cb, 30))
