/*
 * evidence_at_hub.c: the evidence_at_hub table (evidence_at_hub.h). Plain queries on cached
 * statements; one small write per file the hub completes, none when it is known already.
 */
#include "evidence_at_hub.h"

#include "store_priv.h"

bool cairn_evidence_at_hub_has(cairn_store_t *s, const cairn_hash_t *f)
{
    sqlite3_stmt *st = NULL;
    if (cairn_store_stmt(s, "SELECT 1 FROM evidence_at_hub WHERE hash = ?1", &st) != 0)
        return false;
    sqlite3_bind_blob(st, 1, f->b, CAIRN_HASH_LEN, SQLITE_STATIC);
    bool has = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    return has;
}

uint64_t cairn_evidence_at_hub_count(cairn_store_t *s)
{
    sqlite3_stmt *st = NULL;
    if (cairn_store_stmt(s, "SELECT count(*) FROM evidence_at_hub", &st) != 0)
        return 0;
    uint64_t n = sqlite3_step(st) == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return n;
}

int cairn_evidence_at_hub_record(cairn_store_t *s, const cairn_hash_t *f, uint64_t now_ms)
{
    if (cairn_evidence_at_hub_has(s, f))
        return 0; /* a hub tells again each session: no write for what is known */
    sqlite3_stmt *st = NULL;
    int rc =
        cairn_store_stmt(s, "INSERT OR IGNORE INTO evidence_at_hub(hash, at) VALUES(?1, ?2)", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_blob(st, 1, f->b, CAIRN_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now_ms);
    return cairn_store_exec_stmt(st);
}
