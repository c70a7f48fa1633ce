/*
 * run.c: `cairnd run` once its arguments, config, lock and identity are good (main.c): opens the
 * store, the synonyms and the blob store, starts the local API, sync, retention and the partial
 * sweep, writes the pid and port files, runs the loop until SIGTERM or SIGINT, and stops
 * cleanly, letting chunk writes in flight finish. Nothing listens unless everything opened.
 */
#include "run.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cairn/err.h>

#include "blobs.h"
#include "cli_util.h"
#include "fsutil.h"
#include "identity.h"
#include "log.h"
#include "partial_sweep.h"
#include "retention.h"
#include "search_synonyms.h"
#include "server.h"
#include "store.h"
#include "sync.h"
#include "sync_chunks.h"

#define DB_FILE "cairn.db"
#define PID_FILE "cairnd.pid"
#define PORT_FILE "cairnd.port"
#define SYNC_PORT_FILE "cairnd.sync-port"
#define LAN_PORT_FILE "cairnd.lan-port"

typedef struct {
    cairn_daemon_t *d;
    cairn_server_t *server;
    cairn_sync_hub_t *hub;
    cairn_sync_school_t *school;
    cairn_retention_t *retention;
    cairn_partial_sweep_t *sweep;
    uv_signal_t sigterm, sigint;
} run_state_t;

static void signal_closed(uv_handle_t *h)
{
    (void)h;
}

static void on_signal(uv_signal_t *sig, int signum)
{
    run_state_t *rs = sig->data;
    cairn_log_info("%s received: stopping (finishing chunk writes in flight)",
                   signum == SIGTERM ? "SIGTERM" : "SIGINT");
    cairn_server_stop(rs->server);
    if (rs->hub != NULL)
        cairn_sync_hub_stop(rs->hub);
    if (rs->school != NULL)
        cairn_sync_school_stop(rs->school);
    cairn_retention_stop(rs->retention);
    rs->retention = NULL;
    cairn_partial_sweep_stop(rs->sweep);
    rs->sweep = NULL;
    uv_close((uv_handle_t *)&rs->sigterm, signal_closed);
    uv_close((uv_handle_t *)&rs->sigint, signal_closed);
}

static int write_small_file(const char *dir, const char *name, const char *fmt, unsigned long v)
{
    char path[PATH_MAX], buf[32];
    if (cairnd_path_in(path, sizeof path, dir, name) != 0)
        return -ENAMETOOLONG;
    int n = snprintf(buf, sizeof buf, fmt, v);
    return cairn_fs_write_atomic(path, buf, (size_t)n, 0644);
}

static void remove_file_in(const char *dir, const char *name)
{
    char path[PATH_MAX];
    if (cairnd_path_in(path, sizeof path, dir, name) == 0)
        unlink(path);
}

/* The chunk writes of every connection share the thread pool; size it before its first use. */
void cairnd_size_thread_pool(uint32_t write_concurrency)
{
    if (getenv("UV_THREADPOOL_SIZE") != NULL)
        return;
    char n[16];
    snprintf(n, sizeof n, "%u", write_concurrency + 4 > 128 ? 128 : write_concurrency + 4);
    setenv("UV_THREADPOOL_SIZE", n, 1);
}

