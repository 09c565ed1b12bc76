/*
 * Behaviour 1, the seed scenario: run the threaded_counter example as a child process
 * ($GILSTUFF_EXAMPLES/threaded_counter N, from examples/ with PYTHONPATH=.), capture its
 * stdout and stderr separately, and check the printed total is N*1000, the exit status is
 * 0, and stderr holds none of "Exception ignored", "KeyError", "AssertionError".
 * Run for N = 8 (the demo) and, for more contention, N = 32 and N = 1.
 * Then the same in `--handles` mode (issue 3, behaviour 1: object handles only, no CPython
 * API), N = 8 and N = 32, also checking the result line says mode=handles.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

/* Reads the whole of `f` into a NUL-terminated heap string. */
static char *slurp(FILE *f) {
    CHECK(fseek(f, 0, SEEK_END) == 0);
    long n = ftell(f);
    CHECK(n >= 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    CHECK(buf != NULL);
    size_t got = fread(buf, 1, (size_t)n, f);
    CHECK(got == (size_t)n);
    buf[n] = '\0';
    return buf;
}

static void run_counter(const char *exe, int n, int handles) {
    FILE *out = tmpfile(), *errf = tmpfile();
    CHECK(out && errf);
    char arg[16];
    snprintf(arg, sizeof arg, "%d", n);
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(fileno(out), 1);
        dup2(fileno(errf), 2);
        if (handles)
            execl(exe, exe, arg, "--handles", (char *)NULL);
        else
            execl(exe, exe, arg, (char *)NULL);
        fprintf(stderr, "exec %s: %s\n", exe, strerror(errno));
        _exit(127);
    }
    int wst = 0;
    CHECK(waitpid(pid, &wst, 0) == pid);
    char *so = slurp(out), *se = slurp(errf);
    fclose(out);
    fclose(errf);
    fprintf(stderr, "threaded_counter %d: stdout: %s", n, so);
    if (se[0])
        fprintf(stderr, "threaded_counter %d: stderr:\n%s\n", n, se);

    CHECKF(WIFEXITED(wst) && WEXITSTATUS(wst) == 0, "threaded_counter %d ended with wait status 0x%x", n, wst);
    int threads = -1, per = -1;
    long total = -1;
    const char *line = strstr(so, "threads=");
    CHECKF(line != NULL, "no result line in stdout");
    CHECK(sscanf(line, "threads=%d calls_per_thread=%d total=%ld", &threads, &per, &total) == 3);
    CHECK(threads == n);
    CHECK(per == 1000);
    CHECKF(total == (long)n * 1000, "total %ld, expected %ld", total, (long)n * 1000);
    CHECKF(strstr(se, "Exception ignored") == NULL, "stderr has 'Exception ignored'");
    CHECKF(strstr(se, "KeyError") == NULL, "stderr has 'KeyError'");
    CHECKF(strstr(se, "AssertionError") == NULL, "stderr has 'AssertionError'");
    const char *mode = handles ? "mode=handles" : "mode=with_gil";
    CHECKF(strstr(line, mode) != NULL, "result line does not say %s", mode);
    if (handles)
        CHECKF(se[0] == '\0', "stderr is not empty in --handles mode");
    free(so);
    free(se);
}

int main(void) {
    check_hang_guard(120);
    const char *dir = getenv("GILSTUFF_EXAMPLES");
    CHECKF(dir != NULL && dir[0], "GILSTUFF_EXAMPLES is not set (run through `make test-c`)");
    char exe[4096];
    snprintf(exe, sizeof exe, "%s/threaded_counter", dir);
    CHECKF(access(exe, X_OK) == 0, "%s is not an executable", exe);
    /* The child inherits the sanitizer options but is not instrumented: harmless. */
    run_counter(exe, 8, 0);
    run_counter(exe, 32, 0);
    run_counter(exe, 1, 0);
    run_counter(exe, 8, 1);
    run_counter(exe, 32, 1);
    printf("ok test_seed\n");
    return 0;
}
