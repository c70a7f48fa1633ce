/*
 * partial_sweep.h: removing partial chunk files (DATADIR/blobs/partial/, blob_partial.h) that
 * no transfer will ever finish ([blobs] partial_max_age; PROTOCOL.md 8.3 "Abandoned partial
 * files"; decisions "Evidence transfer speed, abandoned partials, three tiers").
 *
 * A partial file is wanted while its chunk belongs to a file this node still lacks and still
 * needs: evidence of type file that is the current one for its part (a replaced part's old file
 * is not), of a submission that is not withdrawn, not purged by retention, whose manifest is not
 * stored here yet (a stored manifest means every chunk is here), and whose school is not revoked
 * here. Every other partial is removed, and so is a wanted one that has not grown for
 * partial_max_age days (a transfer that stalled for good; it starts again from 0 if its peer ever
 * comes back). A partial that a session of this node is fetching now is never touched. Runs at
 * start-up before any session, then every CAIRN_PARTIAL_SWEEP_INTERVAL_MS; loop thread.
 */
#ifndef CAIRN_PARTIAL_SWEEP_H
#define CAIRN_PARTIAL_SWEEP_H

#include <stdint.h>

#include "daemon.h"

typedef struct {
    uint64_t unwanted; /* removed: no file this node needs lists the chunk */
    uint64_t stale;    /* removed: wanted, but no byte arrived for partial_max_age days */
    uint64_t kept;     /* still wanted (or being fetched now) */
    uint64_t bytes;    /* bytes of the removed files */
} cairn_sweep_report_t;

/* One sweep at now_ms (unix ms). 0, or a negative code with err written. */
int cairn_partial_sweep_run(cairn_daemon_t *d, uint64_t now_ms, cairn_sweep_report_t *rep,
                            char *err, size_t errlen);

#define CAIRN_PARTIAL_SWEEP_INTERVAL_MS (10u * 60 * 1000)
typedef struct cairn_partial_sweep cairn_partial_sweep_t;
/* Sweeps once now (logging a count when something was removed), then on a timer. */
int cairn_partial_sweep_start(cairn_daemon_t *d, cairn_partial_sweep_t **out);
void cairn_partial_sweep_stop(cairn_partial_sweep_t *sw);

#endif
