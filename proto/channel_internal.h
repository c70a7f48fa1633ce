/*
 * channel_internal.h: what channel_handshake.c and channel_stream.c share. Not part of the API:
 * nothing outside proto/channel_*.c may include it.
 */
#ifndef CAIRN_CHANNEL_INTERNAL_H
#define CAIRN_CHANNEL_INTERNAL_H

#include "cairn/channel.h"

enum {
    S_EMPTY = 0, /* wiped or never initialised */
    S_START,     /* initiator: send msg1; responder: wait for msg1 */
    S_I_WAIT2,   /* initiator sent msg1 */
    S_I_SEND3,   /* initiator accepted msg2 */
    S_R_SEND2,   /* responder accepted msg1 */
    S_R_WAIT3,   /* responder sent msg2 */
    S_ESTABLISHED,
    S_FAILED,
};

#define CAIRN_CHANNEL_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES

/* Makes a failure sticky: wipes every secret, keeps rc and reason. Returns rc. */
int cairn_channel_fail(cairn_channel_t *c, int rc, const char *reason);

#endif
