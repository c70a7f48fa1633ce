/*
 * award.c: what a hub's award says, signed as an Open Badges 3.0 credential (award.h).
 * The facts come from the store, inside the transaction that appends award.issue: the catalog
 * issuer (name, url), the credential version the submission was made against (title,
 * competency, key method, rubric, PD hours), the earner (a salted hash of their email, and their
 * educator id as a URN), and every evidence part by hash. Nothing here embeds evidence content.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sodium.h>

#include <cairn/badge.h>
#include <cairn/err.h>

#include "award.h"
#include "fsutil.h"
#include "store_priv.h"

#define EVIDENCE_MAX CAIRN_BADGE_EVIDENCE_MAX
#define NARRATIVE_MAX (CAIRN_BADGE_TEXT_MAX - 256)
#define DEFAULT_BASE "https://cairn.invalid"
#define BASE_MAX 256 /* the issuer's url; ids and list URLs append at most ~120 bytes to it */

int cairn_award_issuer_key(const char *datadir, uint8_t sk[64], char *err, size_t errlen)
{
    char path[PATH_MAX];
    struct stat st;
    uint8_t pk[32];
    snprintf(path, sizeof path, "%s/%s", datadir, CAIRN_ISSUER_KEY_FILE);
    if (stat(path, &st) != 0) {
        if (errno != ENOENT) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return -errno;
        }
        crypto_sign_keypair(pk, sk);
        int rc = cairn_fs_write_atomic(path, sk, 64, 0600);
        if (rc != 0)
            snprintf(err, errlen, "creating %s: %s", path, strerror(-rc));
        return rc;
    }
    if ((st.st_mode & 077) != 0) {
        snprintf(err, errlen, "%s: group or others may access it (chmod 600 it)", path);
        return CAIRN_ECRYPTO;
    }
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc = cairn_fs_read_file(path, 64, &buf, &len);
    if (rc != 0 || len != 64) {
        snprintf(err, errlen, "%s: %s", path, rc != 0 ? strerror(-rc) : "not a 64-byte key");
        free(buf);
        return rc != 0 ? rc : CAIRN_ECRYPTO;
    }
    crypto_sign_ed25519_sk_to_pk(pk, buf);
    if (sodium_memcmp(pk, buf + 32, 32) != 0) {
        sodium_memzero(buf, len);
        free(buf);
        snprintf(err, errlen, "%s: its two halves do not match", path);
        return CAIRN_ECRYPTO;
    }
    memcpy(sk, buf, 64);
    sodium_memzero(buf, len);
    free(buf);
    return 0;
}

/* Everything a credential needs, owned here until it is signed. */
typedef struct {
    json_t *issuer, *cred;
    char base[BASE_MAX];
    char id[CAIRN_AWARD_URL_MAX], achievement[CAIRN_AWARD_URL_MAX];
    char subject[128], salt[33], idhash[CAIRN_BADGE_IDHASH_MAX];
    char name[512], description[1024];
    char *narrative;
    struct cairn_badge_evidence ev[EVIDENCE_MAX];
    char ev_id[EVIDENCE_MAX][96], ev_name[EVIDENCE_MAX][160], ev_desc[EVIDENCE_MAX][160];
    size_t nev;
} facts_t;

static void facts_free(facts_t *f)
{
    json_decref(f->issuer);
    json_decref(f->cred);
    free(f->narrative);
}

/* Reads one text column of a one-row query into a parsed JSON object. */
static int load_json(cairn_store_t *s, const char *sql, const char *a, int64_t b, json_t **out)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, sql, &st);
    if (rc != 0)
        return rc;
    if (a != NULL) {
        sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, b);
    }
    rc = sqlite3_step(st);
    *out = NULL;
    if (rc == SQLITE_ROW)
        *out = json_loadb((const char *)sqlite3_column_text(st, 0),
                          (size_t)sqlite3_column_bytes(st, 0), 0, NULL);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? CAIRN_ENOTFOUND : cairn_store_code(rc);
    return *out != NULL && json_is_object(*out) ? 0 : CAIRN_ESTORE;
}

static const char *jstr(const json_t *o, const char *key, const char *dflt)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v != NULL && v[0] != '\0' ? v : dflt;
}

