/*
 * mp.c: decoding checked msgpack into a zone, typed field accessors, and packing helpers.
 *
 * Nothing reaches msgpack_unpack() that cairn_mp_check() has not passed. Accessors never trust a
 * type: each states the type and size it wants and refuses anything else, so a handler cannot
 * mistake a bin for a str or a negative number for a count.
 */
#include "cairn/err.h"
#include "cairn/mp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cairn_mp_decode(const uint8_t *buf, size_t len, const cairn_mp_limits_t *lim,
                    cairn_mp_doc_t *doc)
{
    size_t off = 0;
    char *copy;
    int rc;

    memset(doc, 0, sizeof *doc);
    if ((rc = cairn_mp_check(buf, len, lim)) != 0)
        return rc;
    if (!msgpack_zone_init(&doc->zone, MSGPACK_ZONE_CHUNK_SIZE))
        return -ENOMEM;
    doc->zone_init = true;

    /* msgpack_unpack() points strs and bins into its input: copy it into the zone so the doc owns
     * every byte it refers to. */
    if ((copy = msgpack_zone_malloc(&doc->zone, len)) == NULL) {
        rc = -ENOMEM;
        goto fail;
    }
    memcpy(copy, buf, len);
    switch (msgpack_unpack(copy, len, &off, &doc->zone, &doc->root)) {
    case MSGPACK_UNPACK_SUCCESS:
        rc = off == len ? 0 : CAIRN_EMSGPACK;
        break;
    case MSGPACK_UNPACK_NOMEM_ERROR:
        rc = -ENOMEM;
        break;
    default:
        rc = CAIRN_EMSGPACK; /* cannot happen after the check; refuse rather than trust */
        break;
    }
    if (rc == 0 && doc->root.type != MSGPACK_OBJECT_MAP)
        rc = CAIRN_EPROTO;
    if (rc == 0)
        return 0;
fail:
    cairn_mp_doc_free(doc);
    return rc;
}

void cairn_mp_doc_free(cairn_mp_doc_t *doc)
{
    if (doc->zone_init)
        msgpack_zone_destroy(&doc->zone);
    memset(doc, 0, sizeof *doc);
}

/* The value of key in map: 0 and *val when it appears exactly once. */
static int field(const msgpack_object *map, const char *key, const msgpack_object **val)
{
    const msgpack_object *found = NULL;
    size_t keylen;

    if (map == NULL || key == NULL || map->type != MSGPACK_OBJECT_MAP)
        return CAIRN_EINVAL;
    keylen = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object_kv *kv = &map->via.map.ptr[i];
        if (kv->key.type != MSGPACK_OBJECT_STR || kv->key.via.str.size != keylen ||
            memcmp(kv->key.via.str.ptr, key, keylen) != 0)
            continue;
        if (found != NULL)
            return CAIRN_EINVAL; /* repeated key */
        found = &kv->val;
    }
    if (found == NULL)
        return CAIRN_ENOTFOUND;
    *val = found;
    return 0;
}

/* The value of key when it has the given type. */
static int typed(const msgpack_object *map, const char *key, msgpack_object_type type,
                 const msgpack_object **val)
{
    const msgpack_object *o = NULL;
    int rc = field(map, key, &o);
    if (rc != 0)
        return rc;
    if (o->type != type)
        return CAIRN_EINVAL;
    *val = o;
    return 0;
}

const msgpack_object *cairn_mp_get(const msgpack_object *map, const char *key)
{
    const msgpack_object *o = NULL;
    return field(map, key, &o) == 0 ? o : NULL;
}

int cairn_mp_get_str(const msgpack_object *map, const char *key, size_t max, const char **s,
                     size_t *len)
{
    const msgpack_object *o = NULL;
    int rc = typed(map, key, MSGPACK_OBJECT_STR, &o);
    if (rc != 0)
        return rc;
    if (o->via.str.size > max)
        return CAIRN_EINVAL;
    *s = o->via.str.ptr;
    *len = o->via.str.size;
    return 0;
}

int cairn_mp_get_bin(const msgpack_object *map, const char *key, size_t max, const uint8_t **b,
                     size_t *len)
{
    const msgpack_object *o = NULL;
    int rc = typed(map, key, MSGPACK_OBJECT_BIN, &o);
    if (rc != 0)
        return rc;
    if (o->via.bin.size > max)
        return CAIRN_EINVAL;
    *b = (const uint8_t *)o->via.bin.ptr;
    *len = o->via.bin.size;
    return 0;
}

