/*
 * Issue 11, part 3: asynchronous calls through a completion queue, driven by an epoll
 * loop on the queue's fd.
 *
 * - Many submissions from several threads (module.function in main, a callable handle,
 *   a sub-interpreter, a pool): every completion arrives once, with its user_data, and
 *   its result matches; once all are popped the fd is no longer readable.
 * - Errors: a Python exception completes with GILSTUFF_ERR_PYTHON carrying its type and
 *   message; a non-portable result with GILSTUFF_ERR_TYPE.
 * - With 2 workers, a short call submitted after a 300 ms call completes first, long
 *   before the long one.
 * - Cancellation: a queued request completes with GILSTUFF_ERR_CANCELLED and its
 *   user_data; a running one cannot be cancelled and completes normally.
 * - Bad input: NULL queue / out-parameters, 0 or 65 workers, a freed queue, a released
 *   handle, a freed sub-interpreter -> the documented codes, no completion.
 * - Free with requests in flight: waits for the running call, drops the rest, no leak.
 *   Free inside a gilstuff_with_gil callback: GILSTUFF_ERR_WRONG_THREAD.
 * - Async finalize: submitting returns at once; it completes after the call in flight
 *   (which succeeds); later submits fail with GILSTUFF_FINALIZED. After a new init the
 *   same queue runs calls again.
 */
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <time.h>

#include "check.h"

#define NTHREADS 4
#define PER_THREAD 400

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int64_t int_of(const gilstuff_value *v) {
    int64_t x = 0;
    gilstuff_error *err;
    CHECK_OK(gilstuff_value_get_int(v, &x, &err), err);
    return x;
}

static gilstuff_queue *new_queue(size_t workers, int *ep) {
    gilstuff_queue *q = NULL;
    gilstuff_error *err;
    CHECK_OK(gilstuff_queue_new(workers, &q, &err), err);
    int fd = -1;
    CHECK_OK(gilstuff_queue_fd(q, &fd, &err), err);
    CHECK(fd >= 0);
    *ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(*ep >= 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = q};
    CHECK(epoll_ctl(*ep, EPOLL_CTL_ADD, fd, &ev) == 0);
    return q;
}

static void free_queue(gilstuff_queue *q, int ep) {
    gilstuff_error *err;
    close(ep);
    CHECK_OK(gilstuff_queue_free(q, &err), err);
}

/* Waits on the epoll set and pops until `want` completions are in `out`. */
static void collect(gilstuff_queue *q, int ep, gilstuff_completion *out, size_t want) {
    size_t got = 0;
    gilstuff_error *err;
    while (got < want) {
        struct epoll_event ev;
        int r = epoll_wait(ep, &ev, 1, 10000);
        CHECKF(r == 1, "epoll_wait: %d (got %zu of %zu completions)", r, got, want);
        CHECK(ev.data.ptr == q);
        size_t n = 0;
        CHECK_OK(gilstuff_queue_poll(q, out + got, want - got, &n, &err), err);
        /* Readable means at least one completion waits. */
        CHECKF(n > 0, "fd readable but poll popped nothing (%zu of %zu)", got, want);
        got += n;
    }
}

/* Nothing more waits: the fd is not readable and poll pops nothing. */
static void check_drained(gilstuff_queue *q, int ep) {
    struct epoll_event ev;
    CHECK(epoll_wait(ep, &ev, 1, 0) == 0);
    gilstuff_completion c;
    size_t n = 99;
    gilstuff_error *err;
    CHECK_OK(gilstuff_queue_poll(q, &c, 1, &n, &err), err);
    CHECK(n == 0);
}

static void release_completion(gilstuff_completion *c) {
    gilstuff_value_free(c->result);
    gilstuff_error_free(c->error);
}

static uint64_t submit_add(gilstuff_queue *q, gilstuff_interp *interp, int64_t a, int64_t b, uint64_t ud) {
    gilstuff_value *args[2] = {gilstuff_value_int(a), gilstuff_value_int(b)};
    uint64_t id = 0;
    gilstuff_error *err;
    CHECK_OK(gilstuff_queue_submit_function(q, interp, "gilstuff_testmod", "add", (const gilstuff_value *const *)args, 2, ud, &id, &err), err);
    CHECK(id > 0);
    gilstuff_value_free(args[0]);
    gilstuff_value_free(args[1]);
    return id;
}

