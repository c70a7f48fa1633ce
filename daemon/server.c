/*
 * server.c: the local API's listeners (see server.h): the data dir's Unix socket, the
 * loopback TCP port and, when configured, the LAN port for paired devices (lan.h), accepting
 * within max_connections, and a clean stop. What happens on a connection is conn.c's (and
 * lan.c's on the LAN port). Must never listen beyond the socket file, the configured loopback
 * address and the configured LAN address, where nothing is served before the secure channel
 * admits a paired device; never remove a socket file that a live daemon answers on.
 */
#include "server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cairn/err.h>

#include "conn.h"
#include "lan.h"
#include "log.h"

#define READ_BUF_SIZE (64u * 1024)
#define GRACE_MS 5000
#define LISTEN_BACKLOG 128

struct cairn_server {
    cairn_daemon_t *d;
    uv_pipe_t pipe;
    uv_tcp_t tcp;
    uv_tcp_t lan; /* [api] lan_listen: paired devices through the secure channel (lan.h) */
    uv_timer_t grace;
    uv_timer_t lan_tick;
    bool pipe_open, tcp_open, lan_open, lan_tick_open, grace_open, stopping;
    uint16_t tcp_port, lan_port;
    char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    struct cairn_conn *conns; /* every connection whose handle is not closed yet */
    uint32_t nconns;
    uint64_t next_id;
    char rbuf[READ_BUF_SIZE]; /* one read at a time on the loop thread: shared */
};

static void grace_closed(uv_handle_t *h)
{
    (void)h;
}

void cairn_server_conn_closed(cairn_server_t *s, struct cairn_conn *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    s->nconns--;
    if (s->stopping && s->nconns == 0 && s->grace_open) {
        s->grace_open = false;
        uv_close((uv_handle_t *)&s->grace, grace_closed);
    }
}

/* LAN connections not past their handshake (the new one included). */
static unsigned lan_pending(const cairn_server_t *s)
{
    unsigned n = 0;
    for (const struct cairn_conn *c = s->conns; c != NULL; c = c->next)
        n += c->lan != NULL && !c->closing && !cairn_lan_is_open(c->lan);
    return n;
}

static void on_connection(uv_stream_t *listener, int status)
{
    cairn_server_t *s = listener->data;
    bool lan = listener == (uv_stream_t *)&s->lan;
    bool tcp = lan || listener == (uv_stream_t *)&s->tcp;
    if (status < 0) {
        cairn_log_warn("accept failed: %s", uv_strerror(status));
        return;
    }
    struct cairn_conn *c = cairn_conn_new(s, s->d, tcp, ++s->next_id, s->rbuf, sizeof s->rbuf);
    if (c == NULL)
        return;
    if (lan && (c->lan = cairn_lan_new(uv_now(s->d->loop))) == NULL) {
        cairn_log_error("out of memory accepting a LAN connection");
        /* closed below, once it is accepted and listed */
    }
    c->next = s->conns;
    if (s->conns != NULL)
        s->conns->prev = c;
    s->conns = c;
    s->nconns++;

    int rc = uv_accept(listener, &c->h.stream);
    if (rc != 0) {
        cairn_log_warn("accept failed: %s", uv_strerror(rc));
        cairn_conn_close(c);
        return;
    }
    cairn_conn_describe(c);
    if (s->stopping || (lan && c->lan == NULL)) {
        cairn_conn_close(c);
        return;
    }
    if (lan && lan_pending(s) > CAIRN_LAN_PENDING_MAX) {
        cairn_log_warn("%s: refused: %d LAN handshakes already pending", c->peer,
                       CAIRN_LAN_PENDING_MAX);
        cairn_conn_close(c);
        return;
    }
    if (s->nconns > s->d->cfg.max_connections) {
        cairn_log_warn("%s: refused: max_connections (%u) reached", c->peer,
                       s->d->cfg.max_connections);
        cairn_conn_close(c);
        return;
    }
    cairn_conn_start(c);
}

