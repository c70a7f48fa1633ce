/*
 * forge.c: makes the hostile-but-genuinely-signed inputs of tests/integration/t_tamper.sh, with
 * a node's own key, from its stopped data directory. A test tool: never installed, never linked
 * into cairnd or cairn.
 *
 *   forge append DATADIR PARTITION TYPE ENTITY [KEY=VALUE | KEY:u=NUMBER ...]
 *       appends a local event (body: a map of those strings and uints), signed and checkpointed
 * with the node's identity key, whatever the rights table says: a school writing a review, a
 *       catalog entry, or into another school's partition. Prints the seq.
 *   forge bundle DATADIR RECIPIENT_HEX PARTITION OUT [--since SEQ] [--mutate sig|hlc|type]
 *                [--head-from HEX] [--head-to HEX]
 *       seals to RECIPIENT a bundle (PROTOCOL.md 9) whose change sets carry PARTITION's events of
 *       every origin after SEQ for this node's origin (default: all), optionally altered after
 *       the origin signed them (a flipped checkpoint signature, a changed hlc, a changed type),
 *       and whose head names the given from/to (default: this node and the recipient).
 *
 * Must never be used on a running daemon's data directory (it writes the store directly).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include <cairn/changeset.h>
#include <cairn/err.h>
#include <cairn/seal.h>

#include "bundle.h"
#include "identity.h"
#include "store.h"
#include "store_sync.h"

static int die(const char *what, const char *why)
{
    fprintf(stderr, "forge: %s: %s\n", what, why);
    return 2;
}

static int open_node(const char *dir, uint8_t pk[32], uint8_t sk[64], cairn_store_t **st)
{
    char err[256], path[4096];
    if (cairn_identity_load(dir, pk, sk, err, sizeof err) != 0)
        return die(dir, err);
    snprintf(path, sizeof path, "%s/cairn.db", dir);
    int rc = cairn_store_open(path, pk, st);
    if (rc != 0)
        return die(path, cairn_strerror(rc));
    cairn_store_set_signer(*st, sk);
    return 0;
}

static int cmd_append(int argc, char **argv)
{
    if (argc < 6)
        return die("usage", "forge append DATADIR PARTITION TYPE ENTITY [KEY=VALUE ...]");
    uint8_t pk[32], sk[64];
    cairn_store_t *st;
    int rc = open_node(argv[2], pk, sk, &st);
    if (rc != 0)
        return rc;
    msgpack_sbuffer sb;
    msgpack_packer pk_;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk_, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk_, (size_t)(argc - 6));
    for (int i = 6; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (eq == NULL)
            return die(argv[i], "not KEY=VALUE");
        size_t klen = (size_t)(eq - argv[i]);
        bool uint = klen > 2 && memcmp(eq - 2, ":u", 2) == 0; /* KEY:u=N packs a uint */
        if (uint)
            klen -= 2;
        msgpack_pack_str(&pk_, klen);
        msgpack_pack_str_body(&pk_, argv[i], klen);
        if (uint)
            msgpack_pack_uint64(&pk_, strtoull(eq + 1, NULL, 10));
        else
            cairn_mp_pack_cstr(&pk_, eq + 1);
    }
    uint64_t seq = 0, hlc = 0;
    rc = cairn_store_append(st, argv[3], argv[4], argv[5], (const uint8_t *)sb.data, sb.size, &seq,
                            &hlc);
    msgpack_sbuffer_destroy(&sb);
    cairn_store_close(st);
    sodium_memzero(sk, sizeof sk);
    if (rc != 0)
        return die("append", cairn_strerror(rc));
    printf("%llu\n", (unsigned long long)seq);
    return 0;
}

