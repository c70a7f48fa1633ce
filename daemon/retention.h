/*
 * retention.h: purging evidence video bytes on a school or a hub ([blobs] purge_after_award,
 * purge_after_age; PROTOCOL.md 2.1 `evidence.purge`, decisions "Retention").
 *
 * A video file (evidence of a credential part of kind video, or a media type video/...) is purged
 * when its submission was awarded (`award.issue` in the submission's partition) at least
 * purge_after_award days ago, or when it was added at least purge_after_age days ago and its
 * submission is decided. Never while any submission using the file is a draft or is submitted
 * and not yet decided (no `review.decide` nor `award.issue`). Purging removes the chunk files no
 * other live file uses and records the file in evidence_purged first; the manifest, the events
 * (hashes, reviews) and the projections stay. At a school enrolled at a hub, only a file the hub
 * said it holds complete is purged (evidence_at_hub.h), whatever the rule. Loop thread; a run is
 * short (stat and unlink).
 */
#ifndef CAIRN_RETENTION_H
#define CAIRN_RETENTION_H

#include <stdint.h>

#include "daemon.h"

typedef struct {
    uint64_t files, chunks, bytes; /* purged by this run */
    uint64_t kept_pending;         /* due but kept: a submission using it awaits its review */
    uint64_t kept_not_at_hub;      /* due but kept (enrolled school): the hub lacks the bytes */
} cairn_purge_report_t;

/* Applies the configured rules once at now_ms (unix ms). 0, or a negative code with err. */
int cairn_retention_run(cairn_daemon_t *d, uint64_t now_ms, cairn_purge_report_t *rep, char *err,
                        size_t errlen);

/* Runs the rules every CAIRN_RETENTION_INTERVAL_MS while cairnd runs (nothing when both are off).
 */
#define CAIRN_RETENTION_INTERVAL_MS (10u * 60 * 1000)
typedef struct cairn_retention cairn_retention_t;
int cairn_retention_start(cairn_daemon_t *d, cairn_retention_t **out);
void cairn_retention_stop(cairn_retention_t *r);

#endif