static uint64_t submit_sleepy(gilstuff_queue *q, double seconds, int64_t value, uint64_t ud) {
    gilstuff_value *args[2] = {gilstuff_value_float(seconds), gilstuff_value_int(value)};
    uint64_t id = 0;
    gilstuff_error *err;
    CHECK_OK(gilstuff_queue_submit_function(q, NULL, "gilstuff_testmod", "sleepy", (const gilstuff_value *const *)args, 2, ud, &id, &err), err);
    gilstuff_value_free(args[0]);
    gilstuff_value_free(args[1]);
    return id;
}

/* ---- many submissions from several threads -------------------------------------- */

static gilstuff_queue *shared_q;
static gilstuff_object *add_fn;   /* gilstuff_testmod.add in main */
static gilstuff_interp *sub;      /* a sub-interpreter */
static gilstuff_pool *pool;

/* user_data = thread * PER_THREAD + i; every request computes add(user_data, 1000). */
static void *submitter(void *arg) {
    uint64_t t = (uint64_t)(uintptr_t)arg;
    gilstuff_error *err;
    for (uint64_t i = 0; i < PER_THREAD; i++) {
        uint64_t ud = t * PER_THREAD + i;
        gilstuff_value *args[2] = {gilstuff_value_int((int64_t)ud), gilstuff_value_int(1000)};
        const gilstuff_value *const *a = (const gilstuff_value *const *)args;
        switch (i % 4) {
        case 0:
            CHECK_OK(gilstuff_queue_submit_function(shared_q, NULL, "gilstuff_testmod", "add", a, 2, ud, NULL, &err), err);
            break;
        case 1:
            CHECK_OK(gilstuff_queue_submit_call(shared_q, add_fn, a, 2, ud, NULL, &err), err);
            break;
        case 2:
            CHECK_OK(gilstuff_queue_submit_function(shared_q, sub, "gilstuff_testmod", "add", a, 2, ud, NULL, &err), err);
            break;
        default:
            CHECK_OK(gilstuff_queue_submit_pool(shared_q, pool, "gilstuff_testmod", "add", a, 2, ud, NULL, &err), err);
        }
        gilstuff_value_free(args[0]);
        gilstuff_value_free(args[1]);
    }
    return NULL;
}

static void test_many(void) {
    gilstuff_error *err;
    gilstuff_object *mod;
    CHECK_OK(gilstuff_import(NULL, "gilstuff_testmod", &mod, &err), err);
    CHECK_OK(gilstuff_getattr(mod, "add", &add_fn, &err), err);
    CHECK_OK(gilstuff_object_release(mod, &err), err);
    CHECK_OK(gilstuff_interp_new(NULL, &sub, &err), err);
    CHECK_OK(gilstuff_pool_new(2, NULL, &pool, &err), err);

    int ep;
    shared_q = new_queue(4, &ep);
    pthread_t th[NTHREADS];
    for (uintptr_t t = 0; t < NTHREADS; t++)
        CHECK(pthread_create(&th[t], NULL, submitter, (void *)t) == 0);

    enum { TOTAL = NTHREADS * PER_THREAD };
    static gilstuff_completion out[TOTAL];
    static int seen[TOTAL];
    collect(shared_q, ep, out, TOTAL);
    for (int t = 0; t < NTHREADS; t++)
        pthread_join(th[t], NULL);
    for (size_t k = 0; k < TOTAL; k++) {
        gilstuff_completion *c = &out[k];
        CHECKF(c->status == GILSTUFF_OK, "completion %zu: %s", k, gilstuff_status_name(c->status));
        CHECK(c->error == NULL && c->result != NULL);
        CHECK(c->user_data < TOTAL);
        CHECKF(!seen[c->user_data], "user_data %llu completed twice", (unsigned long long)c->user_data);
        seen[c->user_data] = 1;
        CHECK(int_of(c->result) == (int64_t)c->user_data + 1000);
        release_completion(c);
    }
    check_drained(shared_q, ep);
    printf("many: %d completions from %d threads (main, handle, sub-interpreter, pool)\n", TOTAL, NTHREADS);
    free_queue(shared_q, ep);
}

/* ---- errors ------------------------------------------------------------------------ */

