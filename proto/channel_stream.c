/*
 * channel_stream.c: the secure channel's data phase: one crypto_secretstream_xchacha20poly1305
 * per direction, the stream header on the first message, TAG_REKEY by the sender's bounds, and
 * TAG_FINAL for a clean close (PROTOCOL.md 5.5). Must never hand out plaintext that failed to
 * authenticate, and never accept anything after a failure or after the peer's close.
 */
#include <string.h>

#include "cairn/channel.h"
#include "cairn/err.h"
#include "channel_internal.h"

#define ABYTES CAIRN_CHANNEL_ABYTES

/* One data message: header on the first of this direction, then secretstream push. */
static int seal_tagged(cairn_channel_t *c, const uint8_t *pt, size_t len, uint8_t *out, size_t cap,
                       size_t *outlen, unsigned char tag)
{
    size_t hdr = c->tx_started ? 0 : CAIRN_CHANNEL_HEADER_LEN;
    if (c->err)
        return c->err;
    if (c->state != S_ESTABLISHED || c->tx_closed)
        return CAIRN_ESTATE;
    if (len > CAIRN_CHANNEL_PLAINTEXT_MAX)
        return CAIRN_ETOOBIG;
    if ((pt == NULL && len > 0) || out == NULL || outlen == NULL || cap < hdr + len + ABYTES)
        return CAIRN_EINVAL;
    if (tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
        c->tx_msgs++;
        c->tx_bytes += len;
        if (c->tx_msgs >= c->rekey_msgs || c->tx_bytes >= c->rekey_bytes) {
            /* TAG_REKEY: both sides rekey right after this message, no counting on the reader. */
            tag = crypto_secretstream_xchacha20poly1305_TAG_REKEY;
            c->tx_msgs = 0;
            c->tx_bytes = 0;
        }
    }
    if (hdr)
        memcpy(out, c->tx_header, hdr);
    if (crypto_secretstream_xchacha20poly1305_push(&c->tx, out + hdr, NULL, pt, len, NULL, 0,
                                                   tag) != 0)
        return cairn_channel_fail(c, CAIRN_ECRYPTO, "secretstream push failed");
    c->tx_started = 1;
    *outlen = hdr + len + ABYTES;
    return 0;
}

int cairn_channel_seal(cairn_channel_t *c, const uint8_t *pt, size_t len, uint8_t *out, size_t cap,
                       size_t *outlen)
{
    return seal_tagged(c, pt, len, out, cap, outlen,
                       crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
}

int cairn_channel_close_msg(cairn_channel_t *c, uint8_t *out, size_t cap, size_t *outlen)
{
    int rc =
        seal_tagged(c, NULL, 0, out, cap, outlen, crypto_secretstream_xchacha20poly1305_TAG_FINAL);
    if (rc == 0)
        c->tx_closed = 1;
    return rc;
}

int cairn_channel_open(cairn_channel_t *c, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                       size_t *outlen)
{
    size_t hdr = c->rx_started ? 0 : CAIRN_CHANNEL_HEADER_LEN;
    unsigned long long mlen = 0;
    unsigned char tag = 0;
    uint8_t empty = 0;

    if (c->err)
        return c->err;
    if (c->state != S_ESTABLISHED)
        return CAIRN_ESTATE;
    if ((in == NULL && len > 0) || outlen == NULL)
        return CAIRN_EINVAL;
    if (c->rx_closed)
        return cairn_channel_fail(c, CAIRN_ECRYPTO, "a message arrived after the peer's close");
    if (len < hdr + ABYTES || len > CAIRN_CHANNEL_PLAINTEXT_MAX + CAIRN_CHANNEL_OVERHEAD)
        return cairn_channel_fail(c, CAIRN_ECRYPTO,
                                  "a data message has an impossible size (truncated?)");
    if (cap < len - hdr - ABYTES || (out == NULL && len - hdr - ABYTES > 0))
        return CAIRN_EINVAL;
    if (out == NULL)
        out = &empty; /* a zero-length message: libsodium still wants somewhere to write */
    if (hdr) {
        /* init_pull only derives the state from key and header; a bad header fails the pull. */
        crypto_secretstream_xchacha20poly1305_init_pull(&c->rx, in, c->rx_key);
    }
    if (crypto_secretstream_xchacha20poly1305_pull(&c->rx, out, &mlen, &tag, in + hdr, len - hdr,
                                                   NULL, 0) != 0)
        return cairn_channel_fail(
            c, CAIRN_ECRYPTO,
            "a data message does not authenticate (tampered, reordered, duplicated or "
            "replayed)");
    c->rx_started = 1;
    *outlen = (size_t)mlen;
    if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
        if (mlen != 0)
            return cairn_channel_fail(c, CAIRN_ECRYPTO, "the peer's close carries data");
        c->rx_closed = 1;
        return 1;
    }
    if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE &&
        tag != crypto_secretstream_xchacha20poly1305_TAG_REKEY)
        return cairn_channel_fail(c, CAIRN_ECRYPTO,
                                  "a data message has a tag this protocol never sends");
    return 0;
}

void cairn_channel_set_rekey(cairn_channel_t *c, uint64_t msgs, uint64_t bytes)
{
    if (msgs)
        c->rekey_msgs = msgs;
    if (bytes)
        c->rekey_bytes = bytes;
}
