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

#include "search_stats.h"
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
    if ((rc = cairn_search_stats_indexed(s)) != 0) {
        sqlite3_reset(st);
        return rc;
    }
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

/* highlight() tokenizes its column's whole text, so only the columns asked for in ?3 (a bitmask)
 * are highlighted: CASE evaluates its THEN only when the WHEN holds. */
#define HIGHLIGHT(k)                                                                               \
    " CASE WHEN ?3 & (1 << " #k ") THEN highlight(search_fts, " #k ", char(1), char(2)) END"

/* The "why" of one hit: the words of its first COLUMNS_SHOWN columns (in why_order) that said
 * anything. hitcols (cairn_hitcols) says which columns hold a match, so only those are
 * highlighted, normally two short ones instead of all seven with the research paragraph. */
static int explain(cairn_store_t *s, const char *match, sqlite3_int64 doc, unsigned hitcols,
                   char *why)
{
    sqlite3_stmt *st = NULL;
    size_t used = 0;
    unsigned done = 0;
    int shown = 0, step = SQLITE_DONE;
    int rc = cairn_store_stmt(
        s,
        "SELECT" HIGHLIGHT(0) "," HIGHLIGHT(1) "," HIGHLIGHT(2) "," HIGHLIGHT(3) "," HIGHLIGHT(
            4) "," HIGHLIGHT(5) "," HIGHLIGHT(6) " FROM search_fts WHERE search_fts MATCH ?1 AND "
                                                 "rowid = ?2",
        &st);
    why[0] = '\0';
    if (rc != 0)
        return rc;
    while (shown < COLUMNS_SHOWN && (hitcols & ~done) != 0) {
        unsigned want = 0;
        for (int k = 0, n = shown; k < NCOLS && n < COLUMNS_SHOWN; k++) {
            unsigned bit = 1u << why_order[k];
            if ((hitcols & ~done & bit) != 0) {
                want |= bit;
                n++;
            }
        }
        sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, doc);
        sqlite3_bind_int(st, 3, (int)want);
        step = sqlite3_step(st);
        for (int k = 0; step == SQLITE_ROW && k < NCOLS && shown < COLUMNS_SHOWN; k++) {
            size_t before = used;
            if ((want & (1u << why_order[k])) == 0)
                continue;
            why_column(why, &used, col_name[why_order[k]],
                       (const char *)sqlite3_column_text(st, why_order[k]));
            shown += used > before;
        }
        sqlite3_reset(st);
        if (step != SQLITE_ROW)
            break;
        done |= want;
    }
    sqlite3_clear_bindings(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : cairn_store_code(step);
}

typedef struct plan plan_t;
static int search_planned(cairn_store_t *s, const plan_t *plan, const cairn_search_filter_t *f,
                          cairn_search_hit_t *hits, size_t *n);

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
#define NARROW_COLUMNS "{title competency key_method tags}"

typedef struct {
    size_t term;
    int64_t df, hit_df;
} planned_t;

/* The expression to run and the idf of each of its phrases, in order (cairn_bm25's argument). */
struct plan {
    char *match;
    cairn_search_idf_t idf;
};

static int by_df(const void *a, const void *b)
{
    const planned_t *x = a, *y = b;
    if (x->df != y->df)
        return x->df < y->df ? -1 : 1;
    return x->term < y->term ? -1 : x->term > y->term;
}

static size_t append_terms(plan_t *out, size_t used, size_t need, const cairn_search_query_t *q,
                           const planned_t *p, size_t from, size_t to, int64_t docs)
{
    for (size_t i = from; i < to; i++) {
        used += (size_t)snprintf(out->match + used, need - used, "%s\"%s\"", i > from ? " OR " : "",
                                 q->terms[p[i].term]);
        if (out->idf.n < CAIRN_SEARCH_PHRASES_MAX)
            out->idf.idf[out->idf.n++] = cairn_search_idf(docs, p[i].hit_df);
    }
    return used;
}

