/*
 * search_stats.c: see search_stats.h. Never changes the database; a cache miss costs what the
 * uncached code cost (an fts5vocab lookup per word, a count per multi-word phrase), a hit a hash
 * probe.
 */
#include "search_stats.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>

#include "search_query.h"
#include "search_synonyms.h"
#include "store_priv.h"

#define SLOTS 2048 /* power of two; the cache is emptied when 3/4 full */
#define TERM_MAX                                                                                   \
    (CAIRN_SEARCH_WORD_MAX > CAIRN_SYNONYMS_EXPANSION_MAX ? CAIRN_SEARCH_WORD_MAX                  \
                                                          : CAIRN_SYNONYMS_EXPANSION_MAX)

typedef struct {
    bool used;
    char term[TERM_MAX + 1];
    int64_t plan_df, hit_df;
} slot_t;

typedef struct {
    bool registered; /* cairn_bm25 exists on this connection */
    bool indexed;    /* a credential was (re)indexed since the last settle */
    bool valid;      /* docs and the slots describe the committed index */
    int64_t data_version;
    int64_t docs;
    size_t used;
    slot_t slot[SLOTS];
} stats_t;

static void stats_free(void *p)
{
    free(p);
}

static stats_t *stats_of(cairn_store_t *s)
{
    cairn_store_ext_t *ext = cairn_store_search_ext(s);
    return ext->p;
}

static void invalidate(stats_t *st)
{
    if (st != NULL && st->valid) {
        st->valid = false;
        st->used = 0;
        memset(st->slot, 0, sizeof st->slot);
    }
}

/* More segments than this after a commit that indexed credentials: merge them into one. */
#define SETTLE_SEGMENTS 2

/*
 * FTS5 writes a new index segment per transaction and merges only 4 of one level at a time, so a
 * catalog that arrived in batches (an import, sync change sets) leaves several segments, and a
 * query seeks every term's doclist in each of them: 7 segments after a 10,000-credential import
 * cost a third of the query time (bench_search). 'optimize' rewrites the index as one segment:
 * about 0.5 s of CPU for 10,000 credentials, milliseconds for a real catalog; it changes only the
 * index's layout (never search_docs, which the rebuild digest covers). Best effort: a failure
 * leaves a slower index, which the next settle tries again.
 */
static void settle(cairn_store_t *s)
{
    stats_t *st = stats_of(s);
    sqlite3_stmt *q = NULL, *opt = NULL;
    if (st == NULL || !st->indexed ||
        cairn_store_stmt(s, "SELECT count(DISTINCT segid) FROM search_fts_idx", &q) != 0)
        return;
    int step = sqlite3_step(q);
    int64_t segments = step == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_reset(q);
    if (segments > SETTLE_SEGMENTS &&
        cairn_store_stmt(s, "INSERT INTO search_fts(search_fts) VALUES('optimize')", &opt) == 0 &&
        cairn_store_exec_stmt(opt) != 0)
        return;
    st->indexed = false;
}

static int stats_get(cairn_store_t *s, stats_t **out)
{
    cairn_store_ext_t *ext = cairn_store_search_ext(s);
    if (ext->p == NULL) {
        if ((ext->p = calloc(1, sizeof(stats_t))) == NULL)
            return -ENOMEM;
        ext->free_fn = stats_free;
        ext->after_commit = settle;
    }
    *out = ext->p;
    return 0;
}

int cairn_search_stats_indexed(cairn_store_t *s)
{
    stats_t *st = NULL;
    int rc = stats_get(s, &st);
    if (rc != 0)
        return rc;
    invalidate(st);
    st->indexed = true;
    return 0;
}

double cairn_search_idf(int64_t docs, int64_t df)
{
    double idf = log(((double)docs - (double)df + 0.5) / ((double)df + 0.5));
    return idf <= 0.0 ? 1e-6 : idf;
}

/* ---- cairn_bm25: FTS5's bm25 (k1 1.2, b 0.75) with column weights and given idfs ---- */

#define NCOLS 7
/* title, competency, key method, method components, research, tags, rubric (search.c) */
static const double column_weight[NCOLS] = {4.0, 3.0, 2.0, 1.5, 0.5, 4.0, 1.0};

static int count_hit(const Fts5ExtensionApi *api, Fts5Context *fts, void *ctx)
{
    (void)api;
    (void)fts;
    (*(int64_t *)ctx)++;
    return SQLITE_OK;
}

/* Per query (FTS5 auxdata): the average document length and the idfs in use. */
typedef struct {
    double avgdl;
    cairn_search_idf_t idf;
} query_data_t;

