/*
 * conn.h: one blocking connection from the client to cairnd, carrying frames.
 *
 * Writes are whole frames (header and payload in one writev, so a frame is never half-sent by
 * us unless the socket fails); reads take exactly the bytes of the frame in progress, so the frame
 * reader never holds more than one frame. Nothing here knows about msgpack.
 */
#ifndef CAIRN_CLIENT_CONN_H
#define CAIRN_CLIENT_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <cairn/frame.h>

#include "addr.h"

typedef struct {
    int fd;
    cairn_frame_reader_t reader;
} cairn_conn_t;

/* Connects. Returns 0, or a negative errno with err saying "cannot reach cairnd at X: reason". */
int cairn_conn_open(cairn_conn_t *c, const cairn_addr_t *addr, char *err, size_t errlen);

/* Writes every byte of iov[0..n) or fails. Returns 0 or a negative errno (-EPIPE when the daemon
 * has closed the connection). Never raises SIGPIPE. */
int cairn_conn_writev(cairn_conn_t *c, struct iovec *iov, int n);

/* Reads the next frame. Returns 0 with *payload and *len pointing into the reader (valid until the
 * next call), -ECONNRESET when the daemon closed the connection, CAIRN_EPROTO/CAIRN_ETOOBIG for
 * a bad frame header, or another negative errno. */
int cairn_conn_read_frame(cairn_conn_t *c, const uint8_t **payload, size_t *len);

void cairn_conn_close(cairn_conn_t *c);

#endif