static int plan_query(cairn_store_t *s, const cairn_search_query_t *q, plan_t *out)
{
    planned_t plan[CAIRN_SEARCH_TERMS_MAX];
    int64_t docs = 0, sum = 0;
    size_t need = 128, kept = 0, rare = 0, used = 0, nonzero = 0;
    bool narrow;
    int rc = cairn_search_stats_begin(s);
    if (rc == 0)
        rc = cairn_search_stats_docs(s, &docs);
    out->match = NULL;
    out->idf.n = 0;
    for (size_t i = 0; i < q->nterms && rc == 0; i++) {
        need += 2 * (strlen(q->terms[i]) + 6);
        plan[nonzero].term = i;
        rc = cairn_search_stats_df(s, q->terms[i], &plan[nonzero].df, &plan[nonzero].hit_df);
        nonzero += rc == 0 && plan[nonzero].df > 0;
    }
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < nonzero; i++) {
        double df = (double)plan[i].df;
        if (log(((double)docs - df + 0.5) / (df + 0.5)) >= 0.0)
            plan[kept++] = plan[i];
    }
    if (kept == 0)
        kept = nonzero; /* every word is common: keep them all */
    if ((out->match = malloc(need)) == NULL)
        return -ENOMEM;
    if (kept == 0) { /* nothing matches anything: run as typed, for an empty answer */
        snprintf(out->match, need, "%s", q->match);
        return 0;
    }
    qsort(plan, kept, sizeof plan[0], by_df);
    while (rare < kept && (rare == 0 || sum + plan[rare].df <= CANDIDATE_BUDGET))
        sum += plan[rare++].df;
    narrow = plan[0].df > CANDIDATE_BUDGET;
    if (rare == kept && !narrow) {
        append_terms(out, 0, need, q, plan, 0, kept, docs);
        return 0;
    }
    used = (size_t)snprintf(out->match, need, "%s((", narrow ? NARROW_COLUMNS " : " : "");
    used = append_terms(out, used, need, q, plan, 0, rare, docs);
    used += (size_t)snprintf(out->match + used, need - used, ")) AND (");
    used = append_terms(out, used, need, q, plan, 0, kept, docs);
    snprintf(out->match + used, need - used, ")");
    return 0;
}

int cairn_search_run(cairn_store_t *s, const cairn_search_query_t *q,
                     const cairn_search_filter_t *f, cairn_search_hit_t *hits, size_t *n)
{
    plan_t plan;
    *n = 0;
    int rc = plan_query(s, q, &plan);
    if (rc == 0)
        rc = search_planned(s, &plan, f, hits, n);
    free(plan.match);
    return rc;
}

/* A ranked row before its credential is read. */
typedef struct {
    sqlite3_int64 doc;
    double score;
    unsigned hitcols;
    cairn_search_hit_t *hit;
} ranked_t;

static int by_score_then_id(const void *a, const void *b)
{
    const ranked_t *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? -1 : 1;
    return strcmp(x->hit->id, y->hit->id);
}

/* Ties at the cut are all read so the order by id is exact, up to this many rows. */
#define RANKED_MAX (2 * CAIRN_SEARCH_LIMIT_MAX)

/*
 * The common case (no hours or peer-review filter): rank from the index alone, then read only the
 * returned credentials' rows. Joining search_docs for every candidate read a large row (its
 * texts) per candidate, up to thousands, and pushed the index out of the page cache.
 */
static int rank_from_index(cairn_store_t *s, const plan_t *plan, const cairn_search_filter_t *f,
                           unsigned limit, cairn_search_hit_t *hits, sqlite3_int64 *docs,
                           unsigned *hitcols, size_t *n)
{
    cairn_search_hit_t spare[RANKED_MAX - CAIRN_SEARCH_LIMIT_MAX];
    ranked_t r[RANKED_MAX];
    size_t nr = 0;
    sqlite3_stmt *st = NULL, *row = NULL;
    int step, rc = cairn_store_stmt(
                  s,
                  "SELECT rowid, cairn_bm25(search_fts, ?2) AS score, cairn_hitcols(search_fts)"
                  " FROM search_fts"
                  " WHERE search_fts MATCH ?1 AND (?3 IS NULL OR rowid IN (SELECT d.doc"
                  "  FROM stack_credentials sc JOIN search_docs d ON d.id = sc.credential"
                  "  WHERE sc.stack = ?3))"
                  " ORDER BY score",
                  &st);
    if (rc == 0)
        rc = cairn_store_stmt(s,
                              "SELECT id, version, title, pd_hours FROM search_docs"
                              " WHERE doc = ?1",
                              &row);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, plan->match, -1, SQLITE_STATIC);
    sqlite3_bind_pointer(st, 2, (void *)&plan->idf, CAIRN_SEARCH_IDF_TYPE, NULL);
    if (f->stack != NULL)
        sqlite3_bind_text(st, 3, f->stack, (int)f->stack_len, SQLITE_STATIC);
    while (nr < RANKED_MAX && (step = sqlite3_step(st)) == SQLITE_ROW) {
        double score = sqlite3_column_double(st, 1);
        if (nr >= limit && score != r[nr - 1].score)
            break;
        r[nr].doc = sqlite3_column_int64(st, 0);
        r[nr].score = score;
        r[nr].hitcols = (unsigned)sqlite3_column_int(st, 2);
        r[nr].hit = nr < CAIRN_SEARCH_LIMIT_MAX ? &hits[nr] : &spare[nr - CAIRN_SEARCH_LIMIT_MAX];
        nr++;
    }
    if (nr == RANKED_MAX)
        step = SQLITE_ROW;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return cairn_store_code(step);
    for (size_t i = 0; i < nr && rc == 0; i++) {
        cairn_search_hit_t *h = r[i].hit;
        sqlite3_bind_int64(row, 1, r[i].doc);
        if ((step = sqlite3_step(row)) == SQLITE_ROW) {
            snprintf(h->id, sizeof h->id, "%s", (const char *)sqlite3_column_text(row, 0));
            h->version = (uint64_t)sqlite3_column_int64(row, 1);
            snprintf(h->title, sizeof h->title, "%s", (const char *)sqlite3_column_text(row, 2));
            h->pd_hours = sqlite3_column_double(row, 3);
            h->relevance = -r[i].score;
        } else {
            rc = step == SQLITE_DONE ? CAIRN_ESTORE : cairn_store_code(step);
        }
        sqlite3_reset(row);
    }
    if (rc != 0)
        return rc;
    qsort(r, nr, sizeof r[0], by_score_then_id);
    cairn_search_hit_t sorted[CAIRN_SEARCH_LIMIT_MAX];
    for (*n = 0; *n < nr && *n < limit; (*n)++) {
        sorted[*n] = *r[*n].hit;
        docs[*n] = r[*n].doc;
        hitcols[*n] = r[*n].hitcols;
    }
    memcpy(hits, sorted, *n * sizeof hits[0]);
    return 0;
}

