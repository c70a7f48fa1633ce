/*
 * fuzz_sync_msg.c: libFuzzer target for every sealed sync message (PROTOCOL.md section 8): the
 * plaintext a session gets from cairn_channel_open(), decoded the way sync_session.c does it.
 *
 * The input is the msgpack message. It goes through the same decode steps as in a session:
 * cairn_mp_decode with the sync limits, cairn_sync_msg_head (type and partition), then by type:
 *   vec/ack/cs: the peer vector ("h" heads or "v" whole, cairn_sync_vec_from_msg) and, for vec,
 *     the digest "d"; cs: the change set "data" applied with the rights check to an in-memory hub
 *     store that knows the sender (tests/tools/fuzz_seeds.c's school) as an enrolled school
 * (cairn_store_changeset_apply), in a transaction that is rolled back, as a refused one is; then
 * again with every event allowed, so that signatures, chains and checkpoints are checked for any
 * origin; cwant/cdata/cnone/cstat: cairn_sync_msg_chunk; enrol (the hub's ops->message) and the
 * clear hello: the token id and the role. Checked beyond "no crash": every accepted field is within
 * the bounds the session relies on, a vector always names the partition it was read for, and a
 * change set (accepted or not) leaves the store as it was once rolled back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cairn/changeset.h"
#include "cairn/err.h"
#include "cairn/mp.h"
#include "enroll.h"
#include "store.h"
#include "store_sync.h"
#include "sync_chunks.h"
#include "sync_msg.h"
#include "sync_vec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cairn_store_t *store;
static uint8_t self[CAIRN_NODE_ID_LEN], sender[CAIRN_NODE_ID_LEN];

static void must(int ok)
{
    if (!ok)
        abort();
}

static void setup(void)
{
    memset(self, 0x42, sizeof self);
    uint8_t seed[32], sk[64];
    memset(seed, 0x07, sizeof seed); /* the school of tests/tools/fuzz_seeds.c */
    crypto_sign_seed_keypair(sender, sk, seed);
    must(cairn_store_open(":memory:", self, &store) == 0);
    must(cairn_store_peer_put(store, sender, CAIRN_PEER_SCHOOL, "fuzz school") == 0);
}

static void check_vector(const msgpack_object *m, const char *partition)
{
    cairn_vector_t v;
    char err[200];
    if (cairn_sync_vec_from_msg(m, partition, &v, err, sizeof err) != 0) {
        must(err[0] != '\0');
        return;
    }
    must(strcmp(v.partition, partition) == 0);
    cairn_vector_free(&v);
}

static int allow_all(void *ctx, const uint8_t origin[CAIRN_NODE_ID_LEN], const char *partition,
                     const char *type)
{
    (void)ctx, (void)origin, (void)partition, (void)type;
    return 0;
}

static void apply_changeset(const msgpack_object *m)
{
    const uint8_t *cs;
    size_t len;
    if (cairn_mp_get_bin(m, "data", CAIRN_CHANGESET_MAX, &cs, &len) != 0)
        return;
    uint64_t before, after;
    must(cairn_store_event_count(store, &before) == 0);
    cairn_rights_ctx_t ctx = {store, self, true, sender};
    /* twice: with the rights check a hub makes, and with every event allowed, so that the
     * signature, chain and checkpoint checks are reached by change sets of any origin too */
    for (int pass = 0; pass < 2; pass++) {
        cairn_apply_report_t rep;
        memset(&rep, 0, sizeof rep);
        must(cairn_store_begin(store) == 0);
        int rc = cairn_store_changeset_apply(store, cs, len, pass ? allow_all : cairn_rights_check,
                                             &ctx, &rep);
        must(rc <= 0);
        must(memchr(rep.error, '\0', sizeof rep.error) != NULL);
        if (getenv("CAIRN_FUZZ_TRACE") != NULL) /* to check that the seeds are accepted */
            fprintf(stderr, "change set (pass %d): %d %s\n", pass, rc, rep.error);
        cairn_store_rollback(store);
        must(cairn_store_event_count(store, &after) == 0 && after == before);
    }
}

static void check_chunk(const cairn_sync_msg_head_t *h, const msgpack_object *m)
{
    cairn_sync_chunk_msg_t c;
    if (cairn_sync_msg_chunk(h->t, h->tlen, m, &c) != 0)
        return;
    switch (c.kind) {
    case 'w':
        must(c.len > 0 && c.len <= CAIRN_CHUNK_WANT_MAX && c.off + c.len <= CAIRN_CHUNK_SIZE_MAX);
        break;
    case 'd':
        must(c.data != NULL && c.dlen > 0 && c.dlen <= CAIRN_CHUNK_PIECE);
        break;
    case 's':
        must(c.held <= c.size);
        break;
    case 'n':
        break;
    default:
        abort();
    }
}

static void check_token(const msgpack_object *m)
{
    const uint8_t *id;
    size_t len;
    const char *role;
    size_t rlen;
    if (cairn_mp_get_bin(m, "token", CAIRN_ENROLL_ID_LEN, &id, &len) == 0)
        must(len <= CAIRN_ENROLL_ID_LEN);
    if (cairn_mp_get_str(m, "role", 16, &role, &rlen) == 0)
        must(rlen <= 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_mp_doc_t doc;
    if (store == NULL)
        setup();
    if (cairn_mp_decode(data, size, &cairn_sync_msg_limits, &doc) != 0)
        return 0;
    const msgpack_object *m = &doc.root;
    check_token(m); /* as the clear hello, which uses the same limits */
    cairn_sync_msg_head_t h;
    const char *why = NULL;
    if (cairn_sync_msg_head(m, &h, &why) != 0) {
        must(why != NULL);
        cairn_mp_doc_free(&doc);
        return 0;
    }
    must(h.t != NULL && h.tlen <= 16);
    char partition[CAIRN_PARTITION_MAX + 1] = "catalog";
    switch (h.type) {
    case CAIRN_SYNC_MSG_ERR:
        must(h.error != NULL && h.elen <= 1024);
        break;
    case CAIRN_SYNC_MSG_CHUNK:
        check_chunk(&h, m);
        break;
    case CAIRN_SYNC_MSG_OTHER:
        check_token(m);
        break;
    case CAIRN_SYNC_MSG_VEC:
    case CAIRN_SYNC_MSG_VREQ:
    case CAIRN_SYNC_MSG_CS:
    case CAIRN_SYNC_MSG_ACK:
        if (!h.has_alias) {
            must(h.pname != NULL && h.plen <= CAIRN_PARTITION_MAX);
            memcpy(partition, h.pname, h.plen);
            partition[h.plen] = '\0';
        }
        if (h.type == CAIRN_SYNC_MSG_VREQ)
            break;
        if (h.type == CAIRN_SYNC_MSG_VEC && cairn_mp_get(m, "d") != NULL) {
            const uint8_t *d;
            size_t dlen;
            if (cairn_mp_get_bin(m, "d", CAIRN_VECTOR_DIGEST_LEN, &d, &dlen) == 0)
                must(dlen <= CAIRN_VECTOR_DIGEST_LEN);
            break;
        }
        if (h.type == CAIRN_SYNC_MSG_CS)
            apply_changeset(m);
        check_vector(m, partition);
        break;
    }
    cairn_mp_doc_free(&doc);
    return 0;
}
