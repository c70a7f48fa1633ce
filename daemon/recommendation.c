/*
 * recommendation.c: the recommendation rules (recommendation.h) and their projection.
 *
 * Merge rules (PROTOCOL.md 4), independent of arrival order:
 *   recommendation.add                  last writer wins by (created hlc, origin); state untouched
 *   recommendation.accept / .dismiss    the state of the greatest (hlc, origin) of the two kinds
 *                                       wins: an accept crossing a dismiss ends as whichever was
 *                                       later, on every node
 * Only our own school's daemon writes these events (rights.c), so a close never arrives before
 * its add; a projector still refuses one for an unknown recommendation (CAIRN_ENOTFOUND).
 */
#include "recommendation.h"

#include <stdio.h>
#include <string.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "projection.h"
#include "store_priv.h"

static int educator_role(cairn_store_t *s, const char *id, char role[16], char name[201])
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, "SELECT role, name FROM educators WHERE id = ?1", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(role, 16, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(name, 201, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? CAIRN_ENOTFOUND : cairn_store_code(rc);
}

static int credential_exists(cairn_store_t *s, const char *id, size_t len)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, "SELECT 1 FROM credentials WHERE id = ?1 LIMIT 1", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, id, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? CAIRN_ENOTFOUND : cairn_store_code(rc);
}

int cairn_recommendation_add(cairn_store_t *s, const char *from, const char *to,
                             const char *credential, size_t credential_len, const char *note,
                             size_t note_len, char out[CAIRN_ID_TEXT_LEN + 1], char *err,
                             size_t errlen)
{
    char role[16], name[201], to_role[16], to_name[201];
    cairn_id_t rid;
    cairn_mpbuf_t body;
    int rc;

    if (strcmp(from, to) == 0) {
        snprintf(err, errlen, "an educator cannot recommend a credential to themself");
        return CAIRN_EINVAL;
    }
    if (note_len > CAIRN_RECOMMENDATION_NOTE_MAX || memchr(note, '\0', note_len) != NULL) {
        snprintf(err, errlen, "the note is %zu bytes, over the %d-byte limit", note_len,
                 CAIRN_RECOMMENDATION_NOTE_MAX);
        return CAIRN_EINVAL;
    }
    if ((rc = educator_role(s, from, role, name)) != 0 ||
        (rc = educator_role(s, to, to_role, to_name)) != 0) {
        snprintf(err, errlen, "reading the educators: %s", cairn_strerror(rc));
        return rc;
    }
    if (strcmp(role, "leader") != 0 && strcmp(role, "teacher") != 0) {
        snprintf(err, errlen, "%s is an %s: only leaders and teachers may recommend credentials",
                 name, role);
        return CAIRN_EDENIED;
    }
    if ((rc = credential_exists(s, credential, credential_len)) != 0) {
        snprintf(err, errlen,
                 rc == CAIRN_ENOTFOUND ? "no credential '%.*s' in the catalog"
                                       : "reading the catalog: %.*s",
                 rc == CAIRN_ENOTFOUND ? (int)credential_len : 0, credential);
        return rc;
    }
    cairn_id_new(&rid);
    cairn_id_format(&rid, out);
    cairn_mpbuf_init(&body);
    msgpack_pack_map(&body.pk, 4);
    cairn_mp_pack_kv_str(&body.pk, "from", from);
    cairn_mp_pack_kv_str(&body.pk, "to", to);
    cairn_mp_pack_kv_strn(&body.pk, "credential", credential, credential_len);
    cairn_mp_pack_kv_strn(&body.pk, "note", note != NULL ? note : "", note_len);
    rc = cairn_store_append_body(s, cairn_store_school_partition(s), "recommendation.add", out,
                                 &body);
    if (rc != 0)
        snprintf(err, errlen, "storing the recommendation: %s", cairn_strerror(rc));
    return rc;
}

