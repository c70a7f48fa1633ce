/*
 * staff_view.c: the educators x credentials matrix of states (staff_view.h). Educators and
 * credentials are read into arrays, each with an index sorted by id so the rows of the three
 * state queries find their cell by binary search.
 */
#include "staff_view.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>

#include "store_priv.h"

static const char *const cell_names[] = {"-",       "recommended", "in progress",
                                         "not yet", "in review",   "earned"};

const char *cairn_staff_cell_name(cairn_cell_t c)
{
    return (unsigned)c < sizeof cell_names / sizeof cell_names[0] ? cell_names[c] : "?";
}

void cairn_staff_view_free(cairn_staff_view_t *v)
{
    for (size_t i = 0; i < v->ne; i++)
        free(v->educators[i].name);
    for (size_t i = 0; i < v->nc; i++) {
        free(v->creds[i].id);
        free(v->creds[i].title);
    }
    free(v->educators);
    free(v->creds);
    free(v->cells);
    memset(v, 0, sizeof *v);
}

/* Ids sorted, each with its position in the view. */
typedef struct {
    const char *id;
    size_t pos;
} idx_t;

static int idx_cmp(const void *a, const void *b)
{
    return strcmp(((const idx_t *)a)->id, ((const idx_t *)b)->id);
}

static long idx_find(const idx_t *idx, size_t n, const char *id)
{
    if (id == NULL)
        return -1;
    idx_t key = {id, 0};
    const idx_t *hit = bsearch(&key, idx, n, sizeof *idx, idx_cmp);
    return hit != NULL ? (long)hit->pos : -1;
}

static char *dup_col(sqlite3_stmt *st, int col)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    return t != NULL ? strdup(t) : NULL;
}

static int step_done(sqlite3_stmt *st, int rc)
{
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : rc < 0 ? rc : cairn_store_code(rc);
}

static int load_educators(cairn_store_t *s, cairn_staff_view_t *v)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc = cairn_store_stmt(s,
                              "SELECT id, name, role FROM educators"
                              " WHERE role IN ('teacher', 'leader') ORDER BY name, id",
                              &st);
    if (rc != 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (v->ne == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            cairn_staff_educator_t *e = realloc(v->educators, ncap * sizeof *e);
            if (e == NULL) {
                rc = -ENOMEM;
                break;
            }
            v->educators = e;
            cap = ncap;
        }
        cairn_staff_educator_t *e = &v->educators[v->ne];
        memset(e, 0, sizeof *e);
        snprintf(e->id, sizeof e->id, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(e->role, sizeof e->role, "%s", (const char *)sqlite3_column_text(st, 2));
        e->name = dup_col(st, 1);
        v->ne++;
        if (e->name == NULL) {
            rc = -ENOMEM;
            break;
        }
    }
    return step_done(st, rc);
}

static int load_creds(cairn_store_t *s, const char *stack, cairn_staff_view_t *v)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;
    if (stack != NULL) {
        rc = cairn_store_stmt(s, "SELECT 1 FROM stacks WHERE id = ?1", &st);
        if (rc != 0)
            return rc;
        sqlite3_bind_text(st, 1, stack, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_ROW)
            return rc == SQLITE_DONE ? CAIRN_ENOTFOUND : cairn_store_code(rc);
        rc = cairn_store_stmt(s,
                              "SELECT m.credential, c.title FROM stack_credentials m"
                              " LEFT JOIN credentials c ON c.id = m.credential AND c.version ="
                              " (SELECT max(version) FROM credentials WHERE id = m.credential)"
                              " WHERE m.stack = ?1 ORDER BY m.pos",
                              &st);
    } else {
        rc = cairn_store_stmt(s,
                              "SELECT c.id, c.title FROM credentials c WHERE c.version ="
                              " (SELECT max(version) FROM credentials WHERE id = c.id)"
                              " ORDER BY c.id",
                              &st);
    }
    if (rc != 0)
        return rc;
    if (stack != NULL)
        sqlite3_bind_text(st, 1, stack, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (v->nc == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            cairn_staff_cred_t *c = realloc(v->creds, ncap * sizeof *c);
            if (c == NULL) {
                rc = -ENOMEM;
                break;
            }
            v->creds = c;
            cap = ncap;
        }
        cairn_staff_cred_t *c = &v->creds[v->nc++];
        c->id = dup_col(st, 0);
        c->title = dup_col(st, 1);
        if (c->id == NULL || (c->title == NULL && sqlite3_column_type(st, 1) != SQLITE_NULL)) {
            rc = -ENOMEM;
            break;
        }
    }
    return step_done(st, rc);
}

/* Sets the cell of (educator column 0, credential column 1) of each row of sql to
 * what(row), for a cell still at most `below`. Rows come ordered so the first per pair wins
 * when `first_only`. */
