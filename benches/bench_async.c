/*
 * Async calls through a gilstuff_queue vs the blocking gilstuff_invoke, same run.
 *
 *   blocking     gilstuff_invoke(noop) from the calling thread(s)
 *   async        gilstuff_queue_submit_call(noop) with up to WINDOW requests outstanding,
 *                completions drained from an epoll loop on the queue's fd in batches
 *   latency      one request at a time: submit, epoll_wait, poll (round trip), minus
 *                the blocking invoke's time per call = the latency the async path adds
 *   64 threads   64 host threads (as 64 actors) each make CALLS64 calls: blocking, or
 *                submitting to one queue that the main thread drains
 *
 * noop is `def noop(): return None`: the work is gilstuff's, not Python's. Numbers are
 * printed, no target is enforced. `make bench-async`.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <gilstuff.h>

#include "bench_util.h"

#define CALLS 200000
#define LAT_CALLS 20000
#define WINDOW 256
#define THREADS64 64
#define CALLS64 2000

static gilstuff_object *noop;

#define TRY(what, call)                                                                 \
    do {                                                                                \
        gilstuff_error *err_ = NULL;                                                    \
        gilstuff_status st_ = (call);                                                   \
        if (st_ != GILSTUFF_OK)                                                         \
            bench_die("bench_async", what, st_, err_);                                  \
    } while (0)

static void invoke_once(void) {
    gilstuff_error *err = NULL;
    gilstuff_status st = gilstuff_invoke(noop, NULL, 0, NULL, &err);
    if (st != GILSTUFF_OK)
        bench_die("bench_async", "gilstuff_invoke", st, err);
}

static void submit_once(gilstuff_queue *q, uint64_t ud) {
    gilstuff_error *err = NULL;
    gilstuff_status st = gilstuff_queue_submit_call(q, noop, NULL, 0, ud, NULL, &err);
    if (st != GILSTUFF_OK)
        bench_die("bench_async", "gilstuff_queue_submit_call", st, err);
}

/* Waits for and pops up to `max` completions; returns how many. */
static size_t drain(gilstuff_queue *q, int ep, size_t max) {
    static gilstuff_completion out[WINDOW];
    if (max > WINDOW)
        max = WINDOW;
    struct epoll_event ev;
    if (epoll_wait(ep, &ev, 1, 10000) != 1) {
        fprintf(stderr, "bench_async: epoll_wait timed out\n");
        exit(1);
    }
    size_t n = 0;
    TRY("gilstuff_queue_poll", gilstuff_queue_poll(q, out, max, &n, &err_));
    for (size_t k = 0; k < n; k++) {
        if (out[k].status != GILSTUFF_OK)
            bench_die("bench_async", "async call", out[k].status, out[k].error);
        gilstuff_value_free(out[k].result);
    }
    return n;
}

static gilstuff_queue *make_queue(size_t workers, int *ep) {
    gilstuff_queue *q;
    int fd;
    TRY("gilstuff_queue_new", gilstuff_queue_new(workers, &q, &err_));
    TRY("gilstuff_queue_fd", gilstuff_queue_fd(q, &fd, &err_));
    *ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN};
    if (*ep < 0 || epoll_ctl(*ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        perror("epoll");
        exit(1);
    }
    return q;
}

static void free_queue(gilstuff_queue *q, int ep) {
    close(ep);
    TRY("gilstuff_queue_free", gilstuff_queue_free(q, &err_));
}

/* Seconds for CALLS async calls with at most WINDOW outstanding. */
static double async_throughput(size_t workers) {
    int ep;
    gilstuff_queue *q = make_queue(workers, &ep);
    double t0 = bench_now();
    size_t sent = 0, done = 0;
    while (done < CALLS) {
        while (sent < CALLS && sent - done < WINDOW)
            submit_once(q, sent++);
        done += drain(q, ep, sent - done);
    }
    double t = bench_now() - t0;
    free_queue(q, ep);
    return t;
}

