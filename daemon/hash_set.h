/*
 * hash_set.h: a growable list of hashes that, once sorted, answers "is h in it?" by binary
 * search: the sets of chunks that retention and the partial sweep compare files against.
 */
#ifndef CAIRN_HASH_SET_H
#define CAIRN_HASH_SET_H

#include <stdbool.h>
#include <stddef.h>

#include <cairn/chunk.h>

typedef struct {
    cairn_hash_t *v;
    size_t n, cap;
} cairn_hash_set_t;

/* Appends h (0 or -ENOMEM); the set must be sorted again before cairn_hash_set_has. */
int cairn_hash_set_add(cairn_hash_set_t *s, const cairn_hash_t *h);
void cairn_hash_set_sort(cairn_hash_set_t *s);
/* Is h in the set? The set must be sorted. */
bool cairn_hash_set_has(const cairn_hash_set_t *s, const cairn_hash_t *h);
/* Inserts h into a sorted set, keeping it sorted (nothing if it is there): 0 or -ENOMEM. */
int cairn_hash_set_insert(cairn_hash_set_t *s, const cairn_hash_t *h);
void cairn_hash_set_free(cairn_hash_set_t *s);

#endif