/* Appends "fmt" to the narrative, up to NARRATIVE_MAX (cut at a UTF-8 character boundary). */
static void narrate(facts_t *f, size_t *used, const char *a, const char *b)
{
    size_t la = strlen(a), lb = b != NULL ? strlen(b) : 0;
    if (*used + la + lb + 1 >= NARRATIVE_MAX) {
        size_t room = NARRATIVE_MAX - 1 - *used, n = la + lb < room ? la + lb : room;
        char tmp[NARRATIVE_MAX];
        snprintf(tmp, sizeof tmp, "%s%s", a, b != NULL ? b : "");
        while (n > 0 && ((unsigned char)tmp[n] & 0xC0) == 0x80)
            n--;
        memcpy(f->narrative + *used, tmp, n);
        *used += n;
        f->narrative[*used] = '\0';
        return;
    }
    memcpy(f->narrative + *used, a, la);
    if (lb > 0)
        memcpy(f->narrative + *used + la, b, lb);
    *used += la + lb;
    f->narrative[*used] = '\0';
}

/* The criteria narrative: the competency, the key method and what "meets" means per part. */
static int make_narrative(facts_t *f)
{
    size_t used = 0;
    if ((f->narrative = malloc(NARRATIVE_MAX)) == NULL)
        return -ENOMEM;
    f->narrative[0] = '\0';
    narrate(f, &used, "Competency: ", jstr(f->cred, "competency", "(none given)"));
    narrate(f, &used, "\nKey method: ", jstr(f->cred, "key_method", "(none given)"));
    narrate(f, &used, "\nEvery part of the evidence met its rubric criterion:", NULL);
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(f->cred, "rubric"), i, row)
    {
        narrate(f, &used, "\n- ", jstr(row, "criterion", jstr(row, "part", "?")));
        narrate(f, &used, ": ", jstr(row, "meets", ""));
    }
    return 0;
}

static int load_earner(cairn_store_t *s, const char *educator, facts_t *f)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, "SELECT email FROM educators WHERE id = ?1", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, educator, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    char email[256] = "";
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        snprintf(email, sizeof email, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return cairn_store_code(rc);
    snprintf(f->subject, sizeof f->subject, "urn:cairn:educator:%s", educator);
    if (email[0] != '\0') {
        uint8_t salt[16];
        for (char *p = email; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        randombytes_buf(salt, sizeof salt);
        sodium_bin2hex(f->salt, sizeof f->salt, salt, sizeof salt);
        cairn_badge_identity_hash(email, f->salt, f->idhash);
    }
    return 0;
}

/* Every evidence part, by hash: a file by its file hash, a text by BLAKE2b-256 of its bytes. */
static int load_evidence(cairn_store_t *s, const char *submission, facts_t *f)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s,
                              "SELECT part, type, size, media_type, hash, text FROM evidence"
                              " WHERE submission = ?1 ORDER BY part",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, submission, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && f->nev < EVIDENCE_MAX) {
        size_t i = f->nev++;
        uint8_t h[32];
        char hex[65];
        const char *part = (const char *)sqlite3_column_text(st, 0);
        const char *type = (const char *)sqlite3_column_text(st, 1);
        const char *media = (const char *)sqlite3_column_text(st, 3);
        if (sqlite3_column_bytes(st, 4) == 32)
            memcpy(h, sqlite3_column_blob(st, 4), 32);
        else
            crypto_generichash(h, sizeof h, sqlite3_column_text(st, 5),
                               (unsigned long long)sqlite3_column_bytes(st, 5), NULL, 0);
        sodium_bin2hex(hex, sizeof hex, h, sizeof h);
        snprintf(f->ev_id[i], sizeof f->ev_id[i], "urn:cairn:blake2b:%s", hex);
        snprintf(f->ev_name[i], sizeof f->ev_name[i], "Evidence: %s", part);
        if (type != NULL && strcmp(type, "text") == 0)
            snprintf(f->ev_desc[i], sizeof f->ev_desc[i], "text, %lld bytes",
                     (long long)sqlite3_column_int64(st, 2));
        else
            snprintf(f->ev_desc[i], sizeof f->ev_desc[i], "%s, %lld bytes",
                     media != NULL ? media : "file", (long long)sqlite3_column_int64(st, 2));
        f->ev[i] = (struct cairn_badge_evidence){f->ev_id[i], f->ev_name[i], f->ev_desc[i]};
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : cairn_store_code(rc);
}

