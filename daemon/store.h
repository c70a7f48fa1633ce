/*
 * store.h: the SQLite store: the event log and the projections built from it.
 *
 * One database file, DATADIR/cairn.db, in WAL mode with synchronous=FULL, so a committed
 * transaction survives power loss. Every change is an event (origin, seq, hlc, partition, type,
 * entity, body); (origin, seq) is gapless per origin and is the event's identity. Projections
 * (credentials, educators, submissions, evidence, ...) are updated from each event in the same
 * transaction that stores it, and can be rebuilt from the log. Only the loop thread uses a store.
 */
#ifndef CAIRN_STORE_H
#define CAIRN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cairn/hlc.h>

typedef struct cairn_store cairn_store_t;

#define CAIRN_NODE_ID_LEN 32
#define CAIRN_PARTITION_MAX 80 /* "school:" + 64 hex characters of the node id is 71 */
#define CAIRN_TYPE_MAX 48
#define CAIRN_ENTITY_MAX 96
/* 3 MiB: a full manifest (65536 chunks x 34 bytes = 2.2 MB) plus the rest of the body, still
 * under one frame (4 MiB) so an event always travels whole. */
#define CAIRN_EVENT_BODY_MAX (3u * 1024 * 1024)

typedef struct {
    uint8_t origin[CAIRN_NODE_ID_LEN];
    uint64_t seq;
    uint64_t hlc;
    const char *partition; /* "catalog" or "school:<node id hex>" */
    const char *type;      /* e.g. "educator.add" (PROTOCOL.md "Events") */
    const char *entity;    /* the id of the entity the event is about */
    const uint8_t *body;   /* msgpack map */
    size_t body_len;
} cairn_event_t;

/* Opens or creates path, applies pending migrations, checks the schema version.
 * origin is this node's id (events appended locally carry it). */
int cairn_store_open(const char *path, const uint8_t origin[CAIRN_NODE_ID_LEN],
                     cairn_store_t **out);
void cairn_store_close(cairn_store_t *s);

/* Explicit transactions; append/apply inside one join it, outside they commit on their own. */
int cairn_store_begin(cairn_store_t *s);
int cairn_store_commit(cairn_store_t *s);
void cairn_store_rollback(cairn_store_t *s);

/* Appends a local event: next seq for our origin, a fresh HLC timestamp; applies it to the
 * projections in the same transaction. On any failure nothing is stored. */
int cairn_store_append(cairn_store_t *s, const char *partition, const char *type,
                       const char *entity, const uint8_t *body, size_t body_len,
                       uint64_t *seq_out, uint64_t *hlc_out);

/* Applies an event from any origin: a no-op returning 0 if (origin, seq) is already held with the
 * same content; CAIRN_ECONFLICT if held with different content; CAIRN_EGAP if seq is not the next
 * one for origin; otherwise stores and projects it. */
int cairn_store_apply(cairn_store_t *s, const cairn_event_t *ev);

/* Drops every projection and replays the whole log in (hlc, origin, seq) order, in one
 * transaction. *equal says whether the rebuilt projections equal those before (digest compare). */
int cairn_store_rebuild(cairn_store_t *s, bool *equal, uint64_t *events_replayed);

/* A BLAKE2b-256 digest over every projection's rows in primary-key order. */
int cairn_store_projection_digest(cairn_store_t *s, uint8_t out[32]);

/* Number of events in the log. */
int cairn_store_event_count(cairn_store_t *s, uint64_t *n);

typedef struct {
    uint64_t events, educators, credentials;
    uint64_t draft, submitted, withdrawn;
} cairn_store_counts_t;

/* Counts for `cairn status`. */
int cairn_store_counts(cairn_store_t *s, cairn_store_counts_t *out);

/* The underlying handle, for the domain modules (store_*.c) only. */
struct sqlite3 *cairn_store_db(cairn_store_t *s);

#endif
