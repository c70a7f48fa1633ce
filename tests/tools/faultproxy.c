/* faultproxy.c: a TCP proxy that injects faults between two peers for integration tests: rate
 * limits, latency, stalls, RST cuts, bit flips and refused connections (the kernel here has no
 * netem). Each accepted connection gets a connection to the target and two pipes, up (client to
 * target) and down; a pipe reads from one side into a queue and pumps the queue to the other side
 * through the faults of its direction.
 * It must never bind beyond loopback unless asked, never hold more than FP_QUEUE_LIMIT bytes per
 * pipe (it stops reading instead), and never be linked into a product binary. */
#include "fp_internal.h"

#include <uv.h>

#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void on_signal(uv_signal_t *sig, int signum)
{
    struct fp_proxy *px = sig->data;
    if (signum == SIGUSR1) {
        px->link_down = !px->link_down;
        fp_log("signal=USR1 link=%s", px->link_down ? "down" : "up");
        if (px->link_down)
            fp_abort_all(px, "link down (SIGUSR1)");
    } else if (signum == SIGUSR2) {
        fp_log("signal=USR2 cutting all connections");
        fp_abort_all(px, "SIGUSR2");
    } else if (!px->stopping) {
        px->stopping = true;
        fp_log("signal=%s stopping", signum == SIGTERM ? "TERM" : "INT");
        fp_abort_all(px, "proxy stopping");
        uv_close((uv_handle_t *)&px->listener, NULL);
        uv_close((uv_handle_t *)&px->sig_usr1, NULL);
        uv_close((uv_handle_t *)&px->sig_usr2, NULL);
        uv_close((uv_handle_t *)&px->sig_term, NULL);
        uv_close((uv_handle_t *)&px->sig_int, NULL);
    }
}

/* Written to a temporary name and renamed, so a reader never sees half a number. */
static int write_port_file(const char *path, int port)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return -ENAMETOOLONG;
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return -errno;
    fprintf(f, "%d\n", port);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        return -errno;
    return 0;
}

static int start_signal(struct fp_proxy *px, uv_signal_t *sig, int signum)
{
    uv_signal_init(px->loop, sig);
    sig->data = px;
    return uv_signal_start(sig, on_signal, signum);
}

/* Binds, listens, installs signal handlers, then announces the port: once the port file
 * exists, the proxy accepts connections and signals. */
static int proxy_start(struct fp_proxy *px)
{
    int rc = uv_tcp_init(px->loop, &px->listener);
    if (rc != 0)
        return rc;
    px->listener.data = px;
    rc = uv_tcp_bind(&px->listener, (const struct sockaddr *)&px->opts->listen_addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&px->listener, 128, fp_on_connection);
    if (rc != 0) {
        fprintf(stderr, "faultproxy: listen on %s: %s\n", px->opts->listen_text, uv_strerror(rc));
        return rc;
    }
    if ((rc = start_signal(px, &px->sig_usr1, SIGUSR1)) != 0 ||
        (rc = start_signal(px, &px->sig_usr2, SIGUSR2)) != 0 ||
        (rc = start_signal(px, &px->sig_term, SIGTERM)) != 0 ||
        (rc = start_signal(px, &px->sig_int, SIGINT)) != 0) {
        fprintf(stderr, "faultproxy: signals: %s\n", uv_strerror(rc));
        return rc;
    }
    struct sockaddr_storage bound;
    int len = (int)sizeof bound;
    memset(&bound, 0, sizeof bound);
    rc = uv_tcp_getsockname(&px->listener, (struct sockaddr *)&bound, &len);
    if (rc != 0)
        return rc;
    char text[96];
    fp_addr_text(&bound, text, sizeof text);
    int port = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
                                                : ((struct sockaddr_in6 *)&bound)->sin6_port);
    if (px->opts->port_file != NULL && (rc = write_port_file(px->opts->port_file, port)) != 0) {
        fprintf(stderr, "faultproxy: port file %s: %s\n", px->opts->port_file, strerror(-rc));
        return rc;
    }
    fp_log("listening on %s port=%d target=%s", text, port, px->opts->target_text);
    return 0;
}

static void close_any(uv_handle_t *handle, void *arg)
{
    (void)arg;
    if (!uv_is_closing(handle))
        uv_close(handle, NULL);
}

int main(int argc, char **argv)
{
    static struct fp_opts opts;
    char err[512];
    fp_start_ns = uv_hrtime();
    if (faultproxy_opts_parse(&opts, argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "faultproxy: %s\n", err);
        faultproxy_opts_usage(stderr);
        return 2;
    }
    if (opts.help) {
        faultproxy_opts_usage(stdout);
        return 0;
    }
    if (opts.check_only) {
        faultproxy_opts_print(&opts, stdout);
        return 0;
    }
    /* A peer that vanishes mid-write must be an error value, not a fatal signal. */
    signal(SIGPIPE, SIG_IGN);

    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0) {
        fprintf(stderr, "faultproxy: cannot start the event loop\n");
        return 1;
    }
    struct fp_proxy px;
    memset(&px, 0, sizeof px);
    px.loop = &loop;
    px.opts = &opts;
    px.rng = opts.seed;
    int rc = proxy_start(&px);
    if (rc == 0)
        uv_run(&loop, UV_RUN_DEFAULT);
    /* After a failed start some handles are open: close them so the loop can be closed. */
    uv_walk(&loop, close_any, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&loop) != 0)
        fp_log("warning: handles still open at exit");
    fp_log("exit status=%d", rc == 0 ? 0 : 1);
    return rc == 0 ? 0 : 1;
}
