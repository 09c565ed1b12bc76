/*
 * Behaviour 8: errors are values, each with a specific status and a non-empty message
 * (CHECK_FAILS / CHECK_STATUS check the returned status, the error's code and message).
 * - bad gilstuff_config (size too small, unknown origin, sys_path not UTF-8) ->
 *   GILSTUFF_ERR_INVALID_ARGUMENT / GILSTUFF_ERR_INVALID_UTF8, and nothing is started;
 * - a second gilstuff_init -> GILSTUFF_ALREADY_INITIALIZED;
 * - GILSTUFF_ORIGIN_CALLER: finalize from another thread -> GILSTUFF_ERR_WRONG_THREAD and
 *   gilstuff keeps running; finalize from the init thread then works;
 * - a Python exception -> GILSTUFF_ERR_PYTHON with type name, message and traceback text,
 *   from gilstuff_run_string and from a callback; the exception is cleared afterwards;
 * - SystemExit raised by code -> GILSTUFF_ERR_PYTHON; the process goes on;
 * - NULL cb / NULL code -> GILSTUFF_ERR_NULL_POINTER naming the argument;
 * - invalid UTF-8 code -> GILSTUFF_ERR_INVALID_UTF8;
 * - finalize / thread_unregister inside a callback -> GILSTUFF_ERR_WRONG_THREAD;
 * - without_gil outside a callback (main thread, fresh thread, nested inside without_gil)
 *   -> GILSTUFF_ERR_WRONG_THREAD;
 * - a callback returning an unknown status -> GILSTUFF_ERR_UNKNOWN_STATUS, a known non-OK
 *   status -> that status;
 * - `err` is written only on failure; NULL `err` is accepted; an error can be read and
 *   freed on another thread; status names and NULL accessors.
 */
#include <Python.h>
#include <pthread.h>

#include "check.h"

/* ---- helpers run as callbacks ---- */

static gilstuff_status cb_ok(void *ran) {
    if (ran)
        *(int *)ran = 1;
    return GILSTUFF_OK;
}

static gilstuff_status cb_return(void *status) {
    return *(gilstuff_status *)status;
}

static gilstuff_status cb_set_keyerror_return_ok(void *unused) {
    (void)unused;
    PyErr_SetString(PyExc_KeyError, "missing-key");
    return GILSTUFF_OK;
}

static gilstuff_status cb_no_exception_pending(void *unused) {
    (void)unused;
    CHECK(PyErr_Occurred() == NULL);
    return GILSTUFF_OK;
}

static gilstuff_status cb_system_exit(void *unused) {
    (void)unused;
    PyErr_SetObject(PyExc_SystemExit, NULL);
    return GILSTUFF_ERR_PYTHON;
}

static gilstuff_status cb_finalize_inside(void *unused) {
    (void)unused;
    gilstuff_error *err;
    CHECK_FAILS(GILSTUFF_ERR_WRONG_THREAD, gilstuff_finalize(&err), err);
    CHECK_STR_CONTAINS(gilstuff_error_message(err), "callback");
    gilstuff_error_free(err);
    CHECK_STATUS(GILSTUFF_ERR_WRONG_THREAD, gilstuff_thread_unregister(&err), err);
    CHECK(PyGILState_Check() == 1);
    return GILSTUFF_OK;
}

static gilstuff_status cb_without_again(void *unused) {
    (void)unused;
    /* Inside without_gil this thread does not hold the GIL through gilstuff. */
    gilstuff_error *err;
    CHECK_STATUS(GILSTUFF_ERR_WRONG_THREAD, gilstuff_without_gil(cb_ok, NULL, &err), err);
    return GILSTUFF_OK;
}

