/*
 * seal.h: sealed bundles, the container that carries change sets on a USB stick (and, the same
 * inner format, online).
 *
 * A bundle is encrypted to the recipient's Ed25519 identity (converted to X25519, ephemeral-static
 * key agreement as in libsodium's sealed boxes) and signed by the sender's Ed25519 identity over a
 * transcript hash of everything in it; the payload is a crypto_secretstream_xchacha20poly1305
 * stream of length-prefixed records. The byte format is PROTOCOL.md section 6.
 *
 * Both sides stream: the writer emits bytes through a callback, the reader is fed bytes in pieces
 * of any size. Memory is bounded by one record (CAIRN_SEAL_RECORD_MAX) whatever the bundle's size.
 *
 * THE READER'S CONTRACT. Records are handed to the on_record callback as they are decrypted, before
 * the signature (which is the last record) has been checked. Such a record is authentic only in
 * the sense that it belongs to this stream; it is NOT yet known to come from the sender. A caller
 * may stage records (write them to a temporary table or file) but must apply nothing until
 * cairn_seal_reader_finish() has returned 0. Any other return means: discard everything staged.
 *
 * The structs below hold libsodium states that are declared 64-byte aligned: keep them on the stack
 * or in static storage, or allocate them with aligned_alloc(64, ...), never with plain malloc.
 */
#ifndef CAIRN_SEAL_H
#define CAIRN_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sodium.h>

#define CAIRN_SEAL_MAGIC "CAIRNBDL"
#define CAIRN_SEAL_MAGIC_LEN 8
#define CAIRN_SEAL_VERSION 1
#define CAIRN_SEAL_ID_LEN 16
#define CAIRN_SEAL_PK_LEN crypto_sign_PUBLICKEYBYTES /* 32: Ed25519 public key */
#define CAIRN_SEAL_SK_LEN crypto_sign_SECRETKEYBYTES /* 64: Ed25519 secret key (seed || pk) */
#define CAIRN_SEAL_SIG_LEN crypto_sign_BYTES         /* 64 */
/* magic 8, version 1, recipient pk 32, ephemeral X25519 pk 32, secretstream header 24, id 16 */
#define CAIRN_SEAL_HEADER_LEN 113
#define CAIRN_SEAL_LEN_PREFIX 4
#define CAIRN_SEAL_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES /* 17 */
/* Largest plaintext record: a change set or a 2 MiB evidence chunk with its envelope, with room.
 * The reader refuses a record announcing more before allocating anything for it. */
#define CAIRN_SEAL_RECORD_MAX (4u * 1024 * 1024)
/* The opening record's plaintext: sender Ed25519 pk 32 || creation time, u64 BE unix ms. */
#define CAIRN_SEAL_OPENING_LEN 40

/* Where the writer's bytes go. Returns 0, or a negative code that the writer returns unchanged. */
typedef int (*cairn_seal_out_cb)(void *arg, const uint8_t *data, size_t len);

/* Fixed choices for test vectors only. A real bundle must use fresh randomness: two bundles made
 * with the same ephemeral seed for the same recipient share a stream key. */
typedef struct {
    uint8_t ephemeral_sk[32];  /* X25519 secret scalar of the ephemeral key */
    uint8_t stream_header[24]; /* secretstream header */
    uint8_t bundle_id[CAIRN_SEAL_ID_LEN];
    uint64_t created_ms; /* unix milliseconds */
} cairn_seal_fixed_t;

typedef struct {
    crypto_secretstream_xchacha20poly1305_state st;
    crypto_generichash_state transcript;
    cairn_seal_out_cb out;
    void *arg;
    uint8_t sender_sk[CAIRN_SEAL_SK_LEN];
    uint8_t bundle_id[CAIRN_SEAL_ID_LEN];
    uint8_t *buf; /* one record's wire form; grows to the largest record written */
    size_t cap;
    uint64_t records; /* data records written */
    int err;          /* sticky: the first failure */
    bool done;
} cairn_seal_writer_t;

