/*
 * device.h: this device's identity for the school LAN (PROTOCOL.md section 12): its Ed25519
 * key and the daemons it has pinned.
 *
 * Both live in the cairn home: $CAIRN_HOME if set, else $HOME/.config/cairn (created 0700).
 * device.key holds the 32-byte Ed25519 seed in hex (0600; a key file others can read is refused,
 * as ssh does). known_hosts has one line per paired daemon, "HOST PORT KEYHEX", HOST as the
 * user typed it (lower-cased), rewritten atomically. Never prints the seed.
 */
#ifndef CAIRN_CLIENT_DEVICE_H
#define CAIRN_CLIENT_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAIRN_DEVICE_KEY_FILE "device.key"
#define CAIRN_KNOWN_HOSTS_FILE "known_hosts"
#define CAIRN_KNOWN_HOSTS_MAX (256u * 1024) /* bytes: far beyond any school's daemons */

/* The cairn home directory into out (created 0700 with its parents when create is true).
 * 0, or a negative code with err saying why. */
int cairn_device_home(char *out, size_t cap, bool create, char *err, size_t errlen);

/* Loads the device key, creating it first when create is true and it is missing.
 * 0, CAIRN_ENOTFOUND (missing, create false) or another code, err saying why. */
int cairn_device_key(bool create, uint8_t pk[32], uint8_t sk[64], char *err, size_t errlen);

/* Finds the pinned key of host:port. 1 found, 0 not pinned, or a negative code (err says why:
 * an unreadable or malformed known_hosts). */
int cairn_known_host_get(const char *host, const char *port, uint8_t key[32], char *err,
                         size_t errlen);

/* Pins key for host:port, replacing any earlier line for them. 0 or a negative code. */
int cairn_known_host_put(const char *host, const char *port, const uint8_t key[32], char *err,
                         size_t errlen);

#endif
