/*
 * identity.c: creates and loads the node's Ed25519 keypair (see identity.h).
 * Must never write the secret key anywhere but identity.key, never log it, and never accept a
 * key file that other users could read.
 */
#include "identity.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include <cairn/err.h>

#include "fsutil.h"

static int join(char *out, size_t outlen, const char *dir, const char *name)
{
    int n = snprintf(out, outlen, "%s/%s", dir, name);
    return (n < 0 || (size_t)n >= outlen) ? -ENAMETOOLONG : 0;
}

void cairn_identity_hex(const uint8_t pk[32], char out[65])
{
    sodium_bin2hex(out, 65, pk, 32);
}

int cairn_identity_create(const char *datadir, uint8_t pk[32], uint8_t sk[64])
{
    char key_path[PATH_MAX], pub_path[PATH_MAX];
    int rc = join(key_path, sizeof key_path, datadir, CAIRN_IDENTITY_KEY_FILE);
    if (rc == 0)
        rc = join(pub_path, sizeof pub_path, datadir, CAIRN_IDENTITY_PUB_FILE);
    if (rc != 0)
        return rc;
    struct stat st;
    if (lstat(key_path, &st) == 0)
        return CAIRN_EEXIST;

    if (crypto_sign_keypair(pk, sk) != 0)
        return CAIRN_ECRYPTO;
    char hex[66];
    cairn_identity_hex(pk, hex);
    hex[64] = '\n';
    hex[65] = '\0';
    rc = cairn_fs_write_atomic(key_path, sk, 64, 0600);
    if (rc == 0)
        rc = cairn_fs_write_atomic(pub_path, hex, 65, 0644);
    if (rc != 0)
        sodium_memzero(sk, 64);
    return rc;
}

static int read_public(const char *path, uint8_t pk[32], char *err, size_t errlen)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc = cairn_fs_read_file(path, 256, &buf, &len);
    if (rc == -ENOENT) {
        snprintf(err, errlen, "%s is missing: not a Cairn data directory", path);
        return CAIRN_EDATADIR;
    }
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(-rc));
        return rc;
    }
    size_t bin_len = 0;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        len--;
    if (len != 64 || sodium_hex2bin(pk, 32, (const char *)buf, len, NULL, &bin_len, NULL) != 0 ||
        bin_len != 32) {
        snprintf(err, errlen, "%s: expected 64 hex characters (the node id)", path);
        rc = CAIRN_ECRYPTO;
    }
    free(buf);
    return rc;
}

int cairn_identity_load_public(const char *datadir, uint8_t pk[32], char *err, size_t errlen)
{
    char pub_path[PATH_MAX];
    int rc = join(pub_path, sizeof pub_path, datadir, CAIRN_IDENTITY_PUB_FILE);
    if (rc != 0) {
        snprintf(err, errlen, "%s: path too long", datadir);
        return rc;
    }
    return read_public(pub_path, pk, err, errlen);
}

int cairn_identity_load(const char *datadir, uint8_t pk[32], uint8_t sk[64], char *err,
                        size_t errlen)
{
    char key_path[PATH_MAX];
    int rc = join(key_path, sizeof key_path, datadir, CAIRN_IDENTITY_KEY_FILE);
    if (rc != 0) {
        snprintf(err, errlen, "%s: path too long", datadir);
        return rc;
    }
    struct stat st;
    if (stat(key_path, &st) != 0) {
        int e = errno;
        if (e == ENOENT) {
            snprintf(err, errlen, "%s is missing: not a Cairn data directory", key_path);
            return CAIRN_EDATADIR;
        }
        snprintf(err, errlen, "%s: %s", key_path, strerror(e));
        return -e;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file", key_path);
        return CAIRN_ECRYPTO;
    }
    if ((st.st_mode & 077) != 0) {
        snprintf(err, errlen,
                 "%s has mode %04o: the secret key must be private to its owner "
                 "(chmod 600 %s)",
                 key_path, (unsigned)(st.st_mode & 07777), key_path);
        return CAIRN_ECRYPTO;
    }

    unsigned char *buf = NULL;
    size_t len = 0;
    rc = cairn_fs_read_file(key_path, 64, &buf, &len);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", key_path,
                 rc == -EFBIG ? "not a secret key (larger than 64 bytes)" : strerror(-rc));
        return rc == -EFBIG ? CAIRN_ECRYPTO : rc;
    }
    if (len != 64) {
        sodium_memzero(buf, len);
        free(buf);
        snprintf(err, errlen, "%s: not a secret key (%zu bytes, expected 64)", key_path, len);
        return CAIRN_ECRYPTO;
    }

    /* The key file holds seed || public key: both halves must agree, and with identity.pub. */
    uint8_t derived_pk[32], derived_sk[64];
    crypto_sign_seed_keypair(derived_pk, derived_sk, buf);
    bool ok = sodium_memcmp(derived_sk, buf, 64) == 0;
    sodium_memzero(derived_sk, sizeof derived_sk);
    if (!ok) {
        sodium_memzero(buf, len);
        free(buf);
        snprintf(err, errlen, "%s: damaged secret key (its public half does not match)", key_path);
        return CAIRN_ECRYPTO;
    }
    uint8_t pub[32];
    rc = cairn_identity_load_public(datadir, pub, err, errlen);
    if (rc == 0 && sodium_memcmp(pub, derived_pk, 32) != 0) {
        snprintf(err, errlen, "%s/%s does not match %s", datadir, CAIRN_IDENTITY_PUB_FILE,
                 key_path);
        rc = CAIRN_ECRYPTO;
    }
    if (rc == 0) {
        memcpy(pk, derived_pk, 32);
        memcpy(sk, buf, 64);
    }
    sodium_memzero(buf, len);
    free(buf);
    return rc;
}