/*
 * Starts a bundle from sender to recipient and emits its header and opening record. The sender's
 * pk must be the one belonging to sender_sk (checked: CAIRN_EINVAL). Returns 0, CAIRN_EINVAL,
 * CAIRN_ECRYPTO (recipient pk is not a valid Ed25519 point), -ENOMEM, or out's code. On failure
 * the writer holds nothing (cairn_seal_writer_free is still harmless).
 */
int cairn_seal_writer_init(cairn_seal_writer_t *w, const uint8_t sender_pk[CAIRN_SEAL_PK_LEN],
                           const uint8_t sender_sk[CAIRN_SEAL_SK_LEN],
                           const uint8_t recipient_pk[CAIRN_SEAL_PK_LEN], cairn_seal_out_cb out,
                           void *arg);
/* The same with fixed ephemeral key, stream header, id and time: for test vectors only. */
int cairn_seal_writer_init_fixed(cairn_seal_writer_t *w, const uint8_t sender_pk[CAIRN_SEAL_PK_LEN],
                                 const uint8_t sender_sk[CAIRN_SEAL_SK_LEN],
                                 const uint8_t recipient_pk[CAIRN_SEAL_PK_LEN],
                                 const cairn_seal_fixed_t *fixed, cairn_seal_out_cb out, void *arg);

/* Appends one record (0..CAIRN_SEAL_RECORD_MAX bytes; data may be NULL when len is 0). Returns 0,
 * CAIRN_ETOOBIG, CAIRN_ESTATE (after finish or an earlier failure), -ENOMEM or out's code. */
int cairn_seal_writer_record(cairn_seal_writer_t *w, const uint8_t *data, size_t len);

/* Signs the transcript, emits the final record and releases the writer (secrets wiped). Returns 0,
 * CAIRN_ESTATE, or out's code. A bundle whose finish failed is incomplete and will be refused. */
int cairn_seal_writer_finish(cairn_seal_writer_t *w);

/* Releases an abandoned writer; harmless after finish or a failed init. */
void cairn_seal_writer_free(cairn_seal_writer_t *w);

/* The bundle id of the bundle being written (valid after a successful init). */
const uint8_t *cairn_seal_writer_id(const cairn_seal_writer_t *w);

/* Called once per data record, in order. data is valid only during the call. NOT YET TRUSTED (see
 * the contract above). Return 0 to go on, or a negative code to stop: the reader fails with it. */
typedef int (*cairn_seal_record_cb)(void *arg, const uint8_t *data, size_t len);

enum cairn_seal_reader_state {
    CAIRN_SEAL_R_HEADER, /* collecting the cleartext header */
    CAIRN_SEAL_R_LEN,    /* collecting a record's length prefix */
    CAIRN_SEAL_R_BODY,   /* collecting a record's ciphertext */
    CAIRN_SEAL_R_DONE,   /* final record verified; no further byte is allowed */
    CAIRN_SEAL_R_FAILED, /* refused; err and reason say why */
};

typedef struct {
    crypto_secretstream_xchacha20poly1305_state st;
    crypto_generichash_state transcript;
    uint8_t my_pk[CAIRN_SEAL_PK_LEN];
    uint8_t my_curve_sk[32];
    uint8_t expected_sender[CAIRN_SEAL_PK_LEN];
    bool has_expected_sender;
    cairn_seal_record_cb on_record;
    void *arg;

    enum cairn_seal_reader_state state;
    uint8_t header[CAIRN_SEAL_HEADER_LEN];
    uint8_t lenbuf[CAIRN_SEAL_LEN_PREFIX];
    size_t have;  /* bytes of the current header, length prefix or body collected */
    size_t want;  /* ciphertext length of the current record */
    uint8_t *buf; /* ciphertext of the current record; grows by doubling from 4 KiB as its
                   * bytes arrive, never past the length announced (itself checked) */
    size_t cap;
    uint8_t *plain; /* plaintext of the current record */
    size_t plain_cap;

    /* what the bundle says of itself, filled in as it is read (see cairn_seal_verdict_t) */
    uint8_t sender_pk[CAIRN_SEAL_PK_LEN];
    uint8_t bundle_id[CAIRN_SEAL_ID_LEN];
    uint64_t created_ms;
    bool opened;      /* the opening record has been read */
    uint64_t records; /* data records delivered */
    uint64_t offset;  /* bytes taken in; at a refusal, through the bad part */

    int err;
    const char *reason;
    bool local_failure; /* err is ours (memory, handler, arguments), not the bundle's */
} cairn_seal_reader_t;

