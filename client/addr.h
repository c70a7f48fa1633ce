/*
 * addr.h: where the cairn client finds its daemon.
 *
 * Resolution order: --data DIR (the Unix socket DIR/cairnd.sock), then --connect HOST:PORT (TCP),
 * then the CAIRN_DATA environment variable (a data directory, as --data). Pure functions: no
 * sockets are opened here, so the order is unit-testable.
 */
#ifndef CAIRN_CLIENT_ADDR_H
#define CAIRN_CLIENT_ADDR_H

#include <stddef.h>

#define CAIRN_SOCKET_NAME "cairnd.sock"
/* sun_path is 108 bytes on Linux, including the NUL. */
#define CAIRN_ADDR_PATH_MAX 108
#define CAIRN_ADDR_HOST_MAX 256
#define CAIRN_ADDR_PORT_MAX 6
/* The socket path or "host:port" as given, for messages. */
#define CAIRN_ADDR_SHOW_MAX (CAIRN_ADDR_HOST_MAX + 16)

typedef enum { CAIRN_ADDR_UNIX, CAIRN_ADDR_TCP } cairn_addr_kind_t;

typedef struct {
    cairn_addr_kind_t kind;
    char path[CAIRN_ADDR_PATH_MAX]; /* CAIRN_ADDR_UNIX */
    char host[CAIRN_ADDR_HOST_MAX]; /* CAIRN_ADDR_TCP, no brackets */
    char port[CAIRN_ADDR_PORT_MAX]; /* CAIRN_ADDR_TCP, decimal */
    char show[CAIRN_ADDR_SHOW_MAX]; /* for messages */
} cairn_addr_t;

/* The message when no daemon was given at all. */
#define CAIRN_ADDR_NONE_MSG "no daemon given: use --data DIR, --connect HOST:PORT or set CAIRN_DATA"

/* Picks the daemon from the three sources in order (each may be NULL or empty). Returns 0,
 * CAIRN_ENOTFOUND when none is given (err says how to give one) or CAIRN_EINVAL for a malformed
 * value (err names it). */
int cairn_addr_resolve(const char *data_opt, const char *connect_opt, const char *env_data,
                       cairn_addr_t *out, char *err, size_t errlen);

/* Splits "host:port" or "[v6]:port" into host and port (1..65535). Returns 0 or CAIRN_EINVAL. */
int cairn_addr_parse_hostport(const char *s, cairn_addr_t *out);

#endif
