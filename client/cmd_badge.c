/*
 * cmd_badge.c: "cairn badge ...": Open Badges credentials, offline (no daemon):
 *   verify F.json [--status-list SL.json] [--json]   verdict naming why; exit 0 valid, 1 not
 *   qr F.json [--png OUT.png] [--terminal] [--verify-base URL]   QR code of the verification URL
 *   linkedin F.json [--verify-base URL]              "Add to LinkedIn profile" URL
 * Verbs that need the daemon's awards (list, export, revoke, status-list) are in
 * cmd_badge_award.c. Without --status-list, verify asks the local daemon, when one is reachable,
 * for the status list it last synced (revocation checked offline against that copy).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cairn/badge.h>
#include <cairn/err.h>
#include <jansson.h>

#include "args.h"
#include "badge_links.h"
#include "cmd.h"
#include "fmt.h"
#include "qr.h"

#define URL_MAX 4096

static const cairn_cmd_doc_t verify_doc = {
    "cairn badge verify",
    "F.json [--status-list SL.json] [--json]",
    "Verifies an Open Badges 3.0 credential offline: its eddsa-rdfc-2022 proof over the RDFC-1.0\n"
    "canonical form, that the proof's key is the issuer's did:key, the validity dates, and with\n"
    "--status-list the issuer's signed revocation list. Prints the verdict, naming why when it\n"
    "is not valid (tampered, wrong issuer key, expired, revoked, malformed: <what>, not JSON),\n"
    "then what the credential says. --json prints one JSON object instead. Exit 0 valid, 1 not.\n",
};

static const cairn_cmd_doc_t qr_doc = {
    "cairn badge qr",
    "F.json [--png OUT.png] [--terminal] [--verify-base URL]",
    "Draws the QR code of the credential's verification URL: its id when that is an https URL,\n"
    "else URL followed by the percent-encoded id. --png writes a PNG file; --terminal (the\n"
    "default) draws it with half blocks. The credential must verify (dates and revocation "
    "aside).\n",
};

static const cairn_cmd_doc_t linkedin_doc = {
    "cairn badge linkedin",
    "F.json [--verify-base URL]",
    "Prints the \"Add to LinkedIn profile\" URL for the credential (name, issuer, issue and\n"
    "expiry month, the verification URL as certUrl, the id as certId).\n",
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void iso(int64_t ms, char out[32])
{
    struct tm tm;
    time_t t = (time_t)(ms / 1000);
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The proof held (whatever the dates and revocation say): the fields are the issuer's. */
static int signature_ok(enum cairn_badge_status s)
{
    return s == CAIRN_BADGE_VALID || s == CAIRN_BADGE_EXPIRED || s == CAIRN_BADGE_NOT_YET_VALID ||
           s == CAIRN_BADGE_REVOKED || s == CAIRN_BADGE_STATUS_MISMATCH;
}

static void field(const char *label, const char *value)
{
    printf("  %-12s ", label);
    cairn_fmt_put(stdout, value, strlen(value));
    putchar('\n');
}

static void print_text(const struct cairn_badge_verdict *v, int status_checked)
{
    const struct cairn_badge *b = &v->badge;
    char line[1024], t[32];
    cairn_fmt_put(stdout, v->reason, strlen(v->reason));
    putchar('\n');
    if (!signature_ok(v->status))
        return;
    field("credential", b->name);
    field("id", b->id);
    snprintf(line, sizeof line, "%.400s (%s)", b->issuer_name, v->issuer_id);
    field("issuer", line);
    if (b->subject_id)
        field("earner", b->subject_id);
    if (b->identity_hash) {
        snprintf(line, sizeof line, "hashed email %.200s", b->identity_hash);
        field("earner", line);
    }
    snprintf(line, sizeof line, "%.400s (%.400s)", b->achievement_name, b->achievement_id);
    field("achievement", line);
    if (b->pd_centihours) {
        snprintf(line, sizeof line, "%u.%02u", b->pd_centihours / 100, b->pd_centihours % 100);
        field("PD hours", line);
    }
    iso(b->valid_from_ms, t);
    field("valid from", t);
    if (b->valid_until_ms)
        iso(b->valid_until_ms, t);
    field("valid until", b->valid_until_ms ? t : "no end");
    if (!b->status_list_url)
        snprintf(line, sizeof line, "cannot be revoked (no credentialStatus)");
    else if (!status_checked)
        snprintf(
            line, sizeof line,
            "not checked (no status list: give --status-list or a daemon); list %.300s index %u",
            b->status_list_url, b->status_index);
    else
        snprintf(line, sizeof line, "%s (list %.400s, index %u)",
                 v->status == CAIRN_BADGE_REVOKED ? "REVOKED" : "not revoked", b->status_list_url,
                 b->status_index);
    field("revocation", line);
    snprintf(line, sizeof line, "%zu part%s, named by hash", b->nevidence,
             b->nevidence == 1 ? "" : "s");
    field("evidence", line);
    for (size_t i = 0; i < b->nevidence; i++)
        field("", b->evidence[i].id);
}

