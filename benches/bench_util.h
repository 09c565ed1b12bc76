/*
 * Helpers shared by the C benchmarks (bench_core.c, bench_objects.c, bench_pool.c):
 * a monotonic clock, a fatal-error exit, medians, the CPU model, and running a job on
 * N fresh pthreads released together by a barrier.
 *
 * Header-only (static functions), included by exactly one translation unit per program.
 */
#ifndef GILSTUFF_BENCH_UTIL_H
#define GILSTUFF_BENCH_UTIL_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gilstuff.h"

/* Seconds on the monotonic clock. */
static inline double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Prints "<prog>: <what> failed: <status>: <message>" and exits with status 1. */
static inline void bench_die(const char *prog, const char *what, gilstuff_status st, gilstuff_error *err) {
    fprintf(stderr, "%s: %s failed: %s: %s\n", prog, what, gilstuff_status_name(st),
            err ? gilstuff_error_message(err) : "(no detail)");
    if (err && gilstuff_error_traceback(err))
        fprintf(stderr, "%s\n", gilstuff_error_traceback(err));
    exit(1);
}

static inline int bench_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n] (sorts v in place; for even n the upper middle element). */
static inline double bench_median(double *v, int n) {
    qsort(v, (size_t)n, sizeof(double), bench_cmp_double);
    return v[n / 2];
}

/* The first "model name" of /proc/cpuinfo, or "unknown CPU". Static string. */
static inline const char *bench_cpu_model(void) {
    static char model[256] = "unknown CPU";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return model;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *p = strchr(line, ':');
            if (p) {
                snprintf(model, sizeof model, "%s", p + 2);
                model[strcspn(model, "\n")] = 0;
            }
            break;
        }
    }
    fclose(f);
    return model;
}

/*
 * A job run on one pthread by bench_run_threads. Put it first in your own job struct.
 * The thread function warms up, then calls bench_job_start (waits until every thread
 * is ready, returns the start time), runs its timed loop, and sets `elapsed`.
 */
typedef struct bench_job {
    pthread_barrier_t *start;
    double elapsed; /* this thread's timed loop, seconds */
} bench_job;

static inline double bench_job_start(bench_job *j) {
    pthread_barrier_wait(j->start);
    return bench_now();
}

/*
 * Runs fn(&jobs[i]) on `threads` fresh pthreads (jobs is an array of `threads` structs
 * of `job_size` bytes, each starting with a bench_job). Returns the wall time in seconds
 * from the moment every thread passed bench_job_start to the last join.
 */
static inline double bench_run_threads(int threads, void *(*fn)(void *), void *jobs, size_t job_size) {
    pthread_t *th = calloc((size_t)threads, sizeof *th);
    pthread_barrier_t start;
    if (!th) {
        perror("calloc");
        exit(1);
    }
    pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
    for (int i = 0; i < threads; i++) {
        bench_job *j = (bench_job *)((char *)jobs + (size_t)i * job_size);
        j->start = &start;
        j->elapsed = 0;
        if (pthread_create(&th[i], NULL, fn, j) != 0) {
            perror("pthread_create");
            exit(1);
        }
    }
    pthread_barrier_wait(&start);
    double t0 = bench_now();
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    double wall = bench_now() - t0;
    pthread_barrier_destroy(&start);
    free(th);
    return wall;
}

#endif /* GILSTUFF_BENCH_UTIL_H */
