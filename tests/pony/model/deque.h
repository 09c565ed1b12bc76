/* A scheduler thread's run queue in the model: the owner takes actors from the front,
 * idle threads steal from the back (that is how an actor moves to another thread).
 * A mutex is enough here: the model is about where behaviours run, not queue speed. */
#ifndef MODEL_DEQUE_H
#define MODEL_DEQUE_H

#include <pthread.h>
#include <stddef.h>

typedef struct actor actor_t;

typedef struct {
    pthread_mutex_t lock;
    actor_t **items;
    size_t head, len, cap;   /* ring buffer */
} deque_t;

void deque_init(deque_t *q);
void deque_destroy(deque_t *q);
void deque_push(deque_t *q, actor_t *a);
actor_t *deque_take(deque_t *q);    /* owner: oldest first */
actor_t *deque_steal(deque_t *q);   /* thief: newest first */

#endif
