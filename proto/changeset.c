/*
 * changeset.c: the change set and version vector codecs (PROTOCOL.md section 7).
 *
 * Decoding never trusts a count: the byte length is checked first, then cairn_mp_check's limits
 * (nothing allocated yet), then msgpack-c decodes into its zone, then every field is checked and
 * the events are counted, and only then are the event and string arrays allocated, sized from
 * what was counted (bounded by the input length). Verifying chains and signatures, and applying,
 * is the store's job: this file knows nothing of keys held or seqs held.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/changeset.h>
#include <cairn/err.h>

/* Objects in the largest valid change set: 5 per event, at most 16 per segment, 8 for the root. */
static const cairn_mp_limits_t changeset_limits = {
    .max_depth = 5,
    .max_container = CAIRN_CHANGESET_EVENTS_MAX,
    .max_objects = CAIRN_CHANGESET_EVENTS_MAX * 5 + CAIRN_CHANGESET_SEGMENTS_MAX * 16 + 8,
    .max_str = CAIRN_ENTITY_MAX > CAIRN_PARTITION_MAX ? CAIRN_ENTITY_MAX : CAIRN_PARTITION_MAX,
    .max_bin = CAIRN_EVENT_BODY_MAX,
};

/* 4 objects per head, 8 for the root. */
static const cairn_mp_limits_t vector_limits = {
    .max_depth = 3,
    .max_container = CAIRN_VECTOR_MAX,
    .max_objects = CAIRN_VECTOR_MAX * 4 + 8,
    .max_str = CAIRN_PARTITION_MAX,
    .max_bin = CAIRN_NODE_ID_LEN,
};

__attribute__((format(printf, 4, 5))) static int fail(int code, char *err, size_t errlen,
                                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err != NULL && errlen > 0)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return code;
}

/* A str field of 1..max bytes without NUL, copied NUL-terminated into out (max + 1 bytes). */
static int get_name(const msgpack_object *map, const char *key, size_t max, char *out)
{
    const char *p;
    size_t len;
    if (cairn_mp_get_str(map, key, max, &p, &len) != 0 || len == 0 || memchr(p, 0, len) != NULL)
        return CAIRN_EPROTO;
    memcpy(out, p, len);
    out[len] = '\0';
    return 0;
}

static bool is_str(const msgpack_object *o, size_t max)
{
    return o->type == MSGPACK_OBJECT_STR && o->via.str.size >= 1 && o->via.str.size <= max &&
           memchr(o->via.str.ptr, 0, o->via.str.size) == NULL;
}

/* Checks the root: {"v": 1, "partition": str, "segments": [...]} and nothing else. */
static int check_root(const msgpack_object *root, char *partition,
                      const msgpack_object_array **segs, char *err, size_t errlen)
{
    uint64_t v;
    if (root->via.map.size != 3)
        return fail(CAIRN_EPROTO, err, errlen, "change set: root map must have exactly 3 keys");
    if (cairn_mp_get_u64(root, "v", &v) != 0)
        return fail(CAIRN_EPROTO, err, errlen, "change set: missing or bad \"v\"");
    if (v != 1)
        return fail(CAIRN_EUNSUPPORTED, err, errlen, "change set: version %llu",
                    (unsigned long long)v);
    if (get_name(root, "partition", CAIRN_PARTITION_MAX, partition) != 0)
        return fail(CAIRN_EPROTO, err, errlen, "change set: missing or bad \"partition\"");
    if (cairn_mp_get_array(root, "segments", CAIRN_CHANGESET_SEGMENTS_MAX, segs) != 0)
        return fail(CAIRN_EPROTO, err, errlen,
                    "change set: \"segments\" missing, not an array or over %u",
                    CAIRN_CHANGESET_SEGMENTS_MAX);
    return 0;
}

