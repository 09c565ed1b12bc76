/*
 * Shared helpers for the tests/c/test_mix_*.c programs (issue 10: threads, interpreters
 * and host code mixing). Include after <Python.h> and "check.h".
 *
 * Each program is a list of cases; each case runs in a process of its own (forked from
 * the test program before Python is started, so that a crash, a fatal Python error or a
 * hang in one case cannot hide the others), under its own hang guard. The parent prints
 * one line per case and fails if any case failed:
 *
 *   == case <name>: ok | skipped | FAILED (exit N) | HANG (hang guard) | CRASH (signal N)
 *
 * `prog <case>` runs one case in-process (no fork), for a debugger.
 *
 *   mix_run(argc, argv, "test_x", cases, n)   the main() of a test program
 *   mix_skip(fmt, ...)                        ends the case as skipped, printing why
 *   mix_init() / mix_init_caller_origin()     gilstuff_init with the test paths (and origin)
 *   mix_attach_init() / mix_attach_finalize() attach mode: the program starts Python itself
 *   mix_new_sub(who)                          a sub-interpreter with the version's defaults
 *                                             (own GIL on 3.12+, shared before) whose
 *                                             __main__.WHO = who
 *   mix_new_legacy_sub(who)                   a shared-GIL, non-isolated one (ctypes imports)
 *   mix_set_who(interp, who)                  __main__.WHO = who in interp (NULL = main)
 *   mix_expect_who(interp, who)               gilstuff_eval(interp, "WHO") is the str who
 *   mix_expect_current_who(who)               with a GIL held: the current interpreter's
 *                                             __main__.WHO is who (raw C API only)
 *   mix_expect_current_is_main(bool)          with a GIL held: current interp is/isn't main
 *   mix_main_attr(name) / mix_main_eval(expr) with a GIL held: the current interpreter's
 *                                             __main__.name / eval in it (new references)
 *   mix_exec(interp, code) / mix_eval_int / mix_eval_str
 *   mix_release(obj)
 *   mix_thread_start/join                     pthreads that fail the case if they fail
 *   mix_flag_* / mix_sleep_ms / mix_now_ms    a tiny latch for coordinating threads
 *
 * GILSTUFF_LIB is set in the environment to the path of the loaded libgilstuff, so that
 * Python code (tests/python/mixlib.py) can load the same library with ctypes.
 */
#ifndef GILSTUFF_TESTS_MIX_H
#define GILSTUFF_TESTS_MIX_H

#include <Python.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"

#define MIX_AT_LEAST_3_12 (PY_VERSION_HEX >= 0x030C0000)

#if PY_VERSION_HEX < 0x030D0000
#define PyThreadState_GetUnchecked _PyThreadState_UncheckedGet /* its pre-3.13 spelling */
#endif
#define MIX_SKIP_STATUS 77

typedef struct {
    const char *name;
    void (*run)(void);
    unsigned timeout_s; /* hang guard of the case; 0 = 30 s */
} mix_case;

