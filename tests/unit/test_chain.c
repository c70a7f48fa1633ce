/*
 * test_chain.c: the canonical encoding of an event, the hash chain and checkpoint signatures
 * (PROTOCOL.md section 7 vectors), and how the store numbers, chains and checkpoints its own
 * events: seq gapless per (origin, partition), one checkpoint per partition per transaction,
 * none without a signer.
 */
#include "store_fixture.h"

#include <sodium.h>

#include <cairn/event.h>

/* PROTOCOL.md section 7.6; computed independently with Python's hashlib.blake2b. */
#define CHAIN1 "1f85dd3f070c4d854560f7fbadeb330d1e19516981ed182eb01138f11bf62cae"
#define CHAIN2 "1040010ca46186739db9c3d14d770d28816ea0996cf6f91a24aaa7bf023d66c6"

static void hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

/* The vector events (PROTOCOL.md 7.6): origin 32 bytes 0x11, partition "catalog". */
static cairn_event_t vector_event(uint64_t seq)
{
    static const uint8_t body1[] = {0x81, 0xa4, 'n', 'a', 'm', 'e', 0xa3, 'A', 'd', 'a'};
    static const uint8_t body2[] = {0x80};
    cairn_event_t ev = {.seq = seq,
                        .hlc = 0x01a213b101a30000ull + seq,
                        .partition = "catalog",
                        .type = seq == 1 ? "educator.add" : "submission.submit",
                        .entity = "014d2pf2dbsqqzxq5tk1v58cgg",
                        .body = seq == 1 ? body1 : body2,
                        .body_len = seq == 1 ? sizeof body1 : sizeof body2};
    memset(ev.origin, 0x11, sizeof ev.origin);
    return ev;
}

