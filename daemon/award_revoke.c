/*
 * award_revoke.c: revoking an award at the hub that issued it (award.h, PROTOCOL.md 10.6).
 * One transaction appends award.revoke in the award's school partition (so the school sees it)
 * and catalog.status in `catalog`: the issuer's whole status list re-signed, every revoked
 * award's bit set, which every school receives and `cairn badge verify` checks against.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <cairn/badge.h>
#include <cairn/err.h>
#include <cairn/mp.h>

#include "award.h"
#include "mpbuf.h"
#include "stack_complete.h"
#include "store_priv.h"

typedef struct {
    char partition[96];
    char list[CAIRN_AWARD_URL_MAX];
    int64_t revoked;
    bool mine, has_list;
} award_row_t;

static int load(cairn_store_t *s, const char *award, award_row_t *a, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(
        s,
        "SELECT e.partition, a.origin = ?2, a.status_list, a.revoked"
        " FROM awards a JOIN events e ON e.type IN ('award.issue', 'stack.complete')"
        " AND e.entity = a.id AND e.origin = a.origin WHERE a.id = ?1",
        &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, award, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, cairn_store_origin(s), CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(a->partition, sizeof a->partition, "%s", (const char *)sqlite3_column_text(st, 0));
        a->mine = sqlite3_column_int(st, 1) != 0;
        a->has_list = sqlite3_column_type(st, 2) != SQLITE_NULL;
        if (a->has_list)
            snprintf(a->list, sizeof a->list, "%s", (const char *)sqlite3_column_text(st, 2));
        a->revoked = sqlite3_column_type(st, 3) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 3);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) {
        snprintf(err, errlen, "no award %s", award);
        return CAIRN_ENOTFOUND;
    }
    if (rc != SQLITE_ROW)
        return cairn_store_code(rc);
    if (!a->mine) {
        snprintf(err, errlen, "award %s was issued by another hub: revoke it there", award);
        return CAIRN_ESTATE;
    }
    if (a->revoked != 0) {
        snprintf(err, errlen, "award %s is already revoked", award);
        return CAIRN_ESTATE;
    }
    if (!a->has_list) {
        snprintf(err, errlen, "award %s has no status list entry to revoke", award);
        return CAIRN_ESTATE;
    }
    return 0;
}

/* The bits of list: every revoked award of ours in it. */
static int list_bits(cairn_store_t *s, const char *list, uint8_t *bits)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s,
                              "SELECT status_index FROM awards WHERE origin = ?1"
                              " AND status_list = ?2 AND revoked IS NOT NULL",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_blob(st, 1, cairn_store_origin(s), CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, list, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t i = sqlite3_column_int64(st, 0);
        if (i >= 0 && i < (int64_t)CAIRN_STATUS_LIST_MIN_BITS)
            bits[i / 8] |= (uint8_t)(0x80u >> (i % 8)); /* most significant bit first */
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : cairn_store_code(rc);
}

int cairn_award_publish_list(cairn_store_t *s, const char *datadir, const char *list,
                             uint64_t now_ms, char *err, size_t errlen)
{
    uint8_t *bits = calloc(1, CAIRN_STATUS_LIST_MIN_BITS / 8), sk[64], h[16];
    char *json = NULL, entity[40];
    size_t len = 0;
    if (bits == NULL)
        return -ENOMEM;
    int rc = list_bits(s, list, bits);
    if (rc == 0)
        rc = cairn_award_issuer_key(datadir, sk, err, errlen);
    if (rc == 0) {
        rc = cairn_status_list_issue(list, bits, CAIRN_STATUS_LIST_MIN_BITS, (int64_t)now_ms, sk,
                                     &json, &len, err, errlen);
        sodium_memzero(sk, sizeof sk);
    }
    free(bits);
    if (rc != 0)
        return rc;
    cairn_mpbuf_t body;
    cairn_mpbuf_init(&body);
    msgpack_pack_map(&body.pk, 2);
    cairn_mp_pack_kv_str(&body.pk, "url", list);
    cairn_mp_pack_kv_strn(&body.pk, "json", json, len);
    free(json);
    /* The entity names the list by a short hash of its URL (a URL may exceed the entity limit). */
    crypto_generichash(h, sizeof h, (const uint8_t *)list, strlen(list), NULL, 0);
    memcpy(entity, "status:", 7);
    sodium_bin2hex(entity + 7, sizeof entity - 7, h, sizeof h);
    rc = cairn_store_append_body(s, "catalog", "catalog.status", entity, &body);
    if (rc != 0)
        snprintf(err, errlen, "storing the status list: %s", cairn_strerror(rc));
    return rc;
}

/* Appends award.revoke for one award of this hub; a->list says which status list to re-sign. */
static int revoke_one(cairn_store_t *s, const char *award, const char *reason, award_row_t *a,
                      char *err, size_t errlen)
{
    int rc = load(s, award, a, err, errlen);
    if (rc == 0) {
        cairn_mpbuf_t body;
        cairn_mpbuf_init(&body);
        msgpack_pack_map(&body.pk, 1);
        cairn_mp_pack_kv_str(&body.pk, "reason", reason);
        rc = cairn_store_append_body(s, a->partition, "award.revoke", award, &body);
        if (rc != 0)
            snprintf(err, errlen, "storing the revocation: %s", cairn_strerror(rc));
    }
    return rc;
}

/* Stack badges that listed award lose it: each is revoked with it (stack_complete.h), in the
 * same transaction, and its status list re-signed when it is not the award's own. */
#define DEPENDENTS_MAX 16
static int revoke_dependents(cairn_store_t *s, const char *datadir, const char *award,
                             const char *award_list, uint64_t now_ms, char *err, size_t errlen)
{
    char ids[DEPENDENTS_MAX][CAIRN_ID_TEXT_LEN + 1], reason[96];
    size_t n = 0;
    int rc = cairn_stack_badges_using(s, award, ids, DEPENDENTS_MAX, &n);
    snprintf(reason, sizeof reason, "a credential of the stack was revoked (award %s)", award);
    for (size_t i = 0; i < n && rc == 0; i++) {
        award_row_t b = {0};
        rc = revoke_one(s, ids[i], reason, &b, err, errlen);
        if (rc == 0 && b.has_list && strcmp(b.list, award_list) != 0)
            rc = cairn_award_publish_list(s, datadir, b.list, now_ms, err, errlen);
    }
    return rc;
}

int cairn_award_revoke(cairn_store_t *s, const char *datadir, const char *award, const char *reason,
                       uint64_t now_ms, char *err, size_t errlen)
{
    award_row_t a = {0};
    int rc = cairn_store_begin(s);
    if (rc != 0)
        return rc;
    rc = revoke_one(s, award, reason, &a, err, errlen);
    if (rc == 0)
        rc = revoke_dependents(s, datadir, award, a.list, now_ms, err, errlen);
    if (rc == 0)
        rc = cairn_award_publish_list(s, datadir, a.list, now_ms, err, errlen);
    if (rc == 0)
        rc = cairn_store_commit(s);
    else
        cairn_store_rollback(s);
    return rc;
}
