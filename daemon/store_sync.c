/*
 * store_sync.c: the store's side of sync (store_sync.h, PROTOCOL.md section 7): version vectors,
 * building change sets of what another node lacks, applying change sets, and the state hash.
 *
 * Invariants: a change set never carries an event past its origin's last signed checkpoint; an
 * applied change set is verified whole (rights, continuity, chains, signatures) segment by
 * segment inside one transaction, and any failure rolls all of it back. A partition's origins
 * are found by skipping along the (partition, origin, seq) key, one index seek per origin.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include <cairn/err.h>

#include "store_priv.h"
#include "store_sync.h"

static const char next_origin_sql[] =
    "SELECT origin FROM events WHERE partition = ?1 AND origin > ?2 ORDER BY origin LIMIT 1";
static const char next_partition_sql[] =
    "SELECT partition FROM events WHERE partition > ?1 ORDER BY partition LIMIT 1";

/* The next origin after `after` (the first when *first) holding events in partition: 1 found,
 * 0 none, or an error. */
static int next_origin(cairn_store_t *s, const char *partition, uint8_t origin[CAIRN_NODE_ID_LEN],
                       bool first)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, next_origin_sql, &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, partition, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, origin, first ? 0 : CAIRN_NODE_ID_LEN, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == CAIRN_NODE_ID_LEN) {
        memcpy(origin, sqlite3_column_blob(st, 0), CAIRN_NODE_ID_LEN);
        sqlite3_reset(st);
        return 1;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : CAIRN_ESTORE;
}

int cairn_store_vector(cairn_store_t *s, const char *partition, cairn_vector_t *v)
{
    uint8_t origin[CAIRN_NODE_ID_LEN] = {0}, chain[CAIRN_CHAIN_LEN];
    uint64_t seq;
    int rc;
    for (bool first = true; (rc = next_origin(s, partition, origin, first)) == 1; first = false) {
        if ((rc = cairn_store_chain_head(s, origin, partition, &seq, chain)) != 0 ||
            (rc = cairn_vector_set(v, origin, seq)) != 0)
            return rc;
    }
    return rc;
}

static void origin_hex(const uint8_t *origin, char out[17])
{
    sodium_bin2hex(out, 17, origin, 8);
}

/* One origin's segment being built: its packed events and the best cut found so far. */
typedef struct {
    msgpack_sbuffer evs;
    msgpack_packer pk;
    uint32_t n, cut_n;
    size_t cut_size;
    uint64_t cut_seq;
    uint8_t cut_sig[CAIRN_SIG_LEN];
    bool hard_limit; /* stopped because nothing more could ever fit */
} segment_t;

/* Packs origin's events after `after` into seg, recording the last checkpoint boundary within
 * budget (bytes left for this segment's events) and event_room; an oversize first span is taken
 * when alone is set and it fits the hard limit. */
