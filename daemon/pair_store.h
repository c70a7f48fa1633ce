/*
 * pair_store.h: the school's pending pairing codes (PROTOCOL.md section 12), one file each:
 * DATADIR/pair/<selector> (0600, directory 0700) holding the salt, the derived PSK (never the
 * code itself), the expiry and the count of wrong attempts. A code is single use: the daemon
 * renames the file to <selector>.used when a device pairs with it (rename is atomic, so of two
 * racing handshakes only one pairs), and to <selector>.dead at the CAIRN_PAIR_MAX_FAILURES-th
 * wrong attempt. `cairnd pair` writes new codes beside a running daemon; only the daemon changes
 * them afterwards. Never logs a PSK.
 */
#ifndef CAIRN_PAIR_STORE_H
#define CAIRN_PAIR_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <cairn/paircode.h>

#define CAIRN_PAIR_DIR "pair"
#define CAIRN_PAIR_MAX_FAILURES 5
#define CAIRN_PAIR_TTL_DEFAULT_MS (10ull * 60 * 1000)
#define CAIRN_PAIR_TTL_MAX_MS (7ull * 24 * 3600 * 1000)

typedef enum {
    CAIRN_PAIR_PENDING,
    CAIRN_PAIR_USED,
    CAIRN_PAIR_EXPIRED,
    CAIRN_PAIR_DEAD, /* invalidated after too many wrong attempts */
    CAIRN_PAIR_UNKNOWN
} cairn_pair_state_t;

typedef struct {
    char sel[CAIRN_PAIR_SELECTOR_CHARS + 1];
    uint8_t salt[CAIRN_PAIR_SALT_LEN];
    uint8_t psk[CAIRN_PAIR_PSK_LEN];
    uint64_t expires_ms;
    unsigned failures;
} cairn_pair_entry_t;

/* Makes a new code with a selector no file in DIR/pair uses, derives its PSK and writes its file
 * durably. code gets the code to show (once: it is not kept). 0, CAIRN_EEXIST (every selector
 * taken), CAIRN_ECRYPTO or -errno. */
int cairn_pair_create(const char *datadir, uint64_t ttl_ms, uint64_t now_ms,
                      cairn_pair_code_t *code, cairn_pair_entry_t *entry);

/* The state of the code with selector sel (validated here) judged at now_ms; fills e when a
 * file exists. */
cairn_pair_state_t cairn_pair_lookup(const char *datadir, const char *sel, size_t sel_len,
                                     uint64_t now_ms, cairn_pair_entry_t *e);

/* Counts one wrong attempt on a pending code; at CAIRN_PAIR_MAX_FAILURES it becomes dead.
 * *left: attempts still allowed (0 = dead now). 0, CAIRN_ENOTFOUND (not pending) or -errno. */
int cairn_pair_fail(const char *datadir, const char *sel, unsigned *left);

/* Marks a pending code used. 0, or CAIRN_EEXIST when it is no longer pending. */
int cairn_pair_consume(const char *datadir, const char *sel);

/* Calls fn for every code file (pending, used or dead), in no particular order. 0 or -errno. */
int cairn_pair_list(const char *datadir, uint64_t now_ms,
                    void (*fn)(void *arg, const cairn_pair_entry_t *e, cairn_pair_state_t st),
                    void *arg);

const char *cairn_pair_state_name(cairn_pair_state_t st);

#endif
