/*
 * channel.h: the secure channel between two nodes (school <-> hub sync, classroom devices).
 *
 * A transport-agnostic state machine: it never reads or writes a socket. The caller moves its
 * byte strings inside Cairn frames (frame.h) and feeds what arrives back in. The handshake is
 * SIGMA-I (Krawczyk, CRYPTO 2003; the mode IKEv2 uses) over libsodium primitives only: ephemeral
 * X25519, Ed25519 identity signatures over a BLAKE2b transcript hash, keyed-BLAKE2b key schedule,
 * XChaCha20-Poly1305 for the two encrypted handshake messages, then one
 * crypto_secretstream_xchacha20poly1305 stream per direction. PROTOCOL.md section 5 is the
 * byte-level specification, with test vectors.
 *
 * Usage, initiator:  init(1) -> handshake_out(msg1) -> handshake_in(msg2) -> handshake_out(msg3)
 *        responder:  init(0) -> handshake_in(msg1) -> handshake_out(msg2) -> handshake_in(msg3)
 * then seal()/open() in either direction, close_msg() to end a direction cleanly, wipe() always.
 *
 * Any failure to authenticate (tampered, truncated, reordered, duplicated or replayed bytes, a
 * wrong identity, a missing or wrong PSK) returns CAIRN_ECRYPTO and is sticky: every later call
 * returns the same code, cairn_channel_reason() says why, and the key material is wiped. Only
 * caller mistakes that change nothing (a buffer too small, a call out of turn) are not sticky.
 * Never touches a global and allocates nothing; a channel must be used from one thread at a time.
 */
#ifndef CAIRN_CHANNEL_H
#define CAIRN_CHANNEL_H

#include <stddef.h>
#include <stdint.h>
#include <sodium.h>

#define CAIRN_CHANNEL_VERSION 1
#define CAIRN_CHANNEL_KEY_LEN 32 /* Ed25519 public key = node id; also X25519 and PSK sizes */
#define CAIRN_CHANNEL_SK_LEN 64  /* Ed25519 secret key as crypto_sign_keypair() makes it */
#define CAIRN_CHANNEL_NONCE_LEN 32
#define CAIRN_CHANNEL_HEADER_LEN 24 /* crypto_secretstream_xchacha20poly1305_HEADERBYTES */

/* Handshake message sizes (each travels as one frame payload). */
#define CAIRN_CHANNEL_MSG1_LEN 65       /* version, ephemeral, nonce */
#define CAIRN_CHANNEL_MSG2_LEN 208      /* ephemeral, nonce, AEAD{id, sig, mac} */
#define CAIRN_CHANNEL_MSG3_LEN 144      /* AEAD{id, sig, mac} */
#define CAIRN_CHANNEL_MSG3_PSK_LEN 176  /* AEAD{id, sig, mac, psk proof} */
#define CAIRN_CHANNEL_HANDSHAKE_MAX 208 /* a buffer this size holds any handshake message */

/* A sealed data message is the plaintext plus 17 bytes (secretstream tag and MAC), plus the
 * 24-byte stream header on the first message of each direction: at most 41 bytes in all. */
#define CAIRN_CHANNEL_OVERHEAD 41
/* The largest plaintext: a sealed message must fit one frame (CAIRN_FRAME_MAX). */
#define CAIRN_CHANNEL_PLAINTEXT_MAX (4u * 1024 * 1024 - CAIRN_CHANNEL_OVERHEAD)

/* The sender rekeys (TAG_REKEY) on the message that reaches either bound since the last rekey. */
#define CAIRN_CHANNEL_REKEY_MSGS (1u << 20)
#define CAIRN_CHANNEL_REKEY_BYTES (1024ull * 1024 * 1024)

/* Fixed "random" inputs for test vectors only (cairn_channel_init_deterministic). */
typedef struct {
    uint8_t ephemeral_sk[CAIRN_CHANNEL_KEY_LEN]; /* X25519 secret; the public key is derived */
    uint8_t nonce[CAIRN_CHANNEL_NONCE_LEN];
    uint8_t stream_header[CAIRN_CHANNEL_HEADER_LEN]; /* header of this side's sending stream */
} cairn_channel_seed_t;

/* Opaque in spirit: callers use the functions, never the fields. */
typedef struct {
    int state; /* S_* in proto/channel_internal.h */
    int is_initiator;
    int err; /* sticky error, 0 while healthy */
    const char *reason;
    int has_expect, has_psk, deterministic;
    uint8_t id_pk[32], id_sk[64], expect_pk[32], psk[32], peer_pk[32];
    uint8_t eph_sk[32], eph_pk[32], nonce[32];
    uint8_t peer_eph[32], peer_nonce[32];
    uint8_t hs[32]; /* handshake secret: keyed by the DH, bound to the transcript */
    uint8_t th[32]; /* the last transcript hash computed */
    uint8_t msg1[CAIRN_CHANNEL_MSG1_LEN];
    uint8_t msg2[CAIRN_CHANNEL_MSG2_LEN];
    uint8_t tx_key[32], rx_key[32];
    uint8_t tx_header[CAIRN_CHANNEL_HEADER_LEN];
    crypto_secretstream_xchacha20poly1305_state tx, rx;
    int tx_started, rx_started, tx_closed, rx_closed;
    uint64_t tx_msgs, tx_bytes; /* since the last rekey */
    uint64_t rekey_msgs, rekey_bytes;
} cairn_channel_t;

