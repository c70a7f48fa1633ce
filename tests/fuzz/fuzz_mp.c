/*
 * fuzz_mp.c: libFuzzer target for the msgpack checker, decoder and accessors.
 *
 * Besides "no crash, no leak", it asserts two properties: whatever cairn_mp_check() passes,
 * msgpack-c unpacks whole (the checker is never more lenient than the decoder), and a decoded
 * message re-packed by msgpack-c passes the check again and re-packs to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/err.h"
#include "cairn/mp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_fields(const msgpack_object *map)
{
    static const char *const keys[] = {"op", "rid", "hash", "data", "chunks", "ok", "id", "a"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *s;
        const uint8_t *b;
        size_t len;
        uint64_t u;
        int64_t v;
        bool flag;
        const msgpack_object_array *a;
        const msgpack_object *m;
        char *copy = NULL;
        (void)cairn_mp_get(map, keys[i]);
        (void)cairn_mp_get_str(map, keys[i], 64, &s, &len);
        (void)cairn_mp_get_bin(map, keys[i], 32, &b, &len);
        (void)cairn_mp_get_u64(map, keys[i], &u);
        (void)cairn_mp_get_i64(map, keys[i], &v);
        (void)cairn_mp_get_bool(map, keys[i], &flag);
        (void)cairn_mp_get_array(map, keys[i], 16, &a);
        if (cairn_mp_get_map(map, keys[i], &m) == 0)
            (void)cairn_mp_get_u64(m, "x", &u);
        if (cairn_mp_dup_str(map, keys[i], 1024, &copy) == 0) {
            if (strlen(copy) > 1024)
                abort();
            free(copy);
        }
    }
}

/* Packs obj into sb (initialised here). */
static void pack(const msgpack_object *obj, msgpack_sbuffer *sb)
{
    msgpack_packer pk;
    msgpack_sbuffer_init(sb);
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    if (msgpack_pack_object(&pk, *obj) != 0)
        abort();
}

/* Re-packs the decoded root, checks and decodes it again, and packs that: the bytes must be the
 * same (bytes, not msgpack_object_equal, which says a NaN differs from itself). */
static void repack(const cairn_mp_doc_t *doc, const cairn_mp_limits_t *lim)
{
    msgpack_sbuffer first, second;
    cairn_mp_doc_t again;

    pack(&doc->root, &first);
    if (cairn_mp_decode((const uint8_t *)first.data, first.size, lim, &again) != 0)
        abort();
    pack(&again.root, &second);
    if (first.size != second.size || memcmp(first.data, second.data, first.size) != 0)
        abort();
    cairn_mp_doc_free(&again);
    msgpack_sbuffer_destroy(&first);
    msgpack_sbuffer_destroy(&second);
}

/* One input under one set of limits. */
static void run(const uint8_t *data, size_t size, const cairn_mp_limits_t *lim)
{
    cairn_mp_doc_t doc;
    int rc = cairn_mp_check(data, size, lim);
    if (rc != 0 && rc != CAIRN_EMSGPACK && rc != CAIRN_ETOOBIG)
        abort();
    if (rc == 0) {
        /* the decoder must accept whatever the checker passed */
        msgpack_zone zone;
        msgpack_object obj;
        size_t off = 0;
        if (!msgpack_zone_init(&zone, MSGPACK_ZONE_CHUNK_SIZE))
            return;
        if (msgpack_unpack((const char *)data, size, &off, &zone, &obj) != MSGPACK_UNPACK_SUCCESS ||
            off != size)
            abort();
        msgpack_zone_destroy(&zone);
    }

    rc = cairn_mp_decode(data, size, lim, &doc);
    if (rc == 0) {
        if (doc.root.type != MSGPACK_OBJECT_MAP)
            abort();
        read_fields(&doc.root);
        repack(&doc, lim);
        cairn_mp_doc_free(&doc);
    } else if (doc.zone_init) {
        abort(); /* a failed decode leaves nothing to free */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_mp_limits_t tight = cairn_mp_wire_limits;
    uint8_t k = size > 0 ? (uint8_t)(data[size - 1] ^ size) : 0;

    run(data, size, &cairn_mp_wire_limits);
    /* Tight limits picked by the input, so small inputs reach every limit too. */
    tight.max_depth = k & 7u;
    tight.max_container = 1u + (k >> 3 & 7u);
    tight.max_objects = 4u + (k >> 4);
    tight.max_str = tight.max_bin = k;
    run(data, size, &tight);
    return 0;
}
