/*
 * store.h: the SQLite store: the event log and the projections built from it.
 *
 * One database file, DATADIR/cairn.db, in WAL mode with synchronous=FULL, so a committed
 * transaction survives power loss. Every change is an event (origin, partition, seq, hlc, type,
 * entity, body); (origin, partition, seq) is the event's identity and seq is gapless per (origin,
 * partition), so a partition can be synced on its own. Each event row carries its hash chain value
 * (cairn/event.h), and the node signs checkpoints on its own chains (store_sync.h). Projections
 * (credentials, educators, submissions, evidence, ...) are updated from each event in the same
 * transaction that stores it, and can be rebuilt from the log. Only the loop thread uses a store.
 */
#ifndef CAIRN_STORE_H
#define CAIRN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cairn/event.h>
#include <cairn/hlc.h>

typedef struct cairn_store cairn_store_t;

/* cairn_event_t and the field limits are in cairn/event.h: they are wire format. */

/* Opens or creates path, applies pending migrations, checks the schema version.
 * origin is this node's id (events appended locally carry it). */
int cairn_store_open(const char *path, const uint8_t origin[CAIRN_NODE_ID_LEN],
                     cairn_store_t **out);
void cairn_store_close(cairn_store_t *s);

/* Opens an existing store for reading only (no migration; a schema version other than this
 * binary's is CAIRN_EUNSUPPORTED), e.g. for `cairnd state-hash` beside a running daemon. */
int cairn_store_open_readonly(const char *path, cairn_store_t **out);

/* Gives the store this node's Ed25519 secret key (copied; wiped on close). From then on every
 * outermost commit that appended local events signs one checkpoint per partition appended to
 * (more in a long transaction, so a checkpoint span stays small: store_sync.h). Without a signer
 * appends work but make no checkpoint, and events not covered by a checkpoint cannot be exported
 * in a change set until a later append, with a signer, checkpoints past them. */
void cairn_store_set_signer(cairn_store_t *s, const uint8_t sk[64]);

/* Explicit transactions; append/apply inside one join it, outside they commit on their own. */
int cairn_store_begin(cairn_store_t *s);
int cairn_store_commit(cairn_store_t *s);
void cairn_store_rollback(cairn_store_t *s);

/* Appends a local event: the next seq for (our origin, partition), a fresh HLC timestamp, the
 * next chain value; applies it to the projections in the same transaction. On any failure nothing
 * is stored. */
int cairn_store_append(cairn_store_t *s, const char *partition, const char *type,
                       const char *entity, const uint8_t *body, size_t body_len, uint64_t *seq_out,
                       uint64_t *hlc_out);

/* Applies an event from any origin: a no-op returning 0 if (origin, partition, seq) is already
 * held with the same content; CAIRN_ECONFLICT if held with different content; CAIRN_EGAP if seq is
 * not the next one for (origin, partition); otherwise stores (with its chain value) and projects
 * it. No checkpoint comes with it: sync uses cairn_store_changeset_apply (store_sync.h), which
 * verifies the origin's signature. */
int cairn_store_apply(cairn_store_t *s, const cairn_event_t *ev);

/* Drops every projection and replays the whole log in (hlc, origin, partition, seq) order, in one
 * transaction. *equal says whether the rebuilt projections equal those before (digest compare). */
int cairn_store_rebuild(cairn_store_t *s, bool *equal, uint64_t *events_replayed);

/* A BLAKE2b-256 digest over every projection's rows in primary-key order. */
int cairn_store_projection_digest(cairn_store_t *s, uint8_t out[32]);

/* Number of events in the log. */
int cairn_store_event_count(cairn_store_t *s, uint64_t *n);

typedef struct {
    uint64_t events, educators, credentials;
    uint64_t draft, submitted, withdrawn;
    uint64_t in_review, not_yet, meets, awarded; /* review states (projection_review.c) */
} cairn_store_counts_t;

/* Counts for `cairn status`. */
int cairn_store_counts(cairn_store_t *s, cairn_store_counts_t *out);

/* The underlying handle, for the domain modules (store_*.c) only. */
struct sqlite3 *cairn_store_db(cairn_store_t *s);

#endif