static int collect(cairn_store_t *s, const char *partition, const uint8_t *origin, uint64_t after,
                   size_t budget, size_t hard, uint32_t event_room, bool alone, segment_t *seg)
{
    sqlite3_stmt *ev = NULL, *ck = NULL;
    int rc = cairn_store_stmt(s,
                              "SELECT seq, hlc, type, entity, body FROM events WHERE partition = ?1"
                              " AND origin = ?2 AND seq > ?3 ORDER BY seq",
                              &ev);
    if (rc == 0)
        rc = cairn_store_stmt(s,
                              "SELECT seq, sig FROM checkpoints WHERE partition = ?1"
                              " AND origin = ?2 AND seq > ?3 ORDER BY seq",
                              &ck);
    if (rc != 0)
        return rc;
    sqlite3_stmt *both[2] = {ev, ck};
    for (int i = 0; i < 2; i++) {
        sqlite3_bind_text(both[i], 1, partition, -1, SQLITE_STATIC);
        sqlite3_bind_blob(both[i], 2, origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(both[i], 3, (sqlite3_int64)after);
    }
    int ck_step = sqlite3_step(ck);
    while (ck_step == SQLITE_ROW && sqlite3_step(ev) == SQLITE_ROW) {
        cairn_event_t e = {.hlc = (uint64_t)sqlite3_column_int64(ev, 1),
                           .type = (const char *)sqlite3_column_text(ev, 2),
                           .entity = (const char *)sqlite3_column_text(ev, 3),
                           .body = sqlite3_column_blob(ev, 4),
                           .body_len = (size_t)sqlite3_column_bytes(ev, 4)};
        uint64_t seq = (uint64_t)sqlite3_column_int64(ev, 0);
        if (e.type == NULL || e.entity == NULL || e.body == NULL) {
            rc = CAIRN_ESTORE;
            break;
        }
        cairn_changeset_pack_event(&seg->pk, &e);
        seg->n++;
        if (seg->evs.size > hard || seg->n > CAIRN_CHANGESET_EVENTS_MAX) {
            seg->hard_limit = true;
            break;
        }
        if ((uint64_t)sqlite3_column_int64(ck, 0) != seq)
            continue;
        bool fits = seg->evs.size <= budget && seg->n <= event_room;
        if (fits || (alone && seg->cut_n == 0)) {
            seg->cut_n = seg->n;
            seg->cut_size = seg->evs.size;
            seg->cut_seq = seq;
            if (sqlite3_column_bytes(ck, 1) != CAIRN_SIG_LEN) {
                rc = CAIRN_ESTORE;
                break;
            }
            memcpy(seg->cut_sig, sqlite3_column_blob(ck, 1), CAIRN_SIG_LEN);
        }
        if (!fits)
            break;
        ck_step = sqlite3_step(ck);
    }
    sqlite3_reset(ev);
    sqlite3_reset(ck);
    if (rc == 0 && seg->evs.size > 0 && seg->evs.data == NULL)
        rc = -ENOMEM;
    return rc;
}

int cairn_store_changeset_build(cairn_store_t *s, const char *partition,
                                const cairn_vector_t *theirs, size_t max_bytes,
                                msgpack_sbuffer *out, uint64_t *n_events, char *err, size_t errlen)
{
    uint8_t origin[CAIRN_NODE_ID_LEN] = {0}, chain[CAIRN_CHAIN_LEN];
    size_t hard =
        CAIRN_CHANGESET_MAX - CAIRN_CHANGESET_ROOT_OVERHEAD - CAIRN_CHANGESET_SEGMENT_OVERHEAD;
    size_t total = CAIRN_CHANGESET_ROOT_OVERHEAD;
    msgpack_sbuffer segs;
    msgpack_packer spk;
    uint32_t nseg = 0;
    uint64_t nev = 0, have;
    bool full = false;
    int rc;

    *n_events = 0;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (max_bytes > CAIRN_CHANGESET_MAX)
        max_bytes = CAIRN_CHANGESET_MAX;
    msgpack_sbuffer_init(&segs);
    msgpack_packer_init(&spk, &segs, msgpack_sbuffer_write);
    for (bool first = true; !full && (rc = next_origin(s, partition, origin, first)) == 1;
         first = false) {
        uint64_t after = cairn_vector_get(theirs, origin);
        if ((rc = cairn_store_chain_head(s, origin, partition, &have, chain)) != 0)
            break;
        if (have <= after)
            continue;
        size_t used = total + CAIRN_CHANGESET_SEGMENT_OVERHEAD;
        size_t budget = max_bytes > used ? max_bytes - used : 0;
        segment_t seg = {0};
        msgpack_sbuffer_init(&seg.evs);
        msgpack_packer_init(&seg.pk, &seg.evs, msgpack_sbuffer_write);
        rc = collect(s, partition, origin, after, budget, hard,
                     CAIRN_CHANGESET_EVENTS_MAX - (uint32_t)nev, nseg == 0, &seg);
        if (rc == 0 && seg.cut_n == 0 && seg.hard_limit && nseg == 0) {
            char hex[17];
            origin_hex(origin, hex);
            snprintf(err, errlen,
                     "origin %s…: the checkpoint span from seq %llu is over the %u-byte limit", hex,
                     (unsigned long long)after + 1, CAIRN_CHANGESET_MAX);
            rc = CAIRN_ETOOBIG;
        }
        if (rc == 0 && seg.cut_n > 0) {
            cairn_changeset_pack_segment(&spk, origin, after + 1, seg.cut_n, seg.evs.data,
                                         seg.cut_size, seg.cut_seq, seg.cut_sig);
            total += CAIRN_CHANGESET_SEGMENT_OVERHEAD + seg.cut_size;
            nseg++;
            nev += seg.cut_n;
        }
        /* Cut short (by the budget), or no room left: what follows waits for the next one. */
        if (rc == 0 && (seg.cut_seq < have && seg.n > seg.cut_n))
            full = true;
        if (nseg == CAIRN_CHANGESET_SEGMENTS_MAX || nev >= CAIRN_CHANGESET_EVENTS_MAX)
            full = true;
        msgpack_sbuffer_destroy(&seg.evs);
        if (rc != 0)
            break;
    }
    if (rc == 1 || rc == 0) {
        rc = 0;
        if (nseg > 0) {
            msgpack_packer opk;
            msgpack_packer_init(&opk, out, msgpack_sbuffer_write);
            cairn_changeset_pack_root(&opk, partition, nseg, segs.data, segs.size);
            rc = out->data == NULL || segs.data == NULL ? -ENOMEM : 0;
            *n_events = rc == 0 ? nev : 0;
        }
    }
    msgpack_sbuffer_destroy(&segs);
    return rc;
}

uint64_t cairn_store_rights_rejected(cairn_store_t *s)
{
    return *cairn_store_rights_counter(s);
}

__attribute__((format(printf, 3, 4))) static int report(cairn_apply_report_t *rep, int code,
                                                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->error, sizeof rep->error, fmt, ap);
    va_end(ap);
    rep->code = code;
    return code;
}