/* Ranks with cairn_bm25 (search_stats.h: bm25 with the planner's idfs, not recounted). */
static int search_planned(cairn_store_t *s, const plan_t *plan, const cairn_search_filter_t *f,
                          cairn_search_hit_t *hits, size_t *n)
{
    sqlite3_stmt *st = NULL;
    sqlite3_int64 docs[CAIRN_SEARCH_LIMIT_MAX];
    unsigned hitcols[CAIRN_SEARCH_LIMIT_MAX];
    unsigned limit =
        f->limit == 0 || f->limit > CAIRN_SEARCH_LIMIT_MAX ? CAIRN_SEARCH_LIMIT_MAX : f->limit;
    int step, rc = 0;
    *n = 0;
    if (!f->has_max_hours && !f->peer_reviewable) {
        rc = rank_from_index(s, plan, f, limit, hits, docs, hitcols, n);
        for (size_t i = 0; i < *n && rc == 0; i++)
            rc = explain(s, plan->match, docs[i], hitcols[i], hits[i].why);
        return rc;
    }
    rc = cairn_store_stmt(s,
                          "SELECT d.doc, d.id, d.version, d.title, d.pd_hours,"
                          " cairn_bm25(search_fts, ?6) AS score, cairn_hitcols(search_fts)"
                          " FROM search_fts JOIN search_docs d ON d.doc = search_fts.rowid"
                          " WHERE search_fts MATCH ?1"
                          " AND (?2 IS NULL OR d.id IN (SELECT credential FROM stack_credentials"
                          "  WHERE stack = ?2))"
                          " AND (?3 IS NULL OR d.pd_hours <= ?3)"
                          " AND (?4 = 0 OR d.peer_reviewable = 1)"
                          " ORDER BY score, d.id LIMIT ?5",
                          &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, plan->match, -1, SQLITE_STATIC);
    if (f->stack != NULL)
        sqlite3_bind_text(st, 2, f->stack, (int)f->stack_len, SQLITE_STATIC);
    if (f->has_max_hours)
        sqlite3_bind_double(st, 3, f->max_hours);
    sqlite3_bind_int(st, 4, f->peer_reviewable);
    sqlite3_bind_int(st, 5, (int)limit);
    sqlite3_bind_pointer(st, 6, (void *)&plan->idf, CAIRN_SEARCH_IDF_TYPE, NULL);
    while ((step = sqlite3_step(st)) == SQLITE_ROW && *n < limit) {
        cairn_search_hit_t *h = &hits[*n];
        docs[*n] = sqlite3_column_int64(st, 0);
        snprintf(h->id, sizeof h->id, "%s", (const char *)sqlite3_column_text(st, 1));
        h->version = (uint64_t)sqlite3_column_int64(st, 2);
        snprintf(h->title, sizeof h->title, "%s", (const char *)sqlite3_column_text(st, 3));
        h->pd_hours = sqlite3_column_double(st, 4);
        h->relevance = -sqlite3_column_double(st, 5);
        hitcols[*n] = (unsigned)sqlite3_column_int(st, 6);
        (*n)++;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return cairn_store_code(step);
    for (size_t i = 0; i < *n && rc == 0; i++)
        rc = explain(s, plan->match, docs[i], hitcols[i], hits[i].why);
    return rc;
}
