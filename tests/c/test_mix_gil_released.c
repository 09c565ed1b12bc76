/*
 * Issue 10, behaviour 2: gilstuff calls nested inside an outer gilstuff call after Python
 * or host code released the GIL, and gilstuff_object_release there.
 *
 * Each case is its own process (tests/c/mix.h):
 * - cdll_reentry_run_string: gilstuff_run_string of the one-liner: Python code
 *   loads the library with ctypes.CDLL (which releases the GIL around each foreign call)
 *   and calls gilstuff_run_string(b'y = 1', None): status 0, y == 1 in main.
 * - cdll_reentry_pthread: the same from a pthread, through gilstuff_exec and from
 *   PyRun_SimpleString inside a gilstuff_with_gil callback; the re-entered calls also
 *   enter a sub-interpreter and come back with WHO == 'main'.
 * - cdll_reentry_from_sub: Python code run in a (legacy, shared-GIL) sub-interpreter by
 *   gilstuff_exec re-enters through ctypes.CDLL: a main call (sees WHO == 'main') and a
 *   call into that same sub-interpreter; the sub's code goes on in the sub afterwards.
 * - allow_threads_in_with_gil: a with_gil callback does PyEval_SaveThread (what
 *   Py_BEGIN_ALLOW_THREADS does), then gilstuff calls (run_string, eval in main,
 *   with_gil, with_interp(sub), exec in sub) which work, run where they should and leave
 *   no thread state attached; PyEval_RestoreThread gives back the callback's own thread
 *   state, in main.
 * - allow_threads_in_with_interp: the same inside a with_interp(sub) callback; after the
 *   restore the callback is in the sub again.
 * - release_no_gil_in_callback: gilstuff_object_release, in a with_gil callback after
 *   PyEval_SaveThread, of a main object whose __del__ appends to a list: returns OK; the
 *   list is unchanged after PyEval_RestoreThread and until the callback returns, and
 *   changed by the next gilstuff entry into main.
 * - release_no_gil_cdll: the same release made by Python code through ctypes.CDLL: the
 *   list is unchanged when the call returns, changed by the next entry.
 */
#include <Python.h>

#include "check.h"
#include "mix.h"

static gilstuff_interp *sub;

static gilstuff_status cb_expect_main(void *unused) {
    (void)unused;
    mix_expect_current_is_main(true);
    mix_expect_current_who("main");
    return GILSTUFF_OK;
}

static gilstuff_status cb_expect_sub(void *unused) {
    (void)unused;
    mix_expect_current_is_main(false);
    mix_expect_current_who("sub");
    return GILSTUFF_OK;
}

static void setup(void) {
    mix_init();
    mix_set_who(NULL, "main");
    sub = mix_new_sub("sub");
}

static void teardown(void) {
    mix_free_sub(sub);
    sub = NULL;
    mix_finalize();
}

/* ------------------------------------------------------------------ ctypes.CDLL re-entry */

/* The line, with the status checked. */
static const char *const ONE_LINER =
    "import ctypes, os\n"
    "st = ctypes.CDLL(os.environ['GILSTUFF_LIB']).gilstuff_run_string(b'y = 1', None)\n"
    "assert st == 0, 'nested gilstuff_run_string returned %d' % st\n";

static void cdll_reentry_run_string(void) {
    setup();
    gilstuff_error *err;
    CHECK_OK(gilstuff_run_string(ONE_LINER, &err), err);
    CHECK(mix_eval_int(NULL, "y") == 1);
    mix_expect_who(NULL, "main");
    teardown();
}

/* Re-entered calls that also enter the sub-interpreter and come back to main. */
static const char *reentry_with_sub_code(char *buf, size_t cap) {
    snprintf(buf, cap,
             "import ctypes, mixlib\n"
             "lib = mixlib.Lib('cdll')\n"
             "sub = ctypes.c_void_p(%llu)\n"
             "lib.ok('gilstuff_run_string', b'y2 = WHO')\n"
             "assert lib.who(sub) == 'sub', lib.who(sub)\n"
             "assert lib.who(None) == 'main', lib.who(None)\n"
             "lib.ok('gilstuff_exec', sub, b'in_sub = 1', None)\n"
             "assert lib.who(None) == 'main', lib.who(None)\n"
             "mixlib.expect_here('main', 'after the re-entered calls')\n",
             (unsigned long long)(uintptr_t)sub);
    return buf;
}

static gilstuff_status cb_pyrun_reentry(void *code) {
    CHECK(PyRun_SimpleString((const char *)code) == 0);
    mix_expect_current_is_main(true);
    mix_expect_current_who("main");
    return GILSTUFF_OK;
}

