/*
 * event.h: an event as it is hashed, chained and signed (PROTOCOL.md sections 4 and 7).
 *
 * An event's identity is (origin, partition, seq); seq is gapless per (origin, partition). Each
 * (origin, partition) forms a hash chain over the events' canonical encodings, and its origin signs
 * checkpoints (seq, chain) on it, so one Ed25519 signature vouches for a whole run of events
 * however many nodes relay them. This module is pure: no I/O, no allocation.
 */
#ifndef CAIRN_EVENT_H
#define CAIRN_EVENT_H

#include <stddef.h>
#include <stdint.h>

#define CAIRN_NODE_ID_LEN 32
#define CAIRN_CHAIN_LEN 32
#define CAIRN_SIG_LEN 64
#define CAIRN_PARTITION_MAX 80 /* "school:" + 64 hex characters of the node id is 71 */
#define CAIRN_TYPE_MAX 48
#define CAIRN_ENTITY_MAX 96
/* 3 MiB: a full manifest (65536 chunks x 34 bytes = 2.2 MB) plus the rest of the body, still
 * under one frame (4 MiB) so an event always travels whole. */
#define CAIRN_EVENT_BODY_MAX (3u * 1024 * 1024)

typedef struct {
    uint8_t origin[CAIRN_NODE_ID_LEN];
    uint64_t seq; /* gapless per (origin, partition), from 1 */
    uint64_t hlc;
    const char *partition; /* "catalog" or "school:<node id hex>", NUL-terminated */
    const char *type;      /* e.g. "educator.add" (PROTOCOL.md "Events") */
    const char *entity;    /* the id of the entity the event is about */
    const uint8_t *body;   /* msgpack map */
    size_t body_len;
} cairn_event_t;

/* Checks the fields every event must have (lengths, seq >= 1, seq and hlc <= INT64_MAX).
 * Returns 0, CAIRN_EINVAL or CAIRN_ETOOBIG (body). */
int cairn_event_check(const cairn_event_t *ev);

/* The canonical encoding: the msgpack array [origin bin 32, partition str, seq uint, hlc uint,
 * type str, entity str, body bin], each in its shortest form. Writes at most cap bytes; *len is
 * the full length (so a too-small buffer can be sized). Returns 0 or CAIRN_ETOOBIG (cap). */
int cairn_event_canonical(const cairn_event_t *ev, uint8_t *out, size_t cap, size_t *len);

/* chain_n = BLAKE2b-256("cairn-chain-v1" || chain_{n-1} || canonical(event_n)); the chain before
 * the first event (seq 1) is 32 zero bytes. Hashes the body in place (no copy). */
void cairn_chain_step(const uint8_t prev[CAIRN_CHAIN_LEN], const cairn_event_t *ev,
                      uint8_t out[CAIRN_CHAIN_LEN]);

/* The message a checkpoint signature covers: "cairn-checkpoint-v1" || origin || partition ||
 * seq (u64 big-endian) || chain. Writes it into out (at least CAIRN_CHECKPOINT_MSG_MAX bytes);
 * returns its length, or 0 for a partition that is empty or too long. */
#define CAIRN_CHECKPOINT_MSG_MAX                                                                   \
    (19 + CAIRN_NODE_ID_LEN + CAIRN_PARTITION_MAX + 8 + CAIRN_CHAIN_LEN)
size_t cairn_checkpoint_message(const uint8_t origin[CAIRN_NODE_ID_LEN], const char *partition,
                                uint64_t seq, const uint8_t chain[CAIRN_CHAIN_LEN], uint8_t *out);

/* Signs a checkpoint with the origin's Ed25519 secret key (libsodium's 64-byte form). 0 or
 * CAIRN_EINVAL. */
int cairn_checkpoint_sign(const uint8_t sk[64], const uint8_t origin[CAIRN_NODE_ID_LEN],
                          const char *partition, uint64_t seq, const uint8_t chain[CAIRN_CHAIN_LEN],
                          uint8_t sig[CAIRN_SIG_LEN]);

/* Verifies a checkpoint with the origin id as the Ed25519 public key. 0 or CAIRN_ECRYPTO. */
int cairn_checkpoint_verify(const uint8_t origin[CAIRN_NODE_ID_LEN], const char *partition,
                            uint64_t seq, const uint8_t chain[CAIRN_CHAIN_LEN],
                            const uint8_t sig[CAIRN_SIG_LEN]);

#endif
