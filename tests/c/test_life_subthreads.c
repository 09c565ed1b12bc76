/*
 * Issue 10, behaviour 5: ending a sub-interpreter that still runs Python threads.
 * Each scenario runs in a process of its own (life.h), under a hang guard.
 *
 * Non-daemon threading.Threads (started by code run in the sub; daemon=False explicitly,
 * since a thread started from a host thread defaults to daemon) sleep 0.3 s, then append a
 * line to a file. Checked:
 * - free_joins_nondaemon:         gilstuff_interp_free returns GILSTUFF_OK and every
 *                                 thread's line is in the file when it returns (joined);
 * - free_joins_nondaemon_legacy:  the same in a legacy shared-GIL sub-interpreter;
 * - finalize_joins_nondaemon:     gilstuff_finalize with such a sub alive returns
 *                                 GILSTUFF_OK, every line written.
 * A daemon thread waiting on an Event (allow_daemon_threads = true; legacy
 * sub-interpreters before 3.12 allow them anyway). Checked:
 * - free_busy_with_daemon:        gilstuff_interp_free returns GILSTUFF_ERR_INTERP_BUSY
 *                                 with a message; the interpreter still works (code runs,
 *                                 the thread is alive); once the Event is set and the
 *                                 thread joined, free returns GILSTUFF_OK;
 * - finalize_busy_with_daemon:    gilstuff_finalize returns GILSTUFF_ERR_INTERP_BUSY and
 *                                 leaves gilstuff running (main and the sub still take
 *                                 calls); once the thread is stopped, finalize succeeds.
 * Never "Fatal Python error" (the child would die of SIGABRT), never a hang.
 */
#include "life.h"

#define NTHREADS 3

static char result_path[256];

/* Starts NTHREADS non-daemon threads in `interp` that write "done k" after 0.3 s. */
static void start_nondaemon_writers(gilstuff_interp *interp) {
    snprintf(result_path, sizeof result_path, "/tmp/gilstuff-life-subthreads-%d.txt", (int)getpid());
    unlink(result_path);
    char code[1024];
    snprintf(code, sizeof code,
             "import threading, time\n"
             "def _write(k):\n"
             "    time.sleep(0.3)\n"
             "    with open('%s', 'a') as f:\n"
             "        f.write('done %%d\\n' %% k)\n"
             "writers = [threading.Thread(target=_write, args=(k,), daemon=False) for k in range(%d)]\n"
             "for t in writers:\n"
             "    t.start()\n",
             result_path, NTHREADS);
    life_exec(interp, code);
    CHECK(life_eval_long(interp, "sum(t.is_alive() and not t.daemon for t in writers)") == NTHREADS);
}

/* The number of "done" lines the writers left (all NTHREADS if they were joined). */
static int writers_done(void) {
    FILE *f = fopen(result_path, "r");
    if (!f)
        return 0;
    int n = 0;
    char line[64];
    while (fgets(line, sizeof line, f))
        n += strncmp(line, "done ", 5) == 0;
    fclose(f);
    unlink(result_path);
    return n;
}

static void free_joins(bool legacy) {
    check_init_with_test_paths();
    gilstuff_interp *sub;
    if (legacy) {
        gilstuff_interp_config cfg;
        gilstuff_interp_config_init(&cfg);
        cfg.own_gil = cfg.isolated_modules = cfg.check_multi_interp_extensions = false;
        gilstuff_error *e;
        CHECK_OK(gilstuff_interp_new(&cfg, &sub, &e), e);
    } else {
        sub = life_new_interp(false);
    }
    start_nondaemon_writers(sub);
    gilstuff_error *err;
    double t0 = life_now();
    CHECK_OK(gilstuff_interp_free(sub, &err), err);
    int done = writers_done();
    fprintf(stderr, "interp_free returned after %.3f s with %d of %d threads done\n", life_now() - t0, done, NTHREADS);
    CHECKF(done == NTHREADS, "interp_free returned OK before its non-daemon threads finished (%d of %d)", done, NTHREADS);
    CHECK(life_eval_long(NULL, "6 * 7") == 42);
    CHECK_OK(gilstuff_finalize(&err), err);
}

static void free_joins_nondaemon(void) {
    free_joins(false);
}

static void free_joins_nondaemon_legacy(void) {
    free_joins(true);
}