static void *thread_cdll_reentry(void *unused) {
    (void)unused;
    gilstuff_error *err;
    char code[1024];
    CHECK_OK(gilstuff_exec(NULL, ONE_LINER, NULL, &err), err);
    CHECK(mix_eval_int(NULL, "y") == 1);
    CHECK_OK(gilstuff_exec(NULL, reentry_with_sub_code(code, sizeof code), NULL, &err), err);
    CHECK_OK(gilstuff_with_gil(cb_pyrun_reentry, (void *)ONE_LINER, &err), err);
    CHECK_OK(gilstuff_with_gil(cb_pyrun_reentry, code, &err), err);
    char buf[64];
    CHECK(strcmp(mix_eval_str(NULL, "y2", buf, sizeof buf), "main") == 0);
    CHECK(mix_eval_int(sub, "in_sub") == 1);
    return NULL;
}

static void cdll_reentry_pthread(void) {
    setup();
    mix_thread_join(mix_thread_start(thread_cdll_reentry, NULL));
    teardown();
}

static void cdll_reentry_from_sub(void) {
    setup();
    gilstuff_interp *leg = mix_new_legacy_sub("legacy");
    char code[1024];
    snprintf(code, sizeof code,
             "import ctypes, os, sys\n"
             "assert WHO == 'legacy'\n"
             "lib = ctypes.CDLL(os.environ['GILSTUFF_LIB'])\n"
             "lib.gilstuff_exec.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p]\n"
             "st = lib.gilstuff_run_string(b'from_legacy_sub = WHO', None)\n"
             "assert st == 0, 'gilstuff_run_string from the sub returned %%d' %% st\n"
             "assert WHO == 'legacy', 'after a main call the sub code runs where WHO = %%r' %% WHO\n"
             "st = lib.gilstuff_exec(ctypes.c_void_p(%llu), b'reentered = WHO', None, None)\n"
             "assert st == 0, 'gilstuff_exec into this sub returned %%d' %% st\n"
             "assert reentered == 'legacy', reentered\n",
             (unsigned long long)(uintptr_t)leg);
    gilstuff_error *err;
    CHECK_OK(gilstuff_exec(leg, code, NULL, &err), err);
    char buf[64];
    CHECK(strcmp(mix_eval_str(NULL, "from_legacy_sub", buf, sizeof buf), "main") == 0);
    CHECK(mix_eval_int(leg, "'from_legacy_sub' in globals()") == 0);
    mix_expect_who(leg, "legacy");
    mix_free_sub(leg);
    teardown();
}

/* ------------------------------------------------------------------ Py_BEGIN_ALLOW_THREADS */

/* With no thread state attached (the caller released it): gilstuff calls work and leave
 * nothing attached. */
static void calls_without_thread_state(void) {
    gilstuff_error *err;
    CHECK(PyThreadState_GetUnchecked() == NULL);
    CHECK_OK(gilstuff_run_string("z = WHO", &err), err);
    CHECK(PyThreadState_GetUnchecked() == NULL);
    mix_expect_who(NULL, "main");
    CHECK(PyThreadState_GetUnchecked() == NULL);
    CHECK_OK(gilstuff_with_gil(cb_expect_main, NULL, &err), err);
    CHECK(PyThreadState_GetUnchecked() == NULL);
    CHECK_OK(gilstuff_with_interp(sub, cb_expect_sub, NULL, &err), err);
    CHECK(PyThreadState_GetUnchecked() == NULL);
    mix_exec(sub, "zz = WHO");
    mix_expect_who(sub, "sub");
    mix_expect_who(NULL, "main");
    CHECK(PyThreadState_GetUnchecked() == NULL);
}

static gilstuff_status cb_allow_threads(void *expect_main) {
    PyThreadState *mine = PyThreadState_Get();
    PyThreadState *saved = PyEval_SaveThread(); /* Py_BEGIN_ALLOW_THREADS */
    CHECK(saved == mine);
    calls_without_thread_state();
    PyEval_RestoreThread(saved); /* Py_END_ALLOW_THREADS */
    CHECK(PyThreadState_Get() == mine);
    if (expect_main) {
        mix_expect_current_is_main(true);
        mix_expect_current_who("main");
    } else {
        mix_expect_current_is_main(false);
        mix_expect_current_who("sub");
    }
    return GILSTUFF_OK;
}

static void *thread_allow_threads(void *in_sub) {
    gilstuff_error *err;
    for (int i = 0; i < 3; i++) {
        if (in_sub)
            CHECK_OK(gilstuff_with_interp(sub, cb_allow_threads, NULL, &err), err);
        else
            CHECK_OK(gilstuff_with_gil(cb_allow_threads, (void *)1, &err), err);
        char buf[64];
        CHECK(strcmp(mix_eval_str(NULL, "z", buf, sizeof buf), "main") == 0);
        CHECK(strcmp(mix_eval_str(sub, "zz", buf, sizeof buf), "sub") == 0);
    }
    return NULL;
}

