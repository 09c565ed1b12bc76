#include "deque.h"

#include <stdlib.h>

void deque_init(deque_t *q) {
    pthread_mutex_init(&q->lock, NULL);
    q->items = NULL;
    q->head = q->len = q->cap = 0;
}

void deque_destroy(deque_t *q) {
    free(q->items);
    pthread_mutex_destroy(&q->lock);
}

void deque_push(deque_t *q, actor_t *a) {
    pthread_mutex_lock(&q->lock);
    if (q->len == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 16;
        actor_t **items = malloc(cap * sizeof *items);
        if (!items)
            abort();
        for (size_t i = 0; i < q->len; i++)
            items[i] = q->items[(q->head + i) % q->cap];
        free(q->items);
        q->items = items;
        q->head = 0;
        q->cap = cap;
    }
    q->items[(q->head + q->len) % q->cap] = a;
    q->len++;
    pthread_mutex_unlock(&q->lock);
}

actor_t *deque_take(deque_t *q) {
    actor_t *a = NULL;
    pthread_mutex_lock(&q->lock);
    if (q->len) {
        a = q->items[q->head];
        q->head = (q->head + 1) % q->cap;
        q->len--;
    }
    pthread_mutex_unlock(&q->lock);
    return a;
}

actor_t *deque_steal(deque_t *q) {
    actor_t *a = NULL;
    pthread_mutex_lock(&q->lock);
    if (q->len) {
        q->len--;
        a = q->items[(q->head + q->len) % q->cap];
    }
    pthread_mutex_unlock(&q->lock);
    return a;
}
