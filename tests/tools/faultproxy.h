/* faultproxy.h: the options of faultproxy, the fault-injecting TCP proxy that integration tests
 * put between two Cairn nodes on loopback (this kernel has no netem). faultproxy_opts.c parses
 * them; faultproxy.c runs the event loop. A test tool only: never linked into cairnd or cairn. */
#ifndef CAIRN_FAULTPROXY_H
#define CAIRN_FAULTPROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

/* "Not set" for an offset or a byte count; 0 is a valid offset. */
#define FP_NONE UINT64_MAX

/* Directions of a connection: up is client to server (target), down is server to client. */
enum { FP_UP = 0, FP_DOWN = 1, FP_DIRECTIONS = 2 };

/* Faults applied to one direction of every connection. */
struct fp_dir_opts {
    uint64_t rate;       /* token bucket, bytes per second; 0 = unlimited */
    uint64_t latency_ms; /* every chunk is held this long, order preserved; 0 = none */
    uint64_t cut_after;  /* RST both sides after forwarding this many bytes; FP_NONE = never */
    uint64_t
        cut_random_min; /* like cut_after, drawn per connection from [min, max]; FP_NONE = off */
    uint64_t cut_random_max;
    uint64_t stall_after; /* stop forwarding at this offset for stall_ms, once; FP_NONE = never */
    uint64_t stall_ms;
    uint64_t flip_after;     /* flip one bit of the byte at this offset; FP_NONE = never */
    uint64_t flip_every;     /* flip one bit of the bytes at offsets N, 2N, 3N...; 0 = never */
    uint64_t truncate_after; /* forward this many bytes, then EOF (FIN); the rest is read and
                                dropped; FP_NONE = never */
};

struct fp_opts {
    struct sockaddr_storage listen_addr;
    struct sockaddr_storage target_addr;
    char listen_text[128]; /* as given, for logs */
    char target_text[300];
    const char *port_file;     /* NULL = do not write one */
    uint64_t cut_every_ms;     /* RST every connection this long after it opened; 0 = never */
    uint64_t drop_connections; /* RST the first N connections right after accepting them */
    uint64_t seed;             /* for the bit chosen by a flip and for --cut-random */
    bool allow_remote;         /* bind beyond loopback only when asked */
    bool check_only;           /* parse, print the configuration, exit */
    bool help;
    struct fp_dir_opts dir[FP_DIRECTIONS];
};

/* Fills opts from argv (argv[0] is skipped). Returns 0, or -EINVAL with one line in err.
 * Resolves --target with getaddrinfo: call at start-up only. */
int faultproxy_opts_parse(struct fp_opts *opts, int argc, char **argv, char *err, size_t errlen);

/* Writes the option summary to out. */
void faultproxy_opts_usage(FILE *out);

/* Writes the effective configuration, one option a line, to out (for --check and the log). */
void faultproxy_opts_print(const struct fp_opts *opts, FILE *out);

#endif