static gilstuff_status cb_without_misuse(void *unused) {
    (void)unused;
    gilstuff_error *err;
    /* NULL cb inside a callback. */
    CHECK_FAILS(GILSTUFF_ERR_NULL_POINTER, gilstuff_without_gil(NULL, NULL, &err), err);
    CHECK_STR_CONTAINS(gilstuff_error_message(err), "cb");
    gilstuff_error_free(err);
    /* without_gil nested in without_gil's callback. */
    CHECK_OK(gilstuff_without_gil(cb_without_again, NULL, &err), err);
    /* The without_gil callback's unknown status. */
    gilstuff_status bogus = 999;
    CHECK_FAILS(GILSTUFF_ERR_UNKNOWN_STATUS, gilstuff_without_gil(cb_return, &bogus, &err), err);
    CHECK_STR_CONTAINS(gilstuff_error_message(err), "999");
    gilstuff_error_free(err);
    /* A known non-OK status from the without_gil callback. */
    gilstuff_status timeout_like = GILSTUFF_ERR_OVERFLOW;
    CHECK_STATUS(GILSTUFF_ERR_OVERFLOW, gilstuff_without_gil(cb_return, &timeout_like, &err), err);
    CHECK(PyGILState_Check() == 1);
    return GILSTUFF_OK;
}

/* ---- threads ---- */

static void *finalize_from_other_thread(void *unused) {
    (void)unused;
    gilstuff_error *err;
    CHECK_FAILS(GILSTUFF_ERR_WRONG_THREAD, gilstuff_finalize(&err), err);
    CHECK_STR_CONTAINS(gilstuff_error_message(err), "gilstuff_init");
    gilstuff_error_free(err);
    return NULL;
}

static void *without_gil_on_fresh_thread(void *unused) {
    (void)unused;
    gilstuff_error *err;
    CHECK_FAILS(GILSTUFF_ERR_WRONG_THREAD, gilstuff_without_gil(cb_ok, NULL, &err), err);
    CHECK_STR_CONTAINS(gilstuff_error_message(err), "gilstuff_with_gil");
    gilstuff_error_free(err);
    return NULL;
}

static void *read_and_free_error(void *e) {
    gilstuff_error *err = e;
    CHECK(gilstuff_error_code(err) == GILSTUFF_ERR_PYTHON);
    CHECK_STR_CONTAINS(gilstuff_error_python_type(err), "ZeroDivisionError");
    CHECK_STR_CONTAINS(gilstuff_error_traceback(err), "ZeroDivisionError");
    gilstuff_error_free(err);
    return NULL;
}

static void run_in_thread(void *(*fn)(void *), void *arg) {
    pthread_t t;
    CHECK(pthread_create(&t, NULL, fn, arg) == 0);
    CHECK(pthread_join(t, NULL) == 0);
}

/* ---- sections ---- */

static gilstuff_status first_unknown_status;

static void status_names_and_null_accessors(void) {
    CHECK(strcmp(gilstuff_status_name(GILSTUFF_OK), "GILSTUFF_OK") == 0);
    CHECK(strcmp(gilstuff_status_name(GILSTUFF_ERR_PYTHON), "GILSTUFF_ERR_PYTHON") == 0);
    CHECK(strcmp(gilstuff_status_name(GILSTUFF_ERR_WRONG_THREAD), "GILSTUFF_ERR_WRONG_THREAD") == 0);
    /* Every code up to GILSTUFF_ERR_PANIC (and any added after it) has its own name;
     * the first code without one marks the end. */
    gilstuff_status a = 0;
    for (; strcmp(gilstuff_status_name(a), "GILSTUFF_UNKNOWN_STATUS") != 0; a++) {
        const char *na = gilstuff_status_name(a);
        CHECKF(na && strncmp(na, "GILSTUFF_", 9) == 0, "status %u has name %s", a, na ? na : "(null)");
        for (gilstuff_status b = 0; b < a; b++)
            CHECKF(strcmp(na, gilstuff_status_name(b)) != 0, "statuses %u and %u share the name %s", a, b, na);
        CHECK(a < 1000);
    }
    CHECKF(a > GILSTUFF_ERR_PANIC, "status %u (<= GILSTUFF_ERR_PANIC) has no name", a);
    first_unknown_status = a;
    CHECK(strcmp(gilstuff_status_name(0xffffffffu), "GILSTUFF_UNKNOWN_STATUS") == 0);
    CHECK(gilstuff_error_code(NULL) == GILSTUFF_ERR_INVALID_ARGUMENT);
    CHECK(gilstuff_error_message(NULL) == NULL);
    CHECK(gilstuff_error_python_type(NULL) == NULL);
    CHECK(gilstuff_error_traceback(NULL) == NULL);
    gilstuff_error_free(NULL);
}