static int awards_issued(cairn_store_t *s, uint32_t *n)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, "SELECT count(*) FROM awards WHERE origin = ?1", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_blob(st, 1, cairn_store_origin(s), CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    rc = sqlite3_step(st);
    *n = rc == SQLITE_ROW ? (uint32_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : cairn_store_code(rc);
}

/* BASE from the catalog issuer's url without a trailing slash. */
static int base_url(const json_t *issuer, char out[BASE_MAX], char *err, size_t errlen)
{
    const char *u = jstr(issuer, "url", DEFAULT_BASE);
    if (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0)
        u = DEFAULT_BASE;
    if (strlen(u) >= BASE_MAX) {
        snprintf(err, errlen, "the catalog issuer's url is over %d bytes", BASE_MAX - 1);
        return CAIRN_EINVAL;
    }
    snprintf(out, BASE_MAX, "%s", u);
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '/')
        out[--n] = '\0';
    return 0;
}

void cairn_award_status_url(const char *base, uint32_t list, char out[CAIRN_AWARD_URL_MAX])
{
    snprintf(out, CAIRN_AWARD_URL_MAX, "%s/status/%u", base, list);
}

static int gather(cairn_store_t *s, const cairn_award_req_t *r, facts_t *f, char *err,
                  size_t errlen)
{
    int rc = load_json(s, "SELECT json FROM issuer WHERE id = 1", NULL, 0, &f->issuer);
    if (rc == CAIRN_ENOTFOUND) {
        f->issuer = json_object();
        rc = f->issuer != NULL ? 0 : -ENOMEM;
    }
    if (rc == 0)
        rc = load_json(s, "SELECT json FROM credentials WHERE id = ?1 AND version = ?2",
                       r->credential, (int64_t)r->version, &f->cred);
    if (rc != 0) {
        snprintf(err, errlen, "reading the catalog for %s@%llu: %s", r->credential,
                 (unsigned long long)r->version, cairn_strerror(rc));
        return rc;
    }
    if ((rc = base_url(f->issuer, f->base, err, errlen)) != 0)
        return rc;
    snprintf(f->id, sizeof f->id, "%s/badges/%s", f->base, r->award);
    snprintf(f->achievement, sizeof f->achievement, "%s/credentials/%s/v%llu", f->base,
             r->credential, (unsigned long long)r->version);
    snprintf(f->name, sizeof f->name, "%s", jstr(f->cred, "title", r->credential));
    snprintf(f->description, sizeof f->description,
             "Awarded for evidence from the educator's own classroom that met every part of the "
             "rubric of \"%s\" (version %llu).",
             f->name, (unsigned long long)r->version);
    if ((rc = make_narrative(f)) == 0 && (rc = load_earner(s, r->educator, f)) == 0)
        rc = load_evidence(s, r->submission, f);
    if (rc != 0)
        snprintf(err, errlen, "reading the award's facts: %s", cairn_strerror(rc));
    return rc;
}

/* Signs what f says about the award with the issuer key, at the next status list entry. */
static int sign_facts(cairn_store_t *s, const char *datadir, facts_t *f, const char *ach_desc,
                      double hours, uint64_t issued_ms, cairn_award_signed_t *out, char *err,
                      size_t errlen)
{
    uint8_t sk[64];
    uint32_t issued = 0;
    int rc = awards_issued(s, &issued);
    if (rc != 0)
        snprintf(err, errlen, "counting awards: %s", cairn_strerror(rc));
    if (rc == 0)
        rc = cairn_award_issuer_key(datadir, sk, err, errlen);
    if (rc != 0)
        return rc;
    out->status_index = issued % CAIRN_STATUS_LIST_MIN_BITS;
    cairn_award_status_url(f->base, issued / CAIRN_STATUS_LIST_MIN_BITS + 1, out->status_list);
    struct cairn_badge b = {
        .id = f->id,
        .name = f->name,
        .description = f->description,
        .issuer_name = jstr(f->issuer, "name", "Cairn regional hub"),
        .subject_id = f->subject,
        .identity_hash = f->idhash[0] ? f->idhash : NULL,
        .identity_salt = f->idhash[0] ? f->salt : NULL,
        .achievement_id = f->achievement,
        .achievement_name = f->name,
        .achievement_description = ach_desc,
        .criteria_narrative = f->narrative,
        .pd_centihours = hours > 0 && hours < 10000 ? (uint32_t)(hours * 100 + 0.5) : 0,
        .valid_from_ms = (int64_t)issued_ms,
        .status_list_url = out->status_list,
        .status_index = out->status_index,
        .evidence = f->ev,
        .nevidence = f->nev,
    };
    rc = cairn_badge_issue(&b, sk, (int64_t)issued_ms, &out->json, &out->len, err, errlen);
    sodium_memzero(sk, sizeof sk);
    return rc;
}

