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
#include <unistd.h>

#include "gilstuff.h"

/* Seconds on the monotonic clock. */
static inline double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU seconds used by the whole process so far (all threads). */
static inline double bench_process_cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU seconds used by every process on the machine so far (all CPUs; /proc/stat, in
 * clock ticks, so ~10 ms resolution), or -1. With bench_process_cpu it tells how much
 * CPU other processes took while a benchmark ran: they make multi-thread numbers meaningless. */
static inline double bench_machine_cpu(void) {
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return -1;
    int got = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                     &v[6], &v[7]);
    fclose(f);
    if (got != 8)
        return -1;
    /* user nice system idle iowait irq softirq steal: everything but idle and iowait */
    unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
    return (double)busy / (double)sysconf(_SC_CLK_TCK);
}

/* Prints the total bench time since t_start and the CPU time other processes took
 * meanwhile (machine0/process0: bench_machine_cpu()/bench_process_cpu() at t_start):
 * other load on the machine distorts the numbers, multi-thread ones most. */
static inline void bench_report_others(double t_start, double machine0, double process0) {
    double wall = bench_now() - t_start;
    double others = (bench_machine_cpu() - machine0) - (bench_process_cpu() - process0);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    printf("total bench time %.1f s; other processes used %.1f CPU-s meanwhile (%.0f%% of %ld CPUs)%s\n", wall,
           others, 100.0 * others / (wall * (double)ncpu), ncpu,
           others > 0.05 * wall * (double)ncpu ? ": the machine was not idle, numbers are suspect" : "");
}

/* This thread's scheduler times in seconds from /proc/thread-self/schedstat: time on a
 * CPU and time runnable but waiting for one (other threads or processes had the CPUs).
 * Elapsed minus both = time blocked (sleeping on the GIL, a lock, a condition variable).
 * Returns 0, or -1 when the kernel does not provide it. */
static inline int bench_thread_sched(double *on_cpu, double *run_wait) {
    unsigned long long a, b;
    FILE *f = fopen("/proc/thread-self/schedstat", "r");
    if (!f)
        return -1;
    int got = fscanf(f, "%llu %llu", &a, &b);
    fclose(f);
    if (got != 2)
        return -1;
    *on_cpu = (double)a * 1e-9;
    *run_wait = (double)b * 1e-9;
    return 0;
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
    double started; /* set by bench_job_start */
    double elapsed; /* this thread's timed loop, seconds */
} bench_job;

static inline double bench_job_start(bench_job *j) {
    pthread_barrier_wait(j->start);
    j->started = bench_now();
    return j->started;
}

/*
 * Runs fn(&jobs[i]) on `threads` fresh pthreads (jobs is an array of `threads` structs
 * of `job_size` bytes, each starting with a bench_job). Returns the wall time in seconds
 * from the first thread's bench_job_start to the end of the last thread's timed loop
 * (started + elapsed), so that a late wake-up of the spawning thread (a loaded machine)
 * cannot shrink or stretch it.
 */
static inline double bench_run_threads(int threads, void *(*fn)(void *), void *jobs, size_t job_size) {
    if (threads < 1 || threads > 4096) {
        fprintf(stderr, "bench_run_threads: bad thread count %d\n", threads);
        exit(1);
    }
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
        j->started = j->elapsed = 0;
        if (pthread_create(&th[i], NULL, fn, j) != 0) {
            perror("pthread_create");
            exit(1);
        }
    }
    pthread_barrier_wait(&start);
    double first = 0, last = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        bench_job *j = (bench_job *)((char *)jobs + (size_t)i * job_size);
        if (i == 0 || j->started < first)
            first = j->started;
        if (i == 0 || j->started + j->elapsed > last)
            last = j->started + j->elapsed;
    }
    double wall = last - first;
    pthread_barrier_destroy(&start);
    free(th);
    return wall;
}

#endif /* GILSTUFF_BENCH_UTIL_H */