int cairnd_run(cairn_daemon_t *d, bool tcp)
{
    char path[PATH_MAX], err[512];
    int rc;
    if (cairnd_path_in(path, sizeof path, d->datadir, DB_FILE) != 0)
        return cairnd_fail("%s: path too long", d->datadir);
    rc = cairn_store_open(path, d->node_pk, &d->store);
    if (rc != 0)
        return cairnd_fail("cannot open the store %s: %s", path, cairn_strerror(rc));
    cairn_store_set_signer(d->store, d->node_sk); /* our events get signed checkpoints */
    rc = cairn_synonyms_open(d->datadir, &d->synonyms, path, sizeof path, err, sizeof err);
    if (rc != 0) {
        cairn_store_close(d->store);
        return cairnd_fail("search synonyms: %s", err);
    }
    if (d->synonyms == NULL)
        cairn_log_warn("search: no synonym table (%s/synonyms.tsv or %s): plain words only",
                       d->datadir, cairn_synonyms_default_path());
    else
        cairn_log_info("search: %zu synonyms from %s", cairn_synonyms_count(d->synonyms), path);
    rc = cairn_blobs_open(d->loop, d->datadir, d->cfg.disk_reserve, &d->blobs);
    if (rc != 0) {
        cairn_store_close(d->store);
        cairn_synonyms_free(d->synonyms);
        return cairnd_fail("cannot open the blob store in %s: %s", d->datadir, cairn_strerror(rc));
    }

    rc = cairn_chunk_state_new(d, &d->chunks);
    if (rc != 0) {
        cairn_blobs_close(d->blobs);
        cairn_store_close(d->store);
        return cairnd_fail("cannot start: %s", cairn_strerror(rc));
    }

    run_state_t rs = {.d = d};
    rc = cairn_server_start(d, tcp, &rs.server, err, sizeof err);
    if (rc != 0) {
        cairn_chunk_state_free(d->chunks);
        cairn_blobs_close(d->blobs);
        cairn_store_close(d->store);
        cairn_synonyms_free(d->synonyms);
        return cairnd_fail("%s", err);
    }
    uint16_t port = cairn_server_tcp_port(rs.server);
    write_small_file(d->datadir, PID_FILE, "%lu\n", (unsigned long)getpid());
    if (tcp)
        write_small_file(d->datadir, PORT_FILE, "%lu\n", port);
    else
        remove_file_in(d->datadir, PORT_FILE);
    if (d->cfg.lan_enabled) {
        write_small_file(d->datadir, LAN_PORT_FILE, "%lu\n", cairn_server_lan_port(rs.server));
        cairn_log_info("LAN devices on %s:%u (paired devices only, secure channel)",
                       d->cfg.lan_host, cairn_server_lan_port(rs.server));
    } else {
        remove_file_in(d->datadir, LAN_PORT_FILE);
    }

    if (d->cfg.role == CAIRN_ROLE_HUB && d->cfg.sync_enabled &&
        cairn_sync_hub_start(d, &rs.hub, err, sizeof err) != 0) {
        cairn_log_error("%s", err);
        cairn_server_stop(rs.server);
    } else if (rs.hub != NULL) {
        write_small_file(d->datadir, SYNC_PORT_FILE, "%lu\n", cairn_sync_hub_port(rs.hub));
        cairn_log_info("sync listening on %s:%u", d->cfg.sync_host, cairn_sync_hub_port(rs.hub));
    } else {
        remove_file_in(d->datadir, SYNC_PORT_FILE);
    }
    if (cairn_sync_school_start(d, &rs.school, err, sizeof err) != 0)
        cairn_log_error("sync: %s (not syncing)", err);
    d->sync_hub = rs.hub != NULL && cairn_sync_hub_port(rs.hub) != 0 ? rs.hub : NULL;
    d->sync_school = rs.school;
    if (cairn_retention_start(d, &rs.retention) != 0)
        cairn_log_error("retention: cannot start the purge timer (nothing is purged)");
    if (cairn_partial_sweep_start(d, &rs.sweep) != 0)
        cairn_log_error("partial sweep: cannot start its timer (swept at start-up only)");

    uv_signal_init(d->loop, &rs.sigterm);
    uv_signal_init(d->loop, &rs.sigint);
    rs.sigterm.data = rs.sigint.data = &rs;
    uv_signal_start(&rs.sigterm, on_signal, SIGTERM);
    uv_signal_start(&rs.sigint, on_signal, SIGINT);

    char node[65];
    cairn_identity_hex(d->node_pk, node);
    d->started_ms = uv_now(d->loop);
    uint64_t bytes, chunks;
    cairn_blobs_usage(d->blobs, &bytes, &chunks);
    cairn_log_info("cairnd %s \"%s\" node %.16s... data %s (%llu chunks, %.1f MiB of evidence)",
                   cairn_role_name(d->cfg.role), d->cfg.name, node, d->datadir,
                   (unsigned long long)chunks, (double)bytes / (1024.0 * 1024.0));
    if (tcp)
        cairn_log_info("listening on %s/%s and %s%s%s:%u", d->datadir, d->cfg.socket_name,
                       strchr(d->cfg.listen_host, ':') ? "[" : "", d->cfg.listen_host,
                       strchr(d->cfg.listen_host, ':') ? "]" : "", port);
    else
        cairn_log_info("listening on %s/%s (TCP disabled)", d->datadir, d->cfg.socket_name);

    uv_run(d->loop, UV_RUN_DEFAULT);

    d->sync_hub = NULL;
    d->sync_school = NULL;
    if (rs.hub != NULL)
        cairn_sync_hub_free(rs.hub);
    if (rs.school != NULL)
        cairn_sync_school_free(rs.school);
    remove_file_in(d->datadir, SYNC_PORT_FILE);
    remove_file_in(d->datadir, LAN_PORT_FILE);
    cairn_server_free(rs.server);
    cairn_chunk_state_free(d->chunks);
    d->chunks = NULL;
    cairn_blobs_close(d->blobs);
    cairn_store_close(d->store);
    cairn_synonyms_free(d->synonyms);
    d->synonyms = NULL;
    remove_file_in(d->datadir, PORT_FILE);
    remove_file_in(d->datadir, PID_FILE);
    cairn_log_info("stopped cleanly");
    return 0;
}
