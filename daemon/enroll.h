/*
 * enroll.h: enrolment tokens and the hub's token files (PROTOCOL.md section 8.1).
 *
 * A token is one line: "cairn-enrol-1:" then base64url (no padding) of a msgpack map
 * {"a": hub sync address str, "k": hub pk bin 32, "i": token id bin 16, "s": secret bin 32,
 *  "e": expiry unix ms uint, "n": school name str}. The hub keeps each pending token as
 * DIR/enrol/<id hex> (0600): the secret is stored itself, since the hub needs it as the channel
 * PSK; a used token is renamed to <id hex>.used (single use: rename is atomic). Never logs a
 * secret.
 */
#ifndef CAIRN_ENROLL_H
#define CAIRN_ENROLL_H

#include <stddef.h>
#include <stdint.h>

#define CAIRN_ENROLL_PREFIX "cairn-enrol-1:"
#define CAIRN_ENROLL_ID_LEN 16
#define CAIRN_ENROLL_TOKEN_MAX 1024 /* characters of a whole token line */
#define CAIRN_ENROLL_DIR "enrol"
#define CAIRN_REVOKED_DIR "revoked"
#define CAIRN_HUB_PEER_FILE "hub.peer"

typedef struct {
    char address[80]; /* HOST:PORT of the hub's sync listener */
    uint8_t hub_pk[32];
    uint8_t id[CAIRN_ENROLL_ID_LEN];
    uint8_t secret[32];
    uint64_t expires_ms;
    char school[128];
} cairn_enroll_token_t;

/* Writes the token line (NUL-terminated, no newline) into out. 0 or CAIRN_ETOOBIG. */
int cairn_enroll_token_encode(const cairn_enroll_token_t *t, char *out, size_t cap);
/* Parses a token line (surrounding whitespace allowed). Returns 0 or CAIRN_EINVAL with a one-line
 * reason in err; t is untouched on failure. */
int cairn_enroll_token_decode(const char *s, cairn_enroll_token_t *t, char *err, size_t errlen);

/* The state of a token file at the hub. */
typedef enum {
    CAIRN_TOKEN_PENDING,
    CAIRN_TOKEN_USED,
    CAIRN_TOKEN_EXPIRED,
    CAIRN_TOKEN_UNKNOWN
} cairn_token_state_t;

/* Writes DIR/enrol/<id hex> for t (0600, durable). */
int cairn_enroll_token_store(const char *datadir, const cairn_enroll_token_t *t);
/* Looks a token id up at the hub: fills secret, expiry and school name when the file exists
 * (pending or used) and returns its state judged at now_ms. */
cairn_token_state_t cairn_enroll_token_lookup(const char *datadir,
                                              const uint8_t id[CAIRN_ENROLL_ID_LEN],
                                              uint64_t now_ms, cairn_enroll_token_t *t);
/* Marks a pending token used (atomic rename). 0, or CAIRN_EEXIST when it was used already. */
int cairn_enroll_token_consume(const char *datadir, const uint8_t id[CAIRN_ENROLL_ID_LEN]);
const char *cairn_token_state_name(cairn_token_state_t st);

/* Is node revoked at this hub (DIR/revoked/<pk hex> exists)? 1 or 0. */
int cairn_enroll_is_revoked(const char *datadir, const uint8_t pk[32]);

/* DATADIR/hub.peer: "<hub pk hex> <HOST:PORT>\n", 0600. */
int cairn_enroll_hub_peer_write(const char *datadir, const uint8_t pk[32], const char *address);
/* CAIRN_ENOTFOUND when absent; CAIRN_EINVAL with err when malformed. */
int cairn_enroll_hub_peer_read(const char *datadir, uint8_t pk[32], char address[80], char *err,
                               size_t errlen);

/* "30s", "15m", "12h", "7d" (or plain seconds; 1 s .. 10 years) -> milliseconds. 0 or
 * CAIRN_EINVAL. (`enroll create --expires`, `pair --expires`.) */
int cairn_parse_duration(const char *s, uint64_t *ms);

/* Current wall clock in unix milliseconds. */
uint64_t cairn_enroll_now_ms(void);

/* `cairnd enroll create|join|list|revoke ...` (argv[0] = "enroll"). Returns the exit status. */
int cairn_enroll_main(int argc, char **argv);

#endif