int cairn_mp_get_u64(const msgpack_object *map, const char *key, uint64_t *v)
{
    const msgpack_object *o = NULL;
    int rc = typed(map, key, MSGPACK_OBJECT_POSITIVE_INTEGER, &o);
    if (rc != 0)
        return rc;
    *v = o->via.u64;
    return 0;
}

int cairn_mp_get_i64(const msgpack_object *map, const char *key, int64_t *v)
{
    const msgpack_object *o = NULL;
    int rc = field(map, key, &o);
    if (rc != 0)
        return rc;
    /* msgpack-c stores every non-negative integer as POSITIVE, every negative one as NEGATIVE. */
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= (uint64_t)INT64_MAX)
        *v = (int64_t)o->via.u64;
    else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        *v = o->via.i64;
    else
        return CAIRN_EINVAL;
    return 0;
}

int cairn_mp_get_bool(const msgpack_object *map, const char *key, bool *v)
{
    const msgpack_object *o = NULL;
    int rc = typed(map, key, MSGPACK_OBJECT_BOOLEAN, &o);
    if (rc != 0)
        return rc;
    *v = o->via.boolean;
    return 0;
}

int cairn_mp_get_array(const msgpack_object *map, const char *key, uint32_t max,
                       const msgpack_object_array **a)
{
    const msgpack_object *o = NULL;
    int rc = typed(map, key, MSGPACK_OBJECT_ARRAY, &o);
    if (rc != 0)
        return rc;
    if (o->via.array.size > max)
        return CAIRN_EINVAL;
    *a = &o->via.array;
    return 0;
}

int cairn_mp_get_map(const msgpack_object *map, const char *key, const msgpack_object **m)
{
    return typed(map, key, MSGPACK_OBJECT_MAP, m);
}

int cairn_mp_dup_str(const msgpack_object *map, const char *key, size_t max, char **out)
{
    const char *s = NULL;
    size_t len = 0;
    char *copy;
    int rc = cairn_mp_get_str(map, key, max, &s, &len);
    if (rc != 0)
        return rc;
    if (memchr(s, '\0', len) != NULL)
        return CAIRN_EINVAL;
    if ((copy = malloc(len + 1)) == NULL)
        return -ENOMEM;
    memcpy(copy, s, len);
    copy[len] = '\0';
    *out = copy;
    return 0;
}

/* A str of len bytes, or nil for NULL. */
static void pack_strn(msgpack_packer *pk, const char *s, size_t len)
{
    if (s == NULL) {
        msgpack_pack_nil(pk);
        return;
    }
    msgpack_pack_str(pk, len);
    msgpack_pack_str_body(pk, s, len);
}

void cairn_mp_pack_cstr(msgpack_packer *pk, const char *s)
{
    pack_strn(pk, s, s != NULL ? strlen(s) : 0);
}

void cairn_mp_pack_kv_str(msgpack_packer *pk, const char *key, const char *s)
{
    cairn_mp_pack_cstr(pk, key);
    cairn_mp_pack_cstr(pk, s);
}

void cairn_mp_pack_kv_strn(msgpack_packer *pk, const char *key, const char *s, size_t len)
{
    cairn_mp_pack_cstr(pk, key);
    pack_strn(pk, s, len);
}

void cairn_mp_pack_kv_bin(msgpack_packer *pk, const char *key, const void *b, size_t len)
{
    cairn_mp_pack_cstr(pk, key);
    if (b == NULL && len > 0) {
        msgpack_pack_nil(pk);
        return;
    }
    msgpack_pack_bin(pk, len);
    msgpack_pack_bin_body(pk, b, len);
}

void cairn_mp_pack_kv_u64(msgpack_packer *pk, const char *key, uint64_t v)
{
    cairn_mp_pack_cstr(pk, key);
    msgpack_pack_uint64(pk, v);
}

void cairn_mp_pack_kv_i64(msgpack_packer *pk, const char *key, int64_t v)
{
    cairn_mp_pack_cstr(pk, key);
    msgpack_pack_int64(pk, v);
}

void cairn_mp_pack_kv_bool(msgpack_packer *pk, const char *key, bool v)
{
    cairn_mp_pack_cstr(pk, key);
    if (v)
        msgpack_pack_true(pk);
    else
        msgpack_pack_false(pk);
}
