/*
 * chunk_bufs.c: the buffers receivers gather arriving chunks in (chunk_pull.c), shared by every
 * session of the node: at most CAIRN_CHUNK_MEM bytes held, whatever the number of schools
 * sending at once. A few spare buffers are kept for reuse, so a transfer does not allocate (and
 * fault in) a new megabyte per chunk; they are freed once no buffer was held for a second.
 *
 * Buffers are aligned and sized to CAIRN_BLOBS_DIRECT_ALIGN so a chunk is written to disk
 * straight from its buffer (blobs.c, O_DIRECT). Loop thread only.
 */
#include <stdlib.h>

#include "chunk_xfer.h"

static uint32_t rounded(uint32_t len)
{
    return (len + CAIRN_BLOBS_DIRECT_ALIGN - 1) / CAIRN_BLOBS_DIRECT_ALIGN *
           CAIRN_BLOBS_DIRECT_ALIGN;
}

bool cairn_chunk_buf_room(const cairn_chunk_state_t *st, uint32_t len)
{
    return st->buf_mem + rounded(len) <= CAIRN_CHUNK_MEM;
}

uint8_t *cairn_chunk_buf_take(cairn_chunk_state_t *st, uint32_t len, uint32_t *cap)
{
    uint8_t *b = NULL;
    for (int i = 0; i < CAIRN_CHUNK_SPARES && b == NULL; i++) {
        if (st->spare[i] != NULL && st->spare_cap[i] >= len) {
            b = st->spare[i];
            *cap = st->spare_cap[i];
            st->spare[i] = NULL;
        }
    }
    if (b == NULL) {
        *cap = rounded(len);
        b = aligned_alloc(CAIRN_BLOBS_DIRECT_ALIGN, *cap);
    }
    if (b != NULL)
        st->buf_mem += *cap;
    return b;
}

void cairn_chunk_buf_give(cairn_chunk_state_t *st, uint8_t *buf, uint32_t cap)
{
    if (buf == NULL)
        return;
    st->buf_mem -= cap;
    for (int i = 0; i < CAIRN_CHUNK_SPARES; i++) {
        if (st->spare[i] == NULL) {
            st->spare[i] = buf;
            st->spare_cap[i] = cap;
            return;
        }
    }
    free(buf);
}

void cairn_chunk_buf_trim(cairn_chunk_state_t *st)
{
    for (int i = 0; i < CAIRN_CHUNK_SPARES; i++) {
        free(st->spare[i]);
        st->spare[i] = NULL;
    }
}
