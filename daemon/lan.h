/*
 * lan.h: the local API for classroom devices on the school LAN (PROTOCOL.md section 12).
 *
 * A connection accepted on [api] lan_listen runs, before any API frame: a clear hello, the
 * SIGMA-I channel handshake (the same as sync, section 5) and a sealed welcome; afterwards every
 * API frame travels inside the channel. The device is admitted only when its key is in the
 * `devices` table and not revoked, or when it pairs with a one-time code (the code's PSK in the
 * handshake), after which it is recorded and the connection ends. conn.c calls these for a
 * connection whose c->lan is set; everything else about the connection is conn.c's.
 * Never logs a key in full, a PSK, a code or message contents.
 */
#ifndef CAIRN_LAN_H
#define CAIRN_LAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cairn_conn;
typedef struct cairn_lan cairn_lan_t;

/* A handshake (hello to welcome, or a whole pairing) must be over within this long. */
#define CAIRN_LAN_HANDSHAKE_MS 10000
/* How often the server looks at LAN connections (handshake deadline, revocation). */
#define CAIRN_LAN_TICK_MS 250
/* LAN connections still in hello or handshake at once; more are refused at accept, so that
 * unauthenticated LAN peers can never take every max_connections slot from local users. */
#define CAIRN_LAN_PENDING_MAX 16

/* State for one new LAN connection, or NULL (out of memory). */
cairn_lan_t *cairn_lan_new(uint64_t now_ms);
/* Wipes and frees (NULL is fine). */
void cairn_lan_free(cairn_lan_t *l);

/* One whole frame from the device: hello and handshake first, then sealed requests, which are
 * opened and handed to cairn_conn_handle_request(). Closes the connection on any failure. */
void cairn_lan_frame(struct cairn_conn *c, const uint8_t *payload, size_t len);

/* Seals one outgoing frame: *buf holds the 4-byte frame header and the payload (len bytes in
 * all, heap); on success *buf and *len are replaced by the header and the sealed payload. 0, or a
 * negative code (the caller closes the connection). */
int cairn_lan_seal(struct cairn_conn *c, char **buf, size_t *len);

/* May a paired device run this op? Not those that name files on the daemon's machine
 * (bundle.export, bundle.import): a device is not a local user. */
bool cairn_lan_op_allowed(const char *op, size_t len);

/* Is the connection past its handshake (a paired device being served)? */
bool cairn_lan_is_open(const cairn_lan_t *l);

/* Every CAIRN_LAN_TICK_MS: returns why the connection must close now (handshake too slow, the
 * device revoked or gone), or NULL. */
const char *cairn_lan_tick(struct cairn_conn *c, uint64_t now_ms);

#endif
