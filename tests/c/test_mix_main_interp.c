/*
 * Issue 10, behaviour 1: a main-interpreter call runs in the MAIN interpreter on every
 * kind of thread, and its results are main handles.
 *
 * Main's __main__ has WHO = 'main', each sub-interpreter's WHO = 'sub' / 'sub2'. "Runs in
 * main" is checked by the value of WHO a call sees (through gilstuff_eval, through
 * gilstuff_run_string writing a variable that is then looked for in both interpreters,
 * and through the raw C API inside callbacks), not only by interpreter ids.
 *
 * Each case is its own process (tests/c/mix.h):
 * - library_origin_init_thread / library_origin_pthread: origin = the library's thread;
 *   the thread that called init, and a new pthread, use a sub-interpreter and then make
 *   main calls (3 rounds alternating sub and main calls).
 * - caller_origin_init_thread / caller_origin_pthread: the same with
 *   GILSTUFF_ORIGIN_CALLER (the origin thread owns Python's main thread state).
 * - python_thread_cdll / python_thread_pydll: a threading.Thread started by Python code
 *   run through gilstuff calls gilstuff through ctypes.CDLL (GIL released around the
 *   call) / ctypes.PyDLL (GIL held): into the sub-interpreter, then into main; its main
 *   calls see WHO == 'main', its own Python code still runs in main afterwards.
 * - attach_init_thread / attach_python_thread_cdll / _pydll: attach mode (the program
 *   started Python itself, gilstuff_init attached): the program's thread and a pthread,
 *   then Python threads, as above; the program's own thread state is still main's.
 *   (The sub-interpreter is made and freed on a helper thread, so the thread that runs
 *   the Python code never used one itself.)
 * - nested_switch / caller_origin_nested_switch / attach_nested_switch:
 *   with_gil -> with_interp(sub) -> with_gil -> with_interp(sub2) -> ... (4 levels of
 *   each), and the same chain started by with_interp(sub), on the init thread and on a
 *   new thread: every main level runs in main (raw C API and gilstuff_eval), every sub
 *   level in its sub, each level is back in its interpreter after the nested call
 *   returns; main calls made from inside sub levels (gilstuff_eval, run_string) run in
 *   main and their results are main handles, used after the callbacks returned.
 * "Main handles" = accepted by main-interpreter functions (gilstuff_list(NULL, ...),
 * gilstuff_call of a main function), refused with GILSTUFF_ERR_WRONG_INTERPRETER by a
 * sub-interpreter's, and holding main's objects (their text is 'main').
 */
#include <Python.h>

#include "check.h"
#include "mix.h"

static gilstuff_interp *sub, *sub2;

/* ------------------------------------------------------------------ shared checks */

static gilstuff_status cb_expect_main(void *unused) {
    (void)unused;
    mix_expect_current_is_main(true);
    mix_expect_current_who("main");
    return GILSTUFF_OK;
}

static gilstuff_status cb_expect_sub(void *who) {
    mix_expect_current_is_main(false);
    mix_expect_current_who((const char *)who);
    return GILSTUFF_OK;
}

/* `o` is a handle of the main interpreter: main functions take it, sub ones refuse it,
 * and it holds main's object (o is main's `[WHO]`). Releases o. */
static void expect_main_list_handle(gilstuff_object *o) {
    gilstuff_error *err;
    gilstuff_object *lst = NULL, *f = NULL, *r = NULL;
    CHECK_OK(gilstuff_list(NULL, &o, 1, &lst, &err), err);
    mix_release(lst);
    if (sub)
        CHECK_STATUS(GILSTUFF_ERR_WRONG_INTERPRETER, gilstuff_list(sub, &o, 1, &lst, &err), err);
    CHECK_OK(gilstuff_eval(NULL, "lambda x: x[0] + '/' + WHO", NULL, &f, &err), err);
    CHECK_OK(gilstuff_call(f, &o, 1, NULL, &r, &err), err);
    char buf[64];
    size_t len;
    CHECK_OK(gilstuff_to_str_into(r, buf, sizeof buf, &len, &err), err);
    CHECKF(strcmp(buf, "main/main") == 0, "a main result holds '%s', expected 'main/main'", buf);
    mix_release(r);
    mix_release(f);
    mix_release(o);
}