static void bad_configs(void) {
    gilstuff_error *err;
    gilstuff_config cfg;

    gilstuff_config_init(&cfg);
    CHECK(cfg.size == sizeof cfg);
    CHECK(cfg.origin == GILSTUFF_ORIGIN_OWNED);
    cfg.size = 0;
    CHECK_FAILS(GILSTUFF_ERR_INVALID_ARGUMENT, gilstuff_init(&cfg, &err), err);
    CHECK_STR_CONTAINS(gilstuff_error_message(err), "gilstuff_config_init");
    gilstuff_error_free(err);
    cfg.size = sizeof cfg - 1;
    CHECK_STATUS(GILSTUFF_ERR_INVALID_ARGUMENT, gilstuff_init(&cfg, &err), err);

    gilstuff_config_init(&cfg);
    cfg.origin = 7;
    CHECK_STATUS(GILSTUFF_ERR_INVALID_ARGUMENT, gilstuff_init(&cfg, &err), err);

    gilstuff_config_init(&cfg);
    cfg.sys_path = "/tmp/\xff\xfe";
    CHECK_STATUS(GILSTUFF_ERR_INVALID_UTF8, gilstuff_init(&cfg, &err), err);

    /* None of them started anything. */
    CHECK(!gilstuff_is_initialized());
    CHECK(!Py_IsInitialized());
    CHECK_STATUS(GILSTUFF_NOT_INITIALIZED, gilstuff_run_string("pass", &err), err);
}

static void caller_origin_wrong_thread(void) {
    gilstuff_error *err;
    gilstuff_config cfg;
    gilstuff_config_init(&cfg);
    cfg.origin = GILSTUFF_ORIGIN_CALLER;
    CHECK_OK(gilstuff_init(&cfg, &err), err);

    CHECK_FAILS(GILSTUFF_ALREADY_INITIALIZED, gilstuff_init(&cfg, &err), err);
    CHECK_STR_CONTAINS(gilstuff_error_message(err), "gilstuff_finalize");
    gilstuff_error_free(err);
    CHECK_STATUS(GILSTUFF_ALREADY_INITIALIZED, gilstuff_init(NULL, &err), err);

    run_in_thread(finalize_from_other_thread, NULL);
    /* Still running, from any thread. */
    CHECK(gilstuff_is_initialized());
    CHECK_OK(gilstuff_run_string("after_wrong_thread = 1", &err), err);
    /* The init thread may finalize. */
    CHECK_OK(gilstuff_finalize(&err), err);
    CHECK(!gilstuff_is_initialized());
    CHECK_STATUS(GILSTUFF_FINALIZED, gilstuff_finalize(&err), err);
}