/* Checks one segment's fields (not its events) and returns its events array. */
static int check_segment(const msgpack_object *seg, uint32_t i, cairn_changeset_segment_t *out,
                         const msgpack_object_array **events, char *err, size_t errlen)
{
    const uint8_t *b;
    size_t len;
    const msgpack_object *ck;
    if (seg->type != MSGPACK_OBJECT_MAP || seg->via.map.size != 4)
        return fail(CAIRN_EPROTO, err, errlen, "segment %u: not a map of 4 keys", i);
    if (cairn_mp_get_bin(seg, "origin", CAIRN_NODE_ID_LEN, &b, &len) != 0 ||
        len != CAIRN_NODE_ID_LEN)
        return fail(CAIRN_EPROTO, err, errlen, "segment %u: \"origin\" must be bin 32", i);
    memcpy(out->origin, b, CAIRN_NODE_ID_LEN);
    if (cairn_mp_get_u64(seg, "first", &out->first) != 0 || out->first == 0 ||
        out->first > INT64_MAX)
        return fail(CAIRN_EPROTO, err, errlen, "segment %u: \"first\" must be 1..2^63-1", i);
    if (cairn_mp_get_array(seg, "events", CAIRN_CHANGESET_EVENTS_MAX, events) != 0 ||
        (*events)->size == 0)
        return fail(CAIRN_EPROTO, err, errlen, "segment %u: \"events\" must be a non-empty array",
                    i);
    if (cairn_mp_get_map(seg, "checkpoint", &ck) != 0 || ck->via.map.size != 2 ||
        cairn_mp_get_u64(ck, "seq", &out->last) != 0 ||
        cairn_mp_get_bin(ck, "sig", CAIRN_SIG_LEN, &b, &len) != 0 || len != CAIRN_SIG_LEN)
        return fail(CAIRN_EPROTO, err, errlen,
                    "segment %u: \"checkpoint\" must be {\"seq\": uint, \"sig\": bin 64}", i);
    memcpy(out->sig, b, CAIRN_SIG_LEN);
    out->n_events = (*events)->size;
    if (out->last > INT64_MAX || out->last - out->first + 1 != out->n_events ||
        out->last < out->first)
        return fail(CAIRN_EPROTO, err, errlen,
                    "segment %u: checkpoint seq %llu does not end the run of %u events from %llu",
                    i, (unsigned long long)out->last, out->n_events,
                    (unsigned long long)out->first);
    return 0;
}

/* Checks one event array [hlc, type, entity, body]; adds its string bytes to *strings. */
static int check_event(const msgpack_object *o, uint32_t seg, uint64_t seq, size_t *strings,
                       char *err, size_t errlen)
{
    const msgpack_object *f = o->via.array.ptr;
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 4)
        return fail(CAIRN_EPROTO, err, errlen, "segment %u seq %llu: not an array of 4", seg,
                    (unsigned long long)seq);
    if (f[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER || f[0].via.u64 > INT64_MAX)
        return fail(CAIRN_EPROTO, err, errlen, "segment %u seq %llu: bad hlc", seg,
                    (unsigned long long)seq);
    if (!is_str(&f[1], CAIRN_TYPE_MAX) || !is_str(&f[2], CAIRN_ENTITY_MAX))
        return fail(CAIRN_EPROTO, err, errlen, "segment %u seq %llu: bad type or entity", seg,
                    (unsigned long long)seq);
    if (f[3].type != MSGPACK_OBJECT_BIN || f[3].via.bin.size == 0 ||
        f[3].via.bin.size > CAIRN_EVENT_BODY_MAX)
        return fail(CAIRN_EPROTO, err, errlen, "segment %u seq %llu: body must be bin 1..%u", seg,
                    (unsigned long long)seq, CAIRN_EVENT_BODY_MAX);
    *strings += f[1].via.str.size + f[2].via.str.size + 2;
    return 0;
}

void cairn_changeset_free(cairn_changeset_t *cs)
{
    cairn_mp_doc_free(&cs->doc);
    free(cs->segments);
    free(cs->events_store);
    free(cs->strings);
    memset(cs, 0, sizeof *cs);
}

/* Points ev at event o of segment seg (all checked), copying its strings into *sp. */
static void fill_event(cairn_changeset_t *cs, const cairn_changeset_segment_t *seg, uint32_t k,
                       const msgpack_object *o, cairn_event_t *ev, char **sp)
{
    const msgpack_object *f = o->via.array.ptr;
    memcpy(ev->origin, seg->origin, CAIRN_NODE_ID_LEN);
    ev->seq = seg->first + k;
    ev->hlc = f[0].via.u64;
    ev->partition = cs->partition;
    ev->type = *sp;
    memcpy(*sp, f[1].via.str.ptr, f[1].via.str.size);
    (*sp)[f[1].via.str.size] = '\0';
    *sp += f[1].via.str.size + 1;
    ev->entity = *sp;
    memcpy(*sp, f[2].via.str.ptr, f[2].via.str.size);
    (*sp)[f[2].via.str.size] = '\0';
    *sp += f[2].via.str.size + 1;
    ev->body = (const uint8_t *)f[3].via.bin.ptr;
    ev->body_len = f[3].via.bin.size;
}