/* Rights for every event of the change set, before anything else: one refusal refuses all. */
static int check_rights(cairn_store_t *s, const cairn_changeset_t *cs, cairn_rights_fn rights,
                        void *arg, cairn_apply_report_t *rep)
{
    for (uint32_t i = 0; i < cs->n_segments; i++) {
        const cairn_changeset_segment_t *seg = &cs->segments[i];
        const char *allowed = NULL; /* the last type allowed in this segment */
        for (uint32_t k = 0; k < seg->n_events; k++) {
            const cairn_event_t *ev = &seg->events[k];
            if (allowed != NULL && strcmp(allowed, ev->type) == 0)
                continue;
            int rc = rights(arg, ev->origin, cs->partition, ev->type);
            if (rc != 0) {
                char hex[17];
                origin_hex(ev->origin, hex);
                if (rc == CAIRN_EDENIED)
                    (*cairn_store_rights_counter(s))++;
                return report(rep, rc, "origin %s… seq %llu: may not write %s in %s (%s)", hex,
                              (unsigned long long)ev->seq, ev->type, cs->partition,
                              cairn_strerror(rc));
            }
            allowed = ev->type;
        }
    }
    return 0;
}

/* Verifies one segment against what is held and applies its new events and its checkpoint. */
static int apply_segment(cairn_store_t *s, const cairn_changeset_t *cs,
                         const cairn_changeset_segment_t *seg, cairn_apply_report_t *rep)
{
    uint8_t head[CAIRN_CHAIN_LEN], chain[CAIRN_CHAIN_LEN];
    uint64_t held;
    char hex[17];
    int rc = cairn_store_chain_head(s, seg->origin, cs->partition, &held, head);
    origin_hex(seg->origin, hex);
    if (rc != 0)
        return report(rep, rc, "origin %s…: reading its chain head failed", hex);
    if (seg->first > held + 1)
        return report(rep, CAIRN_EGAP, "origin %s…: segment starts at seq %llu but %llu is held",
                      hex, (unsigned long long)seg->first, (unsigned long long)held);
    uint32_t fresh = 0; /* index of the first event not held */
    for (; fresh < seg->n_events && seg->events[fresh].seq <= held; fresh++) {
        rc = cairn_store_event_held(s, &seg->events[fresh]);
        if (rc != 1)
            return report(rep, rc == 0 ? CAIRN_ESTORE : rc,
                          "origin %s… seq %llu (%s): differs from the event held", hex,
                          (unsigned long long)seg->events[fresh].seq, seg->events[fresh].type);
        rep->skipped++;
    }
    if (fresh == seg->n_events)
        return 0;
    memcpy(chain, head, sizeof chain);
    for (uint32_t k = fresh; k < seg->n_events; k++)
        cairn_chain_step(chain, &seg->events[k], chain);
    if (cairn_checkpoint_verify(seg->origin, cs->partition, seg->last, chain, seg->sig) != 0)
        return report(rep, CAIRN_ECRYPTO,
                      "origin %s…: checkpoint at seq %llu does not verify (events altered or "
                      "signature forged)",
                      hex, (unsigned long long)seg->last);
    memcpy(chain, head, sizeof chain);
    for (uint32_t k = fresh; k < seg->n_events; k++) {
        const cairn_event_t *ev = &seg->events[k];
        cairn_chain_step(chain, ev, chain);
        rc = cairn_hlc_observe(cairn_store_clock(s), cairn_hlc_wall_now(), ev->hlc);
        if (rc == 0)
            rc = cairn_store_event_put(s, ev, chain);
        if (rc != 0)
            return report(rep, rc, "origin %s… seq %llu (%s): %s", hex, (unsigned long long)ev->seq,
                          ev->type, cairn_strerror(rc));
        rep->applied++;
    }
    sqlite3_stmt *st = NULL;
    rc = cairn_store_stmt(s,
                          "INSERT OR IGNORE INTO checkpoints(partition, origin, seq, chain, sig)"
                          " VALUES(?1, ?2, ?3, ?4, ?5)",
                          &st);
    if (rc == 0) {
        sqlite3_bind_text(st, 1, cs->partition, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, seg->origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)seg->last);
        sqlite3_bind_blob(st, 4, chain, CAIRN_CHAIN_LEN, SQLITE_STATIC);
        sqlite3_bind_blob(st, 5, seg->sig, CAIRN_SIG_LEN, SQLITE_STATIC);
        rc = cairn_store_exec_stmt(st);
    }
    if (rc != 0)
        return report(rep, rc, "origin %s…: storing its checkpoint failed", hex);
    if (memcmp(seg->origin, cairn_store_origin(s), CAIRN_NODE_ID_LEN) == 0)
        cairn_store_heads_forget(s);
    return 0;
}

