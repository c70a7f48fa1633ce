/* fp_conn.c: faultproxy connections: accepting (or refusing) a client, connecting to the
 * target, the --cut-every-ms timer, and ending a connection by RST or by EOF on both sides.
 * A test tool only. */
#include "fp_internal.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SO_LINGER 0 turns close() into a RST, the abrupt end a broken link produces. */
void fp_close_with_reset(uv_tcp_t *tcp, uv_close_cb cb)
{
    uv_os_fd_t fd;
    if (uv_fileno((uv_handle_t *)tcp, &fd) == 0) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    uv_close((uv_handle_t *)tcp, cb);
}

void fp_free_refused(uv_handle_t *handle)
{
    free(handle);
}

static void conn_free(struct fp_conn *c)
{
    struct fp_pipe *pipes[2] = {&c->up, &c->down};
    for (int i = 0; i < 2; i++) {
        struct fp_chunk *ch = pipes[i]->head;
        while (ch != NULL) {
            struct fp_chunk *next = ch->next;
            free(ch);
            ch = next;
        }
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        c->proxy->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c);
}

void fp_on_handle_closed(uv_handle_t *handle)
{
    struct fp_conn *c = handle->data;
    assert(c->open_handles > 0);
    if (--c->open_handles == 0)
        conn_free(c);
}

static void log_closed(struct fp_conn *c, const char *how, const char *why)
{
    fp_log("conn=%llu closed how=%s reason=\"%s\" up=%llu/%llu down=%llu/%llu flips=%llu/%llu "
           "age_ms=%llu",
           (unsigned long long)c->id, how, why, (unsigned long long)c->up.in_off,
           (unsigned long long)c->up.out_off, (unsigned long long)c->down.in_off,
           (unsigned long long)c->down.out_off, (unsigned long long)c->up.flips,
           (unsigned long long)c->down.flips,
           (unsigned long long)((uv_hrtime() - c->opened_ns) / NS_PER_MS));
}

static void close_timers(struct fp_conn *c)
{
    uv_close((uv_handle_t *)&c->cut_timer, fp_on_handle_closed);
    uv_close((uv_handle_t *)&c->up.timer, fp_on_handle_closed);
    uv_close((uv_handle_t *)&c->down.timer, fp_on_handle_closed);
}

/* Ends a connection abruptly: RST to both peers, queued bytes dropped. */
void fp_conn_abort(struct fp_conn *c, const char *why)
{
    if (c->closing)
        return;
    c->closing = true;
    log_closed(c, "reset", why);
    fp_close_with_reset(&c->client, fp_on_handle_closed);
    fp_close_with_reset(&c->server, fp_on_handle_closed);
    close_timers(c);
}

/* Ends a connection whose both directions finished with EOF. */
void fp_conn_close(struct fp_conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    log_closed(c, "eof", "both directions finished");
    uv_close((uv_handle_t *)&c->client, fp_on_handle_closed);
    uv_close((uv_handle_t *)&c->server, fp_on_handle_closed);
    close_timers(c);
}

static void on_cut_timer(uv_timer_t *timer)
{
    struct fp_conn *c = timer->data;
    char why[64];
    snprintf(why, sizeof why, "cut-every-ms %llu",
             (unsigned long long)c->proxy->opts->cut_every_ms);
    fp_log("conn=%llu fault=cut-every-ms", (unsigned long long)c->id);
    fp_conn_abort(c, why);
}

static void on_connect(uv_connect_t *req, int status)
{
    struct fp_conn *c = req->data;
    if (c->closing)
        return;
    if (status < 0) {
        char why[128];
        snprintf(why, sizeof why, "connect to target: %s", uv_strerror(status));
        fp_conn_abort(c, why);
        return;
    }
    c->connected = true;
    uv_tcp_nodelay(&c->server, 1);
    fp_log("conn=%llu connected target=%s", (unsigned long long)c->id, c->proxy->opts->target_text);
    /* Pumping an empty pipe starts faults at offset 0 (cut, stall) and then starts reading. */
    fp_pipe_pump(&c->up);
    fp_pipe_pump(&c->down);
}

