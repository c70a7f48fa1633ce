/*
 * changeset.h: change sets and version vectors (PROTOCOL.md section 7), the units of sync.
 *
 * A change set carries, for one partition, runs ("segments") of one origin's consecutive events,
 * each ending exactly at a checkpoint that origin signed, so the receiver can verify every event
 * with one signature per segment. A version vector says, for one partition, the highest seq held
 * per origin. Both are msgpack; decoding checks sizes before allocating and refuses anything
 * outside the limits below, touching nothing on failure.
 */
#ifndef CAIRN_CHANGESET_H
#define CAIRN_CHANGESET_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include <cairn/event.h>
#include <cairn/mp.h>

/* 3.5 MiB: a change set plus its envelope fits one 4 MiB frame or sealed record. */
#define CAIRN_CHANGESET_MAX (3584u * 1024)
#define CAIRN_CHANGESET_SEGMENTS_MAX 1024u
#define CAIRN_CHANGESET_EVENTS_MAX 65536u
#define CAIRN_VECTOR_MAX 65536u /* origins in one partition's vector */

typedef struct {
    uint8_t origin[CAIRN_NODE_ID_LEN];
    uint64_t first; /* seq of events[0] */
    uint64_t last;  /* the checkpoint's seq: first + n_events - 1 */
    uint8_t sig[CAIRN_SIG_LEN];
    uint32_t n_events;
    cairn_event_t *events; /* origin, partition and seq filled in */
} cairn_changeset_segment_t;

typedef struct {
    char partition[CAIRN_PARTITION_MAX + 1];
    uint32_t n_segments;
    uint64_t n_events;
    cairn_changeset_segment_t *segments;
    /* owned storage */
    cairn_mp_doc_t doc;
    cairn_event_t *events_store;
    char *strings;
} cairn_changeset_t;

/* Decodes and checks a change set (every limit and field rule of PROTOCOL.md 7.3; signatures and
 * chains are the store's job). On failure returns CAIRN_ETOOBIG, CAIRN_EMSGPACK, CAIRN_EPROTO,
 * CAIRN_EUNSUPPORTED (v != 1) or -ENOMEM with a one-line reason in err, and cs is left freed. */
int cairn_changeset_decode(const uint8_t *buf, size_t len, cairn_changeset_t *cs, char *err,
                           size_t errlen);
void cairn_changeset_free(cairn_changeset_t *cs);

/* Encoding, in pieces, for a builder that measures as it goes:
 * pack_event appends one [hlc, type, entity, body] to pk; segment appends one segment map holding
 * n_events already-packed events (their bytes) to out; finish writes the root map with the
 * packed segments into out. */
void cairn_changeset_pack_event(msgpack_packer *pk, const cairn_event_t *ev);
void cairn_changeset_pack_segment(msgpack_packer *pk, const uint8_t origin[CAIRN_NODE_ID_LEN],
                                  uint64_t first, uint32_t n_events, const void *events,
                                  size_t events_len, uint64_t checkpoint_seq,
                                  const uint8_t sig[CAIRN_SIG_LEN]);
void cairn_changeset_pack_root(msgpack_packer *pk, const char *partition, uint32_t n_segments,
                               const void *segments, size_t segments_len);
/* Bytes the root map and one segment map add around their contents, at most. */
#define CAIRN_CHANGESET_ROOT_OVERHEAD (32u + CAIRN_PARTITION_MAX)
#define CAIRN_CHANGESET_SEGMENT_OVERHEAD 192u

/* Encodes a whole decoded (or hand-made) change set; 0 or -ENOMEM. */
int cairn_changeset_encode(const cairn_changeset_t *cs, msgpack_sbuffer *out);

typedef struct {
    uint8_t origin[CAIRN_NODE_ID_LEN];
    uint64_t seq;
} cairn_vector_entry_t;

/* A version vector: entries sorted by origin bytes, unique, seq >= 1. */
typedef struct {
    char partition[CAIRN_PARTITION_MAX + 1];
    size_t n, cap;
    cairn_vector_entry_t *e;
} cairn_vector_t;

void cairn_vector_init(cairn_vector_t *v, const char *partition);
void cairn_vector_free(cairn_vector_t *v);
/* The seq held for origin, 0 when absent. */
uint64_t cairn_vector_get(const cairn_vector_t *v, const uint8_t origin[CAIRN_NODE_ID_LEN]);
/* Sets origin's seq (0 removes it). 0, CAIRN_ETOOBIG (CAIRN_VECTOR_MAX) or -ENOMEM. */
int cairn_vector_set(cairn_vector_t *v, const uint8_t origin[CAIRN_NODE_ID_LEN], uint64_t seq);
/* {"v": 1, "partition": str, "heads": [[origin bin 32, seq uint], ...]}; 0 or -ENOMEM. */
int cairn_vector_encode(const cairn_vector_t *v, msgpack_sbuffer *out);
/* The heads alone, for a message that names the partition itself (sync sessions, PROTOCOL.md
 * 8.3): the msgpack map {"h": [[origin bin 32, seq], ...]}, ~90 bytes shorter than the whole
 * vector. Decoding checks what cairn_vector_decode checks and sets v->partition to partition
 * (1..80 bytes). */
int cairn_vector_encode_heads(const cairn_vector_t *v, msgpack_sbuffer *out);
int cairn_vector_decode_heads(const uint8_t *buf, size_t len, const char *partition,
                              cairn_vector_t *v, char *err, size_t errlen);

/* The vector's digest (PROTOCOL.md 7.4): BLAKE2b-128 of the ASCII "cairn-vec-v1" followed by
 * cairn_vector_encode's bytes. Equal vectors of one partition have equal digests. 0 or -ENOMEM. */
#define CAIRN_VECTOR_DIGEST_LEN 16
int cairn_vector_digest(const cairn_vector_t *v, uint8_t out[CAIRN_VECTOR_DIGEST_LEN]);
/* Strict: origins strictly ascending, seq 1..2^63-1. Returns like cairn_changeset_decode; on
 * success v is initialised and owns its entries. */
int cairn_vector_decode(const uint8_t *buf, size_t len, cairn_vector_t *v, char *err,
                        size_t errlen);

#endif
