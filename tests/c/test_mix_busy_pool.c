/*
 * Issue 10, behaviour 4 (pool_call): gilstuff_pool_call inside a callback while every
 * interpreter of the pool is busy with a call that can only finish after a third thread
 * got the MAIN interpreter's GIL.
 *
 * A pool of 1 interpreter. Thread H calls mixpool.relay on it (tests/python/mixpool.py):
 * the function writes "inside" to a pipe, then blocks reading a second pipe. Thread W,
 * once H is inside, makes a main call (gilstuff_run_string) and only then writes the
 * byte H waits for. The caller, inside a callback, calls gilstuff_pool_call(add, 1, 2):
 * it must wait for the busy member WITHOUT holding the main GIL (or the callback's
 * interpreter's GIL, which before 3.12 is the same shared GIL), or W never gets in and
 * nobody ever finishes. Checked: the caller's pool call returns GILSTUFF_OK with 3 within
 * 10 s, H's returns the byte W wrote, W's main call ran, the callback is back in its own
 * interpreter afterwards (raw C API).
 *
 * Cases (one process each): pool_call in a main callback, in another sub's callback,
 * and in a main callback on a new thread whose first gilstuff call that is.
 */
#include <Python.h>
#include <poll.h>

#include "check.h"
#include "mix.h"

static gilstuff_pool *pool;
static int to_h[2], from_h[2]; /* pipes: W -> H's pool function, H's pool function -> us */

typedef struct {
    bool in_sub;
    gilstuff_interp *other;
    int64_t ms;
} caller_job;

static int64_t pool_add(int64_t a, int64_t b) {
    const gilstuff_value *args[2] = {gilstuff_value_int(a), gilstuff_value_int(b)};
    gilstuff_value *out = NULL;
    gilstuff_error *err;
    CHECK_OK(gilstuff_pool_call(pool, "gilstuff_testmod", "add", args, 2, &out, &err), err);
    int64_t v = 0;
    CHECK_OK(gilstuff_value_get_int(out, &v, &err), err);
    gilstuff_value_free(out);
    gilstuff_value_free((gilstuff_value *)args[0]);
    gilstuff_value_free((gilstuff_value *)args[1]);
    return v;
}

static void *thread_h(void *unused) {
    (void)unused;
    const gilstuff_value *args[2] = {gilstuff_value_int(to_h[0]), gilstuff_value_int(from_h[1])};
    gilstuff_value *out = NULL;
    gilstuff_error *err;
    CHECK_OK(gilstuff_pool_call(pool, "mixpool", "relay", args, 2, &out, &err), err);
    int64_t v = 0;
    CHECK_OK(gilstuff_value_get_int(out, &v, &err), err);
    CHECKF(v == 'w', "H's pool call returned %lld", (long long)v);
    gilstuff_value_free(out);
    gilstuff_value_free((gilstuff_value *)args[0]);
    gilstuff_value_free((gilstuff_value *)args[1]);
    return NULL;
}

static mix_flag h_inside = MIX_FLAG_INIT;

static void *thread_w(void *unused) {
    (void)unused;
    CHECK(mix_flag_wait(&h_inside, 1, 10000));
    mix_sleep_ms(200); /* let the caller start waiting */
    gilstuff_error *err;
    CHECK_OK(gilstuff_run_string("writer_ran = WHO", &err), err);
    CHECK(write(to_h[1], "w", 1) == 1);
    return NULL;
}

static gilstuff_status cb_pool_call(void *arg) {
    caller_job *job = arg;
    const char *mine = job->in_sub ? "other" : "main";
    mix_expect_current_who(mine);
    int64_t t0 = mix_now_ms();
    int64_t v = pool_add(1, 2);
    job->ms = mix_now_ms() - t0;
    CHECK(v == 3);
    mix_expect_current_is_main(!job->in_sub);
    mix_expect_current_who(mine);
    return GILSTUFF_OK;
}

static void *do_caller(void *arg) {
    caller_job *job = arg;
    gilstuff_error *err;
    if (job->in_sub)
        CHECK_OK(gilstuff_with_interp(job->other, cb_pool_call, job, &err), err);
    else
        CHECK_OK(gilstuff_with_gil(cb_pool_call, job, &err), err);
    return NULL;
}

static void pool_call_while_busy(bool in_sub, bool first_call_thread) {
    mix_init();
    mix_set_who(NULL, "main");
    gilstuff_interp *other = mix_new_sub("other");
    gilstuff_error *err;
    CHECK_OK(gilstuff_pool_new(1, NULL, &pool, &err), err);
    CHECK(pool_add(20, 22) == 42); /* the pool works, and imports are done */
    CHECK(pipe(to_h) == 0 && pipe(from_h) == 0);

    pthread_t h = mix_thread_start(thread_h, NULL);
    struct pollfd p = {from_h[0], POLLIN, 0};
    CHECKF(poll(&p, 1, 10000) == 1, "H's pool call did not start within 10 s");
    char c;
    CHECK(read(from_h[0], &c, 1) == 1 && c == 'i');
    mix_flag_set(&h_inside, 1);
    pthread_t w = mix_thread_start(thread_w, NULL);

    caller_job job = {in_sub, other, 0};
    if (first_call_thread)
        mix_thread_join(mix_thread_start(do_caller, &job));
    else
        do_caller(&job);
    printf("gilstuff_pool_call inside a %s callback with the pool busy: OK after %lld ms\n",
           in_sub ? "sub" : "main", (long long)job.ms);
    CHECKF(job.ms < 10000, "gilstuff_pool_call took %lld ms", (long long)job.ms);
    mix_thread_join(w);
    mix_thread_join(h);
    char buf[64];
    CHECK(strcmp(mix_eval_str(NULL, "writer_ran", buf, sizeof buf), "main") == 0);
    mix_expect_who(other, "other");
    CHECK(pool_add(2, 3) == 5);
    CHECK_OK(gilstuff_pool_free(pool, &err), err);
    mix_free_sub(other);
    mix_finalize();
    close(to_h[0]);
    close(to_h[1]);
    close(from_h[0]);
    close(from_h[1]);
}

static void pool_call_in_main_cb(void) { pool_call_while_busy(false, false); }
static void pool_call_in_sub_cb(void) { pool_call_while_busy(true, false); }
static void first_call_pool_call_in_main_cb(void) { pool_call_while_busy(false, true); }

MIX_MAIN("test_mix_busy_pool",
         MIX_CASE(pool_call_in_main_cb, 30),
         MIX_CASE(pool_call_in_sub_cb, 30),
         MIX_CASE(first_call_pool_call_in_main_cb, 30))