/* Main calls of every entry kind on this thread, all of which must run in main. */
static void main_calls(const char *tag) {
    gilstuff_error *err;
    mix_expect_who(NULL, "main");
    mix_expect_who(gilstuff_interp_main(), "main");

    /* gilstuff_run_string writes where it runs: main, not the sub-interpreter. */
    char code[256];
    snprintf(code, sizeof code, "RAN_%s = WHO", tag);
    CHECK_OK(gilstuff_run_string(code, &err), err);
    char expr[128], buf[64];
    snprintf(expr, sizeof expr, "RAN_%s", tag);
    mix_eval_str(NULL, expr, buf, sizeof buf);
    CHECKF(strcmp(buf, "main") == 0, "gilstuff_run_string ran where WHO = '%s'", buf);
    snprintf(expr, sizeof expr, "'RAN_%s' in globals()", tag);
    CHECKF(mix_eval_int(sub, expr) == 0, "gilstuff_run_string wrote into the sub-interpreter");

    /* A with_gil callback runs in main (raw C API). */
    CHECK_OK(gilstuff_with_gil(cb_expect_main, NULL, &err), err);
    CHECK_OK(gilstuff_with_interp(NULL, cb_expect_main, NULL, &err), err);

    /* The object API: import of main's __main__, getattr. */
    gilstuff_object *m = NULL, *w = NULL;
    CHECK_OK(gilstuff_import(NULL, "__main__", &m, &err), err);
    CHECK_OK(gilstuff_getattr(m, "WHO", &w, &err), err);
    size_t len;
    CHECK_OK(gilstuff_to_str_into(w, buf, sizeof buf, &len, &err), err);
    CHECKF(strcmp(buf, "main") == 0, "gilstuff_import(NULL, \"__main__\").WHO = '%s'", buf);
    mix_release(w);
    mix_release(m);

    /* Results are main handles. */
    gilstuff_object *o = NULL;
    CHECK_OK(gilstuff_eval(NULL, "[WHO]", NULL, &o, &err), err);
    expect_main_list_handle(o);
}

/* This thread uses the sub-interpreter, then makes main calls; three rounds. */
static void sub_then_main_on_this_thread(const char *tag) {
    gilstuff_error *err;
    for (int round = 0; round < 3; round++) {
        mix_expect_who(sub, "sub");
        mix_exec(sub, "touched = True");
        CHECK_OK(gilstuff_with_interp(sub, cb_expect_sub, "sub", &err), err);
        char t[64];
        snprintf(t, sizeof t, "%s_%d", tag, round);
        main_calls(t);
    }
    /* The sub-interpreter kept its own marker. */
    mix_expect_who(sub, "sub");
}

static void setup(void) {
    mix_set_who(NULL, "main");
    sub = mix_new_sub("sub");
}

static void teardown(void) {
    mix_free_sub(sub);
    sub = NULL;
    mix_finalize();
}

/* setup() / freeing the sub on a helper thread, so that the thread running a case has
 * never used a sub-interpreter itself (the Python-thread cases test the Python thread). */
static void *thread_setup(void *unused) {
    (void)unused;
    setup();
    return NULL;
}

static void *thread_free_sub(void *unused) {
    (void)unused;
    mix_free_sub(sub);
    sub = NULL;
    return NULL;
}

static void setup_elsewhere(void) {
    mix_thread_join(mix_thread_start(thread_setup, NULL));
}

static void free_sub_elsewhere(void) {
    mix_thread_join(mix_thread_start(thread_free_sub, NULL));
}

static void *thread_sub_then_main(void *tag) {
    sub_then_main_on_this_thread(tag);
    return NULL;
}

/* A thread whose first call is a main call, then sub, then main. */
static void *thread_main_first(void *unused) {
    (void)unused;
    main_calls("first");
    sub_then_main_on_this_thread("main_first");
    return NULL;
}

/* ------------------------------------------------------------------ cases */

static void library_origin_init_thread(void) {
    mix_init();
    setup();
    sub_then_main_on_this_thread("init_thread");
    teardown();
}

static void library_origin_pthread(void) {
    mix_init();
    setup();
    mix_thread_join(mix_thread_start(thread_sub_then_main, "pthread"));
    mix_thread_join(mix_thread_start(thread_main_first, NULL));
    teardown();
}

static void caller_origin_init_thread(void) {
    mix_init_caller_origin();
    setup();
    sub_then_main_on_this_thread("origin");
    teardown();
}