static int write_fd(void *arg, const uint8_t *data, size_t len)
{
    int fd = *(int *)arg;
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -EIO;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static int hex32(const char *hex, uint8_t out[32])
{
    size_t n = 0;
    return sodium_hex2bin(out, 32, hex, strlen(hex), NULL, &n, NULL) == 0 && n == 32 ? 0 : -1;
}

/* Re-encodes cs with one field altered after its origin signed it. */
static int mutate(const char *how, msgpack_sbuffer *cs)
{
    cairn_changeset_t c;
    char err[256];
    int rc = cairn_changeset_decode((const uint8_t *)cs->data, cs->size, &c, err, sizeof err);
    if (rc != 0)
        return die("decode", err);
    cairn_changeset_segment_t *sg = &c.segments[0];
    if (strcmp(how, "sig") == 0)
        sg->sig[17] ^= 0x04;
    else if (strcmp(how, "hlc") == 0)
        sg->events[0].hlc += 1;
    else if (strcmp(how, "type") == 0)
        sg->events[0].type = strcmp(sg->events[0].type, "educator.add") == 0 ? "submission.withdraw"
                                                                             : "educator.add";
    else
        return die(how, "unknown mutation (sig, hlc, type)");
    msgpack_sbuffer out;
    msgpack_sbuffer_init(&out);
    rc = cairn_changeset_encode(&c, &out);
    cairn_changeset_free(&c);
    if (rc != 0)
        return die("encode", cairn_strerror(rc));
    msgpack_sbuffer_destroy(cs);
    *cs = out;
    return 0;
}

static int cmd_bundle(int argc, char **argv)
{
    if (argc < 6)
        return die("usage", "forge bundle DATADIR RECIPIENT_HEX PARTITION OUT [options]");
    uint8_t pk[32], sk[64], to[32], head_from[32], head_to[32];
    const char *how = NULL;
    uint64_t since = 0;
    if (hex32(argv[3], to) != 0)
        return die(argv[3], "not 64 hex digits");
    int rc = 0;
    bool have_from = false, have_to = false;
    for (int i = 6; i < argc; i += 2) {
        if (i + 1 >= argc)
            return die(argv[i], "needs a value");
        if (strcmp(argv[i], "--since") == 0)
            since = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--mutate") == 0)
            how = argv[i + 1];
        else if (strcmp(argv[i], "--head-from") == 0 && hex32(argv[i + 1], head_from) == 0)
            have_from = true;
        else if (strcmp(argv[i], "--head-to") == 0 && hex32(argv[i + 1], head_to) == 0)
            have_to = true;
        else
            return die(argv[i], "unknown option or bad value");
    }
    cairn_store_t *st;
    if ((rc = open_node(argv[2], pk, sk, &st)) != 0)
        return rc;
    if (!have_from)
        memcpy(head_from, pk, 32);
    if (!have_to)
        memcpy(head_to, to, 32);
    int fd = open(argv[5], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return die(argv[5], strerror(errno));
    cairn_seal_writer_t w;
    char err[256] = "";
    rc = cairn_seal_writer_init(&w, pk, sk, to, write_fd, &fd);
    msgpack_sbuffer head;
    msgpack_sbuffer_init(&head);
    if (rc == 0)
        rc = cairn_bundle_head_encode(head_from, head_to, NULL, 0, &head);
    if (rc == 0)
        rc = cairn_seal_writer_record(&w, (const uint8_t *)head.data, head.size);
    msgpack_sbuffer_destroy(&head);
    cairn_vector_t theirs;
    cairn_vector_init(&theirs, argv[4]);
    if (rc == 0 && since > 0)
        rc = cairn_vector_set(&theirs, pk, since);
    uint64_t total = 0;
    while (rc == 0) {
        msgpack_sbuffer cs, rec;
        uint64_t count = 0;
        msgpack_sbuffer_init(&cs);
        msgpack_sbuffer_init(&rec);
        rc = cairn_store_changeset_build(st, argv[4], &theirs, CAIRN_BUNDLE_CS_BYTES, &cs, &count,
                                         err, sizeof err);
        if (rc == 0 && count > 0) {
            cairn_changeset_t c;
            rc = cairn_changeset_decode((const uint8_t *)cs.data, cs.size, &c, err, sizeof err);
            for (uint32_t i = 0; rc == 0 && i < c.n_segments; i++)
                rc = cairn_vector_set(&theirs, c.segments[i].origin, c.segments[i].last);
            if (rc == 0)
                cairn_changeset_free(&c);
        }
        if (rc == 0 && count > 0 && how != NULL && total == 0)
            rc = mutate(how, &cs);
        if (rc == 0 && count > 0)
            rc = cairn_bundle_cs_encode(argv[4], (const uint8_t *)cs.data, cs.size, &rec);
        if (rc == 0 && count > 0)
            rc = cairn_seal_writer_record(&w, (const uint8_t *)rec.data, rec.size);
        total += count;
        msgpack_sbuffer_destroy(&cs);
        msgpack_sbuffer_destroy(&rec);
        if (count == 0)
            break;
    }
    cairn_vector_free(&theirs);
    if (rc == 0)
        rc = cairn_seal_writer_finish(&w);
    cairn_seal_writer_free(&w);
    cairn_store_close(st);
    sodium_memzero(sk, sizeof sk);
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    if (rc != 0)
        return die("bundle", err[0] ? err : cairn_strerror(rc));
    printf("%llu events\n", (unsigned long long)total);
    return 0;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0)
        return die("libsodium", "cannot initialise");
    if (argc >= 2 && strcmp(argv[1], "append") == 0)
        return cmd_append(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "bundle") == 0)
        return cmd_bundle(argc, argv);
    return die("usage", "forge append|bundle ... (see forge.c)");
}
