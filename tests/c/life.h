/*
 * Helpers for the lifecycle tests of issue 10 (tests/c/test_life_*.c), on top of check.h.
 *
 *   life_main(argc, argv, scenarios, n)  runs each scenario in a child process of its own
 *                                        (fork before anything touches Python), each under
 *                                        its hang guard; argv[1] picks one scenario by name.
 *                                        Prints "ok <name>" or "FAILED <name>: why" per
 *                                        scenario; returns 1 if any failed.
 *   life_exec(interp, code)              gilstuff_exec in `interp` (NULL = main), must succeed
 *   life_eval_long(interp, expr)         the int value of `expr` in `interp`
 *   life_new_interp(daemon_threads)      a sub-interpreter with the version's defaults;
 *                                        daemon_threads: allow_daemon_threads = true
 *   life_count_tstates(interp)           thread states of `interp` (NULL = main), counted
 *                                        with PyInterpreterState_ThreadHead/PyThreadState_Next
 *                                        inside a gilstuff_with_interp callback
 *   life_lib_path()                      the path of the loaded libgilstuff (dladdr)
 *   life_now()                           CLOCK_MONOTONIC seconds
 *   life_sleep_ms(ms)
 *   life_is_refusal(st)                  FINALIZING / FINALIZED / NOT_INITIALIZED
 */
#ifndef GILSTUFF_TESTS_LIFE_H
#define GILSTUFF_TESTS_LIFE_H

#include <Python.h>
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"

typedef struct {
    const char *name;
    void (*run)(void);
    unsigned guard_seconds; /* hang guard of the child process */
} life_scenario;

static inline double life_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void life_sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static inline int life_is_refusal(gilstuff_status st) {
    return st == GILSTUFF_FINALIZING || st == GILSTUFF_FINALIZED || st == GILSTUFF_NOT_INITIALIZED;
}

static inline void life_exec(gilstuff_interp *interp, const char *code) {
    gilstuff_error *err;
    CHECK_OK(gilstuff_exec(interp, code, NULL, &err), err);
}

static inline long life_eval_long(gilstuff_interp *interp, const char *expr) {
    gilstuff_error *err;
    gilstuff_object *o = NULL;
    CHECK_OK(gilstuff_eval(interp, expr, NULL, &o, &err), err);
    int64_t v = 0;
    CHECK_OK(gilstuff_to_int(o, &v, &err), err);
    CHECK_OK(gilstuff_object_release(o, &err), err);
    return (long)v;
}

static inline gilstuff_interp *life_new_interp(bool daemon_threads) {
    gilstuff_interp_config cfg;
    gilstuff_interp_config_init(&cfg);
    if (daemon_threads) /* else the default: off on 3.12+; legacy sub-interpreters allow them */
        cfg.allow_daemon_threads = true;
    gilstuff_interp *out = NULL;
    gilstuff_error *err;
    CHECK_OK(gilstuff_interp_new(&cfg, &out, &err), err);
    CHECK(out != NULL);
    return out;
}

static inline gilstuff_status life_cb_count(void *arg) {
    long *n = arg;
    *n = 0;
    PyInterpreterState *interp = PyThreadState_GetInterpreter(PyThreadState_Get());
    for (PyThreadState *t = PyInterpreterState_ThreadHead(interp); t; t = PyThreadState_Next(t))
        ++*n;
    return GILSTUFF_OK;
}

static inline long life_count_tstates(gilstuff_interp *interp) {
    long n = -1;
    gilstuff_error *err;
    CHECK_OK(gilstuff_with_interp(interp, life_cb_count, &n, &err), err);
    return n;
}

static inline const char *life_lib_path(void) {
    Dl_info info;
    if (!dladdr((void *)gilstuff_init, &info) || !info.dli_fname)
        check_fail(__FILE__, __LINE__, NULL, "dladdr(gilstuff_init) found no library");
    return info.dli_fname;
}

/* Runs one scenario in a child; returns 0 ok, 1 failed. The child has its
 * own hang guard (check_hang_guard); the parent kills it 15 s after that as a backstop. */
static inline int life_run_one(const life_scenario *s) {
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        check_fail(__FILE__, __LINE__, NULL, "fork failed");
    if (pid == 0) {
        check_hang_guard(s->guard_seconds);
        s->run();
        fflush(stdout);
        exit(0);
    }
    double deadline = life_now() + s->guard_seconds + 15;
    int status = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR)
            check_fail(__FILE__, __LINE__, NULL, "waitpid failed");
        if (life_now() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            printf("FAILED %s: still running %u s after its hang guard, killed\n", s->name, 15);
            return 1;
        }
        life_sleep_ms(20);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        printf("ok %s\n", s->name);
        return 0;
    }
    if (WIFEXITED(status))
        printf("FAILED %s: exit status %d%s\n", s->name, WEXITSTATUS(status),
               WEXITSTATUS(status) == 3 ? " (hang guard)" : "");
    else if (WIFSIGNALED(status))
        printf("FAILED %s: killed by signal %d (%s)\n", s->name, WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        printf("FAILED %s: wait status %#x\n", s->name, status);
    return 1;
}

static inline int life_main(int argc, char **argv, const life_scenario *list, size_t n) {
    const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    int failed = 0, ran = 0;
    for (size_t i = 0; i < n; i++) {
        if (argc > 1 && strcmp(argv[1], list[i].name) != 0)
            continue;
        printf("-- %s: %s (python %s)\n", prog, list[i].name, gilstuff_python_version());
        ran++;
        failed += life_run_one(&list[i]);
    }
    if (ran == 0)
        check_fail(__FILE__, __LINE__, NULL, "no scenario named %s", argc > 1 ? argv[1] : "(none)");
    if (failed) {
        printf("FAILED %s: %d of %d scenarios\n", prog, failed, ran);
        return 1;
    }
    printf("ok %s\n", prog);
    return 0;
}

#endif /* GILSTUFF_TESTS_LIFE_H */