/* A socket file left by a daemon that died is removed; one that answers belongs to a live one. */
static int clear_stale_socket(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -errno;
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a socket; remove it", path);
        return CAIRN_EEXIST;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    int e = errno;
    close(fd);
    if (rc == 0) {
        snprintf(err, errlen, "another cairnd is running: %s answers", path);
        return CAIRN_EEXIST;
    }
    if (e != ECONNREFUSED && e != ENOENT) {
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -e;
    }
    if (unlink(path) != 0 && errno != ENOENT) {
        snprintf(err, errlen, "cannot remove stale socket %s: %s", path, strerror(errno));
        return -errno;
    }
    cairn_log_info("removed stale socket %s", path);
    return 0;
}

static int listen_unix(cairn_server_t *s, char *err, size_t errlen)
{
    const cairn_daemon_t *d = s->d;
    int n = snprintf(s->sock_path, sizeof s->sock_path, "%s/%s", d->datadir, d->cfg.socket_name);
    if (n < 0 || (size_t)n >= sizeof s->sock_path) {
        snprintf(err, errlen,
                 "socket path %s/%s is longer than %zu bytes: use a shorter data dir path",
                 d->datadir, d->cfg.socket_name, sizeof s->sock_path - 1);
        return -ENAMETOOLONG;
    }
    int rc = clear_stale_socket(s->sock_path, err, errlen);
    if (rc != 0)
        return rc;
    rc = uv_pipe_init(d->loop, &s->pipe, 0);
    if (rc != 0) {
        snprintf(err, errlen, "cannot create the Unix socket: %s", uv_strerror(rc));
        return rc;
    }
    s->pipe_open = true;
    s->pipe.data = s;
    mode_t old = umask(0117); /* born 0660: never a moment with wider access */
    rc = uv_pipe_bind(&s->pipe, s->sock_path);
    umask(old);
    if (rc == 0 && chmod(s->sock_path, 0660) != 0)
        rc = -errno;
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&s->pipe, LISTEN_BACKLOG, on_connection);
    if (rc != 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", s->sock_path, uv_strerror(rc));
        return rc;
    }
    return 0;
}

/* Listens on host:port with handle h (*open set once h needs closing); *bound gets the port. */
static int listen_tcp(cairn_server_t *s, uv_tcp_t *h, bool *open, const char *host, uint16_t port,
                      uint16_t *bound, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    int rc = strchr(host, ':') != NULL ? uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss)
                                       : uv_ip4_addr(host, port, (struct sockaddr_in *)&ss);
    if (rc != 0) {
        snprintf(err, errlen, "bad listen address %s: %s", host, uv_strerror(rc));
        return rc;
    }
    rc = uv_tcp_init(s->d->loop, h);
    if (rc != 0) {
        snprintf(err, errlen, "cannot create the TCP socket: %s", uv_strerror(rc));
        return rc;
    }
    *open = true;
    h->data = s;
    rc = uv_tcp_bind(h, (struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)h, LISTEN_BACKLOG, on_connection);
    if (rc != 0) {
        snprintf(err, errlen, "cannot listen on %s%s%s:%u: %s", strchr(host, ':') ? "[" : "", host,
                 strchr(host, ':') ? "]" : "", port, uv_strerror(rc));
        return rc;
    }
    int len = sizeof ss;
    rc = uv_tcp_getsockname(h, (struct sockaddr *)&ss, &len);
    if (rc != 0) {
        snprintf(err, errlen, "cannot read the bound TCP port: %s", uv_strerror(rc));
        return rc;
    }
    *bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                            : ((struct sockaddr_in *)&ss)->sin_port);
    return 0;
}

