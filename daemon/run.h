/*
 * run.h: the running daemon (run.c), started by main.c's `cairnd run`.
 */
#ifndef CAIRN_RUN_H
#define CAIRN_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon.h"

/* Sizes libuv's thread pool for write_concurrency chunk writes (unless UV_THREADPOOL_SIZE is
 * set); before the pool's first use. */
void cairnd_size_thread_pool(uint32_t write_concurrency);

/* Runs d (config, identity and loop set; the data dir locked) until a signal stops it; tcp: also
 * listen on the loopback TCP API. 0 after a clean stop, else EXIT_FAILURE after one line on
 * stderr. */
int cairnd_run(cairn_daemon_t *d, bool tcp);

#endif