typedef cairn_cell_t (*cell_fn)(sqlite3_stmt *st);

static int fill(cairn_store_t *s, cairn_staff_view_t *v, const idx_t *ei, const idx_t *ci,
                const char *sql, bool first_only, cell_fn what)
{
    sqlite3_stmt *st = NULL;
    char last_e[CAIRN_ID_TEXT_LEN + 1] = "", last_c[80] = "";
    int rc = cairn_store_stmt(s, sql, &st);
    if (rc != 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *e = (const char *)sqlite3_column_text(st, 0),
                   *c = (const char *)sqlite3_column_text(st, 1);
        if (e == NULL || c == NULL)
            continue;
        if (first_only) {
            if (strcmp(e, last_e) == 0 && strcmp(c, last_c) == 0)
                continue;
            snprintf(last_e, sizeof last_e, "%s", e);
            snprintf(last_c, sizeof last_c, "%s", c);
        }
        long r = idx_find(ei, v->ne, e), k = idx_find(ci, v->nc, c);
        if (r < 0 || k < 0)
            continue;
        uint8_t *cell = &v->cells[(size_t)r * v->nc + (size_t)k];
        cairn_cell_t want = what(st);
        if (want > *cell)
            *cell = (uint8_t)want;
    }
    return step_done(st, rc);
}

static cairn_cell_t from_submission(sqlite3_stmt *st)
{
    const char *state = (const char *)sqlite3_column_text(st, 2);
    if (state == NULL)
        return CAIRN_CELL_NONE;
    if (strcmp(state, "draft") == 0)
        return CAIRN_CELL_IN_PROGRESS;
    if (strcmp(state, "submitted") == 0 || strcmp(state, "in-review") == 0)
        return CAIRN_CELL_IN_REVIEW;
    if (strcmp(state, "not-yet") == 0)
        return CAIRN_CELL_NOT_YET;
    if ((strcmp(state, "meets") == 0 || strcmp(state, "awarded") == 0) &&
        sqlite3_column_int(st, 3) == 0)
        return CAIRN_CELL_EARNED;
    return CAIRN_CELL_NONE; /* withdrawn, or its award revoked */
}

static cairn_cell_t earned(sqlite3_stmt *st)
{
    (void)st;
    return CAIRN_CELL_EARNED;
}

static cairn_cell_t recommended(sqlite3_stmt *st)
{
    (void)st;
    return CAIRN_CELL_RECOMMENDED;
}

static int fill_cells(cairn_store_t *s, cairn_staff_view_t *v)
{
    idx_t *ei = malloc((v->ne + 1) * sizeof *ei), *ci = malloc((v->nc + 1) * sizeof *ci);
    int rc = 0;
    if (ei == NULL || ci == NULL) {
        free(ei);
        free(ci);
        return -ENOMEM;
    }
    for (size_t i = 0; i < v->ne; i++)
        ei[i] = (idx_t){v->educators[i].id, i};
    for (size_t i = 0; i < v->nc; i++)
        ci[i] = (idx_t){v->creds[i].id, i};
    qsort(ei, v->ne, sizeof *ei, idx_cmp);
    qsort(ci, v->nc, sizeof *ci, idx_cmp);
    /* the latest attempt per (educator, credential) decides, as in stack_progress.c */
    rc = fill(s, v, ei, ci,
              "SELECT s.educator, s.credential, s.state, EXISTS(SELECT 1 FROM awards a"
              "  WHERE a.submission = s.id AND a.revoked IS NOT NULL)"
              " FROM submissions s ORDER BY s.educator, s.credential, s.attempt DESC,"
              " s.created DESC",
              true, from_submission);
    if (rc == 0)
        rc = fill(s, v, ei, ci,
                  "SELECT educator, substr(achievement, 1, instr(achievement, '@') - 1)"
                  " FROM awards WHERE revoked IS NULL",
                  false, earned);
    if (rc == 0)
        rc = fill(s, v, ei, ci,
                  "SELECT to_educator, credential FROM recommendations WHERE state = 'open'", false,
                  recommended);
    free(ei);
    free(ci);
    return rc;
}

int cairn_staff_view_build(cairn_store_t *s, const char *stack, cairn_staff_view_t *v)
{
    memset(v, 0, sizeof *v);
    int rc = load_educators(s, v);
    if (rc == 0)
        rc = load_creds(s, stack, v);
    if (rc == 0 && v->nc > 0 && v->ne > CAIRN_STAFF_CELLS_MAX / v->nc)
        rc = CAIRN_ETOOBIG;
    if (rc == 0 && (v->cells = calloc(v->ne * v->nc + 1, 1)) == NULL)
        rc = -ENOMEM;
    if (rc == 0)
        rc = fill_cells(s, v);
    if (rc != 0)
        cairn_staff_view_free(v);
    return rc;
}