/* Closes LAN connections whose handshake is too slow or whose device was revoked. */
static void on_lan_tick(uv_timer_t *t)
{
    cairn_server_t *s = t->data;
    uint64_t now = uv_now(s->d->loop);
    for (struct cairn_conn *c = s->conns; c != NULL; c = c->next) {
        if (c->lan == NULL || c->closing)
            continue;
        const char *why = cairn_lan_tick(c, now);
        if (why != NULL) {
            cairn_log_warn("%s: closing: %s", c->peer, why);
            cairn_conn_close(c);
        }
    }
}

static int listen_lan(cairn_server_t *s, char *err, size_t errlen)
{
    const cairn_config_t *cfg = &s->d->cfg;
    int rc = listen_tcp(s, &s->lan, &s->lan_open, cfg->lan_host, cfg->lan_port, &s->lan_port, err,
                        errlen);
    if (rc == 0)
        rc = uv_timer_init(s->d->loop, &s->lan_tick);
    if (rc == 0) {
        s->lan_tick_open = true;
        s->lan_tick.data = s;
        rc = uv_timer_start(&s->lan_tick, on_lan_tick, CAIRN_LAN_TICK_MS, CAIRN_LAN_TICK_MS);
    }
    return rc;
}

static void listener_closed(uv_handle_t *h)
{
    (void)h;
}

static void close_listeners(cairn_server_t *s)
{
    if (s->pipe_open) {
        s->pipe_open = false;
        uv_close((uv_handle_t *)&s->pipe, listener_closed);
        unlink(s->sock_path);
    }
    if (s->tcp_open) {
        s->tcp_open = false;
        uv_close((uv_handle_t *)&s->tcp, listener_closed);
    }
    if (s->lan_open) {
        s->lan_open = false;
        uv_close((uv_handle_t *)&s->lan, listener_closed);
    }
    if (s->lan_tick_open) {
        s->lan_tick_open = false;
        uv_close((uv_handle_t *)&s->lan_tick, listener_closed);
    }
}

int cairn_server_start(cairn_daemon_t *d, bool tcp, cairn_server_t **out, char *err, size_t errlen)
{
    cairn_server_t *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    s->d = d;
    int rc = listen_unix(s, err, errlen);
    if (rc == 0 && tcp)
        rc = listen_tcp(s, &s->tcp, &s->tcp_open, d->cfg.listen_host, d->cfg.listen_port,
                        &s->tcp_port, err, errlen);
    if (rc == 0 && d->cfg.lan_enabled)
        rc = listen_lan(s, err, errlen);
    if (rc != 0) {
        close_listeners(s);
        uv_run(d->loop, UV_RUN_DEFAULT); /* nothing else is running yet: finish the closes */
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

uint16_t cairn_server_tcp_port(const cairn_server_t *s)
{
    return s->tcp_port;
}

uint16_t cairn_server_lan_port(const cairn_server_t *s)
{
    return s->lan_port;
}

static void on_grace_over(uv_timer_t *t)
{
    cairn_server_t *s = t->data;
    for (struct cairn_conn *c = s->conns; c != NULL; c = c->next) {
        if (!c->closing) {
            cairn_log_warn("%s: still busy at shutdown; closing it", c->peer);
            cairn_conn_close(c);
        }
    }
}

void cairn_server_stop(cairn_server_t *s)
{
    if (s->stopping)
        return;
    s->stopping = true;
    close_listeners(s);
    if (s->nconns > 0 && uv_timer_init(s->d->loop, &s->grace) == 0) {
        s->grace.data = s;
        s->grace_open = true;
        uv_timer_start(&s->grace, on_grace_over, GRACE_MS, 0);
        uv_unref((uv_handle_t *)&s->grace);
    }
    struct cairn_conn *next;
    for (struct cairn_conn *c = s->conns; c != NULL; c = next) {
        next = c->next; /* c may close now (it is unlinked later, in the close callback) */
        cairn_conn_drain(c);
    }
}

void cairn_server_free(cairn_server_t *s)
{
    free(s);
}
