/*
 * transcript.c: an educator's PD-hours transcript (transcript.h): their awards not revoked,
 * joined to the catalog version each was awarded for (its title and PD hours), with totals per
 * UTC calendar year. Dates are civil days converted without the C library's time zone.
 */
#include "transcript.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>

#include "store_priv.h"

#define MS_PER_DAY 86400000LL

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

int cairn_transcript_date(const char *s, size_t len, bool end_of_day, int64_t *ms, char *err,
                          size_t errlen)
{
    bool shape = len == 10 && s[4] == '-' && s[7] == '-';
    for (size_t i = 0; shape && i < len; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            shape = false;
    if (!shape) {
        snprintf(err, errlen, "bad date '%.*s': expected YYYY-MM-DD", (int)(len > 40 ? 40 : len),
                 s);
        return CAIRN_EINVAL;
    }
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > month_days(y, m)) {
        snprintf(err, errlen, "bad date '%.10s': no such day (years 1970 to 9999)", s);
        return CAIRN_EINVAL;
    }
    *ms = days_from_civil(y, m, d) * MS_PER_DAY + (end_of_day ? MS_PER_DAY - 1 : 0);
    return 0;
}

int cairn_transcript_year_of(int64_t ms)
{
    /* civil_from_days, year only */
    int64_t z = ms / MS_PER_DAY + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    return (int)(yoe + era * 400 + (m <= 2));
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
        int y = cairn_transcript_year_of(t->awards[i].issued);
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
        "SELECT a.id, substr(a.achievement, 1, instr(a.achievement, '@') - 1) AS cred,"
        " CAST(substr(a.achievement, instr(a.achievement, '@') + 1) AS INTEGER) AS ver,"
        " c.title, c.pd_hours, a.issued FROM awards a"
        " LEFT JOIN credentials c ON c.id = substr(a.achievement, 1,"
        "  instr(a.achievement, '@') - 1) AND c.version = CAST(substr(a.achievement,"
        "  instr(a.achievement, '@') + 1) AS INTEGER)"
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