static void test_canonical_vector(void **state)
{
    (void)state;
    cairn_event_t ev = vector_event(1);
    uint8_t buf[256];
    char text[513];
    size_t len = 0;
    assert_int_equal(cairn_event_canonical(&ev, buf, sizeof buf, &len), 0);
    hex(buf, len, text);
    assert_string_equal(text,
                        "97c4201111111111111111111111111111111111111111111111111111111111111111"
                        "a7636174616c6f6701cf01a213b101a30001ac6564756361746f722e616464ba30"
                        "3134643270663264627371717a787135746b31763538636767c40a81a46e616d"
                        "65a3416461");
    /* A buffer too small says how big it must be. */
    size_t need = 0;
    assert_int_equal(cairn_event_canonical(&ev, buf, 10, &need), CAIRN_ETOOBIG);
    assert_int_equal(need, len);
    /* The encoding is a valid msgpack array msgpack-c reads back. */
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    assert_int_equal(msgpack_unpack_next(&u, (const char *)buf, len, NULL), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(u.data.type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(u.data.via.array.size, 7);
    msgpack_unpacked_destroy(&u);
}

static void test_chain_vector(void **state)
{
    (void)state;
    uint8_t c0[32] = {0}, c1[32], c2[32];
    char text[65];
    cairn_event_t e1 = vector_event(1), e2 = vector_event(2);
    cairn_chain_step(c0, &e1, c1);
    cairn_chain_step(c1, &e2, c2);
    hex(c1, 32, text);
    assert_string_equal(text, CHAIN1);
    hex(c2, 32, text);
    assert_string_equal(text, CHAIN2);
    /* Any change of any field changes the chain. */
    e2.hlc++;
    cairn_chain_step(c1, &e2, c0);
    assert_memory_not_equal(c0, c2, 32);
}

static void test_checkpoint_sign_verify(void **state)
{
    (void)state;
    uint8_t seed[32], pk[32], sk[64], chain[32], sig[64];
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)i;
    crypto_sign_seed_keypair(pk, sk, seed);
    memset(chain, 0x22, sizeof chain);
    assert_int_equal(cairn_checkpoint_sign(sk, pk, "catalog", 2, chain, sig), 0);
    assert_int_equal(cairn_checkpoint_verify(pk, "catalog", 2, chain, sig), 0);
    assert_int_equal(cairn_checkpoint_verify(pk, "catalog", 3, chain, sig), CAIRN_ECRYPTO);
    assert_int_equal(cairn_checkpoint_verify(pk, "catalogx", 2, chain, sig), CAIRN_ECRYPTO);
    chain[0] ^= 1;
    assert_int_equal(cairn_checkpoint_verify(pk, "catalog", 2, chain, sig), CAIRN_ECRYPTO);
    chain[0] ^= 1;
    sig[10] ^= 4;
    assert_int_equal(cairn_checkpoint_verify(pk, "catalog", 2, chain, sig), CAIRN_ECRYPTO);
    assert_int_equal(cairn_checkpoint_verify(pk, "", 2, chain, sig), CAIRN_ECRYPTO);
}

static int append(cairn_store_t *s, const char *partition, const char *id, uint64_t *seq)
{
    cairn_mpbuf_t b;
    fixture_body(&b, "name", "Ada", "email", "", "role", "teacher", NULL);
    int rc = cairn_store_append(s, partition, "educator.add", id, (const uint8_t *)b.sb.data,
                                b.sb.size, seq, NULL);
    cairn_mpbuf_free(&b);
    return rc;
}

/* Recomputes every chain value in the log from its rows. */
static void check_chains(fixture_t *f)
{
    sqlite3_stmt *st;
    uint8_t prev[32] = {0}, next[32], last_origin[32] = {0};
    char last_partition[96] = "";
    uint64_t expect = 1;
    assert_int_equal(sqlite3_prepare_v2(cairn_store_db(f->store),
                                        "SELECT partition, origin, seq, hlc, type, entity, body,"
                                        " chain FROM events ORDER BY partition, origin, seq",
                                        -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        cairn_event_t ev = {.seq = (uint64_t)sqlite3_column_int64(st, 2),
                            .hlc = (uint64_t)sqlite3_column_int64(st, 3),
                            .partition = (const char *)sqlite3_column_text(st, 0),
                            .type = (const char *)sqlite3_column_text(st, 4),
                            .entity = (const char *)sqlite3_column_text(st, 5),
                            .body = sqlite3_column_blob(st, 6),
                            .body_len = (size_t)sqlite3_column_bytes(st, 6)};
        memcpy(ev.origin, sqlite3_column_blob(st, 1), 32);
        if (strcmp(last_partition, ev.partition) != 0 || memcmp(last_origin, ev.origin, 32) != 0) {
            memset(prev, 0, 32);
            expect = 1;
            snprintf(last_partition, sizeof last_partition, "%s", ev.partition);
            memcpy(last_origin, ev.origin, 32);
        }
        assert_int_equal(ev.seq, expect++);
        cairn_chain_step(prev, &ev, next);
        assert_memory_equal(next, sqlite3_column_blob(st, 7), 32);
        memcpy(prev, next, 32);
    }
    sqlite3_finalize(st);
}

static void test_seq_per_partition_and_checkpoints(void **state)
{
    (void)state;
    fixture_t *f = fixture_open();
    uint8_t pk[32], sk[64];
    uint64_t seq = 0;
    char id[32];
    crypto_sign_keypair(pk, sk);
    /* Without a signer: appends work, no checkpoint. */
    assert_int_equal(append(f->store, "catalog", "c0", &seq), 0);
    assert_int_equal(seq, 1);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM checkpoints"), 0);
    fixture_close(f);

    f = fixture_open();
    memcpy(f->origin, pk, 32);
    fixture_reopen(f);
    cairn_store_set_signer(f->store, sk);
    const char *school = cairn_store_school_partition(f->store);
    /* One transaction, two partitions, interleaved: each numbered from 1, one checkpoint each. */
    assert_int_equal(cairn_store_begin(f->store), 0);
    for (int i = 0; i < 6; i++) {
        snprintf(id, sizeof id, "e%d", i);
        assert_int_equal(append(f->store, i % 2 ? "catalog" : school, id, &seq), 0);
        assert_int_equal(seq, (uint64_t)(i / 2 + 1));
    }
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM checkpoints"), 0);
    assert_int_equal(cairn_store_commit(f->store), 0);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM checkpoints"), 2);
    assert_int_equal(fixture_int(f, "SELECT min(seq) FROM checkpoints"), 3);
    /* A rolled-back transaction leaves neither seq nor checkpoint used. */
    assert_int_equal(cairn_store_begin(f->store), 0);
    assert_int_equal(append(f->store, "catalog", "x1", &seq), 0);
    assert_int_equal(seq, 4);
    cairn_store_rollback(f->store);
    assert_int_equal(append(f->store, "catalog", "x2", &seq), 0); /* its own transaction */
    assert_int_equal(seq, 4);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM checkpoints"), 3);
    /* An inner rollback keeps the outer level's events, and they still get their checkpoint. */
    assert_int_equal(cairn_store_begin(f->store), 0);
    assert_int_equal(append(f->store, school, "y1", &seq), 0);
    assert_int_equal(cairn_store_begin(f->store), 0);
    assert_int_equal(append(f->store, school, "y2", &seq), 0);
    cairn_store_rollback(f->store);
    assert_int_equal(cairn_store_commit(f->store), 0);
    assert_int_equal(fixture_int(f, "SELECT max(seq) FROM events WHERE partition = 'catalog'"), 4);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT max(seq) FROM checkpoints WHERE partition = '%s'", school);
    assert_int_equal(fixture_int(f, sql), 4);
    /* A long transaction closes spans before they pass 4096 events. */
    assert_int_equal(cairn_store_begin(f->store), 0);
    for (int i = 0; i < 5000; i++) {
        snprintf(id, sizeof id, "z%d", i);
        assert_int_equal(append(f->store, "catalog", id, &seq), 0);
    }
    assert_int_equal(cairn_store_commit(f->store), 0);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM checkpoints WHERE partition = 'catalog'"),
                     4);
    /* Every checkpoint verifies with our id as the key; every chain value recomputes. */
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(cairn_store_db(f->store),
                                        "SELECT partition, seq, chain, sig FROM checkpoints", -1,
                                        &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        assert_int_equal(cairn_checkpoint_verify(pk, (const char *)sqlite3_column_text(st, 0),
                                                 (uint64_t)sqlite3_column_int64(st, 1),
                                                 sqlite3_column_blob(st, 2),
                                                 sqlite3_column_blob(st, 3)),
                         0);
    sqlite3_finalize(st);
    check_chains(f);
    /* After a restart the numbering and the chain continue. */
    fixture_reopen(f);
    cairn_store_set_signer(f->store, sk);
    assert_int_equal(append(f->store, "catalog", "after", &seq), 0);
    assert_int_equal(seq, 5005);
    check_chains(f);
    fixture_close(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical_vector),
        cmocka_unit_test(test_chain_vector),
        cmocka_unit_test(test_checkpoint_sign_verify),
        cmocka_unit_test(test_seq_per_partition_and_checkpoints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
