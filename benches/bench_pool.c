/*
 * Pool benchmark (issue 4): CPU-bound pure Python (`bench_funcs.sum_of_squares(200000)`,
 * benches/bench_funcs.py, put on sys.path with gilstuff_config.sys_path = argv[1]) run
 * from 1 and 2 host pthreads (and N = online CPUs when N > 2), in one process and one run:
 *   (a) shared: the main interpreter through the object API (gilstuff_call of the function
 *       handle with an int handle, gilstuff_to_int, gilstuff_object_release); one GIL, so
 *       more threads should not run faster (target speed-up ~1x);
 *   (b) pool:   gilstuff_pool_call(pool, "bench_funcs", "sum_of_squares", [int]) on a pool
 *       of max(2, N) sub-interpreters made with the default config: its own GIL each on
 *       CPython 3.12+ (target speed-up of 2 threads >= 1.9x on 2 cores, >= 0.95*N on N).
 *       Before 3.12 the default config has no own GIL (gilstuff_interp_config_init leaves
 *       own_gil false): the pool then shares the GIL, which is printed, not a failure.
 * For each thread count the two modes run alternately REPS times on fresh pthreads that
 * each make CALLS timed calls after an untimed warm-up; calls/s = all calls / wall time,
 * median kept; speed-up = calls/s with T threads / calls/s with 1 thread of the same mode.
 *
 * Then the pool's call overhead on one thread, alternating, median of REPS:
 *   (p) gilstuff_pool_call of `add(1, 2)` with gilstuff_value ints + gilstuff_value_get_int
 *       + gilstuff_value_free of the result, vs
 *   (w) gilstuff_with_gil with a callback doing the same in the main interpreter with the C
 *       API: PyLong_FromLongLong x2, PyObject_Vectorcall of `add`, PyLong_AsLongLong,
 *       Py_DECREF x3. Target p/w <= 2. The object-API equivalent (gilstuff_int x2,
 *       gilstuff_call, gilstuff_to_int, release x3) is printed for reference.
 * Targets are printed, not enforced (exit status 0 unless a call fails). ~25 s on 2 cores.
 */
#include <Python.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gilstuff.h"
#include "bench_util.h"

#define REPS 5
#define WORK_N 200000LL
#define RUN_SECONDS 0.4      /* one CPU-bound run: about this long per thread */
#define OVH_REPS 7
#define OVH_RUN_SECONDS 0.2  /* one overhead run */
#define OVH_PILOT 2000L
#define MAX_THREADS 256

enum mode { SHARED, POOL, NMODES };
static const char *mode_names[NMODES] = {"(a) shared main interpreter", "(b) pool"};

static gilstuff_pool *pool;
static size_t pool_n;
static PyObject *raw_add; /* bench_funcs.add in the main interpreter (strong reference) */

static void die(const char *what, gilstuff_status st, gilstuff_error *err) { bench_die("bench_pool", what, st, err); }

#define CHECK(what, call)                                                                          \
    do {                                                                                           \
        gilstuff_error *err_ = NULL;                                                               \
        gilstuff_status st_ = (call);                                                              \
        if (st_ != GILSTUFF_OK)                                                                    \
            die(what, st_, err_);                                                                  \
    } while (0)
/* `call` names the error out-parameter &err_. */

static const int64_t expected_sum = (WORK_N - 1) * WORK_N * (2 * WORK_N - 1) / 6;

static void check_sum(int64_t got) {
    if (got != expected_sum) {
        fprintf(stderr, "bench_pool: sum_of_squares gave %lld, expected %lld\n", (long long)got,
                (long long)expected_sum);
        exit(1);
    }
}

static int64_t pool_call_int(const char *fn, const gilstuff_value *const *args, size_t nargs) {
    gilstuff_value *out;
    int64_t x;
    CHECK("gilstuff_pool_call", gilstuff_pool_call(pool, "bench_funcs", fn, args, nargs, &out, &err_));
    CHECK("gilstuff_value_get_int", gilstuff_value_get_int(out, &x, &err_));
    gilstuff_value_free(out);
    return x;
}

/* ---- CPU-bound runs ---- */

typedef struct {
    bench_job base;
    enum mode mode;
    long calls;
    double on_cpu, run_wait; /* scheduler times over the timed loop (seconds), -1: unknown */
} job_t;

static void sched_begin(job_t *j) {
    if (bench_thread_sched(&j->on_cpu, &j->run_wait) != 0)
        j->on_cpu = j->run_wait = -1;
}

static void sched_end(job_t *j) {
    double c, w;
    if (j->on_cpu >= 0 && bench_thread_sched(&c, &w) == 0) {
        j->on_cpu = c - j->on_cpu;
        j->run_wait = w - j->run_wait;
    } else {
        j->on_cpu = j->run_wait = -1;
    }
}

