/*
 * bundle.h: `cairn bundle export` / `import` (PROTOCOL.md section 9): everything a peer lacks,
 * as change sets in a sealed bundle (section 6) written to a file, typically on a USB stick, and
 * applying such a file all or nothing.
 *
 * A bundle's data records are, in order: one head {"v": 1, "kind": "cairn-bundle", "from": bin 32,
 * "to": bin 32, "vectors": {partition: bin (a section 7.4 vector)}} carrying the sender's vectors
 * (so the return trip acknowledges), then any number of {"p": partition, "cs": bin (a section 7.3
 * change set)}. Export sends, per partition, what the peer lacks by the last vector it sent us
 * (peer_vectors); import stages every change set, applies nothing before the seal's signature has
 * verified, then applies them in ONE transaction with the rights check, records the bundle id and
 * merges the sender's vectors. These functions do blocking file I/O.
 */
#ifndef CAIRN_BUNDLE_H
#define CAIRN_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cairn/changeset.h>
#include <cairn/mp.h>

#include "store.h"

/* Change sets staged in memory by one import (the bytes of their records): a bigger bundle is
 * refused before anything is applied. 64 MiB keeps a school box's memory bounded; a larger
 * backlog travels as several bundles (each export sends at most this much, see below). */
#define CAIRN_BUNDLE_STAGE_MAX (64u * 1024 * 1024)
/* Target size of one change set in a bundle. */
#define CAIRN_BUNDLE_CS_BYTES (1024u * 1024)
/* Partitions a head may carry vectors for. */
#define CAIRN_BUNDLE_PARTITIONS_MAX 4096u

/* The node a bundle is made or opened by. */
typedef struct {
    cairn_store_t *store;
    const uint8_t *pk; /* 32: our identity, the node id */
    const uint8_t *sk; /* 64 */
    bool hub;          /* our role */
    /* our data directory, for the revocations of `cairnd enroll revoke` (DATADIR/revoked/);
     * NULL: none are checked (unit tests) */
    const char *datadir;
} cairn_bundle_node_t;

typedef struct {
    uint8_t to[CAIRN_NODE_ID_LEN];
    uint64_t events;     /* events in the bundle's change sets */
    uint64_t bytes;      /* size of the file */
    uint32_t partitions; /* partitions that carried events */
} cairn_bundle_export_t;

/* Writes a bundle for the peer named by to (NULL: the single hub) to path (via path.tmp, fsync,
 * rename, directory fsync). Returns 0 or a negative code with a one-line reason in err. */
int cairn_bundle_export(const cairn_bundle_node_t *n, const char *to, const char *path,
                        cairn_bundle_export_t *out, char *err, size_t errlen);

typedef struct {
    uint8_t from[CAIRN_NODE_ID_LEN];
    uint64_t applied, skipped; /* events */
    bool already;              /* this bundle was imported before: nothing was done */
} cairn_bundle_import_t;

/* Reads, verifies and applies the bundle at path. On any failure nothing is applied and err holds
 * one line: not a bundle, not addressed to this node, unknown sender, from another hub, tampered
 * or truncated (the seal's reason), a rights violation, a gap, over the size limit. */
int cairn_bundle_import(const cairn_bundle_node_t *n, const char *path, cairn_bundle_import_t *out,
                        char *err, size_t errlen);

/* --- the record codec (bundle_codec.c); decoders take untrusted bytes and touch nothing on
 * failure. --- */

typedef struct {
    uint8_t from[CAIRN_NODE_ID_LEN];
    uint8_t to[CAIRN_NODE_ID_LEN];
    uint32_t n_vectors;
    cairn_vector_t *vectors; /* owned */
} cairn_bundle_head_t;

/* Encodes a head carrying n vectors. 0 or -ENOMEM. */
int cairn_bundle_head_encode(const uint8_t from[CAIRN_NODE_ID_LEN],
                             const uint8_t to[CAIRN_NODE_ID_LEN], const cairn_vector_t *vectors,
                             uint32_t n, msgpack_sbuffer *out);
/* 0, CAIRN_EMSGPACK, CAIRN_ETOOBIG, CAIRN_EPROTO, CAIRN_EUNSUPPORTED or -ENOMEM (reason in err);
 * on failure h is left freed. Each vector's own partition must equal its key, keys unique. */
int cairn_bundle_head_decode(const uint8_t *buf, size_t len, cairn_bundle_head_t *h, char *err,
                             size_t errlen);
void cairn_bundle_head_free(cairn_bundle_head_t *h);

/* A change set record. cs points into doc. */
typedef struct {
    char partition[CAIRN_PARTITION_MAX + 1];
    const uint8_t *cs;
    size_t cs_len;
    cairn_mp_doc_t doc;
} cairn_bundle_cs_t;

int cairn_bundle_cs_encode(const char *partition, const uint8_t *cs, size_t len,
                           msgpack_sbuffer *out);
/* Like cairn_bundle_head_decode; the change set itself is decoded later, when applied. */
int cairn_bundle_cs_decode(const uint8_t *buf, size_t len, cairn_bundle_cs_t *r, char *err,
                           size_t errlen);
void cairn_bundle_cs_free(cairn_bundle_cs_t *r);

#endif
