/* The seed scenario's one call, through the raw CPython API: thing.inc().
 * Used as a gilstuff_with_gil callback (it runs with the GIL held). */
#ifndef GILSTUFF_TESTS_THING_INC_H
#define GILSTUFF_TESTS_THING_INC_H

#include <Python.h>

#include "gilstuff.h"

static gilstuff_status thing_inc(void *unused) {
    (void)unused;
    PyObject *thing = PyImport_ImportModule("thing");
    if (!thing)
        return GILSTUFF_ERR_PYTHON;
    PyObject *r = PyObject_CallMethod(thing, "inc", NULL);
    Py_DECREF(thing);
    if (!r)
        return GILSTUFF_ERR_PYTHON;
    Py_DECREF(r);
    return GILSTUFF_OK;
}

#endif
