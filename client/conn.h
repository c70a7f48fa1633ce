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

#include <cairn/channel.h>
#include <cairn/frame.h>

#include "addr.h"

typedef struct {
    int fd;
    cairn_frame_reader_t reader;
    /* A LAN connection (secure.h) once its handshake is done: every frame written is sealed and
     * every frame read is opened; NULL on the Unix socket and loopback TCP. Owned, wiped on close.
     */
    cairn_channel_t *ch;
    uint8_t *plain, *sealed; /* scratch for one frame each way, grown on demand */
    size_t plain_cap, sealed_cap;
} cairn_conn_t;

/* Connects. Returns 0, or a negative errno with err saying "cannot reach cairnd at X: reason". */
int cairn_conn_open(cairn_conn_t *c, const cairn_addr_t *addr, char *err, size_t errlen);

/* Writes every byte of iov[0..n) or fails; with a channel, iov must hold exactly one whole frame
 * (header first), which is sealed. Returns 0 or a negative errno (-EPIPE when the daemon
 * has closed the connection). Never raises SIGPIPE. */
int cairn_conn_writev(cairn_conn_t *c, struct iovec *iov, int n);

/* Reads the next frame (opened, with a channel: CAIRN_ECRYPTO if it does not authenticate,
 * -ECONNRESET for the daemon's clean close). Returns 0 with *payload and *len pointing into the
 * reader or the connection's buffer (valid until the next call), -ECONNRESET when the daemon closed
 * the connection, CAIRN_EPROTO/CAIRN_ETOOBIG for a bad frame header, or another negative errno. */
int cairn_conn_read_frame(cairn_conn_t *c, const uint8_t **payload, size_t *len);

/* Reads the next frame as it arrived, never opened (secure.c's handshake). As read_frame. */
int cairn_conn_read_raw(cairn_conn_t *c, const uint8_t **payload, size_t *len);

void cairn_conn_close(cairn_conn_t *c);

#endif