/* Seconds per round trip, one request at a time. */
static double async_latency(void) {
    int ep;
    gilstuff_queue *q = make_queue(1, &ep);
    for (int i = 0; i < 1000; i++) { /* warm up */
        submit_once(q, 0);
        while (drain(q, ep, 1) == 0) {}
    }
    double t0 = bench_now();
    for (int i = 0; i < LAT_CALLS; i++) {
        submit_once(q, (uint64_t)i);
        while (drain(q, ep, 1) == 0) {}
    }
    double t = (bench_now() - t0) / LAT_CALLS;
    free_queue(q, ep);
    return t;
}

/* ---- 64 host threads ------------------------------------------------------------------ */

static gilstuff_queue *q64;

static void *blocking_thread(void *arg) {
    (void)arg;
    for (int i = 0; i < CALLS64; i++)
        invoke_once();
    return NULL;
}

static void *submit_thread(void *arg) {
    (void)arg;
    for (int i = 0; i < CALLS64; i++)
        submit_once(q64, (uint64_t)i);
    return NULL;
}

static double run64(void *(*fn)(void *), int ep) {
    pthread_t th[THREADS64];
    double t0 = bench_now();
    for (int t = 0; t < THREADS64; t++)
        if (pthread_create(&th[t], NULL, fn, NULL) != 0) {
            perror("pthread_create");
            exit(1);
        }
    if (ep >= 0) {
        size_t done = 0;
        while (done < (size_t)THREADS64 * CALLS64)
            done += drain(q64, ep, WINDOW);
    }
    for (int t = 0; t < THREADS64; t++)
        pthread_join(th[t], NULL);
    return bench_now() - t0;
}

int main(void) {
    TRY("gilstuff_init", gilstuff_init(NULL, &err_));
    TRY("gilstuff_exec", gilstuff_exec(NULL, "def noop():\n    return None\n", NULL, &err_));
    TRY("gilstuff_eval", gilstuff_eval(NULL, "noop", NULL, &noop, &err_));
    printf("bench_async: %s, %ld CPUs online\n", bench_cpu_model(), sysconf(_SC_NPROCESSORS_ONLN));

    for (int i = 0; i < 10000; i++)
        invoke_once();
    double t0 = bench_now();
    for (int i = 0; i < CALLS; i++)
        invoke_once();
    double blocking = (bench_now() - t0) / CALLS;
    printf("blocking gilstuff_invoke, 1 thread:        %8.0f ns/call  %10.0f calls/s\n", blocking * 1e9, 1 / blocking);

    size_t worker_counts[] = {1, 2, 4};
    for (size_t k = 0; k < 3; k++) {
        double t = async_throughput(worker_counts[k]) / CALLS;
        printf("async submit_call, %zu worker(s), window %d: %8.0f ns/call  %10.0f calls/s  (%.2fx blocking)\n",
               worker_counts[k], WINDOW, t * 1e9, 1 / t, blocking / t);
    }
    double lat = async_latency();
    printf("async round trip, one at a time:           %8.0f ns/call  -> latency added %.0f ns/call\n",
           lat * 1e9, (lat - blocking) * 1e9);

    double b64 = run64(blocking_thread, -1) / ((double)THREADS64 * CALLS64);
    printf("64 threads blocking gilstuff_invoke:       %8.0f ns/call  %10.0f calls/s\n", b64 * 1e9, 1 / b64);
    int ep;
    q64 = make_queue(2, &ep);
    double a64 = run64(submit_thread, ep) / ((double)THREADS64 * CALLS64);
    free_queue(q64, ep);
    printf("64 threads async (2 workers, 1 drainer):   %8.0f ns/call  %10.0f calls/s  (%.2fx blocking)\n",
           a64 * 1e9, 1 / a64, b64 / a64);

    TRY("gilstuff_object_release", gilstuff_object_release(noop, &err_));
    TRY("gilstuff_finalize", gilstuff_finalize(&err_));
    return 0;
}
