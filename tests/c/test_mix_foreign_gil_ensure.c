/*
 * Issue 10, behaviour 3 (b): gilstuff called from a host C thread that took the main GIL
 * itself with PyGILState_Ensure (after gilstuff_init), then PyGILState_Release.
 *
 * One case (one process) per entry kind. In each, a new pthread does PyGILState_Ensure,
 * checks it is in main, makes the calls of its entry kind twice (each checked: status,
 * and where it ran), and after each call checks it still holds the GIL with its own
 * thread state, in main; then PyGILState_Release, after which no thread state is
 * attached and a plain gilstuff call works:
 * - ensure_main: gilstuff_with_gil (callback checks main with the raw C API),
 *   gilstuff_run_string (writes into main), gilstuff_eval(NULL, "WHO") == 'main'.
 * - ensure_sub: gilstuff_with_interp(sub) (callback checks it runs in the sub),
 *   gilstuff_exec / gilstuff_eval in the sub.
 * - ensure_interp_new: gilstuff_interp_new; the new interpreter works; freed afterwards.
 * - ensure_interp_free: gilstuff_interp_free of a sub made before.
 * - ensure_pool: gilstuff_pool_new(1), 3 × gilstuff_pool_call(add), gilstuff_pool_free.
 * - ensure_objects: import, getattr, int, call, to_float, clone, invoke, release (main).
 * - ensure_objects_sub: import/getattr/to_str/release of the sub-interpreter's objects.
 */
#include <Python.h>

#include "check.h"
#include "mix.h"

static gilstuff_interp *sub, *victim, *made;

static gilstuff_status cb_main(void *unused) {
    (void)unused;
    mix_expect_current_is_main(true);
    mix_expect_current_who("main");
    return GILSTUFF_OK;
}

static gilstuff_status cb_sub(void *unused) {
    (void)unused;
    mix_expect_current_is_main(false);
    mix_expect_current_who("sub");
    return GILSTUFF_OK;
}

/* ------------------------------------------------------------------ entry kinds */

static void entry_main(void) {
    gilstuff_error *err;
    CHECK_OK(gilstuff_with_gil(cb_main, NULL, &err), err);
    CHECK_OK(gilstuff_run_string("ENSURE_RAN_IN = WHO", &err), err);
    mix_expect_current_who("main");
    char buf[64];
    CHECK(strcmp(mix_current_who(buf, sizeof buf), "main") == 0);
    PyObject *v = mix_main_attr("ENSURE_RAN_IN");
    CHECKF(v != NULL && PyUnicode_CompareWithASCIIString(v, "main") == 0, "gilstuff_run_string did not run in main");
    Py_DECREF(v);
    mix_expect_who(NULL, "main");
}

static void entry_sub(void) {
    gilstuff_error *err;
    CHECK_OK(gilstuff_with_interp(sub, cb_sub, NULL, &err), err);
    mix_exec(sub, "ensure_touched = WHO");
    char buf[64];
    CHECK(strcmp(mix_eval_str(sub, "ensure_touched", buf, sizeof buf), "sub") == 0);
    mix_expect_who(sub, "sub");
}

static void entry_interp_new(void) {
    gilstuff_interp_config cfg;
    gilstuff_interp_config_init(&cfg);
    gilstuff_error *err;
    made = NULL;
    CHECK_OK(gilstuff_interp_new(&cfg, &made, &err), err);
    mix_set_who(made, "new");
    mix_expect_who(made, "new");
}

static void entry_interp_free(void) {
    mix_free_sub(victim);
    CHECK(gilstuff_interp_id(victim) == -1);
}

static void entry_pool(void) {
    gilstuff_error *err;
    gilstuff_pool *pool = NULL;
    CHECK_OK(gilstuff_pool_new(1, NULL, &pool, &err), err);
    for (int i = 0; i < 3; i++) {
        const gilstuff_value *args[2] = {gilstuff_value_int(i), gilstuff_value_int(40)};
        gilstuff_value *out = NULL;
        CHECK_OK(gilstuff_pool_call(pool, "gilstuff_testmod", "add", args, 2, &out, &err), err);
        int64_t v = 0;
        CHECK_OK(gilstuff_value_get_int(out, &v, &err), err);
        CHECK(v == 40 + i);
        gilstuff_value_free(out);
        gilstuff_value_free((gilstuff_value *)args[0]);
        gilstuff_value_free((gilstuff_value *)args[1]);
    }
    CHECK_OK(gilstuff_pool_free(pool, &err), err);
}