static void test_errors(void) {
    gilstuff_error *err;
    int ep;
    gilstuff_queue *q = new_queue(2, &ep);
    gilstuff_value *msg = NULL;
    CHECK_OK(gilstuff_value_str("boom 42", 7, &msg, &err), err);
    const gilstuff_value *args[1] = {msg};
    CHECK_OK(gilstuff_queue_submit_function(q, NULL, "gilstuff_testmod", "fail", args, 1, 1, NULL, &err), err);
    CHECK_OK(gilstuff_queue_submit_function(q, NULL, "gilstuff_testmod", "not_portable", NULL, 0, 2, NULL, &err), err);
    CHECK_OK(gilstuff_queue_submit_function(q, NULL, "no_such_module_xyz", "f", NULL, 0, 3, NULL, &err), err);
    CHECK_OK(gilstuff_queue_submit_call(q, add_fn, args, 1, 4, NULL, &err), err); /* add("boom") -> TypeError */
    gilstuff_value_free(msg);
    gilstuff_completion out[4];
    collect(q, ep, out, 4);
    for (int k = 0; k < 4; k++) {
        gilstuff_completion *c = &out[k];
        CHECK(c->result == NULL && c->error != NULL);
        CHECK(gilstuff_error_code(c->error) == c->status);
        switch (c->user_data) {
        case 1:
            CHECK(c->status == GILSTUFF_ERR_PYTHON);
            CHECK(strcmp(gilstuff_error_python_type(c->error), "ValueError") == 0);
            CHECK_STR_CONTAINS(gilstuff_error_message(c->error), "boom 42");
            break;
        case 2:
            CHECK(c->status == GILSTUFF_ERR_TYPE);
            break;
        case 3:
            CHECK(c->status == GILSTUFF_ERR_PYTHON);
            CHECK(strcmp(gilstuff_error_python_type(c->error), "ModuleNotFoundError") == 0);
            break;
        case 4:
            CHECK(c->status == GILSTUFF_ERR_PYTHON);
            CHECK(strcmp(gilstuff_error_python_type(c->error), "TypeError") == 0);
            break;
        default:
            CHECK(!"unexpected user_data");
        }
        release_completion(c);
    }
    check_drained(q, ep);
    printf("errors: exception type and message, non-portable result, missing module\n");
    free_queue(q, ep);
}

/* ---- a long call does not delay a short one ---------------------------------------- */

static void test_long_does_not_block(void) {
    int ep;
    gilstuff_queue *q = new_queue(2, &ep);
    double t0 = now();
    submit_sleepy(q, 0.3, 7, 100);
    submit_add(q, NULL, 1, 2, 200);
    gilstuff_completion c[2];
    collect(q, ep, c, 1);
    double short_done = now() - t0;
    CHECKF(c[0].user_data == 200, "first completion is %llu, not the short call", (unsigned long long)c[0].user_data);
    CHECK(c[0].status == GILSTUFF_OK && int_of(c[0].result) == 3);
    CHECKF(short_done < 0.15, "short call took %.3f s behind a 0.3 s call", short_done);
    collect(q, ep, c + 1, 1);
    double long_done = now() - t0;
    CHECK(c[1].user_data == 100 && c[1].status == GILSTUFF_OK && int_of(c[1].result) == 7);
    CHECK(long_done >= 0.29);
    release_completion(&c[0]);
    release_completion(&c[1]);
    printf("long call: short one done after %.1f ms, long one after %.1f ms (2 workers)\n", short_done * 1e3, long_done * 1e3);
    free_queue(q, ep);
}

/* ---- cancellation -------------------------------------------------------------------- */

static void test_cancel(void) {
    gilstuff_error *err;
    int ep;
    gilstuff_queue *q = new_queue(1, &ep);
    uint64_t running = submit_sleepy(q, 0.2, 1, 10);
    uint64_t ids[3];
    for (int k = 0; k < 3; k++)
        ids[k] = submit_add(q, NULL, k, 10, 11 + (uint64_t)k);
    CHECK(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != running);
    usleep(50 * 1000); /* the one worker has started the sleepy call */
    bool cancelled = true;
    CHECK_OK(gilstuff_queue_cancel(q, running, &cancelled, &err), err);
    CHECK(!cancelled); /* running: too late */
    CHECK_OK(gilstuff_queue_cancel(q, ids[1], &cancelled, &err), err);
    CHECK(cancelled);
    CHECK_OK(gilstuff_queue_cancel(q, ids[1], &cancelled, &err), err);
    CHECK(!cancelled); /* already cancelled */
    CHECK_OK(gilstuff_queue_cancel(q, 999999, &cancelled, &err), err);
    CHECK(!cancelled);
    CHECK_OK(gilstuff_queue_cancel(q, ids[2], NULL, &err), err);
    gilstuff_completion c[4];
    collect(q, ep, c, 4);
    /* The cancellations complete at once, before the running call. */
    CHECK(c[0].user_data == 12 && c[0].request == ids[1]);
    CHECK(c[1].user_data == 13 && c[1].request == ids[2]);
    for (int k = 0; k < 2; k++) {
        CHECK(c[k].status == GILSTUFF_ERR_CANCELLED && c[k].result == NULL);
        CHECK(gilstuff_error_code(c[k].error) == GILSTUFF_ERR_CANCELLED);
        CHECK(strcmp(gilstuff_status_name(c[k].status), "GILSTUFF_ERR_CANCELLED") == 0);
    }
    CHECK(c[2].user_data == 10 && c[2].status == GILSTUFF_OK && int_of(c[2].result) == 1);
    CHECK(c[3].user_data == 11 && c[3].status == GILSTUFF_OK && int_of(c[3].result) == 10);
    for (int k = 0; k < 4; k++)
        release_completion(&c[k]);
    check_drained(q, ep);
    printf("cancel: queued requests cancelled, the running one completed\n");
    free_queue(q, ep);
}