static int query_data(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_value *arg,
                      query_data_t **out)
{
    query_data_t *qd = api->xGetAuxdata(fts, 0);
    sqlite3_int64 rows = 0, tokens = 0;
    int nphrase = api->xPhraseCount(fts), rc;
    *out = qd;
    if (qd != NULL)
        return SQLITE_OK;
    if (nphrase < 0 || nphrase > CAIRN_SEARCH_PHRASES_MAX)
        return SQLITE_ERROR;
    if ((qd = calloc(1, sizeof *qd)) == NULL)
        return SQLITE_NOMEM;
    rc = api->xRowCount(fts, &rows);
    if (rc == SQLITE_OK)
        rc = api->xColumnTotalSize(fts, -1, &tokens);
    qd->avgdl = rows > 0 ? (double)tokens / (double)rows : 1.0;
    const cairn_search_idf_t *given =
        arg != NULL ? sqlite3_value_pointer(arg, CAIRN_SEARCH_IDF_TYPE) : NULL;
    if (given != NULL && given->n == (size_t)nphrase) {
        qd->idf = *given;
    } else { /* count them, as bm25() does */
        qd->idf.n = (size_t)nphrase;
        for (int i = 0; rc == SQLITE_OK && i < nphrase; i++) {
            int64_t hits = 0;
            rc = api->xQueryPhrase(fts, i, &hits, count_hit);
            qd->idf.idf[i] = cairn_search_idf(rows, hits);
        }
    }
    if (rc == SQLITE_OK)
        rc = api->xSetAuxdata(fts, qd, free);
    else
        free(qd);
    *out = rc == SQLITE_OK ? qd : NULL;
    return rc;
}

static void bm25_function(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                          int nval, sqlite3_value **val)
{
    const double k1 = 1.2, b = 0.75;
    double freq[CAIRN_SEARCH_PHRASES_MAX] = {0}, score = 0.0;
    query_data_t *qd = NULL;
    int ninst = 0, ntok = 0;
    int rc = query_data(api, fts, nval > 0 ? val[0] : NULL, &qd);
    if (rc == SQLITE_OK)
        rc = api->xInstCount(fts, &ninst);
    for (int i = 0; rc == SQLITE_OK && i < ninst; i++) {
        int phrase, col, off;
        rc = api->xInst(fts, i, &phrase, &col, &off);
        if (rc == SQLITE_OK && phrase >= 0 && (size_t)phrase < qd->idf.n)
            freq[phrase] += col >= 0 && col < NCOLS ? column_weight[col] : 1.0;
    }
    if (rc == SQLITE_OK)
        rc = api->xColumnSize(fts, -1, &ntok);
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    for (size_t i = 0; i < qd->idf.n; i++)
        score += qd->idf.idf[i] * (freq[i] * (k1 + 1.0)) /
                 (freq[i] + k1 * (1 - b + b * (double)ntok / qd->avgdl));
    sqlite3_result_double(ctx, -1.0 * score);
}

/* cairn_hitcols(search_fts): a bitmask of the columns holding a match in this row (search.c
 * highlights only those). */
static void hitcols_function(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                             int nval, sqlite3_value **val)
{
    int ninst = 0, rc = api->xInstCount(fts, &ninst);
    unsigned mask = 0;
    (void)nval;
    (void)val;
    for (int i = 0; rc == SQLITE_OK && i < ninst; i++) {
        int phrase, col, off;
        rc = api->xInst(fts, i, &phrase, &col, &off);
        if (rc == SQLITE_OK && col >= 0 && col < 31)
            mask |= 1u << col;
    }
    if (rc != SQLITE_OK)
        sqlite3_result_error_code(ctx, rc);
    else
        sqlite3_result_int(ctx, (int)mask);
}

