/*
 * search.c: indexing credentials for search and running ranked queries (search.h).
 *
 * Ranking is FTS5's bm25 with a weight per column: words in the title and tags (what the
 * credential is about) count most, then the competency and key method, the method components and
 * rubric, and the long research paragraph least, so a study that merely mentions "questions" does
 * not outrank the credential about questioning. The "why" line is built from highlight(): the
 * words each column matched, best columns first.
 */
#include "search.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>

#include "store_priv.h"

int cairn_search_index_credential(cairn_store_t *s, const char *id, uint64_t version)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(
        s,
        "INSERT INTO search_docs(" CAIRN_SEARCH_DOC_COLUMNS ") " CAIRN_SEARCH_DOC_SELECT
        " WHERE c.id = ?1 AND c.version = ?2"
        " AND c.version = (SELECT max(version) FROM credentials WHERE id = ?1)"
        " ON CONFLICT(id) DO UPDATE SET version = excluded.version, title = excluded.title,"
        " competency = excluded.competency, key_method = excluded.key_method,"
        " components = excluded.components, research = excluded.research,"
        " tags = excluded.tags, rubric = excluded.rubric, pd_hours = excluded.pd_hours,"
        " peer_reviewable = excluded.peer_reviewable",
        &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
    return cairn_store_exec_stmt(st);
}

/* Column order of search_fts, and the order the "why" line names them in. */
#define NCOLS 7
static const char *const col_name[NCOLS] = {"title",    "competency", "key method", "method",
                                            "research", "tags",       "rubric"};
static const int why_order[NCOLS] = {5, 0, 1, 2, 3, 6, 4};
#define WORDS_PER_COLUMN 3
#define COLUMNS_SHOWN 2
#define MARK_OPEN '\x01'
#define MARK_CLOSE '\x02'

/* Appends to why the distinct marked phrases of one highlighted column, lower-cased. */
static void why_column(char *why, size_t *used, const char *name, const char *text)
{
    char seen[WORDS_PER_COLUMN][64];
    size_t nseen = 0;
    size_t start = *used;
    for (const char *p = text; p != NULL && *p != '\0' && nseen < WORDS_PER_COLUMN;) {
        const char *open = strchr(p, MARK_OPEN);
        const char *close = open != NULL ? strchr(open, MARK_CLOSE) : NULL;
        if (close == NULL)
            break;
        size_t len = (size_t)(close - open - 1);
        p = close + 1;
        if (len == 0 || len >= sizeof seen[0])
            continue;
        char w[64];
        for (size_t i = 0; i < len; i++) {
            char c = open[1 + i];
            w[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
        }
        w[len] = '\0';
        bool dup = false;
        /* "student" after "students", "question" after "questioning": one stem, said once */
        for (size_t i = 0; i < nseen && !dup; i++) {
            size_t sl = strlen(seen[i]), m = sl < len ? sl : len;
            dup = m >= 4 && strncmp(seen[i], w, m) == 0;
        }
        if (dup)
            continue;
        memcpy(seen[nseen++], w, len + 1);
        int n = snprintf(why + *used, CAIRN_SEARCH_WHY_MAX + 1 - *used, "%s%s%s%s",
                         nseen == 1 ? (start > 0 ? "; " : "") : ", ", nseen == 1 ? name : "",
                         nseen == 1 ? ": " : "", w);
        if (n < 0 || *used + (size_t)n > CAIRN_SEARCH_WHY_MAX) {
            why[*used] = '\0';
            return;
        }
        *used += (size_t)n;
    }
}

static int explain(cairn_store_t *s, const cairn_search_query_t *q, sqlite3_int64 doc, char *why)
{
    sqlite3_stmt *st = NULL;
    size_t used = 0;
    int rc = cairn_store_stmt(
        s,
        "SELECT highlight(search_fts, 0, char(1), char(2)),"
        " highlight(search_fts, 1, char(1), char(2)), highlight(search_fts, 2, char(1), char(2)),"
        " highlight(search_fts, 3, char(1), char(2)), highlight(search_fts, 4, char(1), char(2)),"
        " highlight(search_fts, 5, char(1), char(2)), highlight(search_fts, 6, char(1), char(2))"
        " FROM search_fts WHERE search_fts MATCH ?1 AND rowid = ?2",
        &st);
    why[0] = '\0';
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, q->match, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, doc);
    int step = sqlite3_step(st);
    for (int k = 0, shown = 0; step == SQLITE_ROW && k < NCOLS && shown < COLUMNS_SHOWN; k++) {
        size_t before = used;
        why_column(why, &used, col_name[why_order[k]],
                   (const char *)sqlite3_column_text(st, why_order[k]));
        shown += used > before;
    }
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : cairn_store_code(step);
}

static int search_pruned(cairn_store_t *s, const cairn_search_query_t *q,
                         const cairn_search_filter_t *f, cairn_search_hit_t *hits, size_t *n);

