/*
 * sync_hub.c: the hub side of sync (sync.h): listens on [sync] listen, admits a school that is
 * enrolled (peers table, role school) and not revoked, or that completes enrolment with a valid
 * token, and syncs `catalog` (pushed down only) and `school:<its id>` (both ways) with it.
 * Must never admit a key it has not pinned, nor a token twice.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "enroll.h"
#include "identity.h"
#include "log.h"
#include "store_sync.h"
#include "sync.h"
#include "sync_persist.h"

#define REVOKE_CHECK_TICKS (1000 / CAIRN_SYNC_POLL_MS)

struct cairn_sync_hub {
    cairn_daemon_t *d;
    uv_tcp_t listener;
    bool open, stopping;
    uint16_t port;
    cairn_sync_session_t *sessions;
    unsigned nsessions;
};

typedef struct {
    bool enrolling;
    bool child_hub; /* the peer is a hub enrolled here: it relays its schools' partitions */
    cairn_enroll_token_t token;
} hub_session_t;

static const char *hub_hello(cairn_sync_session_t *s, const msgpack_object *m, const uint8_t **psk)
{
    hub_session_t *hs = s->user;
    const uint8_t *id;
    size_t len;
    int rc = cairn_mp_get_bin(m, "token", CAIRN_ENROLL_ID_LEN, &id, &len);
    if (rc == CAIRN_ENOTFOUND)
        return NULL; /* an enrolled school: no PSK */
    if (rc != 0 || len != CAIRN_ENROLL_ID_LEN)
        return "malformed enrolment token id";
    cairn_sync_hub_t *h = s->owner;
    switch (cairn_enroll_token_lookup(h->d->datadir, id, cairn_enroll_now_ms(), &hs->token)) {
    case CAIRN_TOKEN_PENDING:
        break;
    case CAIRN_TOKEN_USED:
        return "enrolment token already used";
    case CAIRN_TOKEN_EXPIRED:
        return "enrolment token expired";
    case CAIRN_TOKEN_UNKNOWN:
        return "unknown enrolment token";
    }
    hs->enrolling = true;
    *psk = hs->token.secret;
    return NULL;
}

static const char *hub_established(cairn_sync_session_t *s)
{
    hub_session_t *hs = s->user;
    cairn_sync_hub_t *h = s->owner;
    if (cairn_enroll_is_revoked(h->d->datadir, s->peer_pk))
        return "this school is revoked at this hub";
    if (hs->enrolling)
        return NULL; /* waits for the enrol message */
    cairn_peer_role_t role;
    if (cairn_store_peer_get(h->d->store, s->peer_pk, &role) != 0 || role == CAIRN_PEER_HUB)
        return "this node is not enrolled at this hub (enrol it with a token)";
    hs->child_hub = role == CAIRN_PEER_CHILD_HUB;
    char part[CAIRN_PARTITION_MAX + 1];
    cairn_sync_school_partition(s->peer_pk, part);
    cairn_sync_session_add_part(s, "catalog", true);
    cairn_sync_session_add_part(s, part, true);
    cairn_log_info("sync %s: session up", s->peer);
    return cairn_sync_session_start_sync(s) == 0 ? NULL : "cannot send vectors";
}

