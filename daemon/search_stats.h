/*
 * search_stats.h: the term statistics a search plans and ranks with (search.c), cached per store
 * connection, and `cairn_bm25`, an FTS5 ranking function equal to FTS5's own bm25() that takes
 * those statistics instead of recounting them.
 *
 * Why: FTS5's bm25() counts, on the first row of every query, the documents holding each phrase
 * by walking that phrase's whole doclist (xQueryPhrase), and the planner looked each word up in
 * an fts5vocab table, which walks the doclist again. On a 10,000-credential catalog with words in
 * half the documents this was about half of a query's CPU time, spent recomputing numbers that
 * change only when the catalog does. The cache is dropped whenever a credential is (re)indexed on
 * this connection (cairn_search_stats_indexed) or another connection commits (PRAGMA
 * data_version), and is never filled inside an open transaction (a rollback could leave it
 * describing rows that do not exist).
 */
#ifndef CAIRN_SEARCH_STATS_H
#define CAIRN_SEARCH_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Phrases a planned query may hold: every term at most twice ("(rare) AND (all)"). */
#define CAIRN_SEARCH_PHRASES_MAX 96

/* Inverse document frequencies, one per phrase of a MATCH expression in the order the phrases
 * appear in it, bound with sqlite3_bind_pointer(..., CAIRN_SEARCH_IDF_TYPE, NULL) as the
 * argument of cairn_bm25(search_fts, ?). A missing or mismatched array makes cairn_bm25 count
 * them itself, as bm25() does (same scores, slower). */
#define CAIRN_SEARCH_IDF_TYPE "cairn_search_idf"
typedef struct {
    size_t n;
    double idf[CAIRN_SEARCH_PHRASES_MAX];
} cairn_search_idf_t;

/* bm25's idf for a phrase in df of docs documents: log((docs - df + 0.5) / (df + 0.5)), and
 * 1e-6 when that is not positive (as FTS5 clamps it). */
double cairn_search_idf(int64_t docs, int64_t df);

/* Prepares the cache (checking it is still valid) and registers cairn_bm25 on the connection
 * once. Call before the other functions of a query. Returns 0 or a store error. */
int cairn_search_stats_begin(cairn_store_t *s);

/* Documents (credentials) in the index. */
int cairn_search_stats_docs(cairn_store_t *s, int64_t *docs);

/* For one query term (a word or a phrase, as typed between the quotes of the MATCH):
 * plan_df = the smallest document frequency of its words (an upper bound of the phrase's, what
 * the planner has always used), hit_df = the documents holding the phrase itself (what bm25's
 * idf counts). Returns 0 or a store error. */
int cairn_search_stats_df(cairn_store_t *s, const char *term, int64_t *plan_df, int64_t *hit_df);

/* Called when a credential is (re)indexed, inside its transaction: forgets every cached number,
 * and after the commit merges the index's segments when there are several (search_stats.c
 * settle). Returns 0 or -ENOMEM. */
int cairn_search_stats_indexed(cairn_store_t *s);

#endif