int cairn_changeset_decode(const uint8_t *buf, size_t len, cairn_changeset_t *cs, char *err,
                           size_t errlen)
{
    const msgpack_object_array *segs = NULL, *events = NULL;
    size_t strings = 0;
    int rc;

    memset(cs, 0, sizeof *cs);
    if (len > CAIRN_CHANGESET_MAX)
        return fail(CAIRN_ETOOBIG, err, errlen, "change set of %zu bytes is over %u", len,
                    CAIRN_CHANGESET_MAX);
    rc = cairn_mp_decode(buf, len, &changeset_limits, &cs->doc);
    if (rc != 0) {
        cairn_changeset_free(cs);
        return fail(rc, err, errlen, "change set: %s", cairn_strerror(rc));
    }
    rc = check_root(&cs->doc.root, cs->partition, &segs, err, errlen);
    if (rc != 0)
        goto out;
    cs->n_segments = segs->size;
    /* First pass: every field checked and everything counted, nothing allocated. */
    for (uint32_t i = 0; i < segs->size && rc == 0; i++) {
        cairn_changeset_segment_t seg;
        rc = check_segment(&segs->ptr[i], i, &seg, &events, err, errlen);
        if (rc == 0 && cs->n_events + seg.n_events > CAIRN_CHANGESET_EVENTS_MAX)
            rc = fail(CAIRN_ETOOBIG, err, errlen, "change set: over %u events",
                      CAIRN_CHANGESET_EVENTS_MAX);
        for (uint32_t k = 0; rc == 0 && k < events->size; k++)
            rc = check_event(&events->ptr[k], i, seg.first + k, &strings, err, errlen);
        cs->n_events += seg.n_events;
    }
    if (rc != 0)
        goto out;
    /* Second pass: sizes are known and bounded by len. */
    cs->segments = calloc(cs->n_segments ? cs->n_segments : 1, sizeof *cs->segments);
    cs->events_store = calloc(cs->n_events ? cs->n_events : 1, sizeof *cs->events_store);
    cs->strings = malloc(strings ? strings : 1);
    if (cs->segments == NULL || cs->events_store == NULL || cs->strings == NULL) {
        rc = fail(-ENOMEM, err, errlen, "change set: out of memory");
        goto out;
    }
    char *sp = cs->strings;
    cairn_event_t *ev = cs->events_store;
    for (uint32_t i = 0; i < segs->size; i++) {
        cairn_changeset_segment_t *seg = &cs->segments[i];
        check_segment(&segs->ptr[i], i, seg, &events, NULL, 0);
        seg->events = ev;
        for (uint32_t k = 0; k < events->size; k++)
            fill_event(cs, seg, k, &events->ptr[k], ev++, &sp);
    }
out:
    if (rc != 0)
        cairn_changeset_free(cs);
    return rc;
}

void cairn_changeset_pack_event(msgpack_packer *pk, const cairn_event_t *ev)
{
    size_t tl = strlen(ev->type), el = strlen(ev->entity);
    msgpack_pack_array(pk, 4);
    msgpack_pack_uint64(pk, ev->hlc);
    msgpack_pack_str_with_body(pk, ev->type, tl);
    msgpack_pack_str_with_body(pk, ev->entity, el);
    msgpack_pack_bin_with_body(pk, ev->body, ev->body_len);
}

void cairn_changeset_pack_segment(msgpack_packer *pk, const uint8_t origin[CAIRN_NODE_ID_LEN],
                                  uint64_t first, uint32_t n_events, const void *events,
                                  size_t events_len, uint64_t checkpoint_seq,
                                  const uint8_t sig[CAIRN_SIG_LEN])
{
    msgpack_pack_map(pk, 4);
    cairn_mp_pack_kv_bin(pk, "origin", origin, CAIRN_NODE_ID_LEN);
    cairn_mp_pack_kv_u64(pk, "first", first);
    cairn_mp_pack_cstr(pk, "events");
    msgpack_pack_array(pk, n_events);
    pk->callback(pk->data, events, events_len); /* already-packed events, verbatim */
    cairn_mp_pack_cstr(pk, "checkpoint");
    msgpack_pack_map(pk, 2);
    cairn_mp_pack_kv_u64(pk, "seq", checkpoint_seq);
    cairn_mp_pack_kv_bin(pk, "sig", sig, CAIRN_SIG_LEN);
}