static void python_exceptions(void) {
    gilstuff_error *err;
    CHECK_FAILS(GILSTUFF_ERR_PYTHON,
                gilstuff_run_string("def failing_function():\n"
                                    "    raise ValueError('boom ' + str(6 * 7))\n"
                                    "failing_function()\n",
                                    &err),
                err);
    CHECK(strcmp(gilstuff_error_python_type(err), "ValueError") == 0);
    CHECK_STR_CONTAINS(gilstuff_error_message(err), "boom 42");
    const char *tb = gilstuff_error_traceback(err);
    CHECK_STR_CONTAINS(tb, "Traceback (most recent call last)");
    CHECK_STR_CONTAINS(tb, "in failing_function");
    CHECK_STR_CONTAINS(tb, "ValueError: boom 42");
    gilstuff_error_free(err);
    /* The exception was cleared: the next call starts clean. */
    CHECK_OK(gilstuff_with_gil(cb_no_exception_pending, NULL, &err), err);

    /* A class defined in __main__. */
    CHECK_FAILS(GILSTUFF_ERR_PYTHON,
                gilstuff_run_string("class MyError(Exception):\n    pass\nraise MyError('mine')\n", &err), err);
    CHECK_STR_CONTAINS(gilstuff_error_python_type(err), "MyError");
    CHECK_STR_CONTAINS(gilstuff_error_message(err), "mine");
    gilstuff_error_free(err);

    /* An exception left set by a callback that returned OK. */
    CHECK_FAILS(GILSTUFF_ERR_PYTHON, gilstuff_with_gil(cb_set_keyerror_return_ok, NULL, &err), err);
    CHECK(strcmp(gilstuff_error_python_type(err), "KeyError") == 0);
    CHECK_STR_CONTAINS(gilstuff_error_message(err), "missing-key");
    CHECK(gilstuff_error_traceback(err) != NULL);
    gilstuff_error_free(err);
    CHECK_OK(gilstuff_with_gil(cb_no_exception_pending, NULL, &err), err);

    /* A syntax error. */
    CHECK_FAILS(GILSTUFF_ERR_PYTHON, gilstuff_run_string("def (:", &err), err);
    CHECK(strcmp(gilstuff_error_python_type(err), "SyntaxError") == 0);
    gilstuff_error_free(err);

    /* Non-Python errors carry no Python type or traceback. */
    CHECK_FAILS(GILSTUFF_ERR_NULL_POINTER, gilstuff_run_string(NULL, &err), err);
    CHECK(gilstuff_error_python_type(err) == NULL);
    CHECK(gilstuff_error_traceback(err) == NULL);
    CHECK_STR_CONTAINS(gilstuff_error_message(err), "code");
    gilstuff_error_free(err);

    /* An error read and freed on another thread. */
    CHECK_FAILS(GILSTUFF_ERR_PYTHON, gilstuff_run_string("1 / 0", &err), err);
    run_in_thread(read_and_free_error, err);
    err = NULL;
}

static void system_exit(void) {
    gilstuff_error *err;
    CHECK_FAILS(GILSTUFF_ERR_PYTHON, gilstuff_run_string("raise SystemExit(3)", &err), err);
    CHECK(strcmp(gilstuff_error_python_type(err), "SystemExit") == 0);
    gilstuff_error_free(err);
    CHECK_FAILS(GILSTUFF_ERR_PYTHON, gilstuff_run_string("import sys\nsys.exit('bye')", &err), err);
    CHECK(strcmp(gilstuff_error_python_type(err), "SystemExit") == 0);
    CHECK_STR_CONTAINS(gilstuff_error_message(err), "bye");
    gilstuff_error_free(err);
    CHECK_FAILS(GILSTUFF_ERR_PYTHON, gilstuff_with_gil(cb_system_exit, NULL, &err), err);
    CHECK(strcmp(gilstuff_error_python_type(err), "SystemExit") == 0);
    gilstuff_error_free(err);
    /* Still here, and Python still works. */
    CHECK(gilstuff_is_initialized());
    CHECK_OK(gilstuff_run_string("still_alive = True", &err), err);
}