static void entry_objects(void) {
    gilstuff_error *err;
    gilstuff_object *m = NULL, *sqrt_ = NULL, *n = NULL, *r = NULL, *c = NULL, *d = NULL;
    CHECK_OK(gilstuff_import(NULL, "math", &m, &err), err);
    CHECK_OK(gilstuff_getattr(m, "sqrt", &sqrt_, &err), err);
    CHECK_OK(gilstuff_int(NULL, 16, &n, &err), err);
    CHECK_OK(gilstuff_call(sqrt_, &n, 1, NULL, &r, &err), err);
    double f = 0;
    CHECK_OK(gilstuff_to_float(r, &f, &err), err);
    CHECK(f == 4.0);
    CHECK_OK(gilstuff_object_clone(r, &c, &err), err);
    CHECK_OK(gilstuff_invoke(sqrt_, &n, 1, NULL, &err), err);
    CHECK_OK(gilstuff_main_dict(NULL, &d, &err), err);
    gilstuff_object *all[] = {d, c, r, n, sqrt_, m};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        mix_release(all[i]);
}

static void entry_objects_sub(void) {
    gilstuff_error *err;
    gilstuff_object *s = NULL, *w = NULL;
    CHECK_OK(gilstuff_import(sub, "__main__", &s, &err), err);
    CHECK_OK(gilstuff_getattr(s, "WHO", &w, &err), err);
    char buf[64];
    size_t len;
    CHECK_OK(gilstuff_to_str_into(w, buf, sizeof buf, &len, &err), err);
    CHECKF(strcmp(buf, "sub") == 0, "the sub's __main__.WHO through the object API = '%s'", buf);
    mix_release(w);
    mix_release(s);
}

/* ------------------------------------------------------------------ the host thread */

typedef struct {
    void (*entry)(void);
    int rounds;
} host_job;

static void *host_ensure_thread(void *arg) {
    host_job *job = arg;
    PyGILState_STATE g = PyGILState_Ensure();
    CHECK(g == PyGILState_UNLOCKED);
    PyThreadState *ts = PyThreadState_Get();
    mix_expect_current_is_main(true);
    mix_expect_current_who("main");
    for (int i = 0; i < job->rounds; i++) {
        job->entry();
        CHECKF(PyThreadState_GetUnchecked() == ts, "after the gilstuff calls this thread's thread state is %p, "
               "not the one PyGILState_Ensure gave it (%p)", (void *)PyThreadState_GetUnchecked(), (void *)ts);
        CHECK(PyGILState_Check() == 1);
        mix_expect_current_is_main(true);
        mix_expect_current_who("main");
    }
    PyGILState_Release(g);
    CHECK(PyThreadState_GetUnchecked() == NULL);
    /* Plain gilstuff calls from this thread afterwards. */
    mix_expect_who(NULL, "main");
    mix_expect_who(sub, "sub");
    return NULL;
}

static void run_case(void (*entry)(void), int rounds) {
    mix_init();
    mix_set_who(NULL, "main");
    sub = mix_new_sub("sub");
    if (entry == entry_interp_free)
        victim = mix_new_sub("victim");
    host_job job = {entry, rounds};
    mix_thread_join(mix_thread_start(host_ensure_thread, &job));
    mix_expect_who(NULL, "main");
    mix_expect_who(sub, "sub");
}

static void teardown(void) {
    mix_free_sub(sub);
    sub = NULL;
    mix_finalize();
}

static void ensure_main(void) {
    run_case(entry_main, 2);
    teardown();
}

static void ensure_sub(void) {
    run_case(entry_sub, 2);
    teardown();
}

static void ensure_interp_new(void) {
    run_case(entry_interp_new, 1);
    mix_expect_who(made, "new");
    mix_free_sub(made);
    teardown();
}

static void ensure_interp_free(void) {
    run_case(entry_interp_free, 1);
    teardown();
}

static void ensure_pool(void) {
    run_case(entry_pool, 2);
    teardown();
}

static void ensure_objects(void) {
    run_case(entry_objects, 2);
    teardown();
}

static void ensure_objects_sub(void) {
    run_case(entry_objects_sub, 2);
    teardown();
}

MIX_MAIN("test_mix_foreign_gil_ensure",
         MIX_CASE(ensure_main, 20),
         MIX_CASE(ensure_sub, 20),
         MIX_CASE(ensure_interp_new, 20),
         MIX_CASE(ensure_interp_free, 20),
         MIX_CASE(ensure_pool, 20),
         MIX_CASE(ensure_objects, 20),
         MIX_CASE(ensure_objects_sub, 20))
