/*
 * fuzz_seeds.c: writes the seed inputs of tests/fuzz/fuzz_sync_msg.c that need a genuine signed
 * change set: a school's store (key from the fixed seed 0x07 * 32, the school the target knows as
 * its enrolled sender) appends educator.add events, builds a change set for the hub, and wraps it
 * as a sync "cs" message {"t":"cs","p":partition,"data":cs,"h":heads}; and an "ack" with the
 * matching heads. Run by tests/fuzz/make_seeds.py; usage: fuzz_seeds OUTDIR.
 * Timestamps come from the clock, so the bytes differ per run; the content is the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <cairn/changeset.h>
#include <cairn/mp.h>

#include "mpbuf.h"
#include "store.h"
#include "store_priv.h"
#include "store_sync.h"

static void must(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_seeds: %s failed\n", what);
        exit(1);
    }
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    must(f != NULL && fwrite(data, 1, len, f) == len && fclose(f) == 0, path);
}

static void message(const char *dir, const char *name, const char *t, const char *partition,
                    const msgpack_sbuffer *cs, const msgpack_sbuffer *heads)
{
    cairn_mpbuf_t m;
    cairn_mpbuf_init(&m);
    msgpack_pack_map(&m.pk, cs ? 4 : 3);
    cairn_mp_pack_kv_str(&m.pk, "t", t);
    cairn_mp_pack_kv_str(&m.pk, "p", partition);
    if (cs)
        cairn_mp_pack_kv_bin(&m.pk, "data", cs->data, cs->size);
    cairn_mp_pack_kv_bin(&m.pk, "h", heads->data, heads->size);
    must(cairn_mpbuf_status(&m) == 0, "pack");
    write_file(dir, name, m.sb.data, m.sb.size);
    cairn_mpbuf_free(&m);
}

int main(int argc, char **argv)
{
    if (argc != 2 || sodium_init() < 0) {
        fprintf(stderr, "usage: fuzz_seeds OUTDIR\n");
        return 2;
    }
    uint8_t seed[32], pk[32], sk[64];
    memset(seed, 0x07, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
    cairn_store_t *s;
    must(cairn_store_open(":memory:", pk, &s) == 0, "store open");
    cairn_store_set_signer(s, sk);
    char partition[CAIRN_PARTITION_MAX + 1];
    snprintf(partition, sizeof partition, "%s", cairn_store_school_partition(s));
    static const char *const names[] = {"Ama Mensah", "Kofi Boateng", "Esi Owusu"};
    for (int i = 0; i < 3; i++) {
        cairn_mpbuf_t b;
        char id[32];
        snprintf(id, sizeof id, "ed%04d", i);
        cairn_mpbuf_init(&b);
        msgpack_pack_map(&b.pk, 3);
        cairn_mp_pack_kv_str(&b.pk, "name", names[i]);
        cairn_mp_pack_kv_str(&b.pk, "email", "");
        cairn_mp_pack_kv_str(&b.pk, "role", "teacher");
        must(cairn_store_append(s, partition, "educator.add", id, (const uint8_t *)b.sb.data,
                                b.sb.size, NULL, NULL) == 0,
             "append");
        cairn_mpbuf_free(&b);
    }
    cairn_vector_t theirs, mine;
    cairn_vector_init(&theirs, partition);
    cairn_vector_init(&mine, partition);
    msgpack_sbuffer cs, heads;
    msgpack_sbuffer_init(&cs);
    msgpack_sbuffer_init(&heads);
    uint64_t n = 0;
    char err[256];
    must(cairn_store_changeset_build(s, partition, &theirs, CAIRN_CHANGESET_MAX, &cs, &n, err,
                                     sizeof err) == 0 &&
             n == 3,
         "changeset build");
    must(cairn_store_vector(s, partition, &mine) == 0, "vector");
    must(cairn_vector_encode_heads(&mine, &heads) == 0, "heads");
    message(argv[1], "seed-cs_signed", "cs", partition, &cs, &heads);
    message(argv[1], "seed-ack_heads", "ack", partition, NULL, &heads);
    msgpack_sbuffer_destroy(&cs);
    msgpack_sbuffer_destroy(&heads);
    cairn_vector_free(&theirs);
    cairn_vector_free(&mine);
    cairn_store_close(s);
    return 0;
}
