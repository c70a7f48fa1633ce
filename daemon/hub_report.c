/*
 * hub_report.c: awards, submissions in review and median review turnaround per school or per
 * credential (hub_report.h), from three grouped queries merged by key.
 */
#include "hub_report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>

#include "store_priv.h"

#define MS_PER_DAY 86400000.0

/* The group key and name of a submission row s (alias), for each grouping. */
#define SCHOOL_KEY "lower(hex(s.origin))"
#define SCHOOL_NAME "(SELECT name FROM peers p WHERE p.node = s.origin)"
#define CRED_KEY "s.credential"
#define CRED_NAME                                                                                  \
    "(SELECT title FROM credentials c WHERE c.id = s.credential ORDER BY version DESC LIMIT 1)"

static void group_free(cairn_report_group_t *g)
{
    free(g->key);
    free(g->name);
    free(g->days);
}

void cairn_hub_report_free(cairn_hub_report_t *r)
{
    for (size_t i = 0; i < r->n; i++)
        group_free(&r->groups[i]);
    free(r->groups);
    group_free(&r->total);
    memset(r, 0, sizeof *r);
}

double cairn_report_median(const double *v, size_t n)
{
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The group of key (added, with name, when new); NULL on ENOMEM or past the limit. */
static cairn_report_group_t *group_of(cairn_hub_report_t *r, sqlite3_stmt *st, int *rc)
{
    const char *key = (const char *)sqlite3_column_text(st, 0);
    const char *name = (const char *)sqlite3_column_text(st, 1);
    if (key == NULL)
        key = "";
    for (size_t i = r->n; i > 0; i--) /* rows come by key: the last group usually matches */
        if (strcmp(r->groups[i - 1].key, key) == 0)
            return &r->groups[i - 1];
    if (r->n >= CAIRN_REPORT_GROUPS_MAX) {
        *rc = CAIRN_ETOOBIG;
        return NULL;
    }
    if (r->n == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 16;
        cairn_report_group_t *g = realloc(r->groups, ncap * sizeof *g);
        if (g == NULL) {
            *rc = -ENOMEM;
            return NULL;
        }
        r->groups = g;
        r->cap = ncap;
    }
    cairn_report_group_t *g = &r->groups[r->n++];
    memset(g, 0, sizeof *g);
    g->key = strdup(key);
    g->name = name != NULL ? strdup(name) : NULL;
    if (g->key == NULL || (name != NULL && g->name == NULL)) {
        *rc = -ENOMEM;
        return NULL;
    }
    return g;
}

static int add_day(cairn_report_group_t *g, double d)
{
    if (g->ndays == g->capdays) {
        size_t ncap = g->capdays ? g->capdays * 2 : 8;
        double *v = realloc(g->days, ncap * sizeof *v);
        if (v == NULL)
            return -ENOMEM;
        g->days = v;
        g->capdays = ncap;
    }
    g->days[g->ndays++] = d;
    g->decided++;
    return 0;
}

/* kind 0: awards, 1: in review (column 2 a count); 2: turnarounds (column 2 in ms). */
static int run(cairn_store_t *s, cairn_hub_report_t *r, const char *sql, int kind)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, sql, &st);
    if (rc != 0)
        return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        cairn_report_group_t *g = group_of(r, st, &rc);
        if (g == NULL)
            break;
        int64_t v = sqlite3_column_int64(st, 2);
        if (kind == 0) {
            g->awards += (uint64_t)v;
            r->total.awards += (uint64_t)v;
        } else if (kind == 1) {
            g->in_review += (uint64_t)v;
            r->total.in_review += (uint64_t)v;
        } else {
            double d = (double)(v > 0 ? v : 0) / MS_PER_DAY;
            if ((rc = add_day(g, d)) == 0)
                rc = add_day(&r->total, d);
            if (rc != 0)
                break;
        }
    }
    sqlite3_reset(st);
    if (rc == 0 && step != SQLITE_DONE && step != SQLITE_ROW)
        rc = cairn_store_code(step);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_group(const void *a, const void *b)
{
    return strcmp(((const cairn_report_group_t *)a)->key, ((const cairn_report_group_t *)b)->key);
}

static void finish(cairn_report_group_t *g)
{
    if (g->ndays == 0)
        return;
    qsort(g->days, g->ndays, sizeof *g->days, cmp_double);
    g->median_days = cairn_report_median(g->days, g->ndays);
}

/* The three queries for a grouping (static: the statement cache is keyed by address). */
#define AWARDS_SQL(key, name)                                                                      \
    "SELECT " key " AS k, " name ", count(*) FROM awards a JOIN submissions s ON s.id ="           \
    " a.submission WHERE a.revoked IS NULL GROUP BY k ORDER BY k"
#define IN_REVIEW_SQL(key, name)                                                                   \
    "SELECT " key " AS k, " name ", count(*) FROM submissions s WHERE s.state IN ('submitted',"    \
    " 'in-review') GROUP BY k ORDER BY k"
/* wall-clock ms of an HLC: its top 48 bits */
#define TURNAROUND_SQL(key, name)                                                                  \
    "SELECT " key " AS k, " name ", ((SELECT min(hlc) FROM review_decisions d WHERE"               \
    " d.submission = s.id) >> 16) - (s.submitted >> 16) FROM submissions s WHERE s.submitted"      \
    " IS NOT NULL AND EXISTS(SELECT 1 FROM review_decisions d WHERE d.submission = s.id)"          \
    " ORDER BY k"

static const char *const school_sql[3] = {AWARDS_SQL(SCHOOL_KEY, SCHOOL_NAME),
                                          IN_REVIEW_SQL(SCHOOL_KEY, SCHOOL_NAME),
                                          TURNAROUND_SQL(SCHOOL_KEY, SCHOOL_NAME)};
static const char *const cred_sql[3] = {AWARDS_SQL(CRED_KEY, CRED_NAME),
                                        IN_REVIEW_SQL(CRED_KEY, CRED_NAME),
                                        TURNAROUND_SQL(CRED_KEY, CRED_NAME)};

int cairn_hub_report_build(cairn_store_t *s, bool by_school, cairn_hub_report_t *r)
{
    const char *const *sql = by_school ? school_sql : cred_sql;
    memset(r, 0, sizeof *r);
    int rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++)
        rc = run(s, r, sql[i], i);
    if (rc == 0 && (r->total.key = strdup("")) == NULL)
        rc = -ENOMEM;
    if (rc != 0) {
        cairn_hub_report_free(r);
        return rc;
    }
    if (r->n > 0) /* qsort wants a non-NULL base even for no element (UBSan, fuzz_api) */
        qsort(r->groups, r->n, sizeof *r->groups, cmp_group);
    for (size_t i = 0; i < r->n; i++)
        finish(&r->groups[i]);
    finish(&r->total);
    return 0;
}
