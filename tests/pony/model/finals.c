#include "finals.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "runtime.h"

typedef struct {
    gilstuff_object **items;
    size_t len, cap;
} list_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static list_t garbage;    /* collectable during the run */
static list_t survivors;  /* alive until exit */
static finals_stats_t stats;
static uint64_t releasing_threads;   /* bit per scheduler thread, bit 63: main */

static void push(list_t *l, gilstuff_object *obj) {
    pthread_mutex_lock(&lock);
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->items = realloc(l->items, l->cap * sizeof *l->items);
        if (!l->items)
            abort();
    }
    l->items[l->len++] = obj;
    pthread_mutex_unlock(&lock);
}

void finals_drop(gilstuff_object *obj) { push(&garbage, obj); }
void finals_drop_at_exit(gilstuff_object *obj) { push(&survivors, obj); }

/* What PyObject._final does: release, from whatever thread this is, GIL or not. */
static void run_final(gilstuff_object *obj, size_t *counter) {
    gilstuff_error *err = NULL;
    gilstuff_status st = gilstuff_object_release(obj, &err);
    int t = model_thread_index();
    pthread_mutex_lock(&lock);
    (*counter)++;
    releasing_threads |= 1ULL << (t == MODEL_PINNED_THREAD ? 63 : t);
    if (st != GILSTUFF_OK) {
        stats.failed++;
        fprintf(stdout, "release failed on thread %d: %s: %s\n", t, gilstuff_status_name(st),
                err ? gilstuff_error_message(err) : "(no error)");
    }
    pthread_mutex_unlock(&lock);
    gilstuff_error_free(err);
}

/* Now and then, a few dead objects at a time, picked in any order: Pony's GC runs
 * between behaviours and finalises what it found unreachable. */
void finals_maybe_collect(void) {
    if (model_rand() % 4)
        return;
    for (unsigned n = 1 + (unsigned)(model_rand() % 8); n > 0; n--) {
        gilstuff_object *obj = NULL;
        pthread_mutex_lock(&lock);
        if (garbage.len) {
            size_t i = (size_t)(model_rand() % garbage.len);
            obj = garbage.items[i];
            garbage.items[i] = garbage.items[--garbage.len];
        }
        pthread_mutex_unlock(&lock);
        if (!obj)
            return;
        run_final(obj, &stats.during_run);
    }
}

size_t finals_collect_all(void) {
    size_t n = 0;
    for (list_t *l = &garbage; l; l = (l == &garbage) ? &survivors : NULL) {
        for (;;) {
            pthread_mutex_lock(&lock);
            gilstuff_object *obj = l->len ? l->items[--l->len] : NULL;
            pthread_mutex_unlock(&lock);
            if (!obj)
                break;
            run_final(obj, &stats.at_exit);
            n++;
        }
        free(l->items);
        l->items = NULL;
        l->cap = 0;
    }
    return n;
}

finals_stats_t finals_stats(void) {
    pthread_mutex_lock(&lock);
    finals_stats_t s = stats;
    s.threads_used = (size_t)__builtin_popcountll(releasing_threads);
    pthread_mutex_unlock(&lock);
    return s;
}