/* The tokens the index's own tokenizer (porter over unicode61) makes of a term, as a MATCH
 * would, so they can be looked up in search_vocab. */
#define TERM_TOKENS_MAX 8
typedef struct {
    size_t n;
    char tok[TERM_TOKENS_MAX][CAIRN_SEARCH_WORD_MAX + 1];
} tokens_t;

static int on_token(void *ctx, int flags, const char *token, int len, int start, int end)
{
    tokens_t *t = ctx;
    if ((flags & FTS5_TOKEN_COLOCATED) != 0 || t->n == TERM_TOKENS_MAX || len < 0 ||
        (size_t)len > CAIRN_SEARCH_WORD_MAX)
        return SQLITE_OK;
    memcpy(t->tok[t->n], token, (size_t)len);
    t->tok[t->n++][len] = '\0';
    return SQLITE_OK;
}

typedef struct {
    fts5_tokenizer api;
    Fts5Tokenizer *tok;
} tokenizer_t;

static int tokenizer_open(cairn_store_t *s, tokenizer_t *t)
{
    static const char *const args[] = {"unicode61"};
    fts5_api *fts5 = NULL;
    void *ud = NULL;
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, "SELECT fts5(?1)", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_pointer(st, 1, (void *)&fts5, "fts5_api_ptr", NULL);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    t->tok = NULL;
    if (rc != SQLITE_ROW || fts5 == NULL ||
        fts5->xFindTokenizer(fts5, "porter", &ud, &t->api) != SQLITE_OK ||
        t->api.xCreate(ud, (const char **)args, 1, &t->tok) != SQLITE_OK)
        return CAIRN_ESTORE;
    return 0;
}

/* How many credentials hold term: exact for one word (search_vocab), and for a phrase the
 * smallest count of its words (an upper bound: enough to plan with). */
static int term_df(cairn_store_t *s, tokenizer_t *t, const char *term, int64_t *df)
{
    tokens_t toks = {0};
    sqlite3_stmt *st = NULL;
    int rc = t->api.xTokenize(t->tok, &toks, FTS5_TOKENIZE_QUERY, term, (int)strlen(term),
                              on_token) == SQLITE_OK
                 ? cairn_store_stmt(s, "SELECT doc FROM search_vocab WHERE term = ?1", &st)
                 : CAIRN_ESTORE;
    *df = toks.n > 0 ? INT64_MAX : 0;
    for (size_t i = 0; rc == 0 && i < toks.n; i++) {
        sqlite3_bind_text(st, 1, toks.tok[i], -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        int64_t n = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
        if (step != SQLITE_ROW && step != SQLITE_DONE)
            rc = cairn_store_code(step);
        if (n < *df)
            *df = n;
    }
    return rc;
}

/*
 * The FTS5 expression actually run: the typed words and synonyms, planned by how many indexed
 * credentials each one matches (its document frequency df, out of N), so that a query costs about
 * the same on 12 credentials as on 10,000. Ranking cost is per matched row (bm25 reads every
 * matched row's positions), so:
 *  - a term matching nothing is dropped, and so is a term in more than half the credentials:
 *    FTS5's bm25 clamps its idf, log((N - df + 0.5) / (df + 0.5)) <= 0, to 1e-6, so it adds
 *    nothing to any score, yet on a 10,000-credential catalog "students" alone matched ~9,000
 *    rows. If every term is that common, they are all kept;
 *  - the rarest terms whose df add up to at most CANDIDATE_BUDGET rows (at least one term) pick
 *    the candidates, and the others only score them: "(rare) AND (rare OR common)". The common
 *    terms still rank the candidates (bm25 sees every phrase), and rare terms count twice, which
 *    suits a problem statement ("participation" says more than "questions"). A credential that
 *    matches only common words is not listed. When the budget covers every term (any catalog up
 *    to a few hundred credentials) the query is the plain OR of every term, bm25 unchanged.
 * Tried and dropped: also dropping terms of idf < 0.5, and taking candidates from the title and
 * tags only when the rarest term is over the budget: each cost 1 to 4 of the 26 quality queries
 * their top-3 place on the 10,000-credential bench for no gain in CPU time.
 */
#define CANDIDATE_BUDGET 1000

typedef struct {
    size_t term;
    int64_t df;
} planned_t;

static int by_df(const void *a, const void *b)
{
    const planned_t *x = a, *y = b;
    if (x->df != y->df)
        return x->df < y->df ? -1 : 1;
    return x->term < y->term ? -1 : x->term > y->term;
}

static size_t append_terms(char *out, size_t used, size_t need, const cairn_search_query_t *q,
                           const planned_t *p, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        used += (size_t)snprintf(out + used, need - used, "%s\"%s\"", i > from ? " OR " : "",
                                 q->terms[p[i].term]);
    return used;
}

static int plan_query(cairn_store_t *s, const cairn_search_query_t *q, char **out)
{
    planned_t plan[CAIRN_SEARCH_TERMS_MAX];
    int64_t docs = 0, sum = 0;
    size_t need = 64, kept = 0, rare = 0, used = 0, nonzero = 0;
    sqlite3_stmt *st = NULL;
    tokenizer_t tok;
    int rc = cairn_store_stmt(s, "SELECT count(*) FROM search_docs", &st);
    if (rc != 0)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW)
        docs = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if ((rc = tokenizer_open(s, &tok)) != 0)
        return rc;
    for (size_t i = 0; i < q->nterms && rc == 0; i++) {
        need += 2 * (strlen(q->terms[i]) + 6);
        plan[nonzero].term = i;
        rc = term_df(s, &tok, q->terms[i], &plan[nonzero].df);
        nonzero += rc == 0 && plan[nonzero].df > 0;
    }
    tok.api.xDelete(tok.tok);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < nonzero; i++) {
        double df = (double)plan[i].df;
        if (log(((double)docs - df + 0.5) / (df + 0.5)) >= 0.0)
            plan[kept++] = plan[i];
    }
    if (kept == 0)
        kept = nonzero; /* every word is common: keep them all */
    if ((*out = malloc(need)) == NULL)
        return -ENOMEM;
    if (kept == 0) { /* nothing matches anything: run as typed, for an empty answer */
        snprintf(*out, need, "%s", q->match);
        return 0;
    }
    qsort(plan, kept, sizeof plan[0], by_df);
    while (rare < kept && (rare == 0 || sum + plan[rare].df <= CANDIDATE_BUDGET))
        sum += plan[rare++].df;
    if (rare == kept) {
        append_terms(*out, 0, need, q, plan, 0, kept);
        return 0;
    }
    used = (size_t)snprintf(*out, need, "((");
    used = append_terms(*out, used, need, q, plan, 0, rare);
    used += (size_t)snprintf(*out + used, need - used, ")) AND (");
    used = append_terms(*out, used, need, q, plan, 0, kept);
    snprintf(*out + used, need - used, ")");
    return 0;
}

