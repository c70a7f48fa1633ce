/*
 * submission.h: the submission rules (PROTOCOL.md 2.1): who may start one, which evidence a
 * draft accepts, when it may be submitted or withdrawn. Each operation checks its rules against
 * the projections and then appends exactly one event, so a refused request changes nothing.
 *
 *   start     an existing educator, the credential's latest version; attempt = that educator's
 *             earlier submissions for that credential + 1
 *   evidence  only in draft; the part must be in the credential version; kind text takes text,
 *             every other kind takes a stored file (its manifest is embedded in the event)
 *   submit    only from draft, with every required part present (EMISSING names all missing)
 *   withdraw  from draft, submitted or in-review (not once decided)
 *   resubmit  from not-yet, once (resubmit.c)
 * Every refusal says why in err, naming the state, part or id concerned.
 */
#ifndef CAIRN_SUBMISSION_H
#define CAIRN_SUBMISSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cairn/id.h>

#include "blobs.h"
#include "store.h"

#define CAIRN_PART_MAX 64
#define CAIRN_TEXT_EVIDENCE_MAX (64u * 1024)
#define CAIRN_FILE_NAME_MAX 255
#define CAIRN_MEDIA_TYPE_MAX 127

typedef struct {
    char id[CAIRN_ID_TEXT_LEN + 1];
    uint64_t version;
    uint64_t attempt;
} cairn_submission_started_t;

/* educator: a full educator id; credential: a credential id (its latest version is used). */
int cairn_submission_start(cairn_store_t *s, const char *educator, const char *credential,
                           size_t credential_len, cairn_submission_started_t *out, char *err,
                           size_t errlen);

/* As cairn_submission_start, at a given credential version (0: the latest) and, for a
 * resubmission, naming the previous attempt (NULL: none). */
int cairn_submission_start_attempt(cairn_store_t *s, const char *educator, const char *credential,
                                   size_t credential_len, uint64_t version, const char *previous,
                                   cairn_submission_started_t *out, char *err, size_t errlen);

/* Opens attempt n+1 of submission prev (decided not-yet, not resubmitted yet): same educator,
 * credential and version, "previous" = prev. With keep_met, each part whose current score was
 * meets is carried over as evidence referring to the same stored file (or the same text); no
 * byte is uploaded again. Everything in one transaction. kept lists the parts carried
 * ("a, b"). */
int cairn_submission_resubmit(cairn_store_t *s, const char *prev, bool keep_met,
                              cairn_submission_started_t *out, char *kept, size_t kept_len,
                              char *err, size_t errlen);

/* One piece of evidence: text (manifest NULL) or a stored file (text NULL). */
typedef struct {
    const char *part;
    size_t part_len;
    const char *text;
    size_t text_len;
    const cairn_manifest_t *manifest;
    const char *name;
    size_t name_len;
    const char *media_type;
    size_t media_type_len;
} cairn_evidence_t;

/* Checks that submission id (a full id) accepts evidence for part, as a file or as text, without
 * changing anything. Lets a caller refuse before it loads a manifest. */
int cairn_submission_evidence_check(cairn_store_t *s, const char *id, const char *part,
                                    size_t part_len, bool is_file, char *err, size_t errlen);

/* Checks again and appends the evidence.add event; *size is the text or file size. */
int cairn_submission_evidence_add(cairn_store_t *s, const char *id, const cairn_evidence_t *ev,
                                  uint64_t *size, char *err, size_t errlen);

int cairn_submission_submit(cairn_store_t *s, const char *id, char *err, size_t errlen);
int cairn_submission_withdraw(cairn_store_t *s, const char *id, char *err, size_t errlen);

#endif
