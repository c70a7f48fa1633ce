/*
 * stack_complete.c: see stack_complete.h. The hub side (the rule, issuing) and the lookups the
 * views use; the projector of stack.complete is in projection_stack.c.
 */
#include "stack_complete.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "award.h"
#include "store_priv.h"

int cairn_stack_complete_rule(cairn_store_t *s, const char *educator, const char *stack,
                              cairn_stack_members_t *m)
{
    sqlite3_stmt *st = NULL;
    int step, rc = cairn_store_stmt(
                  s,
                  "SELECT m.credential, coalesce((SELECT c.title FROM credentials c WHERE c.id ="
                  "  m.credential ORDER BY c.version DESC LIMIT 1), ''),"
                  " (SELECT a.id FROM awards a WHERE a.educator = ?1 AND a.revoked IS NULL"
                  "  AND instr(a.achievement, '@') > 0"
                  "  AND substr(a.achievement, 1, instr(a.achievement, '@') - 1) = m.credential"
                  "  ORDER BY a.issued, a.id LIMIT 1)"
                  " FROM stack_credentials m WHERE m.stack = ?2 ORDER BY m.pos",
                  &st);
    memset(m, 0, sizeof *m);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, educator, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, stack, -1, SQLITE_STATIC);
    m->complete = true;
    while ((step = sqlite3_step(st)) == SQLITE_ROW && m->n < CAIRN_STACK_MEMBERS_MAX) {
        size_t i = m->n++;
        const char *award = (const char *)sqlite3_column_text(st, 2);
        snprintf(m->credential[i], sizeof m->credential[i], "%s",
                 (const char *)sqlite3_column_text(st, 0));
        snprintf(m->title[i], sizeof m->title[i], "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(m->award[i], sizeof m->award[i], "%s", award != NULL ? award : "");
        m->complete = m->complete && award != NULL;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    m->complete = m->complete && m->n > 0;
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : cairn_store_code(step);
}

int cairn_stack_badge(cairn_store_t *s, const char *educator, const char *stack,
                      char award[CAIRN_ID_TEXT_LEN + 1], int64_t *issued)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s,
                              "SELECT id, issued FROM awards WHERE educator = ?1"
                              " AND achievement = '" CAIRN_STACK_ACHIEVEMENT_PREFIX "' || ?2"
                              " AND revoked IS NULL ORDER BY issued, id LIMIT 1",
                              &st);
    award[0] = '\0';
    *issued = 0;
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, educator, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, stack, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        snprintf(award, CAIRN_ID_TEXT_LEN + 1, "%s", (const char *)sqlite3_column_text(st, 0));
        *issued = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : cairn_store_code(step);
}