static void *run_thread(void *arg) {
    job_t *j = arg;
    double t0, t1;
    int64_t x;
    if (j->mode == SHARED) {
        gilstuff_object *mod, *fn, *n, *r;
        CHECK("gilstuff_import", gilstuff_import(NULL, "bench_funcs", &mod, &err_));
        CHECK("gilstuff_getattr", gilstuff_getattr(mod, "sum_of_squares", &fn, &err_));
        CHECK("gilstuff_int", gilstuff_int(NULL, WORK_N, &n, &err_));
        /* warm-up: registers this thread */
        CHECK("gilstuff_call", gilstuff_call(fn, &n, 1, NULL, &r, &err_));
        CHECK("gilstuff_object_release", gilstuff_object_release(r, &err_));
        t0 = bench_job_start(&j->base);
        sched_begin(j);
        for (long i = 0; i < j->calls; i++) {
            CHECK("gilstuff_call", gilstuff_call(fn, &n, 1, NULL, &r, &err_));
            CHECK("gilstuff_to_int", gilstuff_to_int(r, &x, &err_));
            CHECK("gilstuff_object_release", gilstuff_object_release(r, &err_));
            check_sum(x);
        }
        t1 = bench_now();
        sched_end(j);
        CHECK("gilstuff_object_release", gilstuff_object_release(n, &err_));
        CHECK("gilstuff_object_release", gilstuff_object_release(fn, &err_));
        CHECK("gilstuff_object_release", gilstuff_object_release(mod, &err_));
    } else {
        gilstuff_value *n = gilstuff_value_int(WORK_N);
        gilstuff_value *one = gilstuff_value_int(1), *two = gilstuff_value_int(2);
        const gilstuff_value *add_args[2] = {one, two};
        const gilstuff_value *args[1] = {n};
        /* warm-up: a trivial call per pool interpreter, so this thread has its thread states */
        for (size_t k = 0; k < 2 * pool_n; k++)
            if (pool_call_int("add", add_args, 2) != 3) {
                fprintf(stderr, "bench_pool: add(1, 2) != 3\n");
                exit(1);
            }
        t0 = bench_job_start(&j->base);
        sched_begin(j);
        for (long i = 0; i < j->calls; i++)
            check_sum(pool_call_int("sum_of_squares", args, 1));
        t1 = bench_now();
        sched_end(j);
        gilstuff_value_free(n);
        gilstuff_value_free(one);
        gilstuff_value_free(two);
    }
    j->base.elapsed = t1 - t0;
    return NULL;
}

typedef struct {
    double rate;    /* calls/s of the whole process: threads x calls / wall */
    double blocked; /* mean over threads: fraction of the timed loop spent sleeping (GIL, locks) */
    double cpu_wait; /* mean over threads: fraction spent runnable, waiting for a CPU; -1: unknown */
} run_t;

static run_t run(enum mode mode, int threads, long calls) {
    job_t jobs[MAX_THREADS];
    for (int i = 0; i < threads; i++)
        jobs[i] = (job_t){.mode = mode, .calls = calls};
    double wall = bench_run_threads(threads, run_thread, jobs, sizeof jobs[0]);
    run_t r = {(double)threads * (double)calls / wall, 0, 0};
    for (int i = 0; i < threads; i++) {
        double e = jobs[i].base.elapsed;
        if (jobs[i].on_cpu < 0) {
            r.blocked = r.cpu_wait = -1;
            break;
        }
        r.blocked += (e - jobs[i].on_cpu - jobs[i].run_wait) / e / threads;
        r.cpu_wait += jobs[i].run_wait / e / threads;
    }
    return r;
}

/* ---- call overhead ---- */

static gilstuff_value *v_one, *v_two;
static gilstuff_object *h_add;
static volatile int64_t sink;

static void ovh_pool(long n) {
    const gilstuff_value *args[2] = {v_one, v_two};
    for (long i = 0; i < n; i++)
        sink = pool_call_int("add", args, 2);
}

static gilstuff_status add_cb(void *unused) {
    (void)unused;
    PyObject *args[2] = {PyLong_FromLongLong(1), PyLong_FromLongLong(2)};
    if (!args[0] || !args[1])
        return GILSTUFF_ERR_PYTHON;
    PyObject *r = PyObject_Vectorcall(raw_add, args, 2, NULL);
    Py_DECREF(args[0]);
    Py_DECREF(args[1]);
    if (!r)
        return GILSTUFF_ERR_PYTHON;
    long long x = PyLong_AsLongLong(r);
    Py_DECREF(r);
    if (x == -1 && PyErr_Occurred())
        return GILSTUFF_ERR_PYTHON;
    sink = x;
    return GILSTUFF_OK;
}

