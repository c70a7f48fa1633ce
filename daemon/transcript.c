/*
 * transcript.c: an educator's PD-hours transcript (transcript.h): their awards not revoked,
 * joined to the catalog version each was awarded for (its title and PD hours; a stack's badge,
 * "stack:<id>" with version 0, to the stack: its title, 0 hours unless it has pd_hours), with
 * totals per calendar year. Days and years are the school's local ones ([school] timezone,
 * timezone.h).
 */
#include "transcript.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>

#include "store_priv.h"
#include "timezone.h"

int cairn_transcript_date(const char *s, size_t len, bool end_of_day, int64_t *ms, char *err,
                          size_t errlen)
{
    return cairn_timezone_day(s, len, end_of_day, ms, err, errlen);
}

int cairn_transcript_year_of(int64_t ms)
{
    char date[CAIRN_TIMEZONE_DATE_LEN + 1];
    int year;
    cairn_timezone_date(ms, date, &year);
    return year;
}

void cairn_transcript_free(cairn_transcript_t *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->awards[i].credential);
        free(t->awards[i].title);
    }
    free(t->awards);
    free(t->years);
    memset(t, 0, sizeof *t);
}

static char *dup_column(sqlite3_stmt *st, int col)
{
    const char *v = (const char *)sqlite3_column_text(st, col);
    return v != NULL ? strdup(v) : NULL;
}

/* Appends the row of st; 0 or -ENOMEM. */
static int add_row(cairn_transcript_t *t, size_t *cap, sqlite3_stmt *st)
{
    if (t->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        cairn_transcript_award_t *a = realloc(t->awards, ncap * sizeof *a);
        if (a == NULL)
            return -ENOMEM;
        t->awards = a;
        *cap = ncap;
    }
    cairn_transcript_award_t *a = &t->awards[t->n];
    memset(a, 0, sizeof *a);
    snprintf(a->award, sizeof a->award, "%s", (const char *)sqlite3_column_text(st, 0));
    a->credential = dup_column(st, 1);
    a->version = (uint64_t)sqlite3_column_int64(st, 2);
    a->title = dup_column(st, 3);
    a->pd_hours = a->title != NULL ? sqlite3_column_double(st, 4) : 0;
    a->issued = sqlite3_column_int64(st, 5);
    cairn_timezone_date(a->issued, a->date, &a->year);
    t->n++;
    if (a->credential == NULL || (a->title == NULL && sqlite3_column_type(st, 3) != SQLITE_NULL))
        return -ENOMEM;
    return 0;
}

/* Totals per year: the awards are in date order, so the years come ascending. */
static int add_years(cairn_transcript_t *t)
{
    if (t->n == 0)
        return 0;
    t->years = calloc(t->n, sizeof *t->years);
    if (t->years == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < t->n; i++) {
        int y = t->awards[i].year;
        if (t->nyears == 0 || t->years[t->nyears - 1].year != y)
            t->years[t->nyears++].year = y;
        t->years[t->nyears - 1].awards++;
        t->years[t->nyears - 1].pd_hours += t->awards[i].pd_hours;
        t->total_pd_hours += t->awards[i].pd_hours;
    }
    return 0;
}

int cairn_transcript_build(cairn_store_t *s, const char *educator, int64_t from, int64_t to,
                           cairn_transcript_t *t)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    memset(t, 0, sizeof *t);
    /* achievement is "credential@version" (review.c); split it to find that catalog version */
    int rc = cairn_store_stmt(
        s,
        "SELECT a.id, CASE WHEN instr(a.achievement, '@') > 0 THEN substr(a.achievement, 1,"
        "  instr(a.achievement, '@') - 1) ELSE a.achievement END AS cred,"
        " CASE WHEN instr(a.achievement, '@') > 0 THEN CAST(substr(a.achievement,"
        "  instr(a.achievement, '@') + 1) AS INTEGER) ELSE 0 END AS ver,"
        " coalesce(c.title, st.title), CASE WHEN c.title IS NOT NULL THEN c.pd_hours"
        "  ELSE coalesce(json_extract(st.json, '$.pd_hours'), 0) END, a.issued FROM awards a"
        " LEFT JOIN credentials c ON c.id = substr(a.achievement, 1,"
        "  instr(a.achievement, '@') - 1) AND c.version = CAST(substr(a.achievement,"
        "  instr(a.achievement, '@') + 1) AS INTEGER)"
        " LEFT JOIN stacks st ON a.achievement = 'stack:' || st.id"
        " WHERE a.educator = ?1 AND a.revoked IS NULL AND a.issued BETWEEN ?2 AND ?3"
        " ORDER BY a.issued, a.id",
        &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, educator, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    while (rc == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
        rc = t->n >= CAIRN_TRANSCRIPT_MAX ? CAIRN_ETOOBIG : add_row(t, &cap, st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        rc = 0;
    else if (rc > 0)
        rc = cairn_store_code(rc);
    if (rc == 0)
        rc = add_years(t);
    if (rc != 0)
        cairn_transcript_free(t);
    return rc;
}
