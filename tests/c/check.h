/*
 * Small assertion helpers for the C test programs under tests/c/.
 *
 * Every failed check prints file:line, what was checked and, for gilstuff calls, the
 * status name, error message, Python exception type and traceback, then exits with
 * status 1. A test program that reaches the end prints "ok <name>" and returns 0.
 *
 *   CHECK(cond)                      cond must hold
 *   CHECKF(cond, fmt, ...)           same, with a formatted explanation
 *   CHECK_OK(call, err)              `call` (which writes to &err) returns GILSTUFF_OK
 *                                    and leaves err NULL
 *   CHECK_FAILS(expected, call, err) `call` returns `expected`, fills err with that code
 *                                    and a non-empty message (err kept for inspection)
 *   CHECK_STATUS(expected, call, err) CHECK_FAILS, then err is freed and reset to NULL
 *   CHECK_STR_CONTAINS(hay, needle)  hay is non-NULL and contains needle
 *   check_hang_guard(seconds)        SIGALRM after `seconds` ends the test as a hang
 *   check_repo_root()                the repository root, from /proc/self/exe
 *   check_init_with_test_paths()     gilstuff_init with examples/ and tests/python on sys.path
 */
#ifndef GILSTUFF_TESTS_CHECK_H
#define GILSTUFF_TESTS_CHECK_H

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gilstuff.h"

static inline void check_print_error(const gilstuff_error *err) {
    if (!err) {
        fprintf(stderr, "  (no gilstuff_error)\n");
        return;
    }
    gilstuff_status code = gilstuff_error_code(err);
    const char *msg = gilstuff_error_message(err);
    const char *type = gilstuff_error_python_type(err);
    const char *tb = gilstuff_error_traceback(err);
    fprintf(stderr, "  error code: %s (%u)\n  message: %s\n", gilstuff_status_name(code), code,
            msg ? msg : "(null)");
    if (type)
        fprintf(stderr, "  python type: %s\n", type);
    if (tb)
        fprintf(stderr, "  traceback:\n%s\n", tb);
}

__attribute__((noreturn, format(printf, 4, 5))) static inline void
check_fail(const char *file, int line, const gilstuff_error *err, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "%s:%d: CHECK FAILED: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (err)
        check_print_error(err);
    fflush(stderr);
    exit(1);
}

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond))                                                                    \
            check_fail(__FILE__, __LINE__, NULL, "%s", #cond);                          \
    } while (0)

#define CHECKF(cond, ...)                                                               \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: condition: %s\n", __FILE__, __LINE__, #cond);    \
            check_fail(__FILE__, __LINE__, NULL, __VA_ARGS__);                          \
        }                                                                               \
    } while (0)

