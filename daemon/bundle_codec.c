/*
 * bundle_codec.c: the msgpack records inside a bundle (bundle.h, PROTOCOL.md section 9): the head
 * and the change set records. Decoders check every byte against limits before allocating
 * (cairn_mp_check) and leave nothing behind on failure; they know nothing of the store.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>
#include <cairn/seal.h>

#include "bundle.h"
#include "mpbuf.h"

#define HEAD_KIND "cairn-bundle"

/* The head: root map (5) holding a map of partition -> vector bytes. A vector's own limits are
 * cairn_vector_decode's; the whole record is bounded by the seal's record limit. */
static const cairn_mp_limits_t head_limits = {
    .max_depth = 2,
    .max_container = CAIRN_BUNDLE_PARTITIONS_MAX,
    .max_objects = 2 * CAIRN_BUNDLE_PARTITIONS_MAX + 16,
    .max_str = CAIRN_PARTITION_MAX,
    .max_bin = CAIRN_SEAL_RECORD_MAX,
};

static const cairn_mp_limits_t cs_limits = {
    .max_depth = 1,
    .max_container = 2,
    .max_objects = 5,
    .max_str = CAIRN_PARTITION_MAX,
    .max_bin = CAIRN_CHANGESET_MAX,
};

/* Copies b's bytes to out; frees b. */
static int flush(cairn_mpbuf_t *b, msgpack_sbuffer *out)
{
    int rc = cairn_mpbuf_status(b);
    if (rc == 0 && msgpack_sbuffer_write(out, b->sb.data, b->sb.size) != 0)
        rc = -ENOMEM;
    cairn_mpbuf_free(b);
    return rc;
}

int cairn_bundle_head_encode(const uint8_t from[CAIRN_NODE_ID_LEN],
                             const uint8_t to[CAIRN_NODE_ID_LEN], const cairn_vector_t *vectors,
                             uint32_t n, msgpack_sbuffer *out)
{
    cairn_mpbuf_t b;
    cairn_mpbuf_init(&b);
    msgpack_pack_map(&b.pk, 5);
    cairn_mp_pack_kv_u64(&b.pk, "v", 1);
    cairn_mp_pack_kv_str(&b.pk, "kind", HEAD_KIND);
    cairn_mp_pack_kv_bin(&b.pk, "from", from, CAIRN_NODE_ID_LEN);
    cairn_mp_pack_kv_bin(&b.pk, "to", to, CAIRN_NODE_ID_LEN);
    cairn_mp_pack_cstr(&b.pk, "vectors");
    msgpack_pack_map(&b.pk, n);
    for (uint32_t i = 0; i < n; i++) {
        msgpack_sbuffer vb;
        msgpack_sbuffer_init(&vb);
        if (cairn_vector_encode(&vectors[i], &vb) != 0)
            b.failed = true;
        cairn_mp_pack_kv_bin(&b.pk, vectors[i].partition, vb.data, vb.size);
        msgpack_sbuffer_destroy(&vb);
    }
    return flush(&b, out);
}

void cairn_bundle_head_free(cairn_bundle_head_t *h)
{
    for (uint32_t i = 0; i < h->n_vectors; i++)
        cairn_vector_free(&h->vectors[i]);
    free(h->vectors);
    h->vectors = NULL;
    h->n_vectors = 0;
}

/* Reads a 32-byte bin field. */
static int get_id(const msgpack_object *root, const char *key, uint8_t out[CAIRN_NODE_ID_LEN])
{
    const uint8_t *b;
    size_t len;
    if (cairn_mp_get_bin(root, key, CAIRN_NODE_ID_LEN, &b, &len) != 0 || len != CAIRN_NODE_ID_LEN)
        return CAIRN_EPROTO;
    memcpy(out, b, CAIRN_NODE_ID_LEN);
    return 0;
}

