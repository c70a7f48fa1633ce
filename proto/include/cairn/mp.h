/*
 * mp.h: msgpack with limits.
 *
 * msgpack-c's C unpacker has no limits of its own, and each decoded object costs 24 bytes in its
 * zone however small its encoding, so a hostile frame could make it allocate 24 times its size in
 * nested empty arrays. cairn_mp_check() walks the raw bytes first, without allocating, and refuses
 * anything deeper, longer or bigger than the limits; only then is msgpack_unpack() called.
 *
 * The accessors read fields of a decoded map by key with a type and a size limit each, so a
 * handler states what it expects in one line and gets CAIRN_EINVAL naming the field otherwise.
 */
#ifndef CAIRN_MP_H
#define CAIRN_MP_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The deepest nesting cairn_mp_check() can allow: msgpack-c's unpacker refuses more than 32 open
 * containers (MSGPACK_EMBED_STACK_SIZE), and the checker keeps one fixed-size stack of this depth.
 * A max_depth above it counts as this. */
#define CAIRN_MP_DEPTH_MAX 32u

typedef struct {
    uint32_t max_depth;     /* nesting of arrays and maps (an empty one counts too) */
    uint32_t max_container; /* elements in one array, or pairs in one map */
    uint32_t max_objects;   /* objects in the whole message */
    uint32_t max_str;       /* bytes in one str */
    uint32_t max_bin;       /* bytes in one bin */
} cairn_mp_limits_t;

/* The limits for every frame on the wire and local socket (documented in PROTOCOL.md). */
extern const cairn_mp_limits_t cairn_mp_wire_limits;

/* Checks that buf holds exactly one msgpack object within the limits (no trailing bytes, no ext
 * types, no 0xc1). Allocates nothing, recurses nowhere, and reads each byte at most once. A
 * declared length or element count larger than the bytes left is CAIRN_EMSGPACK before any limit is
 * looked at. Returns 0, CAIRN_EMSGPACK (malformed/truncated/trailing bytes/empty) or CAIRN_ETOOBIG
 * (a limit). */
int cairn_mp_check(const uint8_t *buf, size_t len, const cairn_mp_limits_t *lim);

/* A decoded message: the root object and the zone that owns it. */
typedef struct {
    msgpack_zone zone;
    msgpack_object root;
    bool zone_init;
} cairn_mp_doc_t;

/* cairn_mp_check() then msgpack_unpack(); the root must be a map. The bytes are copied into the
 * zone first, so the doc does not refer to buf (a frame reader's buffer may be reused at once). On
 * failure doc is left freed (cairn_mp_doc_free() on it is harmless). Returns 0, CAIRN_EMSGPACK,
 * CAIRN_ETOOBIG, CAIRN_EPROTO (root not a map) or -ENOMEM. */
int cairn_mp_decode(const uint8_t *buf, size_t len, const cairn_mp_limits_t *lim,
                    cairn_mp_doc_t *doc);
void cairn_mp_doc_free(cairn_mp_doc_t *doc);

/* Map field lookup. Each returns 0 when the key is present with the right type and within max,
 * CAIRN_ENOTFOUND when the key is absent (callers treat that as "optional" or as an error), and
 * CAIRN_EINVAL when present with the wrong type or over the limit, when the key appears more than
 * once (a repeated key means different things to different readers, so none may pick one), or
 * when map is not a map. Out-parameters are written only on success. Strings and bins point into
 * the zone (not NUL-terminated). Integers: get_u64 takes 0..UINT64_MAX; get_i64 takes
 * INT64_MIN..INT64_MAX whichever way it was encoded; floats are never integers.
 * cairn_mp_get() returns the value, or NULL when absent, repeated or map is not a map. */
const msgpack_object *cairn_mp_get(const msgpack_object *map, const char *key);
int cairn_mp_get_str(const msgpack_object *map, const char *key, size_t max, const char **s,
                     size_t *len);
int cairn_mp_get_bin(const msgpack_object *map, const char *key, size_t max, const uint8_t **b,
                     size_t *len);
int cairn_mp_get_u64(const msgpack_object *map, const char *key, uint64_t *v);
int cairn_mp_get_i64(const msgpack_object *map, const char *key, int64_t *v);
int cairn_mp_get_bool(const msgpack_object *map, const char *key, bool *v);
int cairn_mp_get_array(const msgpack_object *map, const char *key, uint32_t max,
                       const msgpack_object_array **a);
int cairn_mp_get_map(const msgpack_object *map, const char *key, const msgpack_object **m);

/* Copies a str field into a fresh NUL-terminated heap string (caller frees); the string must not
 * contain NUL bytes. Same returns as cairn_mp_get_str, plus -ENOMEM. */
int cairn_mp_dup_str(const msgpack_object *map, const char *key, size_t max, char **out);

/* Packing helpers over msgpack_packer: key + value in one call. A NULL string packs nil. */
void cairn_mp_pack_cstr(msgpack_packer *pk, const char *s);
void cairn_mp_pack_kv_str(msgpack_packer *pk, const char *key, const char *s);
void cairn_mp_pack_kv_strn(msgpack_packer *pk, const char *key, const char *s, size_t len);
void cairn_mp_pack_kv_bin(msgpack_packer *pk, const char *key, const void *b, size_t len);
void cairn_mp_pack_kv_u64(msgpack_packer *pk, const char *key, uint64_t v);
void cairn_mp_pack_kv_i64(msgpack_packer *pk, const char *key, int64_t v);
void cairn_mp_pack_kv_bool(msgpack_packer *pk, const char *key, bool v);

#endif