/* `call` must return GILSTUFF_OK and must not write `err` (written only on failure). */
#define CHECK_OK(call, err)                                                             \
    do {                                                                                \
        (err) = NULL;                                                                   \
        gilstuff_status check_st_ = (call);                                             \
        if (check_st_ != GILSTUFF_OK)                                                   \
            check_fail(__FILE__, __LINE__, (err), "%s returned %s (%u), expected GILSTUFF_OK", \
                       #call, gilstuff_status_name(check_st_), check_st_);              \
        if ((err) != NULL)                                                              \
            check_fail(__FILE__, __LINE__, NULL, "%s succeeded but wrote an error", #call); \
    } while (0)

/* `call` must return `expected` and fill `err` with an error of that code whose message
 * is not empty. `err` is left for the caller to inspect and free. */
#define CHECK_FAILS(expected, call, err)                                                \
    do {                                                                                \
        (err) = NULL;                                                                   \
        gilstuff_status check_st_ = (call);                                             \
        gilstuff_status check_exp_ = (expected);                                        \
        if (check_st_ != check_exp_)                                                    \
            check_fail(__FILE__, __LINE__, (err), "%s returned %s (%u), expected %s (%u)", \
                       #call, gilstuff_status_name(check_st_), check_st_,               \
                       gilstuff_status_name(check_exp_), check_exp_);                   \
        check_error_matches(__FILE__, __LINE__, #call, (err), check_exp_);              \
    } while (0)

/* CHECK_FAILS, then the error is freed and `err` reset to NULL. */
#define CHECK_STATUS(expected, call, err)                                               \
    do {                                                                                \
        CHECK_FAILS(expected, call, err);                                               \
        gilstuff_error_free(err);                                                       \
        (err) = NULL;                                                                   \
    } while (0)

static inline void check_error_matches(const char *file, int line, const char *what,
                                const gilstuff_error *err, gilstuff_status expected) {
    if (!err)
        check_fail(file, line, NULL, "%s failed with %s but wrote no error", what,
                   gilstuff_status_name(expected));
    if (gilstuff_error_code(err) != expected)
        check_fail(file, line, err, "%s: error code %s differs from the returned status %s", what,
                   gilstuff_status_name(gilstuff_error_code(err)), gilstuff_status_name(expected));
    const char *msg = gilstuff_error_message(err);
    if (!msg || !msg[0])
        check_fail(file, line, err, "%s: error message is empty", what);
}

#define CHECK_STR_CONTAINS(hay, needle)                                                 \
    do {                                                                                \
        const char *check_h_ = (hay);                                                   \
        const char *check_n_ = (needle);                                                \
        if (!check_h_ || !strstr(check_h_, check_n_))                                   \
            check_fail(__FILE__, __LINE__, NULL, "%s = \"%s\" does not contain \"%s\"", \
                       #hay, check_h_ ? check_h_ : "(null)", check_n_);                 \
    } while (0)

static inline void check_on_alarm(int sig) {
    (void)sig;
    static const char msg[] = "CHECK FAILED: hang guard expired (deadlock or hang)\n";
    ssize_t r = write(2, msg, sizeof msg - 1);
    (void)r;
    _exit(3);
}

/* Ends the process with status 3 if it is still running after `seconds`. */
static inline void check_hang_guard(unsigned seconds) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = check_on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    alarm(seconds);
}

/* Reads VmRSS of this process from /proc/self/status, in kB (-1 if unavailable). */
static inline long check_rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kb = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kb;
}

/* The repository root, derived from this program's location: `make test-c` builds the
 * tests as <root>/build/pyX.Y/tests/<program>. Static storage; exits if it cannot be
 * found (checked by looking for tests/python/gilstuff_testmod.py under it). */
static inline const char *check_repo_root(void) {
    static char root[4096];
    if (root[0])
        return root;
    ssize_t n = readlink("/proc/self/exe", root, sizeof root - 1);
    if (n <= 0)
        check_fail(__FILE__, __LINE__, NULL, "readlink(/proc/self/exe) failed");
    root[n] = '\0';
    for (int up = 0; up < 4; up++) {
        char *slash = strrchr(root, '/');
        if (!slash || slash == root)
            check_fail(__FILE__, __LINE__, NULL, "cannot derive the repository root");
        *slash = '\0';
    }
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/tests/python/gilstuff_testmod.py", root);
    if (access(probe, R_OK) != 0)
        check_fail(__FILE__, __LINE__, NULL, "%s not found: is the test under build/pyX.Y/tests?", probe);
    return root;
}

/* gilstuff_init with <root>/examples and <root>/tests/python on sys.path; fails the
 * test if it does not succeed. */
static inline void check_init_with_test_paths(void) {
    static char path[8400];
    const char *root = check_repo_root();
    snprintf(path, sizeof path, "%s/examples:%s/tests/python", root, root);
    gilstuff_config cfg;
    gilstuff_config_init(&cfg);
    cfg.sys_path = path;
    gilstuff_error *err;
    CHECK_OK(gilstuff_init(&cfg, &err), err);
}

#endif /* GILSTUFF_TESTS_CHECK_H */
