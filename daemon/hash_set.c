/*
 * hash_set.c: see hash_set.h. No ordering is kept while adding; sort once, then look up.
 */
#include "hash_set.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cairn_hash_set_add(cairn_hash_set_t *s, const cairn_hash_t *h)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        cairn_hash_t *nv = realloc(s->v, cap * sizeof *nv);
        if (nv == NULL)
            return -ENOMEM;
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = *h;
    return 0;
}

static int cmp_hash(const void *a, const void *b)
{
    return memcmp(a, b, CAIRN_HASH_LEN);
}

void cairn_hash_set_sort(cairn_hash_set_t *s)
{
    if (s->n > 1)
        qsort(s->v, s->n, sizeof *s->v, cmp_hash);
}

bool cairn_hash_set_has(const cairn_hash_set_t *s, const cairn_hash_t *h)
{
    return s->n > 0 && bsearch(h, s->v, s->n, sizeof *s->v, cmp_hash) != NULL;
}

int cairn_hash_set_insert(cairn_hash_set_t *s, const cairn_hash_t *h)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(s->v[mid].b, h->b, CAIRN_HASH_LEN);
        if (c == 0)
            return 0;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    int rc = cairn_hash_set_add(s, h);
    if (rc != 0)
        return rc;
    memmove(&s->v[lo + 1], &s->v[lo], (s->n - 1 - lo) * sizeof *s->v);
    s->v[lo] = *h;
    return 0;
}

void cairn_hash_set_free(cairn_hash_set_t *s)
{
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}
