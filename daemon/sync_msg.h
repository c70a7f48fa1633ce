/*
 * sync_msg.h: the pure decode step of the sealed sync messages (PROTOCOL.md section 8), apart
 * from the session that acts on them, so that a fuzz target (tests/fuzz/fuzz_sync_msg.c) reaches
 * every field check without a socket or a store.
 *
 * cairn_sync_msg_head() reads what every message has: "t" and, for vec/vreq/cs/ack, the
 * partition ("p": a name or a number aliasing one, sync_vec.h). cairn_sync_msg_chunk() reads the
 * fields of the evidence chunk messages (cwant, cdata, cnone, cstat; sync_chunks.h) and checks
 * their bounds. Neither allocates; pointers point into the message.
 */
#ifndef CAIRN_SYNC_MSG_H
#define CAIRN_SYNC_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include <cairn/chunk.h>
#include <cairn/mp.h>

/* The decoder limits of a sealed sync message (and of the clear hello). */
extern const cairn_mp_limits_t cairn_sync_msg_limits;

typedef enum {
    CAIRN_SYNC_MSG_ERR,   /* {"t":"err","error":str} */
    CAIRN_SYNC_MSG_VEC,   /* {"t":"vec","p":..,"h"|"v":bin} or {"t":"vec","p":..,"d":bin 32} */
    CAIRN_SYNC_MSG_VREQ,  /* {"t":"vreq","p":..} */
    CAIRN_SYNC_MSG_CS,    /* {"t":"cs","p":..,"data":bin,"h"|"v":bin} */
    CAIRN_SYNC_MSG_ACK,   /* {"t":"ack","p":..,"h"|"v":bin} */
    CAIRN_SYNC_MSG_CHUNK, /* cwant, cdata, cnone, cstat: cairn_sync_msg_chunk() */
    CAIRN_SYNC_MSG_OTHER  /* anything else: the session's ops->message (enrolment) */
} cairn_sync_msg_type_t;

typedef struct {
    cairn_sync_msg_type_t type;
    const char *t; /* the type as sent (not terminated) */
    size_t tlen;
    const char *error; /* ERR: the peer's reason ("?" when it gave none) */
    size_t elen;
    bool has_alias; /* VEC/VREQ/CS/ACK: "p" is a number (alias) or a name */
    uint64_t alias;
    const char *pname; /* the partition name when !has_alias (not terminated, <= PARTITION_MAX) */
    size_t plen;
} cairn_sync_msg_head_t;

/* Returns 0, or CAIRN_EPROTO with *why set to what is missing (for "<peer> sent <why>"). */
int cairn_sync_msg_head(const msgpack_object *m, cairn_sync_msg_head_t *h, const char **why);

typedef struct {
    char kind; /* 'w' cwant, 'd' cdata, 'n' cnone, 's' cstat */
    cairn_hash_t f, h;
    uint64_t off, len, held, size;
    bool done;
    const uint8_t *data; /* cdata: 1..CAIRN_CHUNK_PIECE bytes */
    size_t dlen;
} cairn_sync_chunk_msg_t;

/* Decodes a chunk message of type t (tlen bytes; one that cairn_sync_chunks_is_message() takes).
 * Returns 0, or CAIRN_EPROTO when a field is missing, of the wrong type or out of bounds. */
int cairn_sync_msg_chunk(const char *t, size_t tlen, const msgpack_object *m,
                         cairn_sync_chunk_msg_t *out);

#endif
