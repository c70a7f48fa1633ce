/*
 * statuslist.c: revocation by VC Bitstring Status List v1.0. The hub publishes one
 * BitstringStatusListCredential per list: a bitstring (bit i = the award with statusListIndex i
 * is revoked), gzip-compressed, multibase base64url ("u..."), signed with eddsa-rdfc-2022 by the
 * issuer key like the awards themselves. gzip is zlib's (deflate with the gzip wrapper: the
 * header has no name and mtime 0, so the same bits always give the same bytes).
 */
#include "badge_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zlib.h>

#include <cairn/err.h>
#include <cairn/multibase.h>

int status_list_quads(const struct status_list_doc *d, struct cairn_rdf_dataset *ds)
{
    struct cairn_rdf_term l = cairn_rdf_iri(d->id), s = cairn_rdf_iri(d->subject);
    const struct cairn_rdf_quad q[] = {
        {l, cairn_rdf_iri(CAIRN_RDF_TYPE), cairn_rdf_iri(VC_NS "VerifiableCredential"), {0}},
        {l,
         cairn_rdf_iri(CAIRN_RDF_TYPE),
         cairn_rdf_iri(STATUS_NS "BitstringStatusListCredential"),
         {0}},
        {l, cairn_rdf_iri(VC_NS "issuer"), cairn_rdf_iri(d->issuer_did), {0}},
        {l, cairn_rdf_iri(VC_NS "validFrom"), cairn_rdf_literal(d->valid_from, XSD_DATETIME), {0}},
        {l, cairn_rdf_iri(VC_NS "credentialSubject"), s, {0}},
        {s, cairn_rdf_iri(CAIRN_RDF_TYPE), cairn_rdf_iri(STATUS_NS "BitstringStatusList"), {0}},
        {s, cairn_rdf_iri(STATUS_NS "statusPurpose"), cairn_rdf_literal("revocation", NULL), {0}},
        {s,
         cairn_rdf_iri(STATUS_NS "encodedList"),
         cairn_rdf_literal(d->encoded, SEC_NS "multibase"),
         {0}},
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
        cairn_rdf_add(ds, &q[i]);
    if (d->valid_until) {
        struct cairn_rdf_quad u = {l,
                                   cairn_rdf_iri(VC_NS "validUntil"),
                                   cairn_rdf_literal(d->valid_until, XSD_DATETIME),
                                   {0}};
        cairn_rdf_add(ds, &u);
    }
    return ds->err;
}

/* "u" + base64url(gzip(bits)); heap string. */
static int encode_list(const uint8_t *bits, size_t nbytes, char **out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return -ENOMEM;
    uLong cap = deflateBound(&z, (uLong)nbytes) + 32;
    uint8_t *gz = malloc(cap);
    int rc = gz ? 0 : -ENOMEM;
    if (!rc) {
        z.next_in = (Bytef *)(uintptr_t)bits;
        z.avail_in = (uInt)nbytes;
        z.next_out = gz;
        z.avail_out = (uInt)cap;
        rc = deflate(&z, Z_FINISH) == Z_STREAM_END ? 0 : -ENOMEM;
    }
    if (!rc) {
        *out = malloc(CAIRN_BASE64URL_LEN(z.total_out) + 2);
        if (!*out)
            rc = -ENOMEM;
        else {
            (*out)[0] = 'u';
            cairn_base64url_encode(gz, z.total_out, *out + 1);
        }
    }
    deflateEnd(&z);
    free(gz);
    return rc;
}

/* The inverse, bounded: at most CAIRN_STATUS_LIST_MAX_BITS / 8 bytes, nothing after the gzip
 * member. */
static int decode_list(const char *enc, uint8_t **bits, size_t *nbytes, char *err, size_t errlen)
{
    size_t len = strlen(enc), n;
    if (enc[0] != 'u') {
        snprintf(err, errlen, "encodedList is not multibase base64url (\"u...\")");
        return CAIRN_EJSON;
    }
    uint8_t *gz = malloc(len);
    size_t max = CAIRN_STATUS_LIST_MAX_BITS / 8;
    uint8_t *out = malloc(max + 1);
    int rc = gz && out ? 0 : -ENOMEM;
    if (!rc && cairn_base64url_decode(enc + 1, len - 1, gz, len, &n) != 0) {
        snprintf(err, errlen, "encodedList is not canonical base64url");
        rc = CAIRN_EJSON;
    }
    z_stream z;
    memset(&z, 0, sizeof z);
    if (!rc && inflateInit2(&z, 16 + 15) != Z_OK)
        rc = -ENOMEM;
    if (!rc) {
        z.next_in = gz;
        z.avail_in = (uInt)n;
        z.next_out = out;
        z.avail_out = (uInt)(max + 1);
        int zr = inflate(&z, Z_FINISH);
        if (zr != Z_STREAM_END || z.avail_in != 0 || z.total_out > max) {
            snprintf(err, errlen, "encodedList is not one gzip member of at most %zu bytes", max);
            rc = CAIRN_EJSON;
        } else if (z.total_out < CAIRN_STATUS_LIST_MIN_BITS / 8) {
            snprintf(err, errlen, "the status list has %lu bytes, under the 16 KiB minimum",
                     (unsigned long)z.total_out);
            rc = CAIRN_EJSON;
        }
        inflateEnd(&z);
    }
    free(gz);
    if (rc) {
        free(out);
        return rc;
    }
    *bits = out;
    *nbytes = z.total_out;
    return 0;
}

int status_list_parse_doc(struct strict *st, const json_t *doc, struct status_list_doc *d)
{
    static const char *const keys[] = {
        "@context",          "id",    "type", "issuer", "validFrom", "validUntil",
        "credentialSubject", "proof", NULL};
    static const char *const subject_keys[] = {"id", "type", "statusPurpose", "encodedList", NULL};
    static const char *const ctx[] = {CAIRN_BADGE_CONTEXT_VC2, NULL};
    static const char *const type[] = {"VerifiableCredential", "BitstringStatusListCredential",
                                       NULL};
    static const char *const subject_type[] = {"BitstringStatusList", NULL};
    const char *path = "the status list";
    memset(d, 0, sizeof *d);
    if (strict_object(st, doc, path, keys) || strict_context(st, doc, ctx) ||
        strict_type(st, doc, path, type))
        return -1;
    d->id = strict_iri(st, doc, path, "id", 1);
    d->issuer_did = strict_iri(st, doc, path, "issuer", 1);
    strict_time(st, doc, path, "validFrom", 1, &d->valid_from_ms, &d->valid_from);
    strict_time(st, doc, path, "validUntil", 0, &d->valid_until_ms, &d->valid_until);
    const json_t *s = json_object_get(doc, "credentialSubject");
    if (!s && !st->code)
        strict_fail(st, CAIRN_BADGE_MALFORMED, "the status list has no credentialSubject");
    if (strict_object(st, s, "credentialSubject", subject_keys) ||
        strict_type(st, s, "credentialSubject", subject_type))
        return -1;
    d->subject = strict_iri(st, s, "credentialSubject", "id", 1);
    const char *purpose = strict_string(st, s, "credentialSubject", "statusPurpose", 1);
    d->encoded =
        strict_string_max(st, s, "credentialSubject", "encodedList", 1, STATUS_LIST_JSON_MAX);
    if (!st->code && strcmp(purpose, "revocation") != 0)
        strict_fail(st, CAIRN_BADGE_UNSUPPORTED,
                    "credentialSubject.statusPurpose \"%.40s\" (we read revocation lists)",
                    purpose);
    if (!st->code && strchr(d->id, '#'))
        strict_fail(st, CAIRN_BADGE_UNSUPPORTED, "the status list's id has a fragment");
    return st->code ? -1 : 0;
}

int cairn_status_list_issue(const char *url, const uint8_t *bits, size_t nbits,
                            int64_t valid_from_ms, const uint8_t issuer_sk[64], char **json,
                            size_t *len, char *err, size_t errlen)
{
    char did[CAIRN_DIDKEY_MAX], vm[CAIRN_DIDKEY_VM_MAX], t[BADGE_TIME_MAX];
    char value[PROOF_VALUE_MAX], subject[CAIRN_BADGE_TEXT_MAX + 8];
    struct cairn_rdf_dataset ds;
    struct status_list_doc d;
    *json = NULL;
    *len = 0;
    if (!url || !badge_iri_ok(url) || strchr(url, '#') || strlen(url) > CAIRN_BADGE_TEXT_MAX) {
        snprintf(err, errlen, "status list: the url is not an absolute IRI without a fragment");
        return CAIRN_EINVAL;
    }
    if (nbits < CAIRN_STATUS_LIST_MIN_BITS || nbits > CAIRN_STATUS_LIST_MAX_BITS || nbits % 8) {
        snprintf(err, errlen, "status list: %zu bits; need a multiple of 8 in %u..%u", nbits,
                 CAIRN_STATUS_LIST_MIN_BITS, CAIRN_STATUS_LIST_MAX_BITS);
        return CAIRN_EINVAL;
    }
    if (badge_time_format(valid_from_ms, t) != 0) {
        snprintf(err, errlen, "status list: validFrom outside 1970..9999");
        return CAIRN_EINVAL;
    }
    cairn_didkey_encode(issuer_sk + 32, did);
    cairn_didkey_vm(issuer_sk + 32, vm);
    snprintf(subject, sizeof subject, "%s#list", url);
    memset(&d, 0, sizeof d);
    d.id = url;
    d.issuer_did = did;
    d.valid_from = t;
    d.subject = subject;
    char *encoded = NULL;
    int rc = encode_list(bits, nbits / 8, &encoded);
    d.encoded = encoded;
    cairn_rdf_init(&ds);
    if (!rc)
        rc = status_list_quads(&d, &ds);
    if (!rc)
        rc = eddsa_rdfc_sign(&ds, t, vm, issuer_sk, value);
    cairn_rdf_free(&ds);
    json_t *doc = json_object(), *ctx = json_array(), *type = json_array(), *s = json_object();
    json_array_append_new(ctx, json_string(CAIRN_BADGE_CONTEXT_VC2));
    json_array_append_new(type, json_string("VerifiableCredential"));
    json_array_append_new(type, json_string("BitstringStatusListCredential"));
    json_object_set_new(doc, "@context", ctx);
    json_put_str(doc, "id", url);
    json_object_set_new(doc, "type", type);
    json_put_str(doc, "issuer", did);
    json_put_str(doc, "validFrom", t);
    json_put_str(s, "id", subject);
    json_put_str(s, "type", "BitstringStatusList");
    json_put_str(s, "statusPurpose", "revocation");
    json_put_str(s, "encodedList", encoded);
    json_object_set_new(doc, "credentialSubject", s);
    if (!rc && json_object_set_new(doc, "proof", eddsa_rdfc_proof_json(t, vm, value)))
        rc = -ENOMEM;
    if (!rc && !(*json = json_dumps(doc, JSON_INDENT(2))))
        rc = -ENOMEM;
    json_decref(doc);
    free(encoded);
    if (rc) {
        snprintf(err, errlen, "status list: %s", cairn_strerror(rc));
        return rc;
    }
    *len = strlen(*json);
    if (*len > STATUS_LIST_JSON_MAX) {
        /* only a list of mostly random bits compresses this badly; we could not read it back */
        snprintf(err, errlen, "status list: %zu bytes of JSON, over the %u-byte limit", *len,
                 STATUS_LIST_JSON_MAX);
        free(*json);
        *json = NULL;
        *len = 0;
        return CAIRN_ETOOBIG;
    }
    return 0;
}

int cairn_status_list_parse(const char *json, size_t len, struct cairn_status_list *out, char *err,
                            size_t errlen)
{
    struct strict st = {CAIRN_BADGE_VALID, ""};
    struct status_list_doc d;
    struct proof_parts pp;
    struct cairn_rdf_dataset ds;
    json_error_t jerr;
    uint8_t issuer_pk[32];
    memset(out, 0, sizeof *out);
    if (len > STATUS_LIST_JSON_MAX) {
        snprintf(err, errlen, "the status list is %zu bytes, over the %u-byte limit", len,
                 STATUS_LIST_JSON_MAX);
        return CAIRN_ETOOBIG;
    }
    json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        snprintf(err, errlen, "the status list is not JSON: line %d: %s", jerr.line, jerr.text);
        return CAIRN_EJSON;
    }
    int rc = 0;
    if (status_list_parse_doc(&st, doc, &d) == 0)
        strict_proof(&st, doc, &pp);
    if (!st.code && cairn_didkey_decode(d.issuer_did, strlen(d.issuer_did), issuer_pk) != 0)
        strict_fail(&st, CAIRN_BADGE_UNSUPPORTED, "issuer is not an Ed25519 did:key");
    if (st.code) {
        snprintf(err, errlen, "status list %s: %s", cairn_badge_status_name(st.code), st.msg);
        rc = st.code == CAIRN_BADGE_UNSUPPORTED ? CAIRN_EUNSUPPORTED : CAIRN_EJSON;
    }
    cairn_rdf_init(&ds);
    if (!rc)
        rc = status_list_quads(&d, &ds);
    if (!rc) {
        rc = eddsa_rdfc_verify(&ds, pp.created, pp.vm, pp.pk, pp.value);
        if (rc == CAIRN_EINVAL || rc == CAIRN_ECRYPTO) {
            snprintf(err, errlen, "status list tampered: the proof does not verify");
            rc = CAIRN_ECRYPTO;
        } else if (!rc && sodium_memcmp(pp.pk, issuer_pk, 32) != 0) {
            snprintf(err, errlen, "status list: signed by a key that is not the issuer's");
            rc = CAIRN_ECRYPTO;
        }
    }
    cairn_rdf_free(&ds);
    size_t nbytes = 0;
    if (!rc)
        rc = decode_list(d.encoded, &out->bits, &nbytes, err, errlen);
    if (!rc && !(out->id = strdup(d.id)))
        rc = -ENOMEM;
    if (!rc) {
        memcpy(out->issuer_pk, issuer_pk, 32);
        out->nbits = nbytes * 8;
        out->valid_from_ms = d.valid_from_ms;
        out->valid_until_ms = d.valid_until_ms;
    } else {
        if (rc == -ENOMEM)
            snprintf(err, errlen, "status list: out of memory");
        cairn_status_list_free(out);
    }
    json_decref(doc);
    return rc;
}

void cairn_status_list_free(struct cairn_status_list *sl)
{
    free(sl->id);
    free(sl->bits);
    memset(sl, 0, sizeof *sl);
}

int cairn_status_list_get(const struct cairn_status_list *sl, uint32_t index)
{
    if (index >= sl->nbits)
        return -1;
    return (sl->bits[index / 8] >> (7 - index % 8)) & 1;
}
