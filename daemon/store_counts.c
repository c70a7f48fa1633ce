/*
 * store_counts.c: counting what the store holds, for `cairn status`. Read-only.
 */
#include <string.h>

#include <cairn/err.h>

#include "store_priv.h"

/* Runs a cached query whose rows are (key text or NULL, count); fn gets each row. */
static int count_query(cairn_store_t *s, const char *sql, cairn_store_counts_t *out,
                       void (*fn)(cairn_store_counts_t *, const char *, uint64_t))
{
    sqlite3_stmt *st = NULL;
    int step, rc = cairn_store_stmt(s, sql, &st);
    if (rc != 0)
        return rc;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        fn(out, (const char *)sqlite3_column_text(st, 0), (uint64_t)sqlite3_column_int64(st, 1));
    sqlite3_reset(st);
    return step == SQLITE_DONE ? 0 : cairn_store_code(step);
}

static void put_totals(cairn_store_counts_t *c, const char *what, uint64_t n)
{
    if (strcmp(what, "events") == 0)
        c->events = n;
    else if (strcmp(what, "educators") == 0)
        c->educators = n;
    else if (strcmp(what, "credentials") == 0)
        c->credentials = n;
}

static void put_state(cairn_store_counts_t *c, const char *state, uint64_t n)
{
    if (state == NULL)
        return;
    if (strcmp(state, "draft") == 0)
        c->draft = n;
    else if (strcmp(state, "submitted") == 0)
        c->submitted = n;
    else if (strcmp(state, "withdrawn") == 0)
        c->withdrawn = n;
    else if (strcmp(state, "in-review") == 0)
        c->in_review = n;
    else if (strcmp(state, "not-yet") == 0)
        c->not_yet = n;
    else if (strcmp(state, "meets") == 0)
        c->meets = n;
    else if (strcmp(state, "awarded") == 0)
        c->awarded = n;
}

int cairn_store_event_count(cairn_store_t *s, uint64_t *n)
{
    cairn_store_counts_t c = {0};
    int rc = count_query(s, "SELECT 'events', count(*) FROM events", &c, put_totals);
    *n = c.events;
    return rc;
}

/* Credentials are counted once per id, however many versions are held. */
int cairn_store_counts(cairn_store_t *s, cairn_store_counts_t *out)
{
    memset(out, 0, sizeof *out);
    int rc = count_query(s,
                         "SELECT 'events', count(*) FROM events"
                         " UNION ALL SELECT 'educators', count(*) FROM educators"
                         " UNION ALL SELECT 'credentials', count(DISTINCT id) FROM credentials",
                         out, put_totals);
    if (rc == 0)
        rc = count_query(s, "SELECT state, count(*) FROM submissions GROUP BY state", out,
                         put_state);
    return rc;
}