static void caller_origin_pthread(void) {
    mix_init_caller_origin();
    setup();
    mix_thread_join(mix_thread_start(thread_sub_then_main, "pthread"));
    mix_thread_join(mix_thread_start(thread_main_first, NULL));
    /* And the origin thread itself afterwards. */
    sub_then_main_on_this_thread("origin_after");
    teardown();
}

/* A threading.Thread started by Python code run through gilstuff uses the sub through
 * ctypes (`kind` = "cdll": GIL released around the call; "pydll": GIL held), then makes
 * main calls (tests/python/mixcases.py). */
static void python_thread_body(const char *kind) {
    mix_expect_who(NULL, "main");
    char code[256];
    snprintf(code, sizeof code, "import mixcases\nmixcases.main_calls_from_python_thread(%llu, '%s')\n",
             (unsigned long long)(uintptr_t)sub, kind);
    gilstuff_error *err;
    CHECK_OK(gilstuff_run_string(code, &err), err);
    /* What the Python thread's gilstuff_run_string wrote is in main, not in the sub. */
    char buf[64];
    mix_eval_str(NULL, "PY_THREAD_RAN_IN", buf, sizeof buf);
    CHECKF(strcmp(buf, "main") == 0, "PY_THREAD_RAN_IN = '%s'", buf);
    CHECK(mix_eval_int(sub, "'PY_THREAD_RAN_IN' in globals()") == 0);
    mix_expect_who(NULL, "main");
    mix_expect_who(sub, "sub");
}

static void python_thread_cdll(void) {
    mix_init();
    setup_elsewhere();
    python_thread_body("cdll");
    free_sub_elsewhere();
    mix_finalize();
}

static void python_thread_pydll(void) {
    mix_init();
    setup_elsewhere();
    python_thread_body("pydll");
    free_sub_elsewhere();
    mix_finalize();
}

/* Attach mode: this program started Python itself, then gilstuff_init attached. */
static void attach_setup(void) {
    mix_attach_init();
    setup();
}

static void attach_teardown(void) {
    mix_free_sub(sub);
    sub = NULL;
    mix_attach_finalize();
}

static void attach_init_thread(void) {
    attach_setup();
    sub_then_main_on_this_thread("attach_init_thread");
    mix_thread_join(mix_thread_start(thread_sub_then_main, "attach_pthread"));
    /* The program's own main thread state, taken back by hand, is still in main. */
    PyEval_RestoreThread(mix_attach_ts);
    mix_expect_current_is_main(true);
    mix_expect_current_who("main");
    mix_attach_ts = PyEval_SaveThread();
    attach_teardown();
}

static void attach_python_thread_cdll(void) {
    mix_attach_init();
    setup_elsewhere();
    python_thread_body("cdll");
    free_sub_elsewhere();
    mix_attach_finalize();
}

static void attach_python_thread_pydll(void) {
    mix_attach_init();
    setup_elsewhere();
    python_thread_body("pydll");
    free_sub_elsewhere();
    mix_attach_finalize();
}

/* nested_switch: main level d (0..3) -> sub level -> main level d+1 ... */
#define MAIN_LEVELS 4
static gilstuff_object *kept[MAIN_LEVELS]; /* main results made inside sub levels */

static gilstuff_status cb_main_level(void *arg);

static gilstuff_status cb_sub_level(void *arg) {
    int d = (int)(intptr_t)arg;
    const char *who = d % 2 ? "sub2" : "sub";
    gilstuff_interp *mine = d % 2 ? sub2 : sub;
    gilstuff_error *err;
    mix_expect_current_is_main(false);
    mix_expect_current_who(who);
    /* Plain main calls from inside a sub callback. */
    mix_expect_who(NULL, "main");
    mix_expect_current_who(who);
    mix_expect_who(mine, who);
    char code[64];
    snprintf(code, sizeof code, "NESTED_%d = WHO", d);
    CHECK_OK(gilstuff_run_string(code, &err), err);
    mix_expect_current_who(who);
    CHECK_OK(gilstuff_eval(NULL, "[WHO]", NULL, &kept[d], &err), err);
    mix_expect_current_who(who);
    if (d + 1 < MAIN_LEVELS) {
        CHECK_OK(gilstuff_with_gil(cb_main_level, (void *)(intptr_t)(d + 1), &err), err);
        mix_expect_current_is_main(false);
        mix_expect_current_who(who);
    }
    return GILSTUFF_OK;
}