/* Prepares a channel. id_pk/id_sk: this node's Ed25519 identity. expect_peer_pk: the pinned peer
 * id, or NULL to accept any (the caller then pins cairn_channel_peer()). psk: a 32-byte enrolment
 * secret or NULL; a responder with a PSK refuses an initiator without the same one, and an
 * initiator with a PSK sends its proof (the responder must have the same PSK). Calls sodium_init().
 * Returns 0, CAIRN_EINVAL (NULL key) or CAIRN_ECRYPTO (libsodium unusable). */
int cairn_channel_init(cairn_channel_t *c, int is_initiator, const uint8_t id_pk[32],
                       const uint8_t id_sk[64], const uint8_t *expect_peer_pk, const uint8_t *psk);

/* As cairn_channel_init(), with the ephemeral key, nonce and stream header taken from seed instead
 * of the random generator. For test vectors only: a channel made this way is not secure. */
int cairn_channel_init_deterministic(cairn_channel_t *c, int is_initiator, const uint8_t id_pk[32],
                                     const uint8_t id_sk[64], const uint8_t *expect_peer_pk,
                                     const uint8_t *psk, const cairn_channel_seed_t *seed);

/* 1 when it is this side's turn to send a handshake message, else 0. */
int cairn_channel_handshake_wants_out(const cairn_channel_t *c);

/* Writes the next handshake message (msg1 for the initiator at first, msg2 for the responder after
 * msg1, msg3 for the initiator after msg2). Returns 0, CAIRN_ESTATE (not this side's turn),
 * CAIRN_EINVAL (cap below the message size; nothing changes) or the sticky error. */
int cairn_channel_handshake_out(cairn_channel_t *c, uint8_t *out, size_t cap, size_t *len);

/* Takes the peer's next handshake message (one whole frame payload). Returns 0, CAIRN_ESTATE (not
 * expecting one), CAIRN_EUNSUPPORTED (msg1 of another version) or CAIRN_ECRYPTO (wrong size,
 * authentication failed, identity not the pinned one, PSK missing or wrong); both failures are
 * sticky. */
int cairn_channel_handshake_in(cairn_channel_t *c, const uint8_t *in, size_t len);

/* 1 once the handshake is complete on this side (initiator: msg3 written; responder: msg3
 * accepted) and no error has occurred. */
int cairn_channel_is_established(const cairn_channel_t *c);

/* Copies the authenticated peer id. Returns 0, or CAIRN_ESTATE before the peer has proven it
 * (initiator: after msg2; responder: after msg3). */
int cairn_channel_peer(const cairn_channel_t *c, uint8_t pk[32]);

/* Why the channel failed, or NULL while it has not. A static string, for the log line. */
const char *cairn_channel_reason(const cairn_channel_t *c);

/* Seals one message for the peer into out (at most len + CAIRN_CHANNEL_OVERHEAD bytes). Returns 0,
 * CAIRN_ESTATE (not established, or closed by close_msg), CAIRN_ETOOBIG (len above
 * CAIRN_CHANNEL_PLAINTEXT_MAX), CAIRN_EINVAL (cap too small) or the sticky error. */
int cairn_channel_seal(cairn_channel_t *c, const uint8_t *pt, size_t len, uint8_t *out, size_t cap,
                       size_t *outlen);

/* Opens the peer's next message into out (cap >= len suffices). Returns 0 for a data message, 1 for
 * the peer's close (TAG_FINAL; *outlen is 0 and nothing may follow), CAIRN_ESTATE (not
 * established), CAIRN_EINVAL (cap too small; nothing changes) or the sticky CAIRN_ECRYPTO
 * (tampered, truncated, reordered, duplicated, or anything after the close). */
int cairn_channel_open(cairn_channel_t *c, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                       size_t *outlen);

/* Seals the clean close of this direction (an empty TAG_FINAL message, at most 41 bytes); seal()
 * refuses afterwards. A peer that sees the stream end without it must treat the data as cut. */
int cairn_channel_close_msg(cairn_channel_t *c, uint8_t *out, size_t cap, size_t *outlen);

/* Changes the rekey bounds (defaults CAIRN_CHANNEL_REKEY_MSGS / _BYTES); 0 keeps a bound. For
 * tests, which need to cross a rekey without sending a gigabyte. */
void cairn_channel_set_rekey(cairn_channel_t *c, uint64_t msgs, uint64_t bytes);

/* Zeroes the whole channel (sodium_memzero): identity secret, ephemerals, every key and stream
 * state. Call it whatever happened; the channel may be initialised again afterwards. */
void cairn_channel_wipe(cairn_channel_t *c);

/* Test support: the session keys after the handshake (tx = this side's sending key). Returns 0 or
 * CAIRN_ESTATE. Never log them. */
int cairn_channel_session_keys(const cairn_channel_t *c, uint8_t tx[32], uint8_t rx[32]);

#endif