static void argument_errors(void) {
    gilstuff_error *err;
    CHECK_FAILS(GILSTUFF_ERR_NULL_POINTER, gilstuff_with_gil(NULL, NULL, &err), err);
    CHECK_STR_CONTAINS(gilstuff_error_message(err), "cb");
    gilstuff_error_free(err);
    CHECK_STATUS(GILSTUFF_ERR_NULL_POINTER, gilstuff_run_string(NULL, &err), err);

    CHECK_FAILS(GILSTUFF_ERR_INVALID_UTF8, gilstuff_run_string("x = '\xff\xfe'", &err), err);
    CHECK_STR_CONTAINS(gilstuff_error_message(err), "UTF-8");
    gilstuff_error_free(err);
    /* A truncated multi-byte sequence at the end. */
    CHECK_STATUS(GILSTUFF_ERR_INVALID_UTF8, gilstuff_run_string("x = 1 # \xe2\x82", &err), err);
    /* Valid non-ASCII UTF-8 is fine. */
    CHECK_OK(gilstuff_run_string("euro = '\xe2\x82\xac'\nassert len(euro) == 1", &err), err);

    /* A NULL err is accepted: only the status comes back. */
    CHECK(gilstuff_run_string("1/0", NULL) == GILSTUFF_ERR_PYTHON);
    CHECK(gilstuff_with_gil(NULL, NULL, NULL) == GILSTUFF_ERR_NULL_POINTER);
    CHECK(gilstuff_init(NULL, NULL) == GILSTUFF_ALREADY_INITIALIZED);

    /* `err` is written only on failure. */
    static char sentinel_storage;
    gilstuff_error *sentinel = (gilstuff_error *)(void *)&sentinel_storage;
    err = sentinel;
    CHECK(gilstuff_run_string("ok_value = 1", &err) == GILSTUFF_OK);
    CHECK(err == sentinel);
    int ran = 0;
    CHECK(gilstuff_with_gil(cb_ok, &ran, &err) == GILSTUFF_OK);
    CHECK(err == sentinel && ran);
    err = NULL;
}

static void wrong_thread_and_statuses(void) {
    gilstuff_error *err;
    /* finalize / unregister inside a callback; gilstuff still runs afterwards. */
    CHECK_OK(gilstuff_with_gil(cb_finalize_inside, NULL, &err), err);
    CHECK(gilstuff_is_initialized());

    /* without_gil outside any callback. */
    CHECK_FAILS(GILSTUFF_ERR_WRONG_THREAD, gilstuff_without_gil(cb_ok, NULL, &err), err);
    CHECK_STR_CONTAINS(gilstuff_error_message(err), "gilstuff_with_gil");
    gilstuff_error_free(err);
    run_in_thread(without_gil_on_fresh_thread, NULL);
    CHECK_OK(gilstuff_with_gil(cb_without_misuse, NULL, &err), err);

    /* Callback statuses. */
    gilstuff_status st = 12345;
    CHECK_FAILS(GILSTUFF_ERR_UNKNOWN_STATUS, gilstuff_with_gil(cb_return, &st, &err), err);
    CHECK_STR_CONTAINS(gilstuff_error_message(err), "12345");
    CHECK(gilstuff_error_python_type(err) == NULL);
    gilstuff_error_free(err);
    st = first_unknown_status;
    CHECK_STATUS(GILSTUFF_ERR_UNKNOWN_STATUS, gilstuff_with_gil(cb_return, &st, &err), err);
    st = GILSTUFF_ERR_TYPE;
    CHECK_FAILS(GILSTUFF_ERR_TYPE, gilstuff_with_gil(cb_return, &st, &err), err);
    CHECK_STR_CONTAINS(gilstuff_error_message(err), "GILSTUFF_ERR_TYPE");
    gilstuff_error_free(err);
    /* GILSTUFF_ERR_PYTHON returned without an exception set. */
    st = GILSTUFF_ERR_PYTHON;
    CHECK_STATUS(GILSTUFF_ERR_PYTHON, gilstuff_with_gil(cb_return, &st, &err), err);
}

int main(void) {
    check_hang_guard(60);
    gilstuff_error *err;

    status_names_and_null_accessors();
    bad_configs();
    caller_origin_wrong_thread();

    /* Owned origin for the rest (also a re-init after a caller-origin finalize). */
    CHECK_OK(gilstuff_init(NULL, &err), err);
    CHECK_STATUS(GILSTUFF_ALREADY_INITIALIZED, gilstuff_init(NULL, &err), err);
    python_exceptions();
    system_exit();
    argument_errors();
    wrong_thread_and_statuses();

    CHECK_OK(gilstuff_finalize(&err), err);
    CHECK_STATUS(GILSTUFF_FINALIZED, gilstuff_finalize(&err), err);
    printf("ok test_errors\n");
    return 0;
}