void cairn_changeset_pack_root(msgpack_packer *pk, const char *partition, uint32_t n_segments,
                               const void *segments, size_t segments_len)
{
    msgpack_pack_map(pk, 3);
    cairn_mp_pack_kv_u64(pk, "v", 1);
    cairn_mp_pack_kv_str(pk, "partition", partition);
    cairn_mp_pack_cstr(pk, "segments");
    msgpack_pack_array(pk, n_segments);
    pk->callback(pk->data, segments, segments_len);
}

int cairn_changeset_encode(const cairn_changeset_t *cs, msgpack_sbuffer *out)
{
    msgpack_sbuffer segs, evs;
    msgpack_packer spk, epk, opk;
    int rc = 0;
    msgpack_sbuffer_init(&segs);
    msgpack_packer_init(&spk, &segs, msgpack_sbuffer_write);
    for (uint32_t i = 0; i < cs->n_segments && rc == 0; i++) {
        const cairn_changeset_segment_t *seg = &cs->segments[i];
        msgpack_sbuffer_init(&evs);
        msgpack_packer_init(&epk, &evs, msgpack_sbuffer_write);
        for (uint32_t k = 0; k < seg->n_events; k++)
            cairn_changeset_pack_event(&epk, &seg->events[k]);
        cairn_changeset_pack_segment(&spk, seg->origin, seg->first, seg->n_events, evs.data,
                                     evs.size, seg->last, seg->sig);
        if (seg->n_events > 0 && evs.data == NULL)
            rc = -ENOMEM;
        msgpack_sbuffer_destroy(&evs);
    }
    msgpack_packer_init(&opk, out, msgpack_sbuffer_write);
    cairn_changeset_pack_root(&opk, cs->partition, cs->n_segments, segs.data, segs.size);
    msgpack_sbuffer_destroy(&segs);
    return rc == 0 && out->data == NULL ? -ENOMEM : rc;
}

void cairn_vector_init(cairn_vector_t *v, const char *partition)
{
    memset(v, 0, sizeof *v);
    snprintf(v->partition, sizeof v->partition, "%s", partition != NULL ? partition : "");
}

void cairn_vector_free(cairn_vector_t *v)
{
    free(v->e);
    v->e = NULL;
    v->n = v->cap = 0;
}

/* The index of origin, or of where it would go (*found says which). */
static size_t vector_find(const cairn_vector_t *v, const uint8_t *origin, bool *found)
{
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(v->e[mid].origin, origin, CAIRN_NODE_ID_LEN);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

uint64_t cairn_vector_get(const cairn_vector_t *v, const uint8_t origin[CAIRN_NODE_ID_LEN])
{
    bool found;
    size_t i = vector_find(v, origin, &found);
    return found ? v->e[i].seq : 0;
}

int cairn_vector_set(cairn_vector_t *v, const uint8_t origin[CAIRN_NODE_ID_LEN], uint64_t seq)
{
    bool found;
    size_t i = vector_find(v, origin, &found);
    if (found && seq == 0) {
        memmove(&v->e[i], &v->e[i + 1], (v->n - i - 1) * sizeof v->e[0]);
        v->n--;
        return 0;
    }
    if (found || seq == 0) {
        if (found)
            v->e[i].seq = seq;
        return 0;
    }
    if (v->n >= CAIRN_VECTOR_MAX)
        return CAIRN_ETOOBIG;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        cairn_vector_entry_t *e = realloc(v->e, cap * sizeof *e);
        if (e == NULL)
            return -ENOMEM;
        v->e = e;
        v->cap = cap;
    }
    memmove(&v->e[i + 1], &v->e[i], (v->n - i) * sizeof v->e[0]);
    memcpy(v->e[i].origin, origin, CAIRN_NODE_ID_LEN);
    v->e[i].seq = seq;
    v->n++;
    return 0;
}

/* The heads array: [[origin bin 32, seq], ...] in the vector's (ascending) order. */
static void pack_heads(msgpack_packer *pk, const cairn_vector_t *v)
{
    msgpack_pack_array(pk, (uint32_t)v->n);
    for (size_t i = 0; i < v->n; i++) {
        msgpack_pack_array(pk, 2);
        msgpack_pack_bin_with_body(pk, v->e[i].origin, CAIRN_NODE_ID_LEN);
        msgpack_pack_uint64(pk, v->e[i].seq);
    }
}

int cairn_vector_encode(const cairn_vector_t *v, msgpack_sbuffer *out)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 3);
    cairn_mp_pack_kv_u64(&pk, "v", 1);
    cairn_mp_pack_kv_str(&pk, "partition", v->partition);
    cairn_mp_pack_cstr(&pk, "heads");
    pack_heads(&pk, v);
    return out->data == NULL ? -ENOMEM : 0;
}