int cairn_award_sign(cairn_store_t *s, const char *datadir, const cairn_award_req_t *r,
                     cairn_award_signed_t *out, char *err, size_t errlen)
{
    facts_t *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -ENOMEM;
    memset(out, 0, sizeof *out);
    int rc = gather(s, r, f, err, errlen);
    if (rc == 0) {
        json_t *pd = json_object_get(f->cred, "pd_hours");
        rc = sign_facts(s, datadir, f, jstr(f->cred, "competency", f->name),
                        json_is_number(pd) ? json_number_value(pd) : 0, r->issued_ms, out, err,
                        errlen);
    }
    facts_free(f);
    free(f);
    return rc;
}

/* The stack's facts: its title and description, the criteria listing every constituent
 * credential, and each constituent award's badge as evidence (by URL, never its content). */
static int gather_stack(cairn_store_t *s, const cairn_award_stack_req_t *r, facts_t *f, char *err,
                        size_t errlen)
{
    size_t used = 0;
    int rc = load_json(s, "SELECT json FROM issuer WHERE id = 1", NULL, 0, &f->issuer);
    if (rc == CAIRN_ENOTFOUND) {
        f->issuer = json_object();
        rc = f->issuer != NULL ? 0 : -ENOMEM;
    }
    if (rc == 0)
        rc = load_json(s, "SELECT json FROM stacks WHERE id = ?1 AND ?2 >= 0", r->stack, 0,
                       &f->cred);
    if (rc != 0) {
        snprintf(err, errlen, "reading stack %s: %s", r->stack, cairn_strerror(rc));
        return rc;
    }
    if ((rc = base_url(f->issuer, f->base, err, errlen)) != 0)
        return rc;
    snprintf(f->id, sizeof f->id, "%s/badges/%s", f->base, r->award);
    snprintf(f->achievement, sizeof f->achievement, "%s/stacks/%s", f->base, r->stack);
    snprintf(f->name, sizeof f->name, "%s", jstr(f->cred, "title", r->stack));
    snprintf(f->description, sizeof f->description,
             "Awarded for earning every credential of the stack \"%s\".", f->name);
    if ((f->narrative = malloc(NARRATIVE_MAX)) == NULL)
        return -ENOMEM;
    f->narrative[0] = '\0';
    narrate(f, &used, "Earned every credential of the stack, each a badge of its own:", NULL);
    for (size_t i = 0; i < r->n && f->nev < EVIDENCE_MAX; i++) {
        size_t k = f->nev++;
        char line[CAIRN_AWARD_URL_MAX + 256];
        snprintf(line, sizeof line, "%.160s (%.64s): %.*s/badges/%s", r->titles[i],
                 r->credentials[i], BASE_MAX, f->base, r->awards[i]);
        narrate(f, &used, "\n- ", line);
        snprintf(f->ev_id[k], sizeof f->ev_id[k], "urn:cairn:award:%s", r->awards[i]);
        snprintf(f->ev_name[k], sizeof f->ev_name[k], "Credential: %.140s", r->titles[i]);
        snprintf(f->ev_desc[k], sizeof f->ev_desc[k], "%.64s, award %s", r->credentials[i],
                 r->awards[i]);
        f->ev[k] = (struct cairn_badge_evidence){f->ev_id[k], f->ev_name[k], f->ev_desc[k]};
    }
    if ((rc = load_earner(s, r->educator, f)) != 0)
        snprintf(err, errlen, "reading the earner: %s", cairn_strerror(rc));
    return rc;
}

int cairn_award_sign_stack(cairn_store_t *s, const char *datadir, const cairn_award_stack_req_t *r,
                           cairn_award_signed_t *out, char *err, size_t errlen)
{
    facts_t *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -ENOMEM;
    memset(out, 0, sizeof *out);
    int rc = gather_stack(s, r, f, err, errlen);
    if (rc == 0) {
        json_t *pd = json_object_get(f->cred, "pd_hours"); /* none unless the catalog says */
        rc = sign_facts(s, datadir, f, jstr(f->cred, "description", f->name),
                        json_is_number(pd) ? json_number_value(pd) : 0, r->issued_ms, out, err,
                        errlen);
    }
    facts_free(f);
    free(f);
    return rc;
}
