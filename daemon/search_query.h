/*
 * search_query.h: turning a plain-language problem ("my students never answer my questions")
 * into an FTS5 query: words split and lower-cased, common words dropped, each kept word widened
 * with its synonyms (search_synonyms.h), every term quoted so nothing a teacher types is read as
 * FTS5 syntax, and the terms joined with OR so bm25 ranks by how many, how rare and where.
 * Pure: no store, no I/O; unit-tested in tests/unit/test_search.c.
 */
#ifndef CAIRN_SEARCH_QUERY_H
#define CAIRN_SEARCH_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "search_synonyms.h"

#define CAIRN_SEARCH_QUERY_MAX 512 /* bytes a query may have (PROTOCOL.md 2.1) */
#define CAIRN_SEARCH_TERMS_MAX 48  /* terms after widening; the rest are dropped */
#define CAIRN_SEARCH_WORD_MAX 64   /* a longer word is not a word anyone searches for */

typedef struct {
    size_t nterms;
    char *terms[CAIRN_SEARCH_TERMS_MAX]; /* words typed (kept), then their synonyms */
    bool synonym[CAIRN_SEARCH_TERMS_MAX];
    char *match; /* the FTS5 MATCH expression */
} cairn_search_query_t;

/* Builds q from text[0..len). Errors, each with one line in err: CAIRN_EINVAL for an empty or
 * blank query, a NUL byte, or only common words (naming them); CAIRN_ETOOBIG over
 * CAIRN_SEARCH_QUERY_MAX bytes; -ENOMEM. syn may be NULL (no synonyms). */
int cairn_search_query_build(const char *text, size_t len, const cairn_synonyms_t *syn,
                             cairn_search_query_t *q, char *err, size_t errlen);

void cairn_search_query_free(cairn_search_query_t *q);

/* Is word (lower case) one of the common words a search ignores? */
bool cairn_search_stopword(const char *word, size_t len);

#endif
