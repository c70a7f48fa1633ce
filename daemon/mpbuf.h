/*
 * mpbuf.h: a msgpack buffer that remembers a failed write.
 *
 * msgpack-c's packer ignores its write callback's errors, so after an allocation failure an
 * sbuffer can hold a message with a piece missing that may still parse. An mpbuf records any
 * failure; its user checks cairn_mpbuf_status() before trusting the bytes. Used for event bodies
 * and for arrays whose length is known only after their elements are packed.
 */
#ifndef CAIRN_MPBUF_H
#define CAIRN_MPBUF_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    msgpack_sbuffer sb;
    msgpack_packer pk; /* pack into this */
    bool failed;
    uint32_t count; /* elements, for cairn_mpbuf_pack_array; the user counts */
} cairn_mpbuf_t;

void cairn_mpbuf_init(cairn_mpbuf_t *b);
void cairn_mpbuf_free(cairn_mpbuf_t *b);

/* 0, or -ENOMEM if any write failed. */
int cairn_mpbuf_status(const cairn_mpbuf_t *b);

/* Appends already-encoded msgpack bytes (one whole object). */
void cairn_mpbuf_raw(cairn_mpbuf_t *b, const void *data, size_t len);

/* Packs into out an array of b->count elements whose bytes are b's. Returns 0 or -ENOMEM. */
int cairn_mpbuf_pack_array(const cairn_mpbuf_t *b, msgpack_packer *out);

#endif
