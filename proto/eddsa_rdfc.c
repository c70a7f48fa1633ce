/*
 * eddsa_rdfc.c: the eddsa-rdfc-2022 cryptosuite (W3C VC Data Integrity EdDSA Cryptosuites v1.0,
 * section 3.3): the document without its proof and the proof options (the proof without
 * proofValue, with the document's @context) are each canonicalised with RDFC-1.0 and hashed with
 * SHA-256; Ed25519 signs hash(proof options) || hash(document); proofValue is the signature in
 * multibase base58btc ("z..."). Every primitive is libsodium's.
 */
#include "badge_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <cairn/err.h>
#include <cairn/multibase.h>

/* The proof options' quads: their terms come from the VC 2.0 context's DataIntegrityProof. */
static int proof_options(const char *created, const char *vm, struct cairn_rdf_dataset *ds)
{
    const struct cairn_rdf_term p = cairn_rdf_blank("proof");
    const struct cairn_rdf_quad q[] = {
        {p, cairn_rdf_iri(CAIRN_RDF_TYPE), cairn_rdf_iri(SEC_NS "DataIntegrityProof"), {0}},
        {p, cairn_rdf_iri(DCTERMS_CREATED), cairn_rdf_literal(created, XSD_DATETIME), {0}},
        {p,
         cairn_rdf_iri(SEC_NS "cryptosuite"),
         cairn_rdf_literal("eddsa-rdfc-2022", SEC_NS "cryptosuiteString"),
         {0}},
        {p, cairn_rdf_iri(SEC_NS "proofPurpose"), cairn_rdf_iri(SEC_NS "assertionMethod"), {0}},
        {p, cairn_rdf_iri(SEC_NS "verificationMethod"), cairn_rdf_iri(vm), {0}},
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
        cairn_rdf_add(ds, &q[i]);
    return ds->err;
}

static int hash_dataset(const struct cairn_rdf_dataset *ds, uint8_t out[32])
{
    char *nq;
    size_t len;
    int rc = cairn_rdfc_canonize(ds, &nq, &len);
    if (rc)
        return rc;
    crypto_hash_sha256(out, (const unsigned char *)nq, len);
    free(nq);
    return 0;
}

/* hashData: SHA-256(canonical proof options) || SHA-256(canonical document). */
static int hash_data(const struct cairn_rdf_dataset *doc, const char *created, const char *vm,
                     uint8_t out[64])
{
    struct cairn_rdf_dataset opts;
    cairn_rdf_init(&opts);
    int rc = proof_options(created, vm, &opts);
    if (!rc)
        rc = hash_dataset(&opts, out);
    cairn_rdf_free(&opts);
    return rc ? rc : hash_dataset(doc, out + 32);
}

int eddsa_rdfc_sign(const struct cairn_rdf_dataset *doc, const char *created, const char *vm,
                    const uint8_t sk[64], char value[PROOF_VALUE_MAX])
{
    uint8_t data[64], sig[crypto_sign_BYTES];
    int rc = hash_data(doc, created, vm, data);
    if (rc)
        return rc;
    crypto_sign_detached(sig, NULL, data, sizeof data, sk);
    value[0] = 'z';
    cairn_base58_encode(sig, sizeof sig, value + 1);
    return 0;
}

int eddsa_rdfc_verify(const struct cairn_rdf_dataset *doc, const char *created, const char *vm,
                      const uint8_t pk[32], const char *value)
{
    uint8_t data[64], sig[crypto_sign_BYTES];
    size_t n;
    if (value[0] != 'z' ||
        cairn_base58_decode(value + 1, strlen(value + 1), sig, sizeof sig, &n) != 0 ||
        n != sizeof sig)
        return CAIRN_EINVAL;
    int rc = hash_data(doc, created, vm, data);
    if (rc)
        return rc;
    return crypto_sign_verify_detached(sig, data, sizeof data, pk) == 0 ? 0 : CAIRN_ECRYPTO;
}

json_t *eddsa_rdfc_proof_json(const char *created, const char *vm, const char *value)
{
    json_t *p = json_object();
    if (!p || json_put_str(p, "type", "DataIntegrityProof") ||
        json_put_str(p, "cryptosuite", "eddsa-rdfc-2022") || json_put_str(p, "created", created) ||
        json_put_str(p, "verificationMethod", vm) ||
        json_put_str(p, "proofPurpose", "assertionMethod") ||
        json_put_str(p, "proofValue", value)) {
        json_decref(p);
        return NULL;
    }
    return p;
}