static int fts5_api_of(cairn_store_t *s, fts5_api **out)
{
    sqlite3_stmt *st = NULL;
    *out = NULL;
    int rc = cairn_store_stmt(s, "SELECT fts5(?1)", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_pointer(st, 1, (void *)out, "fts5_api_ptr", NULL);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW && *out != NULL ? 0 : CAIRN_ESTORE;
}

int cairn_search_stats_begin(cairn_store_t *s)
{
    sqlite3_stmt *st = NULL;
    fts5_api *fts5 = NULL;
    stats_t *stats = NULL;
    int rc = stats_get(s, &stats);
    if (rc != 0)
        return rc;
    if (!stats->registered) {
        if ((rc = fts5_api_of(s, &fts5)) != 0)
            return rc;
        if (fts5->xCreateFunction(fts5, "cairn_bm25", NULL, bm25_function, NULL) != SQLITE_OK ||
            fts5->xCreateFunction(fts5, "cairn_hitcols", NULL, hitcols_function, NULL) != SQLITE_OK)
            return CAIRN_ESTORE;
        stats->registered = true;
    }
    if ((rc = cairn_store_stmt(s, "PRAGMA data_version", &st)) != 0)
        return rc;
    int step = sqlite3_step(st);
    int64_t version = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    if (step != SQLITE_ROW)
        return cairn_store_code(step);
    if (version != stats->data_version) {
        invalidate(stats);
        stats->data_version = version;
    }
    return 0;
}

/* Whether what is read now may be kept: not inside a transaction that could still roll back. */
static bool cacheable(cairn_store_t *s)
{
    return cairn_store_depth(s) == 0;
}

int cairn_search_stats_docs(cairn_store_t *s, int64_t *docs)
{
    stats_t *stats = stats_of(s);
    sqlite3_stmt *st = NULL;
    if (stats != NULL && stats->valid) {
        *docs = stats->docs;
        return 0;
    }
    int rc = cairn_store_stmt(s, "SELECT count(*) FROM search_docs", &st);
    if (rc != 0)
        return rc;
    int step = sqlite3_step(st);
    *docs = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (step != SQLITE_ROW)
        return cairn_store_code(step);
    if (stats != NULL && cacheable(s)) {
        stats->docs = *docs;
        stats->valid = true;
    }
    return 0;
}

/* The tokens the index's own tokenizer (porter over unicode61) makes of a term, as a MATCH
 * would, so they can be looked up in search_vocab. */
#define TERM_TOKENS_MAX 8
typedef struct {
    size_t n, all;
    char tok[TERM_TOKENS_MAX][CAIRN_SEARCH_WORD_MAX + 1];
} tokens_t;

static int on_token(void *ctx, int flags, const char *token, int len, int start, int end)
{
    tokens_t *t = ctx;
    (void)start;
    (void)end;
    if ((flags & FTS5_TOKEN_COLOCATED) != 0)
        return SQLITE_OK;
    t->all++;
    if (t->n == TERM_TOKENS_MAX || len < 0 || (size_t)len > CAIRN_SEARCH_WORD_MAX)
        return SQLITE_OK;
    memcpy(t->tok[t->n], token, (size_t)len);
    t->tok[t->n++][len] = '\0';
    return SQLITE_OK;
}

static int tokenize(cairn_store_t *s, const char *term, tokens_t *toks)
{
    static const char *const args[] = {"unicode61"};
    fts5_api *fts5 = NULL;
    fts5_tokenizer api;
    Fts5Tokenizer *tok = NULL;
    void *ud = NULL;
    int rc = fts5_api_of(s, &fts5);
    if (rc != 0)
        return rc;
    if (fts5->xFindTokenizer(fts5, "porter", &ud, &api) != SQLITE_OK ||
        api.xCreate(ud, (const char **)args, 1, &tok) != SQLITE_OK)
        return CAIRN_ESTORE;
    rc = api.xTokenize(tok, toks, FTS5_TOKENIZE_QUERY, term, (int)strlen(term), on_token);
    api.xDelete(tok);
    return rc == SQLITE_OK ? 0 : CAIRN_ESTORE;
}

/* Uncached: plan_df from search_vocab (the smallest over the words), hit_df the same for one
 * word and a count of the phrase's matches for several. */
static int term_df(cairn_store_t *s, const char *term, int64_t *plan_df, int64_t *hit_df)
{
    tokens_t toks = {0};
    sqlite3_stmt *st = NULL;
    int rc = tokenize(s, term, &toks);
    if (rc == 0)
        rc = cairn_store_stmt(s, "SELECT doc FROM search_vocab WHERE term = ?1", &st);
    *plan_df = toks.n > 0 ? INT64_MAX : 0;
    for (size_t i = 0; rc == 0 && i < toks.n; i++) {
        sqlite3_bind_text(st, 1, toks.tok[i], -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        int64_t n = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
        if (step != SQLITE_ROW && step != SQLITE_DONE)
            rc = cairn_store_code(step);
        if (n < *plan_df)
            *plan_df = n;
    }
    *hit_df = *plan_df;
    if (rc != 0 || toks.all <= 1 || *plan_df == 0)
        return rc;
    char phrase[TERM_MAX + 3];
    snprintf(phrase, sizeof phrase, "\"%s\"", term); /* terms hold no '"' (search_query.c) */
    if ((rc = cairn_store_stmt(s, "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?1",
                               &st)) != 0)
        return rc;
    sqlite3_bind_text(st, 1, phrase, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    *hit_df = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return step == SQLITE_ROW ? 0 : cairn_store_code(step);
}

static size_t hash_term(const char *t)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *t != '\0'; t++)
        h = (h ^ (unsigned char)*t) * 1099511628211ull;
    return (size_t)(h & (SLOTS - 1));
}

int cairn_search_stats_df(cairn_store_t *s, const char *term, int64_t *plan_df, int64_t *hit_df)
{
    stats_t *stats = stats_of(s);
    size_t len = strlen(term), i = hash_term(term);
    if (stats != NULL && stats->valid && len <= TERM_MAX) {
        for (; stats->slot[i].used; i = (i + 1) & (SLOTS - 1))
            if (strcmp(stats->slot[i].term, term) == 0) {
                *plan_df = stats->slot[i].plan_df;
                *hit_df = stats->slot[i].hit_df;
                return 0;
            }
    }
    int rc = term_df(s, term, plan_df, hit_df);
    if (rc != 0 || stats == NULL || !stats->valid || len > TERM_MAX || !cacheable(s))
        return rc;
    if (stats->used >= SLOTS * 3 / 4) { /* full: start again (keeps docs) */
        memset(stats->slot, 0, sizeof stats->slot);
        stats->used = 0;
        i = hash_term(term);
    }
    stats->slot[i].used = true;
    memcpy(stats->slot[i].term, term, len + 1);
    stats->slot[i].plan_df = *plan_df;
    stats->slot[i].hit_df = *hit_df;
    stats->used++;
    return 0;
}