void fp_addr_text(const struct sockaddr_storage *ss, char *out, size_t outlen)
{
    char ip[64] = "?";
    int port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)ss;
        uv_ip4_name(v4, ip, sizeof ip);
        port = ntohs(v4->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)ss;
        uv_ip6_name(v6, ip, sizeof ip);
        port = ntohs(v6->sin6_port);
    }
    snprintf(out, outlen, "%s:%d", ip, port);
}

static void peer_text(uv_tcp_t *tcp, char *out, size_t outlen)
{
    struct sockaddr_storage ss;
    int len = (int)sizeof ss;
    memset(&ss, 0, sizeof ss);
    if (uv_tcp_getpeername(tcp, (struct sockaddr *)&ss, &len) != 0)
        snprintf(out, outlen, "?");
    else
        fp_addr_text(&ss, out, outlen);
}

/* Accepts and immediately resets a connection: link down or --drop-connections. */
static void refuse(struct fp_proxy *px, const char *why)
{
    uv_tcp_t *tcp = malloc(sizeof *tcp);
    if (tcp == NULL)
        return;
    uv_tcp_init(px->loop, tcp);
    if (uv_accept((uv_stream_t *)&px->listener, (uv_stream_t *)tcp) != 0) {
        uv_close((uv_handle_t *)tcp, fp_free_refused);
        return;
    }
    char peer[96];
    peer_text(tcp, peer, sizeof peer);
    fp_log("conn=%llu refused client=%s reason=\"%s\"", (unsigned long long)++px->next_id, peer,
           why);
    fp_close_with_reset(tcp, fp_free_refused);
}

/* Accepts one connection and starts its connection to the target. */
void fp_on_connection(uv_stream_t *listener, int status)
{
    struct fp_proxy *px = listener->data;
    if (status < 0) {
        fp_log("accept failed: %s", uv_strerror(status));
        return;
    }
    if (px->link_down) {
        refuse(px, "link down");
        return;
    }
    if (px->dropped < px->opts->drop_connections) {
        px->dropped++;
        char why[64];
        snprintf(why, sizeof why, "drop-connections %llu/%llu", (unsigned long long)px->dropped,
                 (unsigned long long)px->opts->drop_connections);
        refuse(px, why);
        return;
    }
    struct fp_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        refuse(px, "out of memory");
        return;
    }
    c->proxy = px;
    c->id = ++px->next_id;
    c->opened_ns = uv_hrtime();
    uv_tcp_init(px->loop, &c->client);
    uv_tcp_init(px->loop, &c->server);
    uv_timer_init(px->loop, &c->cut_timer);
    c->client.data = c;
    c->server.data = c;
    c->cut_timer.data = c;
    c->connect_req.data = c;
    fp_pipe_init(c, &c->up, FP_UP);
    fp_pipe_init(c, &c->down, FP_DOWN);
    c->open_handles = 5; /* client, server, cut_timer, up.timer, down.timer */
    c->next = px->conns;
    if (px->conns)
        px->conns->prev = c;
    px->conns = c;

    if (uv_accept(listener, (uv_stream_t *)&c->client) != 0) {
        fp_conn_abort(c, "accept failed");
        return;
    }
    uv_tcp_nodelay(&c->client, 1);
    char peer[96];
    peer_text(&c->client, peer, sizeof peer);
    fp_log("conn=%llu opened client=%s cut_at=%lld/%lld", (unsigned long long)c->id, peer,
           c->up.cut_at == FP_NONE ? -1LL : (long long)c->up.cut_at,
           c->down.cut_at == FP_NONE ? -1LL : (long long)c->down.cut_at);
    int rc = uv_tcp_connect(&c->connect_req, &c->server,
                            (const struct sockaddr *)&px->opts->target_addr, on_connect);
    if (rc != 0) {
        char why[128];
        snprintf(why, sizeof why, "connect to target: %s", uv_strerror(rc));
        fp_conn_abort(c, why);
        return;
    }
    if (px->opts->cut_every_ms != 0)
        uv_timer_start(&c->cut_timer, on_cut_timer, px->opts->cut_every_ms, 0);
}

/* Resets every open connection; each is freed once its handles have closed. */
void fp_abort_all(struct fp_proxy *px, const char *why)
{
    for (struct fp_conn *c = px->conns; c != NULL; c = c->next)
        fp_conn_abort(c, why);
}