static int hub_message(cairn_sync_session_t *s, const char *t, size_t tlen, const msgpack_object *m)
{
    hub_session_t *hs = s->user;
    cairn_sync_hub_t *h = s->owner;
    const uint8_t *id;
    size_t len;
    if (!hs->enrolling || tlen != 5 || memcmp(t, "enrol", 5) != 0) {
        snprintf(s->reason, sizeof s->reason, "%s sent an unexpected message", s->peer);
        return CAIRN_EPROTO;
    }
    if (cairn_mp_get_bin(m, "token", CAIRN_ENROLL_ID_LEN, &id, &len) != 0 ||
        len != CAIRN_ENROLL_ID_LEN || memcmp(id, hs->token.id, len) != 0) {
        snprintf(s->reason, sizeof s->reason, "enrolment names another token");
        return CAIRN_EPROTO;
    }
    const char *why = NULL, *prole;
    size_t prlen;
    bool child_hub = cairn_mp_get_str(m, "role", 16, &prole, &prlen) == 0 && prlen == 3 &&
                     memcmp(prole, "hub", 3) == 0;
    int rc = cairn_enroll_token_consume(h->d->datadir, id);
    if (rc == CAIRN_EEXIST)
        why = "enrolment token already used";
    else if (rc != 0)
        why = "cannot mark the token used";
    else if (cairn_store_peer_put(h->d->store, s->peer_pk,
                                  child_hub ? CAIRN_PEER_CHILD_HUB : CAIRN_PEER_SCHOOL,
                                  hs->token.school) != 0)
        why = "cannot record the school";
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    cairn_mp_pack_kv_str(&pk, "t", why == NULL ? "enrolled" : "err");
    if (why == NULL)
        cairn_mp_pack_kv_str(&pk, "hub", h->d->cfg.name);
    else
        cairn_mp_pack_kv_str(&pk, "error", why);
    cairn_sync_session_send(s, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    if (why != NULL)
        cairn_log_warn("sync %s: enrolment refused: %s", s->peer, why);
    else
        cairn_log_info("sync %s: enrolled %s \"%s\"", s->peer, child_hub ? "child hub" : "school",
                       hs->token.school);
    cairn_sync_session_close(s, why);
    return 0;
}

/* A child hub relays the partitions of its schools: any well-formed school:<id>. Whose events
 * they may carry is the rights check's business (PROTOCOL.md section 7.5). */
static int hub_partition(cairn_sync_session_t *s, const char *partition)
{
    hub_session_t *hs = s->user;
    uint8_t id[32];
    if (!hs->child_hub || strncmp(partition, "school:", 7) != 0 || strlen(partition + 7) != 64 ||
        sodium_hex2bin(id, sizeof id, partition + 7, 64, NULL, NULL, NULL) != 0) {
        snprintf(s->reason, sizeof s->reason, "%s sent partition %s, which it may not sync",
                 s->peer, partition);
        return CAIRN_EDENIED;
    }
    return cairn_sync_session_add_part(s, partition, true);
}

static const char *hub_tick(cairn_sync_session_t *s)
{
    cairn_sync_hub_t *h = s->owner;
    if (s->ticks % CAIRN_SYNC_PERSIST_TICKS == 0)
        cairn_sync_persist_flush(s, 0); /* the school's acks: bundles then skip what it holds */
    if (s->ticks % REVOKE_CHECK_TICKS == 0 && cairn_enroll_is_revoked(h->d->datadir, s->peer_pk))
        return "this school was revoked at this hub";
    return NULL;
}

static void hub_closed(cairn_sync_session_t *s, const char *reason)
{
    cairn_sync_hub_t *h = s->owner;
    if (s->established)
        cairn_sync_persist_flush(s, 0);
    if (reason != NULL)
        cairn_log_info("sync %s: closed: %s", s->peer, reason);
    else
        cairn_log_info("sync %s: closed", s->peer);
    for (cairn_sync_session_t **p = &h->sessions; *p != NULL; p = &(*p)->next) {
        if (*p == s) {
            *p = s->next;
            h->nsessions--;
            break;
        }
    }
    hub_session_t *hs = s->user;
    sodium_memzero(hs, sizeof *hs);
    free(hs);
}

static const cairn_sync_ops_t hub_ops = {
    .hello = hub_hello,
    .established = hub_established,
    .message = hub_message,
    .partition = hub_partition,
    .tick = hub_tick,
    .closed = hub_closed,
};

#define MAX_SESSIONS 4096u

static void on_connection(uv_stream_t *listener, int status)
{
    cairn_sync_hub_t *h = listener->data;
    if (status < 0 || h->stopping)
        return;
    hub_session_t *hs = calloc(1, sizeof *hs);
    if (hs == NULL)
        return;
    cairn_sync_session_t *s;
    int rc = cairn_sync_session_accept(h->d, listener, &hub_ops, h, &s);
    if (s == NULL) {
        free(hs);
        return;
    }
    s->user = hs;
    s->next = h->sessions;
    h->sessions = s;
    h->nsessions++;
    if (rc == 0 && h->nsessions > MAX_SESSIONS)
        cairn_sync_session_close(s, "too many sync sessions");
}

int cairn_sync_hub_start(cairn_daemon_t *d, cairn_sync_hub_t **out, char *err, size_t errlen)
{
    cairn_sync_hub_t *h = calloc(1, sizeof *h);
    if (h == NULL)
        return -ENOMEM;
    h->d = d;
    struct sockaddr_storage sa;
    const char *host = d->cfg.sync_host;
    int rc = uv_ip4_addr(host, d->cfg.sync_port, (struct sockaddr_in *)&sa);
    if (rc != 0)
        rc = uv_ip6_addr(host, d->cfg.sync_port, (struct sockaddr_in6 *)&sa);
    uv_tcp_init(d->loop, &h->listener);
    h->listener.data = h;
    h->open = true;
    if (rc == 0)
        rc = uv_tcp_bind(&h->listener, (const struct sockaddr *)&sa, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&h->listener, 128, on_connection);
    if (rc != 0) {
        snprintf(err, errlen, "cannot listen for sync on %s:%u: %s", host, d->cfg.sync_port,
                 uv_strerror(rc));
        h->stopping = true;
        cairn_sync_hub_stop(h);
        *out = h; /* freed by the caller after the loop closed the handle */
        return rc;
    }
    int salen = sizeof sa;
    uv_tcp_getsockname(&h->listener, (struct sockaddr *)&sa, &salen);
    h->port = ntohs(((struct sockaddr_in *)&sa)->sin_port);
    *out = h;
    return 0;
}

uint16_t cairn_sync_hub_port(const cairn_sync_hub_t *h)
{
    return h->port;
}

static void listener_closed(uv_handle_t *handle)
{
    (void)handle;
}

void cairn_sync_hub_stop(cairn_sync_hub_t *h)
{
    h->stopping = true;
    if (h->open) {
        h->open = false;
        uv_close((uv_handle_t *)&h->listener, listener_closed);
    }
    for (cairn_sync_session_t *s = h->sessions; s != NULL; s = s->next)
        cairn_sync_session_abort(s, "hub stopping");
}

void cairn_sync_hub_free(cairn_sync_hub_t *h)
{
    free(h);
}

void cairn_sync_hub_stats(cairn_daemon_t *d, uint64_t *enrolled, uint64_t *connected)
{
    *enrolled = *connected = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(cairn_store_db(d->store), "SELECT node FROM peers WHERE role='school'",
                           -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (sqlite3_column_bytes(st, 0) == 32 &&
                !cairn_enroll_is_revoked(d->datadir, sqlite3_column_blob(st, 0)))
                (*enrolled)++;
        }
        sqlite3_finalize(st);
    }
    cairn_sync_hub_t *h = d->sync_hub;
    for (cairn_sync_session_t *s = h != NULL ? h->sessions : NULL; s != NULL; s = s->next) {
        const hub_session_t *hs = s->user;
        if (s->established && !s->closing && s->nparts > 0 && hs != NULL && !hs->enrolling)
            (*connected)++;
    }
}