int cairn_recommendation_close(cairn_store_t *s, const char *id, const char *as, bool accept,
                               char *err, size_t errlen)
{
    char to[CAIRN_ID_TEXT_LEN + 1] = "", state[16] = "";
    cairn_mpbuf_t body;
    sqlite3_stmt *st = NULL;
    int rc =
        cairn_store_stmt(s, "SELECT to_educator, state FROM recommendations WHERE id = ?1", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(to, sizeof to, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(state, sizeof state, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) {
        snprintf(err, errlen, "no recommendation with id '%s'", id);
        return CAIRN_ENOTFOUND;
    }
    if (rc != SQLITE_ROW)
        return cairn_store_code(rc);
    if (as != NULL && strcmp(as, to) != 0) {
        snprintf(err, errlen, "recommendation %s is for another educator: only they may %s it", id,
                 accept ? "accept" : "dismiss");
        return CAIRN_EDENIED;
    }
    if (strcmp(state, "open") != 0) {
        snprintf(err, errlen, "recommendation %s is already %s", id, state);
        return CAIRN_ESTATE;
    }
    cairn_mpbuf_init(&body);
    msgpack_pack_map(&body.pk, 0);
    rc = cairn_store_append_body(s, cairn_store_school_partition(s),
                                 accept ? "recommendation.accept" : "recommendation.dismiss", id,
                                 &body);
    if (rc != 0)
        snprintf(err, errlen, "storing the %s: %s", accept ? "acceptance" : "dismissal",
                 cairn_strerror(rc));
    return rc;
}

int cairn_projection_recommendation_add(cairn_store_t *s, const cairn_event_t *ev,
                                        const msgpack_object *body)
{
    const char *from, *to, *credential, *note;
    size_t from_len, to_len, credential_len, note_len;
    sqlite3_stmt *st = NULL;
    if (cairn_projection_body_str(body, "from", CAIRN_ID_TEXT_LEN, CAIRN_ID_TEXT_LEN, &from,
                                  &from_len) != 0 ||
        cairn_projection_body_str(body, "to", CAIRN_ID_TEXT_LEN, CAIRN_ID_TEXT_LEN, &to, &to_len) !=
            0 ||
        cairn_projection_body_str(body, "credential", 1, 64, &credential, &credential_len) != 0 ||
        cairn_projection_body_str(body, "note", 0, CAIRN_RECOMMENDATION_NOTE_MAX, &note,
                                  &note_len) != 0)
        return CAIRN_EINVAL;
    int rc = cairn_store_stmt(
        s,
        "INSERT INTO recommendations(id, from_educator, to_educator, credential, note, state,"
        " created, origin, state_hlc, state_origin) VALUES(?1, ?2, ?3, ?4, ?5, 'open', ?6, ?7, 0,"
        " x'')"
        " ON CONFLICT(id) DO UPDATE SET from_educator = excluded.from_educator,"
        " to_educator = excluded.to_educator, credential = excluded.credential,"
        " note = excluded.note, created = excluded.created, origin = excluded.origin"
        " WHERE (excluded.created, excluded.origin) > (recommendations.created,"
        " recommendations.origin)",
        &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, ev->entity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, from, (int)from_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, to, (int)to_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, credential, (int)credential_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, note, (int)note_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)ev->hlc);
    sqlite3_bind_blob(st, 7, ev->origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    return cairn_store_exec_stmt(st);
}

/* The later of the closing events (by hlc, origin) sets the state. */
static int close_state(cairn_store_t *s, const cairn_event_t *ev, const char *state)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, "SELECT 1 FROM recommendations WHERE id = ?1", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, ev->entity, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return CAIRN_ENOTFOUND; /* checked before any write (projection.h) */
    if (rc != SQLITE_ROW)
        return cairn_store_code(rc);
    rc = cairn_store_stmt(s,
                          "UPDATE recommendations SET state = ?2, state_hlc = ?3,"
                          " state_origin = ?4 WHERE id = ?1"
                          " AND (?3, ?4) > (state_hlc, state_origin)",
                          &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, ev->entity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)ev->hlc);
    sqlite3_bind_blob(st, 4, ev->origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    return cairn_store_exec_stmt(st);
}

int cairn_projection_recommendation_accept(cairn_store_t *s, const cairn_event_t *ev,
                                           const msgpack_object *body)
{
    return close_state(s, ev, "accepted");
}

int cairn_projection_recommendation_dismiss(cairn_store_t *s, const cairn_event_t *ev,
                                            const msgpack_object *body)
{
    return close_state(s, ev, "dismissed");
}
