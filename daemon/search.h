/*
 * search.h: the catalog's full-text search (PROTOCOL.md 2.3): an FTS5 index that is a projection
 * of the catalog events, and ranked queries over it with a one-line "why" per hit.
 *
 * What is indexed: the LATEST version of each credential (the one catalog.list shows), as one row
 * of search_docs (title, competency, key method, method components, research, tags, rubric
 * criteria and "meets" text, PD hours, the peer_reviewable flag), mirrored by triggers into the
 * FTS5 table search_fts (tokenizer porter unicode61: "questioning" finds "questions"). Which
 * version wins does not depend on the order events arrive in: a version below the highest held
 * is never indexed, and the highest version's winning write (last writer wins) is what stays.
 */
#ifndef CAIRN_SEARCH_H
#define CAIRN_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "search_query.h"
#include "store.h"

/* The search_docs columns computed from a credentials row `c` (its JSON), shared by the schema
 * migration that indexes an existing catalog and by the projection. Changing it needs a new
 * migration that re-indexes (a migration is never edited). */
#define CAIRN_SEARCH_DOC_COLUMNS                                                                   \
    "id, version, pd_hours, peer_reviewable, title, competency, key_method, components, "          \
    "research, tags, rubric"
#define CAIRN_SEARCH_DOC_SELECT                                                                    \
    "SELECT c.id, c.version, c.pd_hours, json_extract(c.json, '$.peer_review') IS 1, c.title,"     \
    " coalesce(json_extract(c.json, '$.competency'), ''),"                                         \
    " coalesce(json_extract(c.json, '$.key_method'), ''),"                                         \
    " coalesce((SELECT group_concat(value, '. ') FROM json_each(c.json, '$.method_components')),"  \
    " ''),"                                                                                        \
    " coalesce(json_extract(c.json, '$.research'), ''),"                                           \
    " coalesce((SELECT group_concat(value, ', ') FROM json_each(c.json, '$.tags')), ''),"          \
    " coalesce((SELECT group_concat(json_extract(value, '$.criterion') || '. ' ||"                 \
    " json_extract(value, '$.meets'), ' ') FROM json_each(c.json, '$.rubric')), '')"               \
    " FROM credentials c"

#define CAIRN_SEARCH_LIMIT_MAX 50 /* hits one query may ask for */
#define CAIRN_SEARCH_WHY_MAX 240  /* bytes of a hit's "why" line */

/* (Re)indexes credential id if version is its highest version held; a no-op otherwise. Called
 * by the credential projector after its write won, inside the event's transaction. */
int cairn_search_index_credential(cairn_store_t *s, const char *id, uint64_t version);

typedef struct {
    const char *stack; /* only credentials in this stack (NULL: any) */
    size_t stack_len;
    bool has_max_hours; /* only credentials of at most max_hours PD hours */
    double max_hours;
    bool peer_reviewable; /* only credentials flagged peer_reviewable */
    unsigned limit;       /* 1..CAIRN_SEARCH_LIMIT_MAX */
} cairn_search_filter_t;

typedef struct {
    char id[65];
    uint64_t version;
    char title[201];
    double pd_hours;
    double relevance; /* -bm25: larger is better */
    char why[CAIRN_SEARCH_WHY_MAX + 1];
} cairn_search_hit_t;

/* Runs q with filter f; fills hits[0..*n) best first (ties by id). Returns 0 or a store error. */
int cairn_search_run(cairn_store_t *s, const cairn_search_query_t *q,
                     const cairn_search_filter_t *f, cairn_search_hit_t *hits, size_t *n);

#endif