/* The reader's outcome. sender_pk, bundle_id, created_ms and records are trustworthy only when
 * cairn_seal_reader_finish returned 0. */
typedef struct {
    int code;           /* 0, or the first failure's specific code (see cairn_seal_reader_feed) */
    const char *reason; /* static string: "ok", "not addressed to this node", ... */
    uint8_t sender_pk[CAIRN_SEAL_PK_LEN];
    uint8_t bundle_id[CAIRN_SEAL_ID_LEN];
    uint64_t created_ms;
    uint64_t records;
} cairn_seal_verdict_t;

/*
 * Prepares to read a bundle addressed to my_pk (my_sk its Ed25519 secret key). With
 * expected_sender non-NULL a bundle signed by anyone else is refused as soon as its opening record
 * is read; with NULL any sender is accepted and the caller must check the verdict's sender_pk
 * against its pinned keys. Allocates nothing. Returns 0, CAIRN_EINVAL or CAIRN_ECRYPTO (a key that
 * cannot be converted to X25519).
 */
int cairn_seal_reader_init(cairn_seal_reader_t *r, const uint8_t my_pk[CAIRN_SEAL_PK_LEN],
                           const uint8_t my_sk[CAIRN_SEAL_SK_LEN], const uint8_t *expected_sender,
                           cairn_seal_record_cb on_record, void *arg);

/*
 * Feeds the next len bytes of the bundle (any split). Calls on_record for every record completed.
 * Returns 0 or, sticky from then on, the first failure: CAIRN_EPROTO (not a bundle, a malformed
 * record), CAIRN_EUNSUPPORTED (format version), CAIRN_ETOOBIG (a record announcing more than
 * CAIRN_SEAL_RECORD_MAX, refused on its 4-byte prefix), CAIRN_ECRYPTO (wrong recipient, a record
 * that does not decrypt, unexpected sender, bad signature), -ENOMEM, or on_record's code.
 * cairn_seal_reader_reason() says which in words.
 */
int cairn_seal_reader_feed(cairn_seal_reader_t *r, const uint8_t *data, size_t len);

/*
 * Ends the bundle: returns 0 only if the final record arrived, its signature over the whole
 * transcript verified and no byte followed it. Otherwise CAIRN_ECRYPTO for any refusal of the
 * bundle (truncated, tampered, forged, ...), or the local failure (-ENOMEM, on_record's code)
 * unchanged; verdict->code and verdict->reason give the specific cause. Wipes and frees
 * everything the reader holds. verdict may be NULL.
 */
int cairn_seal_reader_finish(cairn_seal_reader_t *r, cairn_seal_verdict_t *verdict);

/* Releases an abandoned reader; harmless after finish. */
void cairn_seal_reader_free(cairn_seal_reader_t *r);

/* The first failure in words ("ok" while none). Never NULL. */
const char *cairn_seal_reader_reason(const cairn_seal_reader_t *r);

/* Reads the cleartext header without any key: the recipient pk and bundle id, so a tool can say
 * whom a bundle on a stick is for. Returns 0, CAIRN_EPROTO (short or bad magic) or
 * CAIRN_EUNSUPPORTED. Either output may be NULL. */
int cairn_seal_peek(const uint8_t *data, size_t len, uint8_t recipient_pk[CAIRN_SEAL_PK_LEN],
                    uint8_t bundle_id[CAIRN_SEAL_ID_LEN]);

#endif