int cairn_vector_encode_heads(const cairn_vector_t *v, msgpack_sbuffer *out)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    cairn_mp_pack_cstr(&pk, "h");
    pack_heads(&pk, v);
    return out->data == NULL ? -ENOMEM : 0;
}

/* Decodes either form: the whole vector (partition NULL: {v, partition, heads}) or the heads
 * alone of a known partition ({h}). */
static int decode_vector(const uint8_t *buf, size_t len, const char *known, cairn_vector_t *v,
                         char *err, size_t errlen)
{
    cairn_mp_doc_t doc;
    const msgpack_object_array *heads = NULL;
    char partition[CAIRN_PARTITION_MAX + 1];
    uint64_t ver;
    int rc = cairn_mp_decode(buf, len, &vector_limits, &doc);
    cairn_vector_init(v, "");
    if (rc != 0)
        return fail(rc, err, errlen, "vector: %s", cairn_strerror(rc));
    if (known != NULL) {
        if (doc.root.via.map.size != 1 ||
            cairn_mp_get_array(&doc.root, "h", CAIRN_VECTOR_MAX, &heads) != 0)
            rc = fail(CAIRN_EPROTO, err, errlen, "vector heads: root must be {h}");
        else if (strlen(known) < 1 || strlen(known) > CAIRN_PARTITION_MAX)
            rc = fail(CAIRN_EINVAL, err, errlen, "vector heads: bad partition");
        else
            snprintf(partition, sizeof partition, "%s", known);
    } else if (doc.root.via.map.size != 3 || cairn_mp_get_u64(&doc.root, "v", &ver) != 0)
        rc = fail(CAIRN_EPROTO, err, errlen, "vector: root must be {v, partition, heads}");
    else if (ver != 1)
        rc = fail(CAIRN_EUNSUPPORTED, err, errlen, "vector: version %llu", (unsigned long long)ver);
    else if (get_name(&doc.root, "partition", CAIRN_PARTITION_MAX, partition) != 0 ||
             cairn_mp_get_array(&doc.root, "heads", CAIRN_VECTOR_MAX, &heads) != 0)
        rc = fail(CAIRN_EPROTO, err, errlen, "vector: bad \"partition\" or \"heads\"");
    for (uint32_t i = 0; rc == 0 && i < heads->size; i++) {
        const msgpack_object *h = &heads->ptr[i];
        if (h->type != MSGPACK_OBJECT_ARRAY || h->via.array.size != 2 ||
            h->via.array.ptr[0].type != MSGPACK_OBJECT_BIN ||
            h->via.array.ptr[0].via.bin.size != CAIRN_NODE_ID_LEN ||
            h->via.array.ptr[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
            h->via.array.ptr[1].via.u64 == 0 || h->via.array.ptr[1].via.u64 > INT64_MAX)
            rc = fail(CAIRN_EPROTO, err, errlen, "vector: head %u must be [bin 32, seq]", i);
        else if (i > 0 && memcmp(heads->ptr[i - 1].via.array.ptr[0].via.bin.ptr,
                                 h->via.array.ptr[0].via.bin.ptr, CAIRN_NODE_ID_LEN) >= 0)
            rc = fail(CAIRN_EPROTO, err, errlen, "vector: heads not in strictly ascending order");
    }
    if (rc == 0) {
        snprintf(v->partition, sizeof v->partition, "%s", partition);
        v->e = malloc((heads->size ? heads->size : 1) * sizeof *v->e);
        if (v->e == NULL)
            rc = fail(-ENOMEM, err, errlen, "vector: out of memory");
    }
    for (uint32_t i = 0; rc == 0 && i < heads->size; i++) {
        memcpy(v->e[i].origin, heads->ptr[i].via.array.ptr[0].via.bin.ptr, CAIRN_NODE_ID_LEN);
        v->e[i].seq = heads->ptr[i].via.array.ptr[1].via.u64;
        v->n = v->cap = i + 1;
    }
    cairn_mp_doc_free(&doc);
    if (rc != 0)
        cairn_vector_free(v);
    return rc;
}

int cairn_vector_decode(const uint8_t *buf, size_t len, cairn_vector_t *v, char *err, size_t errlen)
{
    return decode_vector(buf, len, NULL, v, err, errlen);
}

int cairn_vector_decode_heads(const uint8_t *buf, size_t len, const char *partition,
                              cairn_vector_t *v, char *err, size_t errlen)
{
    return decode_vector(buf, len, partition, v, err, errlen);
}
