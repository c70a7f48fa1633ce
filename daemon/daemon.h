/*
 * daemon.h: the state one running cairnd owns. Created by `cairnd run` (main.c), passed to every
 * handler through cairn_req_t. Only the loop thread touches it, except where a field says so.
 */
#ifndef CAIRN_DAEMON_H
#define CAIRN_DAEMON_H

#include <stdint.h>
#include <uv.h>

#include "config.h"

struct cairn_store;
struct cairn_blobs;

typedef struct cairn_daemon {
    uv_loop_t *loop;
    char *datadir;
    cairn_config_t cfg;
    uint8_t node_pk[32]; /* Ed25519 public key: the node id */
    uint8_t node_sk[64];
    struct cairn_store *store;
    struct cairn_blobs *blobs;
    uint64_t started_ms;
    struct cairn_sync_hub *sync_hub;       /* the sync listener (a hub with [sync]), or NULL */
    struct cairn_sync_school *sync_school; /* the link to our hub (hub.peer), or NULL */
    struct cairn_chunk_state *chunks;      /* evidence chunk sync (sync_chunks.h) */
} cairn_daemon_t;

#endif
