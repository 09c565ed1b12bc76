/*
 * Issue 10, behaviour 14: gilstuff_finalize called from a Python threading.Thread.
 * Each scenario runs in a process of its own (life.h), under a hang guard.
 *
 * Python code run through gilstuff_run_string starts a thread that loads libgilstuff with
 * ctypes.CDLL (the GIL is released around the call) and calls gilstuff_finalize, then
 * writes the status, the error's code and message into this program's memory. The host
 * thread waits for that result without being inside a gilstuff call. Checked:
 * - from_nondaemon_thread: Python's own shutdown would wait for that very thread, so
 *   finalize must not try: it returns GILSTUFF_ERR_WRONG_THREAD with a matching error
 *   and a message, within 20 s (today: a hang), and gilstuff keeps running;
 * - from_daemon_thread: a clear non-OK status with a matching error and message, within
 *   20 s, gilstuff still running.
 * In both, a later gilstuff_finalize from the host thread returns GILSTUFF_OK.
 */
#include "life.h"

#include <stdatomic.h>

static struct {
    atomic_int done;
    uint32_t status;
    uint32_t code;
    char message[256];
} result;

static void finalize_from_python_thread(bool daemon) {
    check_init_with_test_paths();
    static char code[4096];
    snprintf(code, sizeof code,
             "import ctypes, threading\n"
             "_lib = ctypes.CDLL(r'%s')\n"
             "_lib.gilstuff_finalize.argtypes = [ctypes.POINTER(ctypes.c_void_p)]\n"
             "_lib.gilstuff_finalize.restype = ctypes.c_uint32\n"
             "_lib.gilstuff_error_code.argtypes = [ctypes.c_void_p]\n"
             "_lib.gilstuff_error_code.restype = ctypes.c_uint32\n"
             "_lib.gilstuff_error_message.argtypes = [ctypes.c_void_p]\n"
             "_lib.gilstuff_error_message.restype = ctypes.c_char_p\n"
             "_lib.gilstuff_error_free.argtypes = [ctypes.c_void_p]\n"
             "_lib.gilstuff_error_free.restype = None\n"
             "def _finalize_from_thread():\n"
             "    err = ctypes.c_void_p()\n"
             "    st = _lib.gilstuff_finalize(ctypes.byref(err))\n"
             "    code, msg = 0xFFFFFFFF, b''\n"
             "    if err.value:\n"
             "        code = _lib.gilstuff_error_code(err.value)\n"
             "        msg = (_lib.gilstuff_error_message(err.value) or b'')[:255]\n"
             "        _lib.gilstuff_error_free(err.value)\n"
             "    ctypes.memmove(%lu, msg + b'\\0', len(msg) + 1)\n"
             "    ctypes.c_uint32.from_address(%lu).value = code\n"
             "    ctypes.c_uint32.from_address(%lu).value = st\n"
             "    ctypes.c_int.from_address(%lu).value = 1\n"
             "finalizer = threading.Thread(target=_finalize_from_thread, daemon=%s)\n"
             "finalizer.start()\n",
             life_lib_path(), (unsigned long)(uintptr_t)result.message, (unsigned long)(uintptr_t)&result.code,
             (unsigned long)(uintptr_t)&result.status, (unsigned long)(uintptr_t)&result.done,
             daemon ? "True" : "False");
    gilstuff_error *err;
    CHECK_OK(gilstuff_run_string(code, &err), err);

    double t0 = life_now();
    while (!atomic_load(&result.done)) {
        CHECKF(life_now() - t0 < 20.0, "gilstuff_finalize called from a %s threading.Thread did not return in 20 s",
               daemon ? "daemon" : "non-daemon");
        life_sleep_ms(10);
    }
    gilstuff_status st = result.status;
    fprintf(stderr, "finalize from a %s threading.Thread: %s after %.3f s: %s\n", daemon ? "daemon" : "non-daemon",
            gilstuff_status_name(st), life_now() - t0, result.message);
    if (daemon)
        CHECKF(st != GILSTUFF_OK, "finalize from a daemon threading.Thread returned GILSTUFF_OK");
    else
        CHECKF(st == GILSTUFF_ERR_WRONG_THREAD, "finalize from a non-daemon threading.Thread returned %s",
               gilstuff_status_name(st));
    CHECKF(result.code == st, "the error's code is %u, the status %u", result.code, st);
    CHECK(result.message[0] != '\0');

    CHECK(gilstuff_is_initialized());
    CHECK(life_eval_long(NULL, "6 * 7") == 42);
    CHECK_OK(gilstuff_run_string("finalizer.join()\n", &err), err);
    CHECK_OK(gilstuff_finalize(&err), err);
    CHECK(!gilstuff_is_initialized());
}

static void from_nondaemon_thread(void) {
    finalize_from_python_thread(false);
}

static void from_daemon_thread(void) {
    finalize_from_python_thread(true);
}

int main(int argc, char **argv) {
    static const life_scenario scenarios[] = {
        {"from_nondaemon_thread", from_nondaemon_thread, 60},
        {"from_daemon_thread", from_daemon_thread, 60},
    };
    return life_main(argc, argv, scenarios, sizeof scenarios / sizeof scenarios[0]);
}
