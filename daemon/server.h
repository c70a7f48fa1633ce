/*
 * server.h: the local API transport. Listens on the data dir's Unix socket and (optionally) a
 * loopback TCP port, reads frames, decodes requests with the wire limits, dispatches them to the
 * handlers (api.h) and writes the responses back in request order.
 *
 * A malformed frame or message closes that one connection (logged with the peer); every other
 * connection is served on. Handlers see a connection only through api.h and the slots below.
 */
#ifndef CAIRN_SERVER_H
#define CAIRN_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon.h"

struct cairn_conn;
typedef struct cairn_server cairn_server_t;

/* Unsent output above which reading from a connection pauses until the peer catches up. */
#define CAIRN_CONN_OUTPUT_HIGH (8u * 1024 * 1024)

/* Binds DATADIR/<socket_name> (mode 0660; a stale socket file is removed only if nothing answers
 * on it), if tcp is true d->cfg.listen_host:listen_port (port 0 = an ephemeral port), and if
 * d->cfg.lan_enabled the LAN port lan_host:lan_port (lan.h), then starts accepting. On error writes
 * one line into err and returns a negative code; nothing is left listening. */
int cairn_server_start(cairn_daemon_t *d, bool tcp, cairn_server_t **out, char *err, size_t errlen);

/* The TCP port actually bound, 0 when TCP is off. */
uint16_t cairn_server_tcp_port(const cairn_server_t *s);
/* The LAN port actually bound ([api] lan_listen), 0 when it is off. */
uint16_t cairn_server_lan_port(const cairn_server_t *s);

/* Stops accepting and removes the socket file; every connection stops reading, sends the
 * replies still owed (chunk writes in flight finish first) and closes. Force-closes whatever is
 * left after a grace period. The loop returns from uv_run once all of it is done. */
void cairn_server_stop(cairn_server_t *s);

/* Frees the server after the loop has finished (uv_run returned after cairn_server_stop). */
void cairn_server_free(cairn_server_t *s);

/* Per-connection state owned by a handler module, freed with the connection (after the last
 * cairn_conn_release). One slot per module. */
enum { CAIRN_CONN_SLOT_BLOB = 0, CAIRN_CONN_SLOTS };
void *cairn_conn_slot_get(struct cairn_conn *c, int slot);
void cairn_conn_slot_set(struct cairn_conn *c, int slot, void *data, void (*free_fn)(void *));

/* "conn#12 unix" / "conn#13 127.0.0.1:40112": for log lines. */
const char *cairn_conn_peer(const struct cairn_conn *c);

#endif