static gilstuff_status cb_main_level(void *arg) {
    int d = (int)(intptr_t)arg;
    gilstuff_error *err;
    mix_expect_current_is_main(true);
    mix_expect_current_who("main");
    mix_expect_who(NULL, "main");
    CHECK_OK(gilstuff_with_interp(d % 2 ? sub2 : sub, cb_sub_level, arg, &err), err);
    /* Back in main after the nested switch. */
    mix_expect_current_is_main(true);
    mix_expect_current_who("main");
    mix_expect_who(NULL, "main");
    PyObject *r = mix_main_eval("WHO + '!'");
    CHECK(PyUnicode_CompareWithASCIIString(r, "main!") == 0);
    Py_DECREF(r);
    return GILSTUFF_OK;
}

/* After one nested chain: what the sub levels' main calls wrote is in main only, and
 * their results are main handles. */
static void check_nested_results(void) {
    for (int d = 0; d < MAIN_LEVELS; d++) {
        char expr[64], buf[64];
        snprintf(expr, sizeof expr, "NESTED_%d", d);
        mix_eval_str(NULL, expr, buf, sizeof buf);
        CHECKF(strcmp(buf, "main") == 0, "run_string inside sub level %d ran where WHO = '%s'", d, buf);
        snprintf(expr, sizeof expr, "'NESTED_%d' in globals()", d);
        CHECKF(mix_eval_int(d % 2 ? sub2 : sub, expr) == 0, "run_string inside sub level %d wrote into the sub", d);
        expect_main_list_handle(kept[d]);
        kept[d] = NULL;
        snprintf(expr, sizeof expr, "globals().pop('NESTED_%d')", d);
        mix_exec(NULL, expr);
    }
}

/* with_gil -> with_interp(sub) -> with_gil -> with_interp(sub2) -> ... */
static void nested_switch_on_this_thread(void) {
    gilstuff_error *err;
    for (int round = 0; round < 2; round++) {
        CHECK_OK(gilstuff_with_gil(cb_main_level, (void *)(intptr_t)0, &err), err);
        check_nested_results();
        main_calls(round ? "after_nested_1" : "after_nested_0");
    }
}

/* with_interp(sub) -> with_gil -> with_interp(sub2) -> with_gil -> ... */
static void nested_from_sub_on_this_thread(void) {
    gilstuff_error *err;
    for (int round = 0; round < 2; round++) {
        CHECK_OK(gilstuff_with_interp(sub, cb_sub_level, (void *)(intptr_t)0, &err), err);
        /* cb_sub_level(0) -> cb_main_level(1) -> cb_sub_level(1) -> ... -> cb_sub_level(3):
         * every level wrote its NESTED_d and kept its result. */
        check_nested_results();
        main_calls(round ? "after_from_sub_1" : "after_from_sub_0");
    }
}

static void *thread_nested(void *unused) {
    (void)unused;
    nested_switch_on_this_thread();
    return NULL;
}

static void *thread_nested_from_sub(void *unused) {
    (void)unused;
    nested_from_sub_on_this_thread();
    return NULL;
}

static void nested_body(void) {
    sub2 = mix_new_sub("sub2");
    nested_switch_on_this_thread();
    nested_from_sub_on_this_thread();
    mix_thread_join(mix_thread_start(thread_nested, NULL));
    mix_thread_join(mix_thread_start(thread_nested_from_sub, NULL));
    mix_expect_who(sub2, "sub2");
    mix_free_sub(sub2);
    sub2 = NULL;
}

static void nested_switch(void) {
    mix_init();
    setup();
    nested_body();
    teardown();
}

static void caller_origin_nested_switch(void) {
    mix_init_caller_origin();
    setup();
    nested_body();
    teardown();
}

static void attach_nested_switch(void) {
    attach_setup();
    nested_body();
    attach_teardown();
}

MIX_MAIN("test_mix_main_interp",
         MIX_CASE(library_origin_init_thread, 20),
         MIX_CASE(library_origin_pthread, 20),
         MIX_CASE(caller_origin_init_thread, 20),
         MIX_CASE(caller_origin_pthread, 20),
         MIX_CASE(python_thread_cdll, 20),
         MIX_CASE(python_thread_pydll, 20),
         MIX_CASE(attach_init_thread, 20),
         MIX_CASE(attach_python_thread_cdll, 20),
         MIX_CASE(attach_python_thread_pydll, 20),
         MIX_CASE(nested_switch, 20),
         MIX_CASE(caller_origin_nested_switch, 20),
         MIX_CASE(attach_nested_switch, 20))