static void ovh_with_gil(long n) {
    for (long i = 0; i < n; i++)
        CHECK("gilstuff_with_gil", gilstuff_with_gil(add_cb, NULL, &err_));
}

static void ovh_objects(long n) {
    for (long i = 0; i < n; i++) {
        gilstuff_object *a[2], *r;
        int64_t x;
        CHECK("gilstuff_int", gilstuff_int(NULL, 1, &a[0], &err_));
        CHECK("gilstuff_int", gilstuff_int(NULL, 2, &a[1], &err_));
        CHECK("gilstuff_call", gilstuff_call(h_add, a, 2, NULL, &r, &err_));
        CHECK("gilstuff_to_int", gilstuff_to_int(r, &x, &err_));
        CHECK("gilstuff_object_release", gilstuff_object_release(r, &err_));
        CHECK("gilstuff_object_release", gilstuff_object_release(a[0], &err_));
        CHECK("gilstuff_object_release", gilstuff_object_release(a[1], &err_));
        sink = x;
    }
}

typedef struct {
    const char *name;
    void (*fn)(long n);
} variant;

static const variant ovh_variants[] = {
    {"(p) gilstuff_pool_call add(1, 2), gilstuff_value in/out", ovh_pool},
    {"(w) gilstuff_with_gil: C API add(1, 2) in the main interpreter", ovh_with_gil},
    {"(o) object API: gilstuff_int x2, gilstuff_call, to_int, release x3", ovh_objects},
};
#define NOVH 3

static double ovh_time(const variant *v, long n) {
    v->fn(n / 20 + 10);
    double t0 = bench_now();
    v->fn(n);
    return (bench_now() - t0) * 1e9 / (double)n;
}

static gilstuff_status setup_cb(void *unused) {
    (void)unused;
    PyObject *m = PyImport_ImportModule("bench_funcs");
    if (!m)
        return GILSTUFF_ERR_PYTHON;
    raw_add = PyObject_GetAttrString(m, "add");
    Py_DECREF(m);
    return raw_add ? GILSTUFF_OK : GILSTUFF_ERR_PYTHON;
}

