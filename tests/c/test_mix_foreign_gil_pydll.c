/*
 * Issue 10, behaviour 3 (a): gilstuff called from a thread that holds a GIL gilstuff did
 * not take: a Python threading.Thread calling through ctypes.PyDLL, which keeps the main
 * GIL held (with the Python thread's own thread state) during the foreign call.
 *
 * One case (one process) per entry kind; the Python side is
 * tests/python/mixcases.py:foreign_gil_calls, which checks every status, checks that the
 * thread's own Python code still runs in main after each call, and fails if the thread
 * does not finish within 15 s:
 * - pydll_main: gilstuff_with_gil (the C callback checks it runs in main with the raw C
 *   API), gilstuff_run_string (writes into main), gilstuff_eval(NULL, "WHO") == 'main'.
 * - pydll_sub: gilstuff_with_interp(sub) (the C callback checks it runs in the sub),
 *   gilstuff_exec / gilstuff_eval in the sub.
 * - pydll_interp_new: gilstuff_interp_new, then the new interpreter works (the C side
 *   frees it afterwards).
 * - pydll_interp_free: gilstuff_interp_free of a sub-interpreter made by the C side.
 * - pydll_pool: gilstuff_pool_new(1), 3 × gilstuff_pool_call(add), gilstuff_pool_free.
 * - pydll_objects: import, getattr, int, call, to_float, clone, invoke, release in main.
 * - pydll_objects_sub: import/getattr/to_str/release of objects of the sub-interpreter.
 */
#include <Python.h>

#include "check.h"
#include "mix.h"

static gilstuff_interp *sub;
static int cb_main_runs, cb_sub_runs;

static gilstuff_status cb_main(void *unused) {
    (void)unused;
    mix_expect_current_is_main(true);
    mix_expect_current_who("main");
    cb_main_runs++;
    return GILSTUFF_OK;
}

static gilstuff_status cb_sub(void *who) {
    mix_expect_current_is_main(false);
    mix_expect_current_who((const char *)who);
    cb_sub_runs++;
    return GILSTUFF_OK;
}

static gilstuff_interp *victim; /* made by the C side for the interp_free entry */

static void run_entry(const char *entry) {
    mix_init();
    mix_set_who(NULL, "main");
    sub = mix_new_sub("sub");
    if (strcmp(entry, "interp_free") == 0)
        victim = mix_new_sub("victim");
    char code[512];
    snprintf(code, sizeof code,
             "import mixcases\n"
             "mixcases.foreign_gil_calls('%s', %llu, %llu, %llu, %llu)\n",
             entry, (unsigned long long)(uintptr_t)sub, (unsigned long long)(uintptr_t)cb_main,
             (unsigned long long)(uintptr_t)cb_sub, (unsigned long long)(uintptr_t)victim);
    gilstuff_error *err;
    CHECK_OK(gilstuff_run_string(code, &err), err);
    mix_expect_who(NULL, "main");
    mix_expect_who(sub, "sub");
}

static void teardown(void) {
    mix_free_sub(sub);
    sub = NULL;
    mix_finalize();
}

static void pydll_main(void) {
    run_entry("main");
    CHECK(cb_main_runs == 2);
    teardown();
}

static void pydll_sub(void) {
    run_entry("sub");
    CHECK(cb_sub_runs == 2);
    teardown();
}

static void pydll_interp_new(void) {
    run_entry("interp_new");
    gilstuff_interp *made = (gilstuff_interp *)(uintptr_t)mix_eval_int(NULL, "NEW_INTERP");
    mix_expect_who(made, "new");
    mix_free_sub(made);
    teardown();
}

static void pydll_interp_free(void) {
    run_entry("interp_free");
    CHECK(gilstuff_interp_id(victim) == -1);
    teardown();
}

static void pydll_pool(void) {
    run_entry("pool");
    teardown();
}

static void pydll_objects(void) {
    run_entry("objects");
    teardown();
}

static void pydll_objects_sub(void) {
    run_entry("objects_sub");
    teardown();
}

MIX_MAIN("test_mix_foreign_gil_pydll",
         MIX_CASE(pydll_main, 20),
         MIX_CASE(pydll_sub, 20),
         MIX_CASE(pydll_interp_new, 20),
         MIX_CASE(pydll_interp_free, 20),
         MIX_CASE(pydll_pool, 20),
         MIX_CASE(pydll_objects, 20),
         MIX_CASE(pydll_objects_sub, 20))