static void print_json(const struct cairn_badge_verdict *v, int status_checked)
{
    const struct cairn_badge *b = &v->badge;
    char t[32];
    json_t *o = json_object();
    json_object_set_new(o, "valid", json_boolean(v->status == CAIRN_BADGE_VALID));
    json_object_set_new(o, "verdict", json_string(cairn_badge_status_name(v->status)));
    json_object_set_new(o, "reason", json_string(v->reason));
    if (signature_ok(v->status)) {
        json_t *c = json_object(), *ev = json_array();
        json_object_set_new(c, "id", json_string(b->id));
        json_object_set_new(c, "name", json_string(b->name));
        json_object_set_new(c, "issuer", json_string(v->issuer_id));
        json_object_set_new(c, "issuerName", json_string(b->issuer_name));
        if (b->subject_id)
            json_object_set_new(c, "subject", json_string(b->subject_id));
        if (b->identity_hash)
            json_object_set_new(c, "identityHash", json_string(b->identity_hash));
        json_object_set_new(c, "achievement", json_string(b->achievement_id));
        json_object_set_new(c, "achievementName", json_string(b->achievement_name));
        if (b->pd_centihours)
            json_object_set_new(c, "pdHours", json_real(b->pd_centihours / 100.0));
        iso(b->valid_from_ms, t);
        json_object_set_new(c, "validFrom", json_string(t));
        if (b->valid_until_ms) {
            iso(b->valid_until_ms, t);
            json_object_set_new(c, "validUntil", json_string(t));
        }
        if (b->status_list_url) {
            json_object_set_new(c, "statusList", json_string(b->status_list_url));
            json_object_set_new(c, "statusIndex", json_integer(b->status_index));
        }
        json_object_set_new(c, "statusChecked", json_boolean(status_checked));
        for (size_t i = 0; i < b->nevidence; i++)
            json_array_append_new(ev, json_string(b->evidence[i].id));
        json_object_set_new(c, "evidence", ev);
        json_object_set_new(o, "credential", c);
    }
    char *s = json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    if (s)
        puts(s);
    free(s);
    json_decref(o);
}

/* Reads and verifies path (and the status list: from status_path, or with cli from the local
 * daemon's last synced copy; *checked says whether one was used). Returns CAIRN_EXIT_OK with v
 * filled, or prints why not and returns CAIRN_EXIT_FAIL. */
static int load_checked(const cairn_cli_t *cli, const char *path, const char *status_path,
                        struct cairn_badge_verdict *v, int *checked)
{
    char *json = NULL, *sl_json = NULL, err[512];
    size_t len, sl_len;
    struct cairn_status_list sl;
    int have_sl = 0;
    if (cairn_cli_read_file(path, CAIRN_BADGE_JSON_MAX, "a credential", &json, &len) != 0)
        return CAIRN_EXIT_FAIL;
    if (!status_path && cli != NULL) {
        /* Which list does it name? Only a credential whose proof holds is worth asking for. */
        if (cairn_badge_verify(json, len, NULL, now_ms(), v) != 0) {
            free(json);
            return cairn_cli_fail("out of memory verifying %s", path);
        }
        if (v->status == CAIRN_BADGE_VALID && v->badge.status_list_url != NULL &&
            cairn_badge_fetch_status(cli, v->badge.status_list_url, &sl_json, &sl_len) == 0) {
            if (cairn_status_list_parse(sl_json, sl_len, &sl, err, sizeof err) != 0) {
                cairn_badge_verdict_free(v);
                free(json);
                free(sl_json);
                return cairn_cli_fail("the daemon's status list: %s", err);
            }
            have_sl = 1;
        }
        cairn_badge_verdict_free(v);
    } else if (status_path) {
        if (cairn_cli_read_file(status_path, CAIRN_STATUS_LIST_JSON_MAX, "a status list", &sl_json,
                                &sl_len) != 0) {
            free(json);
            return CAIRN_EXIT_FAIL;
        }
        if (cairn_status_list_parse(sl_json, sl_len, &sl, err, sizeof err) != 0) {
            free(json);
            free(sl_json);
            return cairn_cli_fail("%s: %s", status_path, err);
        }
        have_sl = 1;
    }
    int rc = cairn_badge_verify(json, len, have_sl ? &sl : NULL, now_ms(), v);
    if (checked != NULL)
        *checked = have_sl;
    free(json);
    free(sl_json);
    if (have_sl)
        cairn_status_list_free(&sl);
    if (rc != 0)
        return cairn_cli_fail("out of memory verifying %s", path);
    return CAIRN_EXIT_OK;
}

static int load(const char *path, const char *status_path, struct cairn_badge_verdict *v)
{
    return load_checked(NULL, path, status_path, v, NULL);
}