static void finalize_joins_nondaemon(void) {
    check_init_with_test_paths();
    gilstuff_interp *sub = life_new_interp(false);
    start_nondaemon_writers(sub);
    gilstuff_error *err;
    CHECK_OK(gilstuff_finalize(&err), err);
    int done = writers_done();
    CHECKF(done == NTHREADS, "finalize returned OK before the sub's non-daemon threads finished (%d of %d)", done,
           NTHREADS);
    CHECK(!gilstuff_is_initialized());
}

/* A daemon thread in a fresh sub-interpreter, blocked on `ev` until the test sets it. */
static gilstuff_interp *sub_with_daemon(void) {
    gilstuff_interp *sub = life_new_interp(true);
    life_exec(sub, "import threading\n"
                   "ev = threading.Event()\n"
                   "t = threading.Thread(target=ev.wait, daemon=True)\n"
                   "t.start()\n");
    CHECK(life_eval_long(sub, "int(t.is_alive() and t.daemon)") == 1);
    return sub;
}

static void stop_daemon(gilstuff_interp *sub) {
    life_exec(sub, "ev.set()\nt.join()\n");
}

/* `op` once the daemon thread was joined: GILSTUFF_OK, allowing CPython's short window
 * between join() returning and the thread state being deleted (retries BUSY for 2 s). */
static void ok_after_stop(gilstuff_status (*op)(void *, gilstuff_error **), void *arg, const char *what) {
    double t0 = life_now();
    for (int tries = 1;; tries++) {
        gilstuff_error *err = NULL;
        gilstuff_status st = op(arg, &err);
        if (st == GILSTUFF_OK) {
            CHECK(err == NULL);
            if (tries > 1)
                fprintf(stderr, "%s: GILSTUFF_OK after %d tries (%.3f s)\n", what, tries, life_now() - t0);
            return;
        }
        if (st != GILSTUFF_ERR_INTERP_BUSY || life_now() - t0 > 2.0)
            check_fail(__FILE__, __LINE__, err, "%s after the daemon thread was joined: %s", what,
                       gilstuff_status_name(st));
        gilstuff_error_free(err);
        life_sleep_ms(10);
    }
}

static gilstuff_status op_free(void *sub, gilstuff_error **err) {
    return gilstuff_interp_free(sub, err);
}

static gilstuff_status op_finalize(void *unused, gilstuff_error **err) {
    (void)unused;
    return gilstuff_finalize(err);
}

static void free_busy_with_daemon(void) {
    check_init_with_test_paths();
    gilstuff_interp *sub = sub_with_daemon();
    gilstuff_error *err;
    CHECK_STATUS(GILSTUFF_ERR_INTERP_BUSY, gilstuff_interp_free(sub, &err), err);
    CHECK(gilstuff_interp_id(sub) > 0);
    CHECK(life_eval_long(sub, "1 + 1") == 2);
    CHECK(life_eval_long(sub, "int(t.is_alive())") == 1);
    stop_daemon(sub);
    ok_after_stop(op_free, sub, "gilstuff_interp_free");
    CHECK(gilstuff_interp_id(sub) == -1);
    CHECK_OK(gilstuff_finalize(&err), err);
}

static void finalize_busy_with_daemon(void) {
    check_init_with_test_paths();
    gilstuff_interp *sub = sub_with_daemon();
    gilstuff_error *err;
    CHECK_STATUS(GILSTUFF_ERR_INTERP_BUSY, gilstuff_finalize(&err), err);
    CHECK(gilstuff_is_initialized());
    CHECK(life_eval_long(NULL, "6 * 7") == 42);
    CHECK(life_eval_long(sub, "int(t.is_alive())") == 1);
    CHECK_OK(gilstuff_run_string("after_busy = 1\n", &err), err);
    stop_daemon(sub);
    ok_after_stop(op_finalize, NULL, "gilstuff_finalize");
    CHECK(!gilstuff_is_initialized());
}

int main(int argc, char **argv) {
    static const life_scenario scenarios[] = {
        {"free_joins_nondaemon", free_joins_nondaemon, 60},
        {"free_joins_nondaemon_legacy", free_joins_nondaemon_legacy, 60},
        {"finalize_joins_nondaemon", finalize_joins_nondaemon, 60},
        {"free_busy_with_daemon", free_busy_with_daemon, 60},
        {"finalize_busy_with_daemon", finalize_busy_with_daemon, 60},
    };
    return life_main(argc, argv, scenarios, sizeof scenarios / sizeof scenarios[0]);
}