int cairn_store_changeset_apply(cairn_store_t *s, const uint8_t *buf, size_t len,
                                cairn_rights_fn rights, void *arg, cairn_apply_report_t *rep)
{
    cairn_changeset_t cs;
    memset(rep, 0, sizeof *rep);
    int rc = cairn_changeset_decode(buf, len, &cs, rep->error, sizeof rep->error);
    if (rc != 0) {
        rep->code = rc;
        return rc;
    }
    rep->segments = cs.n_segments;
    rc = check_rights(s, &cs, rights, arg, rep);
    if (rc == 0 && (rc = cairn_store_begin(s)) != 0)
        report(rep, rc, "cannot start a transaction");
    if (rc == 0) {
        for (uint32_t i = 0; i < cs.n_segments && rc == 0; i++)
            rc = apply_segment(s, &cs, &cs.segments[i], rep);
        if (rc == 0 && (rc = cairn_store_commit(s)) != 0)
            report(rep, rc, "commit failed: %s", cairn_strerror(rc));
        else if (rc != 0)
            cairn_store_rollback(s);
    }
    if (rc != 0)
        rep->applied = rep->skipped = 0;
    cairn_changeset_free(&cs);
    return rc;
}

/* The next partition after *name in the log: 1 found (copied into name), 0 none, or an error. */
static int next_partition(cairn_store_t *s, char name[CAIRN_PARTITION_MAX + 1])
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, next_partition_sql, &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(name, CAIRN_PARTITION_MAX + 1, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_reset(st);
        return 1;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : CAIRN_ESTORE;
}

static int hash_partition(cairn_store_t *s, const char *partition, crypto_generichash_state *h)
{
    uint8_t origin[CAIRN_NODE_ID_LEN] = {0}, chain[CAIRN_CHAIN_LEN], rec[1 + 8];
    uint64_t seq;
    size_t plen = strlen(partition);
    int rc;
    for (bool first = true; (rc = next_origin(s, partition, origin, first)) == 1; first = false) {
        if ((rc = cairn_store_chain_head(s, origin, partition, &seq, chain)) != 0)
            return rc;
        rec[0] = (uint8_t)plen;
        crypto_generichash_update(h, rec, 1);
        crypto_generichash_update(h, (const uint8_t *)partition, plen);
        crypto_generichash_update(h, origin, CAIRN_NODE_ID_LEN);
        for (int i = 0; i < 8; i++)
            rec[1 + i] = (uint8_t)(seq >> (56 - 8 * i));
        crypto_generichash_update(h, rec + 1, 8);
        crypto_generichash_update(h, chain, CAIRN_CHAIN_LEN);
    }
    return rc;
}

int cairn_store_state_hash(cairn_store_t *s, const char *partition, uint8_t out[32])
{
    static const char tag[] = "cairn-state-v1";
    crypto_generichash_state h;
    char name[CAIRN_PARTITION_MAX + 1] = "";
    int rc = 0;
    crypto_generichash_init(&h, NULL, 0, 32);
    crypto_generichash_update(&h, (const uint8_t *)tag, sizeof tag - 1);
    if (partition != NULL) {
        if (strlen(partition) == 0 || strlen(partition) > CAIRN_PARTITION_MAX)
            return CAIRN_EINVAL;
        rc = hash_partition(s, partition, &h);
    } else {
        while (rc == 0 && (rc = next_partition(s, name)) == 1)
            rc = hash_partition(s, name, &h);
    }
    crypto_generichash_final(&h, out, 32);
    return rc;
}