__attribute__((noreturn, format(printf, 1, 2))) static inline void mix_skip(const char *fmt, ...) {
    va_list ap;
    printf("skipped: ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    fflush(stderr);
    _exit(MIX_SKIP_STATUS);
}

/* ------------------------------------------------------------------ timing, latches */

static inline int64_t mix_now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static inline void mix_sleep_ms(int ms) {
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

/* A value threads wait for, with a timeout (a flag that never comes is a failed check,
 * not a hang). */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int value;
} mix_flag;

#define MIX_FLAG_INIT {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0}

static inline void mix_flag_set(mix_flag *f, int v) {
    pthread_mutex_lock(&f->mu);
    f->value = v;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

static inline int mix_flag_get(mix_flag *f) {
    pthread_mutex_lock(&f->mu);
    int v = f->value;
    pthread_mutex_unlock(&f->mu);
    return v;
}

/* Waits until the flag is at least `v`; returns whether it got there within `ms`. */
static inline bool mix_flag_wait(mix_flag *f, int v, int ms) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    int rc = 0;
    pthread_mutex_lock(&f->mu);
    while (f->value < v && rc == 0)
        rc = pthread_cond_timedwait(&f->cv, &f->mu, &deadline);
    bool ok = f->value >= v;
    pthread_mutex_unlock(&f->mu);
    return ok;
}

/* ------------------------------------------------------------------ threads */

static inline pthread_t mix_thread_start(void *(*fn)(void *), void *arg) {
    pthread_t t;
    CHECK(pthread_create(&t, NULL, fn, arg) == 0);
    return t;
}

static inline void mix_thread_join(pthread_t t) {
    CHECK(pthread_join(t, NULL) == 0);
}

/* ------------------------------------------------------------------ gilstuff set-up */

/* Exports GILSTUFF_LIB = the path libgilstuff was loaded from. */
static inline void mix_export_lib_path(void) {
    Dl_info info;
    CHECK(dladdr((void *)gilstuff_init, &info) != 0 && info.dli_fname != NULL);
    CHECKF(strstr(info.dli_fname, "libgilstuff") != NULL, "gilstuff_init resolved to %s", info.dli_fname);
    CHECK(setenv("GILSTUFF_LIB", info.dli_fname, 1) == 0);
}

static inline void mix_init_with_origin(gilstuff_origin origin) {
    static char path[8400];
    const char *root = check_repo_root();
    snprintf(path, sizeof path, "%s/examples:%s/tests/python", root, root);
    mix_export_lib_path();
    gilstuff_config cfg;
    gilstuff_config_init(&cfg);
    cfg.sys_path = path;
    cfg.origin = origin;
    gilstuff_error *err;
    CHECK_OK(gilstuff_init(&cfg, &err), err);
}

static inline void mix_init(void) { mix_init_with_origin(GILSTUFF_ORIGIN_OWNED); }
static inline void mix_init_caller_origin(void) { mix_init_with_origin(GILSTUFF_ORIGIN_CALLER); }

/* Attach mode: the program starts Python itself (as a Python program that loaded
 * gilstuff would have), then gilstuff_init attaches to it. The program's thread keeps
 * the main thread state, detached, until mix_attach_finalize. */
static PyThreadState *mix_attach_ts;

static inline void mix_attach_init(void) {
    static char code[8600];
    const char *root = check_repo_root();
    mix_export_lib_path();
    Py_InitializeEx(0);
    snprintf(code, sizeof code, "import sys\nsys.path[:0] = ['%s/examples', '%s/tests/python']\n", root, root);
    CHECK(PyRun_SimpleString(code) == 0);
    mix_attach_ts = PyEval_SaveThread();
    gilstuff_error *err;
    CHECK_OK(gilstuff_init(NULL, &err), err);
}

/* gilstuff_finalize (detaches), then the program finalises its Python. */
static inline void mix_attach_finalize(void) {
    gilstuff_error *err;
    CHECK_OK(gilstuff_finalize(&err), err);
    PyEval_RestoreThread(mix_attach_ts);
    CHECK(Py_FinalizeEx() == 0);
}

static inline void mix_finalize(void) {
    gilstuff_error *err;
    CHECK_OK(gilstuff_finalize(&err), err);
}

/* ------------------------------------------------------------------ Python through gilstuff */

static inline void mix_release(gilstuff_object *o) {
    gilstuff_error *err;
    CHECK_OK(gilstuff_object_release(o, &err), err);
}

static inline void mix_exec(gilstuff_interp *interp, const char *code) {
    gilstuff_error *err;
    CHECK_OK(gilstuff_exec(interp, code, NULL, &err), err);
}

static inline int64_t mix_eval_int(gilstuff_interp *interp, const char *expr) {
    gilstuff_error *err;
    gilstuff_object *o = NULL;
    CHECK_OK(gilstuff_eval(interp, expr, NULL, &o, &err), err);
    int64_t v = 0;
    CHECK_OK(gilstuff_to_int(o, &v, &err), err);
    mix_release(o);
    return v;
}

/* The str value of `expr` in `interp`, copied into `buf`. */
static inline const char *mix_eval_str(gilstuff_interp *interp, const char *expr, char *buf, size_t cap) {
    gilstuff_error *err;
    gilstuff_object *o = NULL;
    CHECK_OK(gilstuff_eval(interp, expr, NULL, &o, &err), err);
    size_t len = 0;
    CHECK_OK(gilstuff_to_str_into(o, buf, cap, &len, &err), err);
    mix_release(o);
    return buf;
}

static inline void mix_set_who(gilstuff_interp *interp, const char *who) {
    char code[256];
    snprintf(code, sizeof code, "WHO = %s%s%s", "'", who, "'");
    mix_exec(interp, code);
}

/* gilstuff_eval(interp, "WHO") is `who`: the call ran in the interpreter it names. */
#define mix_expect_who(interp, who)                                                        \
    do {                                                                                   \
        char mix_buf_[128];                                                                \
        const char *mix_got_ = mix_eval_str((interp), "WHO", mix_buf_, sizeof mix_buf_);   \
        CHECKF(strcmp(mix_got_, (who)) == 0, "gilstuff_eval(%s, \"WHO\") = '%s', expected '%s'", \
               #interp, mix_got_, (who));                                                  \
    } while (0)

/* ------------------------------------------------------------------ the raw C API */

/* With a GIL held: a new reference to the current interpreter's __main__ module. */
static inline PyObject *mix_main_module(void) {
#if PY_VERSION_HEX >= 0x030D0000
    PyObject *m = PyImport_AddModuleRef("__main__");
#else
    PyObject *m = PyImport_AddModule("__main__");
    Py_XINCREF(m);
#endif
    CHECK(m != NULL);
    return m;
}

/* With a GIL held: the current interpreter's __main__.<name> (a new reference), or NULL
 * (no exception left set) when it has none. */
static inline PyObject *mix_main_attr(const char *name) {
    PyObject *m = mix_main_module();
    PyObject *v = PyObject_GetAttrString(m, name);
    Py_DECREF(m);
    if (!v)
        PyErr_Clear();
    return v;
}

/* With a GIL held: the value of `expr` in the current interpreter's __main__ namespace
 * (a new reference); fails the test on an exception. */
static inline PyObject *mix_main_eval(const char *expr) {
    PyObject *m = mix_main_module();
    PyObject *r = PyRun_String(expr, Py_eval_input, PyModule_GetDict(m), NULL);
    Py_DECREF(m);
    if (!r)
        PyErr_Print();
    CHECKF(r != NULL, "%s raised", expr);
    return r;
}

/* With a GIL held: the current interpreter's __main__.WHO, copied into buf ("<none>" if
 * unset). Touches only the raw C API, so it tells which interpreter the thread is in
 * without asking gilstuff. */
static inline const char *mix_current_who(char *buf, size_t cap) {
    CHECKF(PyThreadState_GetUnchecked() != NULL, "no thread state attached");
    PyObject *v = mix_main_attr("WHO");
    if (!v) {
        snprintf(buf, cap, "<none>");
        return buf;
    }
    const char *s = PyUnicode_Check(v) ? PyUnicode_AsUTF8(v) : NULL;
    snprintf(buf, cap, "%s", s ? s : "<not a str>");
    Py_DECREF(v);
    return buf;
}

#define mix_expect_current_who(who)                                                        \
    do {                                                                                   \
        char mix_buf_[128];                                                                \
        const char *mix_got_ = mix_current_who(mix_buf_, sizeof mix_buf_);                 \
        CHECKF(strcmp(mix_got_, (who)) == 0, "this thread runs in the interpreter whose WHO is '%s', expected '%s'", \
               mix_got_, (who));                                                           \
    } while (0)

#define mix_expect_current_is_main(yes)                                                    \
    do {                                                                                   \
        PyThreadState *mix_ts_ = PyThreadState_GetUnchecked();                             \
        CHECKF(mix_ts_ != NULL, "no thread state attached");                               \
        bool mix_main_ = PyThreadState_GetInterpreter(mix_ts_) == PyInterpreterState_Main(); \
        CHECKF(mix_main_ == (bool)(yes), "the current interpreter is %s, expected %s",     \
               mix_main_ ? "main" : "a sub-interpreter", (yes) ? "main" : "a sub-interpreter"); \
    } while (0)

/* ------------------------------------------------------------------ sub-interpreters */

/* A sub-interpreter with the linked CPython's defaults (own GIL on 3.12+, a legacy
 * shared-GIL one before), its __main__.WHO = who. */
static inline gilstuff_interp *mix_new_sub(const char *who) {
    gilstuff_interp_config cfg;
    gilstuff_interp_config_init(&cfg);
    gilstuff_interp *out = NULL;
    gilstuff_error *err;
    CHECK_OK(gilstuff_interp_new(&cfg, &out, &err), err);
    CHECK(out != NULL && gilstuff_interp_id(out) > 0);
    if (who)
        mix_set_who(out, who);
    return out;
}

/* A legacy sub-interpreter (shared GIL, no isolation, single-phase extension modules
 * allowed: ctypes imports in it on every version), its __main__.WHO = who. */
static inline gilstuff_interp *mix_new_legacy_sub(const char *who) {
    gilstuff_interp_config cfg;
    gilstuff_interp_config_init(&cfg);
    cfg.own_gil = false;
    cfg.isolated_modules = false;
    cfg.check_multi_interp_extensions = false;
    gilstuff_interp *out = NULL;
    gilstuff_error *err;
    CHECK_OK(gilstuff_interp_new(&cfg, &out, &err), err);
    CHECK(out != NULL && gilstuff_interp_id(out) > 0);
    if (who)
        mix_set_who(out, who);
    return out;
}

static inline void mix_free_sub(gilstuff_interp *i) {
    gilstuff_error *err;
    CHECK_OK(gilstuff_interp_free(i, &err), err);
}

/* ------------------------------------------------------------------ the case runner */

static inline int mix_run_one(const mix_case *c) {
    check_hang_guard(c->timeout_s ? c->timeout_s : 30);
    c->run();
    fflush(stdout);
    return 0;
}

static inline int mix_run(int argc, char **argv, const char *prog, const mix_case *cases, size_t n) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1) {
        for (size_t i = 0; i < n; i++)
            if (strcmp(argv[1], cases[i].name) == 0) {
                mix_run_one(&cases[i]);
                printf("case %s: ok\n", cases[i].name);
                return 0;
            }
        fprintf(stderr, "%s: no case named %s\n", prog, argv[1]);
        return 2;
    }
    char failed[4096] = "";
    int nfailed = 0;
    for (size_t i = 0; i < n; i++) {
        const mix_case *c = &cases[i];
        printf("-- case %s (python %s)\n", c->name, PY_VERSION);
        fflush(stdout);
        fflush(stderr);
        int64_t t0 = mix_now_ms();
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0)
            exit(mix_run_one(c));
        /* The case's own hang guard (SIGALRM) should end it; if it cannot (the signal
         * blocked everywhere), the parent kills it 10 s later. */
        int64_t kill_at = t0 + 1000LL * ((c->timeout_s ? c->timeout_s : 30) + 10);
        int st = 0;
        bool killed = false;
        for (;;) {
            pid_t r = waitpid(pid, &st, WNOHANG);
            if (r == pid)
                break;
            CHECK(r == 0 || (r < 0 && errno == EINTR));
            if (!killed && mix_now_ms() > kill_at) {
                kill(pid, SIGKILL);
                killed = true;
            }
            mix_sleep_ms(20);
        }
        char what[64];
        bool bad = true;
        if (killed) {
            snprintf(what, sizeof what, "HANG (killed: the hang guard did not fire)");
        } else if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            snprintf(what, sizeof what, "ok");
            bad = false;
        } else if (WIFEXITED(st) && WEXITSTATUS(st) == MIX_SKIP_STATUS) {
            snprintf(what, sizeof what, "skipped");
            bad = false;
        } else if (WIFEXITED(st) && WEXITSTATUS(st) == 3) {
            snprintf(what, sizeof what, "HANG (hang guard)");
        } else if (WIFEXITED(st)) {
            snprintf(what, sizeof what, "FAILED (exit %d)", WEXITSTATUS(st));
        } else if (WIFSIGNALED(st)) {
            snprintf(what, sizeof what, "CRASH (signal %d)", WTERMSIG(st));
        } else {
            snprintf(what, sizeof what, "FAILED (wait status %d)", st);
        }
        printf("== case %s: %s [%lld ms]\n", c->name, what, (long long)(mix_now_ms() - t0));
        if (bad) {
            nfailed++;
            size_t used = strlen(failed);
            snprintf(failed + used, sizeof failed - used, " %s", c->name);
        }
    }
    if (nfailed) {
        printf("FAILED %s: %d of %zu cases:%s\n", prog, nfailed, n, failed);
        return 1;
    }
    printf("ok %s\n", prog);
    return 0;
}

#define MIX_CASE(fn, timeout) {#fn, fn, timeout}
#define MIX_MAIN(prog, ...)                                                                \
    int main(int argc, char **argv) {                                                      \
        static const mix_case cases_[] = {__VA_ARGS__};                                    \
        return mix_run(argc, argv, prog, cases_, sizeof cases_ / sizeof cases_[0]);        \
    }

#endif /* GILSTUFF_TESTS_MIX_H */
