#include "runtime.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "deque.h"
#include "finals.h"

static int n_threads;
static pthread_t threads[MODEL_MAX_THREADS];
static deque_t queues[MODEL_MAX_THREADS];
static deque_t inject;        /* sends from threads that are not scheduler threads */
static deque_t pinned_queue;  /* actors only the main thread runs */
static atomic_long pending;   /* messages queued or being run: 0 means quiescent */
static uint64_t base_seed;

static _Thread_local int tl_index = -1;
static _Thread_local uint64_t tl_rng;

int model_thread_index(void) { return tl_index; }

uint64_t model_rand(void) {
    /* xorshift64*, one state per thread so that runs differ only by the seed and timing */
    uint64_t x = tl_rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    tl_rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static void enter_thread(int index) {
    tl_index = index;
    tl_rng = base_seed * 0x9E3779B97F4A7C15ULL + (uint64_t)index * 7919 + 1;
}

actor_t *actor_new(void *state, bool pinned) {
    actor_t *a = calloc(1, sizeof *a);
    if (!a)
        abort();
    pthread_mutex_init(&a->lock, NULL);
    a->state = state;
    a->pinned = pinned;
    return a;
}

void actor_free(actor_t *a) {
    pthread_mutex_destroy(&a->lock);
    free(a);
}

static void schedule(actor_t *a) {
    if (a->pinned)
        deque_push(&pinned_queue, a);
    else if (tl_index >= 0 && tl_index < n_threads)
        deque_push(&queues[tl_index], a);   /* Pony: onto the sender's own queue */
    else
        deque_push(&inject, a);
}

void send(actor_t *to, behaviour_t fn, intptr_t arg) {
    msg_t *m = malloc(sizeof *m);
    if (!m)
        abort();
    m->next = NULL;
    m->fn = fn;
    m->arg = arg;
    atomic_fetch_add(&pending, 1);
    pthread_mutex_lock(&to->lock);
    if (to->tail)
        to->tail->next = m;
    else
        to->head = m;
    to->tail = m;
    bool wake = !to->scheduled;
    to->scheduled = true;
    pthread_mutex_unlock(&to->lock);
    if (wake)
        schedule(to);
}

/* A short batch (Pony's is 100; 1-3 here so that actors move often), then back to the
 * end of this thread's queue if more mail is waiting: from there a thief may take it. */
static void run_actor(actor_t *a) {
    unsigned batch = 1 + (unsigned)(model_rand() % 3);
    for (unsigned i = 0; i < batch; i++) {
        pthread_mutex_lock(&a->lock);
        msg_t *m = a->head;
        if (m) {
            a->head = m->next;
            if (!a->head)
                a->tail = NULL;
        }
        pthread_mutex_unlock(&a->lock);
        if (!m)
            break;
        if (tl_index == MODEL_PINNED_THREAD)
            a->ran_on_main = true;
        else
            a->threads_seen |= 1ULL << tl_index;
        a->behaviours++;
        m->fn(a, m->arg);
        free(m);
        atomic_fetch_sub(&pending, 1);
    }
    pthread_mutex_lock(&a->lock);
    bool more = a->head != NULL;
    if (!more)
        a->scheduled = false;
    pthread_mutex_unlock(&a->lock);
    if (more)
        schedule(a);
}

static void idle_pause(unsigned misses) {
    if (misses < 16) {
        sched_yield();
    } else {
        struct timespec ts = {0, 50 * 1000};   /* Pony parks idle schedulers too */
        nanosleep(&ts, NULL);
    }
}

static actor_t *find_work(int self) {
    actor_t *a = deque_take(&queues[self]);
    if (!a)
        a = deque_take(&inject);
    for (int tries = 0; !a && tries < n_threads; tries++) {
        int victim = (int)(model_rand() % (uint64_t)n_threads);
        if (victim != self)
            a = deque_steal(&queues[victim]);
    }
    return a;
}

static void *scheduler_thread(void *arg) {
    enter_thread((int)(intptr_t)arg);
    unsigned misses = 0;
    for (;;) {
        actor_t *a = find_work(tl_index);
        if (a) {
            misses = 0;
            run_actor(a);
            finals_maybe_collect();
            /* The OS preempts scheduler threads too; meanwhile others steal from us. */
            if (model_rand() % 4 == 0)
                sched_yield();
            continue;
        }
        if (atomic_load(&pending) == 0)
            break;
        finals_maybe_collect();
        idle_pause(++misses);
    }
    return NULL;
}

void model_start(int n, uint64_t seed) {
    if (n < 1 || n > MODEL_MAX_THREADS) {
        fprintf(stderr, "model: 1..%d scheduler threads\n", MODEL_MAX_THREADS);
        exit(2);
    }
    n_threads = n;
    base_seed = seed;
    enter_thread(MODEL_PINNED_THREAD);
    deque_init(&inject);
    deque_init(&pinned_queue);
    for (int i = 0; i < n; i++)
        deque_init(&queues[i]);
    /* Threads start after the first message is sent (model_run_until_quiescent), so
     * that `pending` is not 0 when they look. */
}

void model_run_until_quiescent(void) {
    for (int i = 0; i < n_threads; i++)
        if (pthread_create(&threads[i], NULL, scheduler_thread, (void *)(intptr_t)i) != 0)
            abort();
    unsigned misses = 0;
    while (atomic_load(&pending) != 0) {
        actor_t *a = deque_take(&pinned_queue);
        if (a) {
            misses = 0;
            run_actor(a);
        } else {
            idle_pause(++misses);
        }
    }
    for (int i = 0; i < n_threads; i++)
        pthread_join(threads[i], NULL);
    for (int i = 0; i < n_threads; i++)
        deque_destroy(&queues[i]);
    deque_destroy(&inject);
    deque_destroy(&pinned_queue);
}
