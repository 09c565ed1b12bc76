/*
 * Foreign (non-Python) threads for tests/python/test_attach_exit.py: pthreads that call
 * gilstuff in a loop for ever, as a C host's worker threads would, while the Python
 * program that loaded gilstuff exits around them. Compiled by the test into a shared
 * library linked with the same libgilstuff the test loaded.
 *
 *   foreign_start(n, sub)   starts n threads; even ones run gilstuff_run_string in main,
 *                           odd ones gilstuff_exec in `sub`. Returns 0 or an errno.
 *   foreign_min_ok()        the fewest successful calls any thread has made so far
 *   foreign_unexpected()    calls that returned a status other than OK and the
 *                           lifecycle refusals (FINALIZING, FINALIZED, NOT_INITIALIZED)
 *                           or INVALID_HANDLE for the sub once it was ended
 *
 * Each unexpected status is printed to stderr as "foreign thread N: unexpected status".
 * Refused calls are retried at once: the threads never stop.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "gilstuff.h"

#define MAX_THREADS 64

static atomic_long ok_calls[MAX_THREADS];
static atomic_long unexpected;
static atomic_int nthreads;
static gilstuff_interp *sub_interp;

static void *loop(void *arg) {
    int i = (int)(intptr_t)arg;
    for (long k = 0;; k++) {
        gilstuff_error *err = NULL;
        gilstuff_status st;
        if (i % 2 == 0)
            st = gilstuff_run_string("foreign_calls = globals().get('foreign_calls', 0) + 1\n", &err);
        else
            st = gilstuff_exec(sub_interp, "x = sum(range(10))\n", NULL, &err);
        if (st == GILSTUFF_OK) {
            atomic_fetch_add(&ok_calls[i], 1);
            continue;
        }
        int refusal = st == GILSTUFF_FINALIZING || st == GILSTUFF_FINALIZED || st == GILSTUFF_NOT_INITIALIZED ||
                      (i % 2 == 1 && st == GILSTUFF_ERR_INVALID_HANDLE);
        if (!refusal) {
            atomic_fetch_add(&unexpected, 1);
            fprintf(stderr, "foreign thread %d: unexpected status %s on call %ld: %s\n", i, gilstuff_status_name(st),
                    k, err ? gilstuff_error_message(err) : "(no error)");
        }
        gilstuff_error_free(err);
        sched_yield();
    }
    return NULL;
}

int foreign_start(int n, gilstuff_interp *sub) {
    if (n < 1 || n > MAX_THREADS)
        return 22;
    sub_interp = sub;
    for (int i = 0; i < n; i++) {
        pthread_t th;
        int rc = pthread_create(&th, NULL, loop, (void *)(intptr_t)i);
        if (rc != 0)
            return rc;
        pthread_detach(th);
        atomic_fetch_add(&nthreads, 1);
    }
    return 0;
}

long foreign_min_ok(void) {
    int n = atomic_load(&nthreads);
    long min = -1;
    for (int i = 0; i < n; i++) {
        long c = atomic_load(&ok_calls[i]);
        if (min < 0 || c < min)
            min = c;
    }
    return min;
}

long foreign_unexpected(void) {
    return atomic_load(&unexpected);
}
