/*
 * projection_stack.c: stack.complete (PROTOCOL.md 10.7): a stack's own badge, projected into the
 * awards table with achievement "stack:<id>", no submission and no assessor, and its
 * constituent award ids (space separated) where an award keeps its evidence summary. Insert
 * only, keyed by the event's entity (the badge's award id): applying it twice changes nothing.
 */
#include <stdint.h>
#include <string.h>

#include <cairn/err.h>
#include <cairn/id.h>
#include <cairn/mp.h>

#include "award.h"
#include "review.h"
#include "projection.h"
#include "stack_complete.h"
#include "store_priv.h"

int cairn_projection_stack_complete(cairn_store_t *s, const cairn_event_t *ev,
                                    const msgpack_object *body)
{
    const char *educator, *stack, *achievement, *credential, *list;
    size_t educator_len, stack_len, achievement_len, credential_len, list_len;
    const msgpack_object_array *awards;
    uint64_t issued, index;
    char members[CAIRN_STACK_MEMBERS_MAX * (CAIRN_ID_TEXT_LEN + 1) + 1] = "";
    cairn_id_t id;
    sqlite3_stmt *st = NULL;
    size_t used = 0;
    if (cairn_id_parse(ev->entity, strlen(ev->entity), &id) != 0 ||
        cairn_projection_body_str(body, "educator", CAIRN_ID_TEXT_LEN, CAIRN_ID_TEXT_LEN, &educator,
                                  &educator_len) != 0 ||
        cairn_projection_body_str(body, "stack", 1, 64, &stack, &stack_len) != 0 ||
        cairn_projection_body_str(body, "achievement", 7, 80, &achievement, &achievement_len) !=
            0 ||
        achievement_len != 6 + stack_len || memcmp(achievement, "stack:", 6) != 0 ||
        memcmp(achievement + 6, stack, stack_len) != 0 ||
        cairn_mp_get_u64(body, "issued", &issued) != 0 || issued > INT64_MAX ||
        cairn_mp_get_array(body, "awards", CAIRN_STACK_MEMBERS_MAX, &awards) != 0 ||
        awards->size == 0 ||
        cairn_projection_body_str(body, "credential", 1, CAIRN_AWARD_CREDENTIAL_MAX, &credential,
                                  &credential_len) != 0 ||
        cairn_projection_body_str(body, "status_list", 8, CAIRN_AWARD_URL_MAX - 1, &list,
                                  &list_len) != 0 ||
        cairn_mp_get_u64(body, "status_index", &index) != 0 || index > UINT32_MAX)
        return CAIRN_EINVAL;
    for (uint32_t i = 0; i < awards->size; i++) {
        const msgpack_object *a = &awards->ptr[i];
        if (a->type != MSGPACK_OBJECT_STR || a->via.str.size != CAIRN_ID_TEXT_LEN ||
            cairn_id_parse(a->via.str.ptr, a->via.str.size, &id) != 0)
            return CAIRN_EINVAL;
        memcpy(members + used, a->via.str.ptr, CAIRN_ID_TEXT_LEN);
        used += CAIRN_ID_TEXT_LEN;
        members[used++] = i + 1 < awards->size ? ' ' : '\0';
    }
    int rc = cairn_store_stmt(s,
                              "INSERT OR IGNORE INTO awards(id, submission, educator, achievement,"
                              " issued, assessor, evidence, credential, hlc, origin, status_list,"
                              " status_index) VALUES(?1, '', ?2, ?3, ?4, '', ?5, ?6, ?7, ?8, ?9,"
                              " ?10)",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, ev->entity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, educator, (int)educator_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, achievement, (int)achievement_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)issued);
    sqlite3_bind_text(st, 5, members, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, credential, (int)credential_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)ev->hlc);
    sqlite3_bind_blob(st, 8, ev->origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, list, (int)list_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 10, (sqlite3_int64)index);
    return cairn_store_exec_stmt(st);
}