/* Signs and appends one stack.complete. */
static int issue(cairn_store_t *s, const char *datadir, const char *educator, const char *stack,
                 const cairn_stack_members_t *m, const char *partition, uint64_t now_ms, char *err,
                 size_t errlen)
{
    const char *awards[CAIRN_STACK_MEMBERS_MAX], *creds[CAIRN_STACK_MEMBERS_MAX],
        *titles[CAIRN_STACK_MEMBERS_MAX];
    char id[CAIRN_ID_TEXT_LEN + 1], achievement[80];
    cairn_id_t aid;
    cairn_award_signed_t sig = {0};
    cairn_mpbuf_t body;
    for (size_t i = 0; i < m->n; i++) {
        awards[i] = m->award[i];
        creds[i] = m->credential[i];
        titles[i] = m->title[i][0] != '\0' ? m->title[i] : m->credential[i];
    }
    cairn_id_new(&aid);
    cairn_id_format(&aid, id);
    const cairn_award_stack_req_t r = {id, educator, stack, now_ms, awards, creds, titles, m->n};
    int rc = cairn_award_sign_stack(s, datadir, &r, &sig, err, errlen);
    if (rc != 0)
        return rc;
    snprintf(achievement, sizeof achievement, CAIRN_STACK_ACHIEVEMENT_PREFIX "%s", stack);
    cairn_mpbuf_init(&body);
    msgpack_pack_map(&body.pk, 8);
    cairn_mp_pack_kv_strn(&body.pk, "credential", sig.json, sig.len);
    cairn_mp_pack_kv_str(&body.pk, "status_list", sig.status_list);
    cairn_mp_pack_kv_u64(&body.pk, "status_index", sig.status_index);
    cairn_mp_pack_kv_str(&body.pk, "educator", educator);
    cairn_mp_pack_kv_str(&body.pk, "stack", stack);
    cairn_mp_pack_kv_str(&body.pk, "achievement", achievement);
    cairn_mp_pack_kv_u64(&body.pk, "issued", now_ms);
    cairn_mp_pack_cstr(&body.pk, "awards");
    msgpack_pack_array(&body.pk, (uint32_t)m->n);
    for (size_t i = 0; i < m->n; i++)
        cairn_mp_pack_cstr(&body.pk, m->award[i]);
    free(sig.json);
    rc = cairn_store_append_body(s, partition, "stack.complete", id, &body);
    if (rc != 0) {
        snprintf(err, errlen, "storing stack.complete for %s: %s", stack, cairn_strerror(rc));
        return rc;
    }
    if (sig.status_index == 0) /* the first entry of a list publishes it, as for awards */
        rc = cairn_award_publish_list(s, datadir, sig.status_list, now_ms, err, errlen);
    return rc;
}

int cairn_stack_complete_after_award(cairn_store_t *s, const char *datadir, const char *educator,
                                     const char *credential, const char *partition, uint64_t now_ms,
                                     char *err, size_t errlen)
{
    char stacks[16][65], badge[CAIRN_ID_TEXT_LEN + 1];
    size_t nstacks = 0;
    int64_t issued;
    sqlite3_stmt *st = NULL;
    if (datadir == NULL)
        return 0;
    int step, rc = cairn_store_stmt(s,
                                    "SELECT stack FROM stack_credentials WHERE credential = ?1"
                                    " ORDER BY stack",
                                    &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, credential, -1, SQLITE_STATIC);
    /* a credential in more than 16 stacks: the rest complete at their next award */
    while ((step = sqlite3_step(st)) == SQLITE_ROW && nstacks < 16)
        snprintf(stacks[nstacks++], sizeof stacks[0], "%s",
                 (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return cairn_store_code(step);
    cairn_stack_members_t *m = malloc(sizeof *m);
    if (m == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < nstacks && rc == 0; i++) {
        rc = cairn_stack_badge(s, educator, stacks[i], badge, &issued);
        if (rc == 0 && badge[0] == '\0')
            rc = cairn_stack_complete_rule(s, educator, stacks[i], m);
        if (rc == 0 && badge[0] == '\0' && m->complete)
            rc = issue(s, datadir, educator, stacks[i], m, partition, now_ms, err, errlen);
    }
    free(m);
    if (rc != 0 && err[0] == '\0')
        snprintf(err, errlen, "completing stacks: %s", cairn_strerror(rc));
    return rc;
}

int cairn_stack_badges_using(cairn_store_t *s, const char *award, char out[][CAIRN_ID_TEXT_LEN + 1],
                             size_t max, size_t *n)
{
    sqlite3_stmt *st = NULL;
    int step,
        rc = cairn_store_stmt(s,
                              "SELECT b.id FROM awards a JOIN awards b ON b.educator = a.educator"
                              " AND b.achievement LIKE '" CAIRN_STACK_ACHIEVEMENT_PREFIX "%'"
                              " AND b.revoked IS NULL AND b.origin = ?2"
                              " AND instr(' ' || b.evidence || ' ', ' ' || a.id || ' ') > 0"
                              " WHERE a.id = ?1 ORDER BY b.id",
                              &st);
    *n = 0;
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, award, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, cairn_store_origin(s), CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW && *n < max)
        snprintf(out[(*n)++], CAIRN_ID_TEXT_LEN + 1, "%s",
                 (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : cairn_store_code(step);
}
