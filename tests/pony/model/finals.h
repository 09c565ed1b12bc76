/* `_final` in the model: a behaviour that drops a PyObject hands its handle here; a
 * random scheduler thread releases it later (during the run), and what is left is
 * released on the main thread after the scheduler has stopped, after finalize, the way
 * Pony runs the finalisers of objects still alive at exit. */
#ifndef MODEL_FINALS_H
#define MODEL_FINALS_H

#include <stddef.h>

#include "gilstuff.h"

void finals_drop(gilstuff_object *obj);          /* collected later, on some thread */
void finals_drop_at_exit(gilstuff_object *obj);  /* only by the exit pass */
void finals_maybe_collect(void);                 /* a scheduler thread's GC moment */
/* Releases everything left on the calling thread; returns how many. */
size_t finals_collect_all(void);

typedef struct {
    size_t during_run;          /* released by scheduler threads */
    size_t at_exit;             /* released by finals_collect_all */
    size_t failed;              /* a release that did not return GILSTUFF_OK */
    size_t threads_used;        /* distinct threads that released */
} finals_stats_t;
finals_stats_t finals_stats(void);

#endif
