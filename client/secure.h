/*
 * secure.h: the device side of a LAN connection to cairnd (PROTOCOL.md section 12): the clear
 * hello, the SIGMA-I handshake as initiator, and the daemon's sealed welcome. Afterwards the
 * connection seals and opens every frame itself (conn.h), so the API runs unchanged on top.
 */
#ifndef CAIRN_CLIENT_SECURE_H
#define CAIRN_CLIENT_SECURE_H

#include <stddef.h>
#include <stdint.h>

#include <cairn/paircode.h>

#include "conn.h"

/* Runs hello, handshake and welcome on an open connection. pk/sk: this device's key. pinned:
 * the daemon's key from known_hosts (a daemon with another key is refused), or NULL when pairing
 * with code (then the daemon's key is learnt and returned in daemon_pk for the caller to pin).
 * On success c carries the channel, daemon_pk and daemon_name (cap bytes) are filled. Returns 0
 * or a negative code with a one-line reason in err naming `where`. */
int cairn_secure_start(cairn_conn_t *c, const char *where, const uint8_t pk[32],
                       const uint8_t sk[64], const uint8_t *pinned, const cairn_pair_code_t *code,
                       uint8_t daemon_pk[32], char *daemon_name, size_t cap, char *err,
                       size_t errlen);

/* After cairn_secure_start() with a code: sends {"t":"pair","name":name} and reads the answer.
 * 0 once the daemon recorded this device, else a negative code and err. */
int cairn_secure_pair(cairn_conn_t *c, const char *where, const char *name, char *err,
                      size_t errlen);

#endif
