/*
 * The threaded-counter Pony example (examples/pony/threaded-counter/main.pony) played
 * on the runtime model: Main initialises Python, M Incrementer actors each call
 * thing.inc 1,000 times, one behaviour per call, through the handle API exactly as the
 * Pony package's PyObject does; a pinned Observer on the main thread calls thing.get
 * now and then; the last behaviours read the total and finalize, on whichever
 * scheduler thread runs them; dropped handles are released like `_final` would.
 *
 *   counter_scenario THREADS ACTORS SEED THING_DIR
 *
 * Prints one summary line; exits 0 only if every check holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finals.h"
#include "gilstuff.h"
#include "runtime.h"

#define CALLS_PER_ACTOR 1000
#define OBSERVE_EVERY 100

typedef struct {
    actor_t *self, *observer;
    actor_t **incrementers;
    int actors, remaining;
    const char *thing_dir;
    gilstuff_object *thing, *inc, *x;
    long total;
    int finalize_thread;
    gilstuff_status finalize_status;
} main_state_t;

typedef struct {
    main_state_t *main;
    gilstuff_object *inc;   /* this actor's own reference (a clone of Main's) */
    int left;
} incrementer_t;

typedef struct {
    actor_t *main;
    long ok, late;          /* late: the call came after finalize began */
} observer_t;

static long failures;

/* Every gilstuff call of a behaviour goes through here: a failure is a test failure. */
static int expect_ok(const char *what, gilstuff_status st, gilstuff_error *err) {
    if (st == GILSTUFF_OK)
        return 1;
    __atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
    printf("%s failed on thread %d: %s: %s\n", what, model_thread_index(),
           gilstuff_status_name(st), err ? gilstuff_error_message(err) : "(no error)");
    gilstuff_error_free(err);
    return 0;
}

static void main_done(actor_t *self, intptr_t arg);
static void main_read_x(actor_t *self, intptr_t arg);
static void main_to_int(actor_t *self, intptr_t arg);
static void main_finalize(actor_t *self, intptr_t arg);
static void observer_last(actor_t *self, intptr_t arg);
static void inc_step(actor_t *self, intptr_t arg);

/* Observer (pinned to the main thread): `thing.get()` through gilstuff_eval. It may
 * run after Main has finalized, as a Pony behaviour may: that must be a status, not a
 * crash or a hang. */
static void observer_observe(actor_t *self, intptr_t arg) {
    (void)arg;
    observer_t *o = self->state;
    gilstuff_object *out = NULL;
    gilstuff_error *err = NULL;
    gilstuff_status st = gilstuff_eval(NULL, "__import__('thing').get()", NULL, &out, &err);
    if (st == GILSTUFF_FINALIZING || st == GILSTUFF_FINALIZED) {
        o->late++;
        gilstuff_error_free(err);
    } else if (expect_ok("observer: eval thing.get()", st, err)) {
        o->ok++;
        finals_drop(out);
    }
}

/* The observer's last look before finalize (its mailbox is FIFO, so every earlier
 * observation ran before it): at least one observation sees a running Python however
 * the scheduler ordered the rest. Then it lets Main finalize. */
static void observer_last(actor_t *self, intptr_t arg) {
    (void)arg;
    observer_t *o = self->state;
    observer_observe(self, 0);
    send(o->main, main_finalize, 0);
}

static void inc_clone(actor_t *self, intptr_t arg) {
    (void)arg;
    incrementer_t *s = self->state;
    gilstuff_error *err = NULL;
    if (expect_ok("incrementer: clone inc", gilstuff_object_clone(s->main->inc, &s->inc, &err), err))
        send(self, inc_step, 0);
    else
        send(s->main->self, main_done, 0);
}

static void inc_step(actor_t *self, intptr_t arg) {
    (void)arg;
    incrementer_t *s = self->state;
    gilstuff_object *out = NULL;
    gilstuff_error *err = NULL;
    if (!expect_ok("incrementer: call inc", gilstuff_call(s->inc, NULL, 0, NULL, &out, &err), err)) {
        finals_drop(s->inc);
        send(s->main->self, main_done, 0);
        return;
    }
    /* Most results die young (collected during the run), some live until exit. */
    if (model_rand() % 16)
        finals_drop(out);
    else
        finals_drop_at_exit(out);
    s->left--;
    if (s->left % OBSERVE_EVERY == 0)
        send(s->main->observer, observer_observe, 0);
    if (s->left > 0) {
        send(self, inc_step, 0);
    } else {
        finals_drop(s->inc);
        send(s->main->self, main_done, 0);
    }
}

static void main_getattr(actor_t *self, intptr_t arg) {
    (void)arg;
    main_state_t *m = self->state;
    gilstuff_error *err = NULL;
    if (!expect_ok("main: getattr inc", gilstuff_getattr(m->thing, "inc", &m->inc, &err), err))
        return;
    m->incrementers = calloc((size_t)m->actors, sizeof *m->incrementers);
    for (int i = 0; i < m->actors; i++) {
        incrementer_t *s = calloc(1, sizeof *s);
        s->main = m;
        s->left = CALLS_PER_ACTOR;
        m->incrementers[i] = actor_new(s, false);
        send(m->incrementers[i], inc_clone, 0);
    }
}

