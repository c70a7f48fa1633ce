/*
 * config.h: cairnd.conf, an INI file read with libinih. Every key is documented in
 * conf/school.conf. An unknown section or key, or a bad value, is an error naming the line.
 */
#ifndef CAIRN_CONFIG_H
#define CAIRN_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sync_window.h"

typedef enum { CAIRN_ROLE_SCHOOL = 1, CAIRN_ROLE_HUB = 2 } cairn_role_t;

typedef struct {
    cairn_role_t role;    /* [node] role = school | hub */
    char name[128];       /* [node] name */
    char listen_host[64]; /* [api] listen = 127.0.0.1:7420 (tcp port 0 = disabled) */
    uint16_t listen_port;
    char socket_name[64];       /* [api] socket = cairnd.sock, inside the data dir */
    uint32_t max_connections;   /* [api] max_connections = 64 */
    uint32_t chunk_size;        /* [blobs] chunk_size = 1048576 */
    uint64_t disk_reserve;      /* [blobs] disk_reserve = 1073741824 (bytes kept free) */
    uint32_t write_concurrency; /* [blobs] write_concurrency = 4 (chunks fsync'd in parallel) */
    int log_level;              /* [log] level = debug | info | warn | error */
    char sync_host[64];         /* [sync] listen = 127.0.0.1:7421 (hub; port 0 = disabled) */
    uint16_t sync_port;
    int sync_enabled;          /* 0 when [sync] listen has port 0 (--sync-listen :0 = ephemeral) */
    uint32_t reconnect_min_ms; /* [sync] reconnect_min_ms = 500 (school side) */
    uint32_t reconnect_max_ms; /* [sync] reconnect_max_ms = 60000 */
    char lan_host[64]; /* [api] lan_listen = 0.0.0.0:7411 (paired devices; off by default) */
    uint16_t lan_port;
    int lan_enabled; /* 1 when [api] lan_listen has a port, or `run --lan-listen` was given */
    uint32_t review_target_days; /* [review] target_days = 14 (hub: the queue's age target) */
    uint32_t review_claim_hours; /* [review] claim_hours = 48 (an unworked claim expires) */
    char review_peer[512];  /* [review] peer_review = credential ids (when the catalog is silent) */
    char review_blind[512]; /* [review] double_blind = credential ids (idem) */
    uint64_t upload_rate;   /* [sync] upload_rate = 0 (evidence bytes/s to the hub; 0 = no cap) */
    cairn_window_t upload_window;   /* [sync] upload_windows = always */
    int32_t purge_after_award_days; /* [blobs] purge_after_award = off (-1) or days */
    int32_t purge_after_age_days;   /* [blobs] purge_after_age = off (-1) or days */
    int32_t partial_max_age_days;   /* [blobs] partial_max_age = 30: days a partial chunk file
                                     * may go without growing (off = -1) */
    char timezone[65]; /* [school] timezone = Africa/Nairobi ("": the box's own zone) */
} cairn_config_t;

void cairn_config_defaults(cairn_config_t *cfg);

/* Loads path over the defaults. On error returns CAIRN_ECONFIG (or -errno for I/O) and writes
 * "FILE:LINE: what was wrong" into err. */
int cairn_config_load(const char *path, cairn_config_t *cfg, char *err, size_t errlen);

/* Writes a fully commented config for role/name (mode 0600, fsync'd). */
int cairn_config_write_default(const char *path, cairn_role_t role, const char *name);

/* As cairn_config_load, from an open stream (not closed); path only names it in messages. The
 * decoder itself, so a fuzz target can feed it bytes through fmemopen(). */
int cairn_config_load_stream(FILE *fp, const char *path, cairn_config_t *cfg, char *err,
                             size_t errlen);

const char *cairn_role_name(cairn_role_t role);

/* Parses "HOST:PORT" (IPv6 as "[::1]:PORT") into host/port. host must be an IP literal on the
 * loopback (127.0.0.0/8 or ::1): remote access waits for the secure channel. Port 0 = disabled.
 * Returns 0 or CAIRN_EINVAL with the reason in err. Used for [api] listen and `run --listen`. */
int cairn_config_parse_listen(const char *s, char host[64], uint16_t *port, char *err,
                              size_t errlen);

/* As cairn_config_parse_listen, but any IP literal is accepted: [sync] listen faces the schools,
 * and `cairnd run --sync-listen`, enrolment token addresses. */
int cairn_config_parse_addr(const char *s, char host[64], uint16_t *port, char *err, size_t errlen);

/* Checks a node name ([node] name, `cairnd init --name`): 1..127 printable bytes, no leading or
 * trailing space, no comment marker. Returns 0 or CAIRN_EINVAL with the reason in err. */
int cairn_config_check_name(const char *name, char *err, size_t errlen);

/* Parses a byte count: plain digits or digits with a K, M or G suffix (powers of 1024; "KiB",
 * "MiB", "GiB" also accepted). Returns 0 or CAIRN_EINVAL (not a size, or overflows uint64). */
int cairn_config_parse_size(const char *s, uint64_t *out);

#endif