static int run_verify(const cairn_cli_t *cli, int argc, char **argv)
{
    static const char *const pos[] = {"F.json", NULL};
    const char *file = NULL, *status = NULL;
    bool as_json = false;
    char err[CAIRN_ARGS_ERR_MAX];
    struct cairn_badge_verdict v;
    const cairn_opt_t opts[] = {
        {"status-list", "SL.json", &status, NULL},
        {"json", NULL, NULL, &as_json},
        {NULL, NULL, NULL, NULL},
    };
    const cairn_argspec_t spec = {opts, pos, 1, &file};
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(&verify_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    int checked = 0;
    if ((rc = load_checked(cli, file, status, &v, &checked)) != CAIRN_EXIT_OK)
        return rc;
    if (as_json)
        print_json(&v, checked);
    else
        print_text(&v, checked);
    rc = v.status == CAIRN_BADGE_VALID ? CAIRN_EXIT_OK : CAIRN_EXIT_FAIL;
    cairn_badge_verdict_free(&v);
    return rc;
}

/* Loads a credential for sharing: it must be the issuer's, unchanged. */
static int load_for_link(const char *file, const char *verify_base, struct cairn_badge_verdict *v,
                         char url[URL_MAX], int *have_url)
{
    int rc = load(file, NULL, v);
    if (rc != CAIRN_EXIT_OK)
        return rc;
    if (!signature_ok(v->status)) {
        fprintf(stderr, "cairn: %s does not verify, not sharing it: ", file);
        cairn_fmt_put(stderr, v->reason, strlen(v->reason));
        fputc('\n', stderr);
        cairn_badge_verdict_free(v);
        return CAIRN_EXIT_FAIL;
    }
    rc = cairn_badge_verify_url(&v->badge, verify_base, url, URL_MAX);
    if (rc < 0) {
        cairn_badge_verdict_free(v);
        fprintf(stderr, "cairn: --verify-base must be an https URL (and the URL under %d bytes)\n",
                URL_MAX);
        return CAIRN_EXIT_USAGE;
    }
    *have_url = rc == 0;
    return CAIRN_EXIT_OK;
}

static int run_qr(const cairn_cli_t *cli, int argc, char **argv)
{
    (void)cli;
    static const char *const pos[] = {"F.json", NULL};
    const char *file = NULL, *png = NULL, *base = NULL;
    bool terminal = false;
    char err[CAIRN_ARGS_ERR_MAX], url[URL_MAX];
    struct cairn_badge_verdict v;
    int have_url;
    const cairn_opt_t opts[] = {
        {"png", "OUT.png", &png, NULL},
        {"terminal", NULL, NULL, &terminal},
        {"verify-base", "URL", &base, NULL},
        {NULL, NULL, NULL, NULL},
    };
    const cairn_argspec_t spec = {opts, pos, 1, &file};
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(&qr_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = load_for_link(file, base, &v, url, &have_url)) != CAIRN_EXIT_OK)
        return rc;
    cairn_badge_verdict_free(&v);
    if (!have_url) {
        fprintf(stderr,
                "cairn: badge qr: the credential's id is not an https URL; give "
                "--verify-base URL\nusage: %s %s\n",
                qr_doc.prog, qr_doc.usage);
        return CAIRN_EXIT_USAGE;
    }
    char qerr[256];
    if (png && cairn_qr_png(png, url, 8, qerr, sizeof qerr) != 0)
        return cairn_cli_fail("%s", qerr);
    if ((terminal || !png) && cairn_qr_terminal(stdout, url, qerr, sizeof qerr) != 0)
        return cairn_cli_fail("%s", qerr);
    printf("%s\n", url);
    return CAIRN_EXIT_OK;
}

static int run_linkedin(const cairn_cli_t *cli, int argc, char **argv)
{
    (void)cli;
    static const char *const pos[] = {"F.json", NULL};
    const char *file = NULL, *base = NULL;
    char err[CAIRN_ARGS_ERR_MAX], url[URL_MAX], out[4 * URL_MAX];
    struct cairn_badge_verdict v;
    int have_url;
    const cairn_opt_t opts[] = {
        {"verify-base", "URL", &base, NULL},
        {NULL, NULL, NULL, NULL},
    };
    const cairn_argspec_t spec = {opts, pos, 1, &file};
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(&linkedin_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = load_for_link(file, base, &v, url, &have_url)) != CAIRN_EXIT_OK)
        return rc;
    rc = cairn_badge_linkedin_url(&v.badge, have_url ? url : NULL, out, sizeof out);
    cairn_badge_verdict_free(&v);
    if (rc != 0)
        return cairn_cli_fail("the LinkedIn URL would be over %zu bytes", sizeof out);
    printf("%s\n", out);
    return CAIRN_EXIT_OK;
}

const cairn_subcmd_t cairn_cmd_badge[] = {
    {"verify", run_verify, &verify_doc},
    {"qr", run_qr, &qr_doc},
    {"linkedin", run_linkedin, &linkedin_doc},
    {"list", cairn_badge_run_list, &cairn_badge_list_doc},
    {"export", cairn_badge_run_export, &cairn_badge_export_doc},
    {"revoke", cairn_badge_run_revoke, &cairn_badge_revoke_doc},
    {"status-list", cairn_badge_run_status_list, &cairn_badge_status_doc},
    {NULL, NULL, NULL},
};
