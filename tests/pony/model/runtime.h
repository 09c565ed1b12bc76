/* A model of the Pony runtime, enough to test gilstuff the way a Pony program uses it:
 * - N scheduler threads, each with a run queue; idle threads steal actors from others,
 *   and an actor goes back to the end of the queue after a short batch, so actors
 *   change OS thread between behaviours as they do in Pony;
 * - actors with mailboxes; a behaviour is a function run with the actor's state;
 * - pinned actors, run only by the process main thread (Pony's pinned actor thread);
 * - `_final`: objects dropped by behaviours are "collected" later by whichever thread
 *   gets to them (finals.h), and whatever is left runs on the main thread after the
 *   scheduler threads have stopped, as Pony does at exit;
 * - termination at quiescence: no message queued or running anywhere. */
#ifndef MODEL_RUNTIME_H
#define MODEL_RUNTIME_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define MODEL_MAX_THREADS 64
#define MODEL_PINNED_THREAD MODEL_MAX_THREADS   /* thread index of the main thread */

typedef struct actor actor_t;
typedef void (*behaviour_t)(actor_t *self, intptr_t arg);

typedef struct msg {
    struct msg *next;
    behaviour_t fn;
    intptr_t arg;
} msg_t;

struct actor {
    pthread_mutex_t lock;       /* guards the mailbox and `scheduled` */
    msg_t *head, *tail;
    bool scheduled;             /* in a run queue or running */
    bool pinned;
    void *state;
    uint64_t threads_seen;      /* bit i: ran a behaviour on scheduler thread i */
    bool ran_on_main;
    unsigned behaviours;
};

void model_start(int n_threads, uint64_t seed);
actor_t *actor_new(void *state, bool pinned);
void actor_free(actor_t *a);
void send(actor_t *to, behaviour_t fn, intptr_t arg);
/* Runs pinned actors on the calling (main) thread until quiescence, then joins the
 * scheduler threads. */
void model_run_until_quiescent(void);

int model_thread_index(void);          /* MODEL_PINNED_THREAD on the main thread */
uint64_t model_rand(void);             /* per-thread generator */

#endif