/* ---- bad input ------------------------------------------------------------------------ */

static void test_bad_input(void) {
    gilstuff_error *err;
    gilstuff_queue *q = NULL;
    int fd;
    size_t n;
    gilstuff_completion c;
    CHECK_STATUS(GILSTUFF_ERR_INVALID_ARGUMENT, gilstuff_queue_new(0, &q, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_INVALID_ARGUMENT, gilstuff_queue_new(65, &q, &err), err);
    CHECK(q == NULL);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_queue_new(1, NULL, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_queue_fd(NULL, &fd, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_queue_poll(NULL, &c, 1, &n, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_queue_submit_function(NULL, NULL, "m", "f", NULL, 0, 0, NULL, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_queue_submit_call(NULL, add_fn, NULL, 0, 0, NULL, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_queue_submit_finalize(NULL, 0, NULL, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_queue_cancel(NULL, 1, NULL, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_queue_free(NULL, &err), err);

    int ep;
    q = new_queue(1, &ep);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_queue_fd(q, NULL, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_queue_poll(q, &c, 1, NULL, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_queue_poll(q, NULL, 1, &n, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_queue_submit_function(q, NULL, NULL, "f", NULL, 0, 0, NULL, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_queue_submit_function(q, NULL, "m", NULL, NULL, 0, 0, NULL, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_queue_submit_function(q, NULL, "m", "f", NULL, 2, 0, NULL, &err), err);
    const gilstuff_value *nulls[1] = {NULL};
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_queue_submit_function(q, NULL, "m", "f", nulls, 1, 0, NULL, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_queue_submit_pool(q, NULL, "m", "f", NULL, 0, 0, NULL, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_queue_submit_call(q, NULL, NULL, 0, 0, NULL, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_queue_submit_call(q, (gilstuff_object *)(uintptr_t)0x7777, NULL, 0, 0, NULL, &err), err);
    /* A released handle, a freed sub-interpreter, a freed pool. */
    gilstuff_object *copy;
    CHECK_OK(gilstuff_object_clone(add_fn, &copy, &err), err);
    CHECK_OK(gilstuff_object_release(copy, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_queue_submit_call(q, copy, NULL, 0, 0, NULL, &err), err);
    CHECK_OK(gilstuff_interp_free(sub, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_queue_submit_function(q, sub, "gilstuff_testmod", "add", NULL, 0, 0, NULL, &err), err);
    CHECK_OK(gilstuff_pool_free(pool, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_queue_submit_pool(q, pool, "gilstuff_testmod", "add", NULL, 0, 0, NULL, &err), err);
    /* None of the refused submits made a completion. */
    check_drained(q, ep);
    free_queue(q, ep);
    /* A freed queue. */
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_queue_fd(q, &fd, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_queue_poll(q, &c, 1, &n, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_queue_submit_function(q, NULL, "gilstuff_testmod", "add", NULL, 0, 0, NULL, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_queue_cancel(q, 1, NULL, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_queue_free(q, &err), err);
    CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_queue_free((gilstuff_queue *)(uintptr_t)0x5555, &err), err);
    printf("bad input: NULLs, worker counts, freed queue, released handle, freed interp and pool\n");
}

/* ---- free from inside a callback: refused (it could wait for the GIL it holds) ---- */

static gilstuff_queue *cb_queue;
static gilstuff_status cb_status;

static gilstuff_status free_inside(void *userdata) {
    (void)userdata;
    gilstuff_error *err = NULL;
    cb_status = gilstuff_queue_free(cb_queue, &err);
    CHECK(err != NULL && gilstuff_error_code(err) == cb_status);
    gilstuff_error_free(err);
    return GILSTUFF_OK;
}

static void test_free_in_callback(void) {
    gilstuff_error *err;
    int ep;
    cb_queue = new_queue(1, &ep);
    submit_add(cb_queue, NULL, 1, 1, 1);
    CHECK_OK(gilstuff_with_gil(free_inside, NULL, &err), err);
    CHECKF(cb_status == GILSTUFF_ERR_WRONG_THREAD, "free inside a callback: %s", gilstuff_status_name(cb_status));
    gilstuff_completion c;
    collect(cb_queue, ep, &c, 1); /* the queue still works */
    CHECK(c.status == GILSTUFF_OK && int_of(c.result) == 2);
    release_completion(&c);
    free_queue(cb_queue, ep);
    printf("free inside a callback: GILSTUFF_ERR_WRONG_THREAD, the queue still works\n");
}

/* ---- free with requests in flight ------------------------------------------------------ */

static void test_free_in_flight(void) {
    int ep;
    gilstuff_queue *q = new_queue(1, &ep);
    submit_sleepy(q, 0.3, 1, 1);
    for (int k = 0; k < 20; k++)
        submit_add(q, NULL, k, k, 2 + (uint64_t)k);
    usleep(50 * 1000);
    double t0 = now();
    free_queue(q, ep); /* waits for the sleepy call, drops the adds */
    double waited = now() - t0;
    CHECKF(waited > 0.15 && waited < 2.0, "free waited %.3f s", waited);
    printf("free in flight: waited %.0f ms for the running call, dropped the queued ones\n", waited * 1e3);
}

/* ---- async finalize ------------------------------------------------------------------ */

static void test_async_finalize(void) {
    gilstuff_error *err;
    int ep;
    gilstuff_queue *q = new_queue(2, &ep);
    CHECK_OK(gilstuff_object_release(add_fn, &err), err);
    submit_sleepy(q, 0.2, 5, 1);
    usleep(30 * 1000); /* the sleepy call is in flight */
    double t0 = now();
    uint64_t fin = 0;
    CHECK_OK(gilstuff_queue_submit_finalize(q, 2, &fin, &err), err);
    double submit_took = now() - t0;
    CHECKF(submit_took < 0.05, "submitting finalize took %.3f s", submit_took);
    gilstuff_completion c[2];
    collect(q, ep, c, 2);
    double done = now() - t0;
    /* Finalize waits for the call in flight: the call completes first and succeeds. */
    CHECK(c[0].user_data == 1 && c[0].status == GILSTUFF_OK && int_of(c[0].result) == 5);
    CHECK(c[1].user_data == 2 && c[1].request == fin);
    CHECKF(c[1].status == GILSTUFF_OK, "finalize completed with %s", gilstuff_status_name(c[1].status));
    CHECK(c[1].result == NULL && c[1].error == NULL);
    CHECK(!gilstuff_is_initialized());
    release_completion(&c[0]);
    CHECK_STATUS(GILSTUFF_FINALIZED, gilstuff_queue_submit_function(q, NULL, "gilstuff_testmod", "add", NULL, 0, 3, NULL, &err), err);
    CHECK_STATUS(GILSTUFF_FINALIZED, gilstuff_queue_submit_finalize(q, 4, NULL, &err), err);
    check_drained(q, ep);
    printf("async finalize: submit took %.2f ms, completed after %.0f ms, later submits GILSTUFF_FINALIZED\n",
           submit_took * 1e3, done * 1e3);

    /* After a new gilstuff_init the same queue (and its workers, whose thread states
     * belonged to the Python that ended) works again; then a blocking finalize. */
    check_init_with_test_paths();
    submit_add(q, NULL, 20, 22, 5);
    submit_sleepy(q, 0.01, 9, 6);
    collect(q, ep, c, 2);
    for (int k = 0; k < 2; k++) {
        CHECKF(c[k].status == GILSTUFF_OK, "after re-init: %s", gilstuff_status_name(c[k].status));
        CHECK(int_of(c[k].result) == (c[k].user_data == 5 ? 42 : 9));
        release_completion(&c[k]);
    }
    CHECK_OK(gilstuff_finalize(&err), err);
    CHECK_STATUS(GILSTUFF_FINALIZED, gilstuff_queue_submit_function(q, NULL, "gilstuff_testmod", "add", NULL, 0, 7, NULL, &err), err);
    printf("re-init: the same queue runs calls in the new Python\n");
    free_queue(q, ep);
}

int main(void) {
    check_hang_guard(120);
    check_init_with_test_paths();
    test_many();
    test_errors();
    test_long_does_not_block();
    test_cancel();
    test_bad_input();
    test_free_in_flight();
    test_free_in_callback();
    test_async_finalize();
    printf("test_async: ok\n");
    return 0;
}