int cairn_search_run(cairn_store_t *s, const cairn_search_query_t *q,
                     const cairn_search_filter_t *f, cairn_search_hit_t *hits, size_t *n)
{
    cairn_search_query_t pruned = *q;
    int prc = plan_query(s, q, &pruned.match);
    if (prc != 0)
        return prc;
    prc = search_pruned(s, &pruned, f, hits, n);
    free(pruned.match);
    return prc;
}

static int search_pruned(cairn_store_t *s, const cairn_search_query_t *q,
                         const cairn_search_filter_t *f, cairn_search_hit_t *hits, size_t *n)
{
    sqlite3_stmt *st = NULL;
    sqlite3_int64 docs[CAIRN_SEARCH_LIMIT_MAX];
    unsigned limit =
        f->limit == 0 || f->limit > CAIRN_SEARCH_LIMIT_MAX ? CAIRN_SEARCH_LIMIT_MAX : f->limit;
    int step,
        rc =
            cairn_store_stmt(s,
                             "SELECT d.doc, d.id, d.version, d.title, d.pd_hours,"
                             " bm25(search_fts, 4.0, 3.0, 2.0, 1.5, 0.5, 4.0, 1.0) AS score"
                             " FROM search_fts JOIN search_docs d ON d.doc = search_fts.rowid"
                             " WHERE search_fts MATCH ?1"
                             " AND (?2 IS NULL OR d.id IN (SELECT credential FROM stack_credentials"
                             "  WHERE stack = ?2))"
                             " AND (?3 IS NULL OR d.pd_hours <= ?3)"
                             " AND (?4 = 0 OR d.peer_reviewable = 1)"
                             " ORDER BY score, d.id LIMIT ?5",
                             &st);
    *n = 0;
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, q->match, -1, SQLITE_STATIC);
    if (f->stack != NULL)
        sqlite3_bind_text(st, 2, f->stack, (int)f->stack_len, SQLITE_STATIC);
    if (f->has_max_hours)
        sqlite3_bind_double(st, 3, f->max_hours);
    sqlite3_bind_int(st, 4, f->peer_reviewable);
    sqlite3_bind_int(st, 5, (int)limit);
    while ((step = sqlite3_step(st)) == SQLITE_ROW && *n < limit) {
        cairn_search_hit_t *h = &hits[*n];
        docs[*n] = sqlite3_column_int64(st, 0);
        snprintf(h->id, sizeof h->id, "%s", (const char *)sqlite3_column_text(st, 1));
        h->version = (uint64_t)sqlite3_column_int64(st, 2);
        snprintf(h->title, sizeof h->title, "%s", (const char *)sqlite3_column_text(st, 3));
        h->pd_hours = sqlite3_column_double(st, 4);
        h->relevance = -sqlite3_column_double(st, 5);
        (*n)++;
    }
    sqlite3_reset(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return cairn_store_code(step);
    for (size_t i = 0; i < *n && rc == 0; i++)
        rc = explain(s, q, docs[i], hits[i].why);
    return rc;
}