static int head_fields(const msgpack_object *root, cairn_bundle_head_t *h, char *err, size_t errlen)
{
    const msgpack_object *vectors;
    const char *kind;
    size_t kind_len;
    uint64_t v = 0;
    if (root->via.map.size != 5 || cairn_mp_get_u64(root, "v", &v) != 0 ||
        cairn_mp_get_str(root, "kind", 32, &kind, &kind_len) != 0 ||
        cairn_mp_get_map(root, "vectors", &vectors) != 0) {
        snprintf(err, errlen, "bundle head: expected exactly v, kind, from, to, vectors");
        return CAIRN_EPROTO;
    }
    if (kind_len != strlen(HEAD_KIND) || memcmp(kind, HEAD_KIND, kind_len) != 0) {
        snprintf(err, errlen, "bundle head: kind is not \"%s\"", HEAD_KIND);
        return CAIRN_EPROTO;
    }
    if (v != 1) {
        snprintf(err, errlen, "bundle head: version %llu is not supported (this node reads 1)",
                 (unsigned long long)v);
        return CAIRN_EUNSUPPORTED;
    }
    if (get_id(root, "from", h->from) != 0 || get_id(root, "to", h->to) != 0) {
        snprintf(err, errlen, "bundle head: from and to must be 32-byte node ids");
        return CAIRN_EPROTO;
    }
    uint32_t n = vectors->via.map.size;
    h->vectors = n ? calloc(n, sizeof *h->vectors) : NULL;
    if (n && h->vectors == NULL)
        return -ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object_kv *kv = &vectors->via.map.ptr[i];
        char verr[128] = "";
        if (kv->key.type != MSGPACK_OBJECT_STR || kv->val.type != MSGPACK_OBJECT_BIN) {
            snprintf(err, errlen, "bundle head: vectors must map partition names to bins");
            return CAIRN_EPROTO;
        }
        int rc = cairn_vector_decode((const uint8_t *)kv->val.via.bin.ptr, kv->val.via.bin.size,
                                     &h->vectors[i], verr, sizeof verr);
        if (rc != 0) {
            snprintf(err, errlen, "bundle head: vector %u: %s", i, verr);
            return rc;
        }
        h->n_vectors = i + 1;
        const char *p = h->vectors[i].partition;
        if (strlen(p) != kv->key.via.str.size || memcmp(p, kv->key.via.str.ptr, strlen(p)) != 0) {
            snprintf(err, errlen, "bundle head: vector %u is for another partition than its key",
                     i);
            return CAIRN_EPROTO;
        }
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(h->vectors[j].partition, p) == 0) {
                snprintf(err, errlen, "bundle head: partition '%s' given twice", p);
                return CAIRN_EPROTO;
            }
        }
    }
    return 0;
}

int cairn_bundle_head_decode(const uint8_t *buf, size_t len, cairn_bundle_head_t *h, char *err,
                             size_t errlen)
{
    cairn_mp_doc_t doc;
    memset(h, 0, sizeof *h);
    int rc = cairn_mp_decode(buf, len, &head_limits, &doc);
    if (rc != 0) {
        snprintf(err, errlen, "bundle head is not a msgpack map within limits: %s",
                 cairn_strerror(rc));
        return rc;
    }
    rc = head_fields(&doc.root, h, err, errlen);
    cairn_mp_doc_free(&doc);
    if (rc != 0)
        cairn_bundle_head_free(h);
    return rc;
}

int cairn_bundle_cs_encode(const char *partition, const uint8_t *cs, size_t len,
                           msgpack_sbuffer *out)
{
    cairn_mpbuf_t b;
    cairn_mpbuf_init(&b);
    msgpack_pack_map(&b.pk, 2);
    cairn_mp_pack_kv_str(&b.pk, "p", partition);
    cairn_mp_pack_kv_bin(&b.pk, "cs", cs, len);
    return flush(&b, out);
}

void cairn_bundle_cs_free(cairn_bundle_cs_t *r)
{
    cairn_mp_doc_free(&r->doc);
    r->cs = NULL;
    r->cs_len = 0;
}

int cairn_bundle_cs_decode(const uint8_t *buf, size_t len, cairn_bundle_cs_t *r, char *err,
                           size_t errlen)
{
    const char *p;
    size_t plen;
    memset(r, 0, sizeof *r);
    int rc = cairn_mp_decode(buf, len, &cs_limits, &r->doc);
    if (rc != 0) {
        snprintf(err, errlen, "bundle record is not a msgpack map within limits: %s",
                 cairn_strerror(rc));
        return rc;
    }
    const msgpack_object *root = &r->doc.root;
    if (root->via.map.size != 2 ||
        cairn_mp_get_str(root, "p", CAIRN_PARTITION_MAX, &p, &plen) != 0 || plen == 0 ||
        memchr(p, '\0', plen) != NULL ||
        cairn_mp_get_bin(root, "cs", CAIRN_CHANGESET_MAX, &r->cs, &r->cs_len) != 0) {
        snprintf(err, errlen, "bundle record: expected exactly p (partition) and cs (bin)");
        cairn_bundle_cs_free(r);
        return CAIRN_EPROTO;
    }
    memcpy(r->partition, p, plen);
    r->partition[plen] = '\0';
    return 0;
}