static void main_import(actor_t *self, intptr_t arg) {
    (void)arg;
    main_state_t *m = self->state;
    gilstuff_error *err = NULL;
    if (expect_ok("main: import thing", gilstuff_import(NULL, "thing", &m->thing, &err), err))
        send(self, main_getattr, 0);
}

static void main_create(actor_t *self, intptr_t arg) {
    (void)arg;
    main_state_t *m = self->state;
    gilstuff_config cfg;
    gilstuff_config_init(&cfg);
    cfg.sys_path = m->thing_dir;
    gilstuff_error *err = NULL;
    if (expect_ok("main: init", gilstuff_init(&cfg, &err), err))
        send(self, main_import, 0);
}

static void main_done(actor_t *self, intptr_t arg) {
    (void)arg;
    main_state_t *m = self->state;
    if (--m->remaining == 0)
        send(self, main_read_x, 0);
}

static void main_read_x(actor_t *self, intptr_t arg) {
    (void)arg;
    main_state_t *m = self->state;
    gilstuff_error *err = NULL;
    if (expect_ok("main: getattr x", gilstuff_getattr(m->thing, "x", &m->x, &err), err))
        send(self, main_to_int, 0);
}

static void main_to_int(actor_t *self, intptr_t arg) {
    (void)arg;
    main_state_t *m = self->state;
    gilstuff_error *err = NULL;
    int64_t v = -1;
    if (expect_ok("main: to_int x", gilstuff_to_int(m->x, &v, &err), err))
        m->total = (long)v;
    finals_drop(m->x);
    send(m->observer, observer_last, 0);
}

/* The last behaviour: finalize from whichever scheduler thread runs it. Main's own
 * PyObjects (thing, inc) stay alive until the program exits, as Main's fields do. */
static void main_finalize(actor_t *self, intptr_t arg) {
    (void)arg;
    main_state_t *m = self->state;
    gilstuff_error *err = NULL;
    m->finalize_thread = model_thread_index();
    m->finalize_status = gilstuff_finalize(&err);
    expect_ok("main: finalize", m->finalize_status, err);
    /* A behaviour that runs after finalize gets a status, not a crash or a hang. */
    send(m->observer, observer_observe, 0);
    finals_drop_at_exit(m->thing);
    finals_drop_at_exit(m->inc);
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s THREADS ACTORS SEED THING_DIR\n", argv[0]);
        return 2;
    }
    int threads = atoi(argv[1]);
    main_state_t m = {0};
    m.actors = m.remaining = atoi(argv[2]);
    m.thing_dir = argv[4];
    m.total = -1;
    m.finalize_thread = -1;
    m.finalize_status = GILSTUFF_ERR_PANIC;
    if (m.actors < 1) {
        fprintf(stderr, "ACTORS must be at least 1\n");
        return 2;
    }
    model_start(threads, strtoull(argv[3], NULL, 10));
    observer_t obs = {0};
    m.observer = actor_new(&obs, true);
    m.self = actor_new(&m, false);
    obs.main = m.self;
    send(m.self, main_create, 0);
    model_run_until_quiescent();

    /* Pony at exit: the scheduler has stopped, Python is finalized, and the finalisers
     * of whatever is still alive run now, on the main thread. */
    finals_collect_all();
    finals_stats_t fs = finals_stats();

    int migrated = 0, max_threads = 0;
    for (int i = 0; i < m.actors && m.incrementers; i++) {
        int n = __builtin_popcountll(m.incrementers[i]->threads_seen);
        migrated += n > 1;
        max_threads = n > max_threads ? n : max_threads;
        free(m.incrementers[i]->state);
        actor_free(m.incrementers[i]);
    }
    free(m.incrementers);
    int observer_on_main = m.observer->ran_on_main;
    actor_free(m.observer);
    actor_free(m.self);

    long want = (long)m.actors * CALLS_PER_ACTOR;
    int ok = failures == 0 && fs.failed == 0 && m.total == want &&
             m.finalize_status == GILSTUFF_OK && m.finalize_thread >= 0 &&
             m.finalize_thread < threads && observer_on_main && obs.ok > 0 && obs.late > 0 &&
             (threads == 1 || migrated > 0) && !gilstuff_is_initialized();
    printf("%s threads=%d actors=%d total=%ld/%ld migrated=%d/%d max_threads_per_actor=%d "
           "finalized_on=%d observer(main thread)=%ld ok+%ld late "
           "releases: run=%zu exit=%zu failed=%zu threads=%zu\n",
           ok ? "ok  " : "FAIL", threads, m.actors, m.total, want, migrated, m.actors,
           max_threads, m.finalize_thread, obs.ok, obs.late, fs.during_run, fs.at_exit,
           fs.failed, fs.threads_used);
    return ok ? 0 : 1;
}
