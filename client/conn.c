/*
 * conn.c: one blocking connection from the client to cairnd (see conn.h).
 *
 * Blocking I/O is right for a command-line client: it does one thing at a time, and the kernel's
 * socket buffers give the upload its pipelining. It must never trust the daemon's frame sizes:
 * the frame reader refuses a header over CAIRN_FRAME_MAX before anything is allocated.
 */
#include "conn.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <sodium.h>

#include <cairn/err.h>

static int open_unix(const cairn_addr_t *addr, char *reason, size_t reasonlen)
{
    struct sockaddr_un sun;
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    /* addr.c guarantees the path fits. */
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", addr->path);

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(reason, reasonlen, "%s", strerror(errno));
        return -errno;
    }
    if (connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
        int e = errno;
        close(fd);
        if (e == ENOENT)
            snprintf(reason, reasonlen, "no socket there (is cairnd running?)");
        else if (e == ECONNREFUSED)
            snprintf(reason, reasonlen, "connection refused (is cairnd running?)");
        else
            snprintf(reason, reasonlen, "%s", strerror(e));
        return -e;
    }
    return fd;
}

static int open_tcp(const cairn_addr_t *addr, char *reason, size_t reasonlen)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;

    int g = getaddrinfo(addr->host, addr->port, &hints, &res);
    if (g != 0) {
        snprintf(reason, reasonlen, "%s", gai_strerror(g));
        return -EHOSTUNREACH;
    }
    int fd = -1, e = ECONNREFUSED;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        e = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(reason, reasonlen, "%s", strerror(e));
        return -e;
    }
    return fd;
}

int cairn_conn_open(cairn_conn_t *c, const cairn_addr_t *addr, char *err, size_t errlen)
{
    char reason[256];
    int fd = addr->kind == CAIRN_ADDR_UNIX ? open_unix(addr, reason, sizeof reason)
                                           : open_tcp(addr, reason, sizeof reason);
    memset(c, 0, sizeof *c);
    c->fd = -1;
    if (fd < 0) {
        snprintf(err, errlen, "cannot reach cairnd at %s: %s", addr->show, reason);
        return fd;
    }
    c->fd = fd;
    cairn_frame_reader_init(&c->reader, CAIRN_FRAME_MAX);
    return 0;
}

/* Makes *buf at least need bytes. 0 or -ENOMEM. */
static int grow(uint8_t **buf, size_t *cap, size_t need)
{
    if (*cap >= need)
        return 0;
    uint8_t *nb = realloc(*buf, need);
    if (nb == NULL)
        return -ENOMEM;
    *buf = nb;
    *cap = need;
    return 0;
}

static int writev_plain(cairn_conn_t *c, struct iovec *iov, int n);

/* Gathers one frame's payload, seals it, and writes header and sealed payload. */
static int writev_sealed(cairn_conn_t *c, struct iovec *iov, int n)
{
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += iov[i].iov_len;
    if (total <= CAIRN_FRAME_HEADER)
        return CAIRN_EINVAL;
    size_t len = total - CAIRN_FRAME_HEADER, outlen;
    if (grow(&c->plain, &c->plain_cap, total) != 0 ||
        grow(&c->sealed, &c->sealed_cap, CAIRN_FRAME_HEADER + len + CAIRN_CHANNEL_OVERHEAD) != 0)
        return -ENOMEM;
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        memcpy(c->plain + o, iov[i].iov_base, iov[i].iov_len);
        o += iov[i].iov_len;
    }
    int rc = cairn_channel_seal(c->ch, c->plain + CAIRN_FRAME_HEADER, len,
                                c->sealed + CAIRN_FRAME_HEADER, c->sealed_cap - CAIRN_FRAME_HEADER,
                                &outlen);
    sodium_memzero(c->plain, total);
    if (rc == 0)
        rc = cairn_frame_header(c->sealed, outlen);
    if (rc != 0)
        return rc;
    struct iovec one = {c->sealed, CAIRN_FRAME_HEADER + outlen};
    return writev_plain(c, &one, 1);
}

int cairn_conn_writev(cairn_conn_t *c, struct iovec *iov, int n)
{
    return c->ch != NULL ? writev_sealed(c, iov, n) : writev_plain(c, iov, n);
}

static int writev_plain(cairn_conn_t *c, struct iovec *iov, int n)
{
    while (n > 0) {
        struct msghdr msg;
        memset(&msg, 0, sizeof msg);
        msg.msg_iov = iov;
        msg.msg_iovlen = (size_t)n;
        ssize_t w = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        size_t left = (size_t)w;
        while (n > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
    return 0;
}

int cairn_conn_read_frame(cairn_conn_t *c, const uint8_t **payload, size_t *len)
{
    const uint8_t *raw;
    size_t rawlen, outlen;
    int rc = cairn_conn_read_raw(c, &raw, &rawlen);
    if (rc != 0 || c->ch == NULL) {
        *payload = raw;
        *len = rawlen;
        return rc;
    }
    if (grow(&c->plain, &c->plain_cap, rawlen) != 0)
        return -ENOMEM;
    rc = cairn_channel_open(c->ch, raw, rawlen, c->plain, c->plain_cap, &outlen);
    if (rc == 1)
        return -ECONNRESET; /* the daemon closed its direction cleanly */
    if (rc < 0)
        return CAIRN_ECRYPTO;
    *payload = c->plain;
    *len = outlen;
    return 0;
}

int cairn_conn_read_raw(cairn_conn_t *c, const uint8_t **payload, size_t *len)
{
    uint8_t buf[16384];
    for (;;) {
        int rc = cairn_frame_reader_next(&c->reader, payload, len);
        if (rc < 0)
            return rc;
        if (rc == 1)
            return 0;
        /* Read only what the frame in progress still needs: the reader never holds bytes of the
         * next frame, and a reply is never read before it is wanted. */
        size_t want = cairn_frame_reader_want(&c->reader);
        if (want == 0 || want > sizeof buf)
            want = sizeof buf;
        ssize_t r = read(c->fd, buf, want);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (r == 0)
            return -ECONNRESET;
        rc = cairn_frame_reader_feed(&c->reader, buf, (size_t)r);
        if (rc < 0)
            return rc;
    }
}

void cairn_conn_close(cairn_conn_t *c)
{
    if (c->fd >= 0) {
        close(c->fd);
        cairn_frame_reader_free(&c->reader);
    }
    c->fd = -1;
    if (c->ch != NULL) {
        cairn_channel_wipe(c->ch);
        free(c->ch);
        c->ch = NULL;
    }
    if (c->plain != NULL)
        sodium_memzero(c->plain, c->plain_cap);
    free(c->plain);
    free(c->sealed);
    c->plain = c->sealed = NULL;
    c->plain_cap = c->sealed_cap = 0;
}