static gilstuff_status teardown_cb(void *unused) {
    (void)unused;
    Py_CLEAR(raw_add);
    return GILSTUFF_OK;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "benches";
    gilstuff_config cfg;
    gilstuff_config_init(&cfg);
    cfg.sys_path = dir;
    CHECK("gilstuff_init", gilstuff_init(&cfg, &err_));
    CHECK("setup", gilstuff_with_gil(setup_cb, NULL, &err_));

    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int thread_counts[3] = {1, 2, 0}, ntc = 2;
    if (ncpu > 2)
        thread_counts[ntc++] = ncpu > MAX_THREADS ? MAX_THREADS : (int)ncpu;
    pool_n = (size_t)thread_counts[ntc - 1];

    gilstuff_interp_config icfg;
    gilstuff_interp_config_init(&icfg);
    printf("bench_pool: CPU-bound pure Python from several host threads, shared main interpreter vs pool\n");
    printf("python %s, gilstuff %s, %ld online CPUs, %s\n", gilstuff_python_version(), gilstuff_version(), ncpu,
           bench_cpu_model());
    if (!icfg.own_gil)
        printf("own GIL needs 3.12+: pool runs with a shared GIL\n");
    CHECK("gilstuff_pool_new", gilstuff_pool_new(pool_n, NULL, &pool, &err_));
    printf("pool: %zu sub-interpreters, default config (own GIL: %s)\n", pool_n, icfg.own_gil ? "yes" : "no");

    /* Import bench_funcs in every pool interpreter before timing (round robin visits all). */
    {
        gilstuff_value *one = gilstuff_value_int(1), *two = gilstuff_value_int(2);
        const gilstuff_value *args[2] = {one, two};
        for (size_t k = 0; k < 2 * pool_n; k++)
            pool_call_int("add", args, 2);
        gilstuff_value_free(one);
        gilstuff_value_free(two);
    }

    /* Calibrate: time per call of one shared-mode thread. */
    double per_call = 1.0 / run(SHARED, 1, 3).rate;
    long calls = (long)(RUN_SECONDS / per_call);
    if (calls < 4)
        calls = 4;
    printf("work: sum_of_squares(%lld) = %.1f ms per call on one thread; %ld timed calls per thread per run\n"
           "median of %d alternating runs; calls/s = all threads' calls / wall time; per thread, from\n"
           "/proc/thread-self/schedstat, share of the timed loop: blocked = sleeping (GIL, locks), wait CPU =\n"
           "runnable but no CPU free (other threads or processes)\n\n",
           WORK_N, per_call * 1e3, calls, REPS);

    double t_start = bench_now(), m0 = bench_machine_cpu(), p0 = bench_process_cpu();
    double rate[3][NMODES];
    printf("  %-30s %8s %12s %18s %10s %8s %9s\n", "", "threads", "calls/s", "calls/s per thread", "speed-up",
           "blocked", "wait CPU");
    for (int ti = 0; ti < ntc; ti++) {
        int threads = thread_counts[ti];
        double r[NMODES][REPS], blocked[NMODES][REPS], cpu_wait[NMODES][REPS];
        for (int rep = 0; rep < REPS; rep++)
            for (int k = 0; k < NMODES; k++) {
                enum mode m = (enum mode)((k + rep) % NMODES);
                run_t x = run(m, threads, calls);
                r[m][rep] = x.rate;
                blocked[m][rep] = x.blocked;
                cpu_wait[m][rep] = x.cpu_wait;
            }
        for (int m = 0; m < NMODES; m++) {
            rate[ti][m] = bench_median(r[m], REPS);
            printf("  %-30s %8d %12.1f %18.1f %9.2fx %7.0f%% %8.0f%%\n", mode_names[m], threads, rate[ti][m],
                   rate[ti][m] / threads, rate[ti][m] / rate[0][m], 100 * bench_median(blocked[m], REPS),
                   100 * bench_median(cpu_wait[m], REPS));
        }
        fflush(stdout);
    }
    printf("\n");
    for (int ti = 1; ti < ntc; ti++) {
        int t = thread_counts[ti];
        double sp_pool = rate[ti][POOL] / rate[0][POOL], sp_shared = rate[ti][SHARED] / rate[0][SHARED];
        double target = t == 2 ? 1.9 : 0.95 * t;
        printf("  %d threads: pool speed-up %.2fx (target >= %.2f%s: %s), shared speed-up %.2fx (expected ~1x), "
               "pool/shared %.2fx\n",
               t, sp_pool, target, icfg.own_gil ? "" : ", needs own GIL", sp_pool >= target ? "met" : "NOT met",
               sp_shared, rate[ti][POOL] / rate[ti][SHARED]);
    }
    printf("  1 thread: pool/shared calls/s %.3f\n\n", rate[0][POOL] / rate[0][SHARED]);
    fflush(stdout);

    /* Call overhead, one thread (this one). */
    v_one = gilstuff_value_int(1);
    v_two = gilstuff_value_int(2);
    {
        gilstuff_object *mod;
        CHECK("gilstuff_import", gilstuff_import(NULL, "bench_funcs", &mod, &err_));
        CHECK("gilstuff_getattr", gilstuff_getattr(mod, "add", &h_add, &err_));
        CHECK("gilstuff_object_release", gilstuff_object_release(mod, &err_));
    }
    long n[NOVH];
    double ns[NOVH][OVH_REPS], med[NOVH];
    for (int k = 0; k < NOVH; k++) {
        double pilot = ovh_time(&ovh_variants[k], OVH_PILOT);
        n[k] = (long)(OVH_RUN_SECONDS / (pilot * 1e-9));
        if (n[k] < 1000)
            n[k] = 1000;
    }
    for (int rep = 0; rep < OVH_REPS; rep++)
        for (int k = 0; k < NOVH; k++) {
            int m = (k + rep) % NOVH;
            ns[m][rep] = ovh_time(&ovh_variants[m], n[m]);
        }
    printf("call overhead of a trivial function, one thread, median of %d alternating runs of ~%.1f s:\n", OVH_REPS,
           OVH_RUN_SECONDS);
    for (int k = 0; k < NOVH; k++) {
        med[k] = bench_median(ns[k], OVH_REPS);
        printf("  %-70s %8.1f ns/call\n", ovh_variants[k].name, med[k]);
    }
    double pw = med[0] / med[1];
    printf("  p/w = %.2f (target <= 2.00: %s)   o/w = %.2f\n\n", pw, pw <= 2.0 ? "met" : "NOT met", med[2] / med[1]);
    bench_report_others(t_start, m0, p0);

    gilstuff_value_free(v_one);
    gilstuff_value_free(v_two);
    CHECK("gilstuff_object_release", gilstuff_object_release(h_add, &err_));
    CHECK("gilstuff_pool_free", gilstuff_pool_free(pool, &err_));
    CHECK("teardown", gilstuff_with_gil(teardown_cb, NULL, &err_));
    CHECK("gilstuff_finalize", gilstuff_finalize(&err_));
    return 0;
}
