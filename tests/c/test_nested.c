/*
 * Behaviour 4: nested gilstuff calls on one thread.
 * - gilstuff_with_gil inside a gilstuff_with_gil callback (3 levels deep, plus
 *   gilstuff_run_string at the innermost level) runs directly: no deadlock (a hang guard
 *   ends the test if it hangs), and every level runs Python with the same thread state.
 * - PyGILState_Check() is 1 in every callback and 0 on the same thread outside calls.
 * - PyGILState_Ensure/Release inside a callback work: Ensure reports the GIL as already
 *   held (PyGILState_LOCKED), keeps the thread's gilstuff thread state (it is the
 *   thread's PyGILState state), Python runs in between, and after Release the GIL is
 *   still held with the same thread state.
 * - A nested call's error is returned by the nested call and does not break the outer one.
 * - A host thread that entered Python with its own PyGILState_Ensure can make gilstuff
 *   calls inside that (no deadlock), and they run with the host's thread state.
 * Run on the main thread and on pthreads (two at once, so the GIL is contended).
 */
#include <Python.h>
#include <pthread.h>

#include "check.h"

#define DEPTH 3

typedef struct {
    int level;
    PyThreadState *outer_ts;
    int deepest;
} nest_t;

static long get_main_int(const char *name) {
    PyObject *main = PyImport_AddModule("__main__");
    CHECK(main != NULL);
    PyObject *v = PyObject_GetAttrString(main, name);
    CHECK(v != NULL);
    long r = PyLong_AsLong(v);
    Py_DECREF(v);
    return r;
}

static gilstuff_status cb_raise(void *unused) {
    (void)unused;
    PyErr_SetString(PyExc_RuntimeError, "inner failure");
    return GILSTUFF_ERR_PYTHON;
}

static gilstuff_status cb_nest(void *arg) {
    nest_t *n = arg;
    gilstuff_error *err;
    CHECK(PyGILState_Check() == 1);
    PyThreadState *ts = PyThreadState_Get();
    if (n->level == 0)
        n->outer_ts = ts;
    CHECKF(ts == n->outer_ts, "level %d runs with another thread state", n->level);

    /* Python runs at this level. */
    PyObject *r = PyRun_String("sum(range(10))", Py_eval_input, PyEval_GetBuiltins(), NULL);
    CHECK(r != NULL && PyLong_AsLong(r) == 45);
    Py_DECREF(r);

    /* PyGILState_Ensure/Release inside the callback. */
    PyGILState_STATE g = PyGILState_Ensure();
    CHECK(g == PyGILState_LOCKED);
    CHECK(PyThreadState_Get() == ts);
    CHECK(PyGILState_GetThisThreadState() == ts);
    r = PyRun_String("len('abc')", Py_eval_input, PyEval_GetBuiltins(), NULL);
    CHECK(r != NULL && PyLong_AsLong(r) == 3);
    Py_DECREF(r);
    PyGILState_Release(g);
    CHECK(PyGILState_Check() == 1);
    CHECK(PyThreadState_Get() == ts);

    if (n->level + 1 < DEPTH) {
        n->level++;
        CHECK_OK(gilstuff_with_gil(cb_nest, n, &err), err);
        n->level--;
        CHECK(PyThreadState_Get() == ts);
    } else {
        n->deepest = 1;
        /* gilstuff_run_string nested at the deepest level. */
        char code[128];
        snprintf(code, sizeof code, "nested_%lu = 7 * 6", (unsigned long)pthread_self());
        CHECK_OK(gilstuff_run_string(code, &err), err);
        char name[64];
        snprintf(name, sizeof name, "nested_%lu", (unsigned long)pthread_self());
        CHECK(get_main_int(name) == 42);
        /* A failing nested call reports its error; we still hold the GIL afterwards. */
        CHECK_STATUS(GILSTUFF_ERR_PYTHON, gilstuff_with_gil(cb_raise, NULL, &err), err);
        CHECK(PyErr_Occurred() == NULL);
        CHECK(PyGILState_Check() == 1);
        CHECK_STATUS(GILSTUFF_ERR_PYTHON, gilstuff_run_string("1/0", &err), err);
        CHECK(PyGILState_Check() == 1);
    }
    CHECK(PyGILState_Check() == 1);
    return GILSTUFF_OK;
}

static gilstuff_status cb_host_ts(void *host_ts) {
    CHECK(PyGILState_Check() == 1);
    CHECK(PyThreadState_Get() == (PyThreadState *)host_ts);
    nest_t n = {0};
    gilstuff_error *err;
    CHECK_OK(gilstuff_with_gil(cb_nest, &n, &err), err);
    CHECK(n.deepest == 1);
    return GILSTUFF_OK;
}

static void nested_round(void) {
    for (int i = 0; i < 20; i++) {
        nest_t n = {0};
        gilstuff_error *err;
        CHECK_OK(gilstuff_with_gil(cb_nest, &n, &err), err);
        CHECK(n.deepest == 1 && n.level == 0);
        /* Outside any call: this thread does not hold the GIL. */
        CHECK(PyGILState_Check() == 0);
    }
}

static void *worker(void *unused) {
    (void)unused;
    nested_round();
    return NULL;
}

/* A thread Python has never seen enters with its own PyGILState_Ensure first. */
static void *host_ensure_worker(void *unused) {
    (void)unused;
    for (int i = 0; i < 5; i++) {
        PyGILState_STATE g = PyGILState_Ensure();
        PyThreadState *ts = PyThreadState_Get();
        gilstuff_error *err;
        CHECK_OK(gilstuff_with_gil(cb_host_ts, ts, &err), err);
        CHECK(PyGILState_Check() == 1);
        CHECK(PyThreadState_Get() == ts);
        PyGILState_Release(g);
        /* And plain gilstuff calls from this thread afterwards. */
        nested_round();
    }
    return NULL;
}

int main(void) {
    check_hang_guard(60);
    gilstuff_error *err;
    CHECK_OK(gilstuff_init(NULL, &err), err);

    nested_round();

    pthread_t a, b, c;
    CHECK(pthread_create(&a, NULL, worker, NULL) == 0);
    CHECK(pthread_create(&b, NULL, worker, NULL) == 0);
    CHECK(pthread_create(&c, NULL, host_ensure_worker, NULL) == 0);
    CHECK(pthread_join(a, NULL) == 0);
    CHECK(pthread_join(b, NULL) == 0);
    CHECK(pthread_join(c, NULL) == 0);

    nested_round();
    CHECK_OK(gilstuff_finalize(&err), err);
    printf("ok test_nested\n");
    return 0;
}
