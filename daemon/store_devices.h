/*
 * store_devices.h: classroom devices paired with this school box (table `devices`, PROTOCOL.md
 * section 12). A device is its Ed25519 public key; the LAN listener admits a key only while it
 * is here and not revoked. Written by the daemon when a device pairs and by `cairnd pair
 * --revoke` (another process: SQLite's locking and busy timeout order the two).
 */
#ifndef CAIRN_STORE_DEVICES_H
#define CAIRN_STORE_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define CAIRN_DEVICE_NAME_MAX 127

typedef struct {
    uint8_t pk[32];
    char name[CAIRN_DEVICE_NAME_MAX + 1];
    int64_t paired_ms;
    int64_t revoked_ms; /* 0 = active */
} cairn_device_t;

/* Records (or re-pairs: a new code clears a revocation) a device. 0 or a store code. */
int cairn_store_device_put(cairn_store_t *s, const uint8_t pk[32], const char *name,
                           int64_t now_ms);

/* Fills d for pk. 0, CAIRN_ENOTFOUND or CAIRN_ESTORE. */
int cairn_store_device_get(cairn_store_t *s, const uint8_t pk[32], cairn_device_t *d);

/* Finds one device by its exact name or a prefix (>= 4 hex digits) of its key in hex, and marks
 * it revoked at now_ms (already revoked: left as it was). out gets the row. Errors with a
 * one-line reason in err: CAIRN_ENOTFOUND, CAIRN_EAMBIGUOUS, CAIRN_ESTORE. */
int cairn_store_device_revoke(cairn_store_t *s, const char *text, int64_t now_ms,
                              cairn_device_t *out, char *err, size_t errlen);

/* Calls fn for every device in key order. 0 or CAIRN_ESTORE. */
int cairn_store_device_list(cairn_store_t *s, void (*fn)(void *arg, const cairn_device_t *d),
                            void *arg);

#endif