static void allow_threads_in_with_gil(void) {
    setup();
    thread_allow_threads(NULL);
    mix_thread_join(mix_thread_start(thread_allow_threads, NULL));
    teardown();
}

static void allow_threads_in_with_interp(void) {
    setup();
    thread_allow_threads((void *)1);
    mix_thread_join(mix_thread_start(thread_allow_threads, (void *)1));
    teardown();
}

/* ------------------------------------------------------------------ release without the GIL */

static const char *const DELS_CLASS =
    "dels = []\n"
    "class Tracked:\n"
    "    def __del__(self):\n"
    "        dels.append(1)\n";

/* len(dels) read with the raw C API (a GIL held, in main). */
static long raw_dels_len(void) {
    PyObject *d = mix_main_attr("dels");
    CHECK(d != NULL && PyList_Check(d));
    long n = (long)PyList_GET_SIZE(d);
    Py_DECREF(d);
    return n;
}

static gilstuff_status cb_release_without_gil(void *obj) {
    CHECK(raw_dels_len() == 0);
    PyThreadState *saved = PyEval_SaveThread();
    gilstuff_error *err;
    CHECK_OK(gilstuff_object_release((gilstuff_object *)obj, &err), err);
    CHECK(PyThreadState_GetUnchecked() == NULL);
    PyEval_RestoreThread(saved);
    CHECKF(raw_dels_len() == 0, "the reference was dropped (its __del__ ran) during gilstuff_object_release "
                                "made without the GIL");
    /* More Python in this callback: still not a new gilstuff entry. */
    CHECK(PyRun_SimpleString("import gc\ngc.collect()\n") == 0);
    CHECKF(raw_dels_len() == 0, "the queued decref was applied before the next gilstuff entry");
    return GILSTUFF_OK;
}

static void *thread_release_without_gil(void *unused) {
    (void)unused;
    gilstuff_error *err;
    for (int i = 0; i < 3; i++) {
        mix_exec(NULL, "dels.clear()");
        gilstuff_object *o = NULL;
        CHECK_OK(gilstuff_eval(NULL, "Tracked()", NULL, &o, &err), err);
        CHECK_OK(gilstuff_with_gil(cb_release_without_gil, o, &err), err);
        CHECKF(mix_eval_int(NULL, "len(dels)") == 1, "the next entry into main did not apply the queued decref");
        CHECK_STATUS(GILSTUFF_ERR_INVALID_HANDLE, gilstuff_object_release(o, &err), err);
    }
    return NULL;
}

static void release_no_gil_in_callback(void) {
    setup();
    mix_exec(NULL, DELS_CLASS);
    thread_release_without_gil(NULL);
    mix_thread_join(mix_thread_start(thread_release_without_gil, NULL));
    teardown();
}

static void release_no_gil_cdll(void) {
    setup();
    mix_exec(NULL, DELS_CLASS);
    gilstuff_error *err;
    for (int i = 0; i < 3; i++) {
        mix_exec(NULL, "dels.clear()");
        gilstuff_object *o = NULL;
        CHECK_OK(gilstuff_eval(NULL, "Tracked()", NULL, &o, &err), err);
        char code[512];
        snprintf(code, sizeof code,
                 "import ctypes, os\n"
                 "lib = ctypes.CDLL(os.environ['GILSTUFF_LIB'])\n"
                 "lib.gilstuff_object_release.argtypes = [ctypes.c_void_p, ctypes.c_void_p]\n"
                 "st = lib.gilstuff_object_release(ctypes.c_void_p(%llu), None)\n"
                 "assert st == 0, 'gilstuff_object_release through ctypes.CDLL returned %%d' %% st\n"
                 "assert dels == [], 'the reference was dropped during a release made without the GIL'\n",
                 (unsigned long long)(uintptr_t)o);
        CHECK_OK(gilstuff_run_string(code, &err), err);
        CHECKF(mix_eval_int(NULL, "len(dels)") == 1, "the next entry into main did not apply the queued decref");
    }
    teardown();
}

MIX_MAIN("test_mix_gil_released",
         MIX_CASE(cdll_reentry_run_string, 20),
         MIX_CASE(cdll_reentry_pthread, 20),
         MIX_CASE(cdll_reentry_from_sub, 20),
         MIX_CASE(allow_threads_in_with_gil, 20),
         MIX_CASE(allow_threads_in_with_interp, 20),
         MIX_CASE(release_no_gil_in_callback, 20),
         MIX_CASE(release_no_gil_cdll, 20))
