/*
 * store_priv.h: what the store's own modules (store*.c, projection.c, catalog_import.c,
 * submission.c) share and nothing else may use: the cached prepared statements, the node's
 * origin, the mapping of SQLite failures to CAIRN_E* codes, and id prefix resolution.
 *
 * Invariant: a statement returned by cairn_store_stmt() is reset and unbound; the caller resets it
 * again when done with it (so no read cursor outlives the call that used it).
 */
#ifndef CAIRN_STORE_PRIV_H
#define CAIRN_STORE_PRIV_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cairn/id.h>

#include "mpbuf.h"
#include "store.h"

/* "school:" + 64 hex characters of the node id. */
#define CAIRN_SCHOOL_PARTITION_LEN (7 + 2 * CAIRN_NODE_ID_LEN)

/* Returns the cached statement for sql, preparing it on first use. sql must have static storage
 * duration: the cache is keyed by its address. Returns 0 or CAIRN_ESTORE. */
int cairn_store_stmt(cairn_store_t *s, const char *sql, sqlite3_stmt **out);

/* Steps a statement that returns no rows (INSERT/UPDATE/DELETE) to completion, resets it, and
 * maps the result: 0, -ENOSPC (disk full), -ENOMEM or CAIRN_ESTORE. */
int cairn_store_exec_stmt(sqlite3_stmt *st);

/* Maps an SQLite result code to a Cairn code (0 for OK/ROW/DONE). */
int cairn_store_code(int sqlite_rc);

const uint8_t *cairn_store_origin(const cairn_store_t *s);
/* "school:<our node id hex>", NUL-terminated. */
const char *cairn_store_school_partition(const cairn_store_t *s);

/* Open transaction levels, or CAIRN_ESTORE when SQLite rolled the transaction back under them
 * (nothing may be written until the outermost level ends). */
int cairn_store_depth(cairn_store_t *s);

/* Rolls the whole open transaction back from inside a level: every enclosing commit then fails
 * with CAIRN_ESTORE. For failures that cannot be undone piecemeal. */
void cairn_store_abort(cairn_store_t *s);

/* The head of one of our own chains, cached per partition (store_events.c keeps it). known is
 * false after a rollback: re-read it from the log before use. span_* count what was appended
 * after the last checkpoint. */
#define CAIRN_LOCAL_HEADS 64
typedef struct {
    char partition[CAIRN_PARTITION_MAX + 1];
    bool known;
    uint64_t next_seq;
    uint8_t chain[CAIRN_CHAIN_LEN];
    uint32_t span_events;
    uint64_t span_bytes;
} cairn_local_head_t;

cairn_local_head_t *cairn_store_heads(cairn_store_t *s, unsigned *n);
/* A zeroed new slot, or NULL when all CAIRN_LOCAL_HEADS are used. */
cairn_local_head_t *cairn_store_head_add(cairn_store_t *s);
/* Marks every cached head unknown (after a rollback, or an apply of our own origin's events). */
void cairn_store_heads_forget(cairn_store_t *s);
/* Empties the cache (after its pending spans were checkpointed). */
void cairn_store_heads_reset(cairn_store_t *s);

/* Signs and stores a checkpoint for every cached head with an unsigned span (store_events.c);
 * called by the outermost commit. 0 when there is no signer. */
int cairn_store_checkpoint_all(cairn_store_t *s);

/* The signer's secret key, or NULL when none was set. */
const uint8_t *cairn_store_signer(const cairn_store_t *s);

/* Per-connection state a module keeps beside the store (caches of derived data): freed by
 * free_fn when the store closes. after_commit, when set, runs after each outermost commit
 * (outside any transaction; its failure does not undo the commit). */
typedef struct {
    void *p;
    void (*free_fn)(void *);
    void (*after_commit)(cairn_store_t *s);
} cairn_store_ext_t;

/* The search module's slot (search_stats.c). */
cairn_store_ext_t *cairn_store_search_ext(cairn_store_t *s);

/* The rights refusals counted since open (store_sync.c increments it). */
uint64_t *cairn_store_rights_counter(cairn_store_t *s);

/* The highest seq held for (origin, partition) and its chain value (32 zero bytes and seq 0 when
 * none). */
int cairn_store_chain_head(cairn_store_t *s, const uint8_t origin[CAIRN_NODE_ID_LEN],
                           const char *partition, uint64_t *seq, uint8_t chain[CAIRN_CHAIN_LEN]);

/* Stores ev (already checked, its seq the next for its chain) with its chain value and projects
 * it, all or nothing (see store_events.c). For the store's writers only. */
int cairn_store_event_put(cairn_store_t *s, const cairn_event_t *ev,
                          const uint8_t chain[CAIRN_CHAIN_LEN]);

/* Compares ev with the event held under its (origin, partition, seq): 1 same, 0 absent, or
 * CAIRN_ECONFLICT / an error code. */
int cairn_store_event_held(cairn_store_t *s, const cairn_event_t *ev);

cairn_hlc_t *cairn_store_clock(cairn_store_t *s);

/* cairn_store_append() with a body packed into an mpbuf, which it frees (-ENOMEM if packing
 * failed). */
int cairn_store_append_body(cairn_store_t *s, const char *partition, const char *type,
                            const char *entity, cairn_mpbuf_t *body);

typedef enum {
    CAIRN_ID_EDUCATOR,
    CAIRN_ID_SUBMISSION,
    CAIRN_ID_AWARD,
    CAIRN_ID_RECOMMENDATION
} cairn_id_kind_t;

/* Resolves a full id or a unique prefix of at least 4 characters into out. Errors, each with a
 * one-line message in err: CAIRN_EINVAL (too short, too long or not base32), CAIRN_ENOTFOUND,
 * CAIRN_EAMBIGUOUS (listing up to 5 candidates), CAIRN_ESTORE. */
int cairn_store_resolve_id(cairn_store_t *s, cairn_id_kind_t kind, const char *text, size_t len,
                           char out[CAIRN_ID_TEXT_LEN + 1], char *err, size_t errlen);

/* Does text name a row: its name exactly, or a prefix (>= 4 hex digits, either case) of its
 * 32-byte key in hex? (peers by node id, devices by key.) */
bool cairn_store_key_matches(const char *text, const uint8_t key[CAIRN_NODE_ID_LEN],
                             const char *name);
/* An educator given as people give one: a full id, a unique id prefix, or a name (exact, ignoring
 * ASCII case). Errors as cairn_store_resolve_id, with "no educator named or with id 'x'" when
 * nothing fits and CAIRN_EAMBIGUOUS when two educators share the name. */
int cairn_store_resolve_educator(cairn_store_t *s, const char *text, size_t len,
                                 char out[CAIRN_ID_TEXT_LEN + 1], char *err, size_t errlen);

#endif
