/*
 * frame.h: length-prefixed frames.
 *
 * On every stream (Unix socket, TCP) a frame is a 4-byte big-endian payload length followed by
 * that many bytes of payload (one msgpack message). A length of 0 or above CAIRN_FRAME_MAX is a
 * protocol error: the reader refuses it before allocating anything, and the connection is closed.
 */
#ifndef CAIRN_FRAME_H
#define CAIRN_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define CAIRN_FRAME_HEADER 4
/* Large enough for one 1 MiB chunk at the largest chunk size (2 MiB) plus its envelope. */
#define CAIRN_FRAME_MAX (4u * 1024 * 1024)

/* Writes the 4-byte header for a payload of len bytes. Returns 0, CAIRN_EINVAL for len 0 (the
 * reader would refuse it) or CAIRN_ETOOBIG for len above CAIRN_FRAME_MAX. */
int cairn_frame_header(uint8_t hdr[CAIRN_FRAME_HEADER], size_t len);

/*
 * An incremental frame reader: feed it bytes as they arrive, take whole frames out.
 *
 * Memory: the buffer holds only bytes fed and not yet taken, and grows only as bytes arrive, never
 * to a size announced by a header. A frame in progress never needs more than
 * CAIRN_FRAME_HEADER + max bytes, and growth is never rounded up past that. Bytes of the following
 * frames that arrive in the same feed are held too, so the buffer is at most
 * CAIRN_FRAME_HEADER + max + the largest single feed. Feed what one read returned, take every frame
 * with cairn_frame_reader_next() before the next read (or stop reading while a frame is pending),
 * and memory is bounded per connection whatever the peer sends. A caller that also feeds at most
 * cairn_frame_reader_want() bytes at a time never has more than CAIRN_FRAME_HEADER + max.
 */
typedef struct {
    uint8_t *buf;
    size_t len; /* bytes held */
    size_t cap;
    size_t max;         /* largest payload accepted (<= CAIRN_FRAME_MAX) */
    size_t consumed;    /* bytes of buf already returned by cairn_frame_reader_next */
    size_t frame_start; /* [consumed, frame_start) is whole checked frames; the rest is partial */
} cairn_frame_reader_t;

/* max 0 or above CAIRN_FRAME_MAX means CAIRN_FRAME_MAX. Allocates nothing until the first feed. */
void cairn_frame_reader_init(cairn_frame_reader_t *r, size_t max);
void cairn_frame_reader_free(cairn_frame_reader_t *r);

/* Appends bytes (copied: data may be reused as soon as this returns). Returns 0, CAIRN_EPROTO on a
 * zero length, CAIRN_ETOOBIG on a length over max (checked as soon as a header is complete, before
 * growing the buffer; every header in data is checked) or -ENOMEM. On failure nothing of data is
 * kept and frames already held can still be taken; after CAIRN_EPROTO or CAIRN_ETOOBIG the stream
 * cannot be resynchronised and the connection must be closed. */
int cairn_frame_reader_feed(cairn_frame_reader_t *r, const void *data, size_t len);

/* Takes the next whole frame if there is one: returns 1 and points *payload and *len into the
 * reader's buffer (valid until the next feed or next call), 0 if more bytes are needed. */
int cairn_frame_reader_next(cairn_frame_reader_t *r, const uint8_t **payload, size_t *len);

/* Bytes needed to finish the frame in progress (header first), for callers that read exactly. */
size_t cairn_frame_reader_want(const cairn_frame_reader_t *r);

#endif
