/*
 * pin.h: kiosk sign-in PINs and their lockout, kept at the school only.
 *
 * A PIN hash is LOCAL STATE, not an event: events of the school's partition sync to the hub, and
 * a hub (or anyone holding a bundle) has no business holding an offline-crackable hash of a
 * 4-digit secret. So the table `educator_pins` is, like `peers`, outside the log: not replicated,
 * not rebuilt by `cairnd rebuild` (a lost database means PINs are set again at the box).
 *
 * Hashes are crypto_pwhash_str (Argon2id) with the INTERACTIVE limits; hashing and verifying run
 * in the thread pool (api_kiosk.c), everything here runs on the loop thread.
 * Lockout: CAIRN_PIN_TRIES wrong PINs in a row lock the educator for a time that doubles with
 * each lockout (30 s, 1 min, 2 min, ... at most 1 h); a right PIN resets both counts. An attempt
 * is counted when it starts, so attempts in parallel cannot get more tries than sequential ones.
 */
#ifndef CAIRN_PIN_H
#define CAIRN_PIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "store.h"

#define CAIRN_PIN_MIN 4
#define CAIRN_PIN_MAX 12
#define CAIRN_PIN_TRIES 5
#define CAIRN_PIN_LOCK_BASE_MS 30000u
#define CAIRN_PIN_LOCK_MAX_MS 3600000u

/* 0 when pin[0..len) is CAIRN_PIN_MIN..CAIRN_PIN_MAX ASCII digits, else CAIRN_EINVAL. */
int cairn_pin_check_format(const char *pin, size_t len);

/* How long the n-th lockout (n from 0) lasts. */
uint64_t cairn_pin_lock_ms(uint64_t lockouts);

/* Stores a new hash for educator and clears its failures and lockout. */
int cairn_pin_store(cairn_store_t *s, const char *educator, const char *hash);

/* Begins an attempt at unix time now_ms: copies the stored hash into hash (size
 * crypto_pwhash_STRBYTES) and counts the attempt. CAIRN_ENOTFOUND when no PIN is set,
 * CAIRN_ESTATE while locked (*locked_until set; nothing counted). */
int cairn_pin_attempt_begin(cairn_store_t *s, const char *educator, uint64_t now_ms, char *hash,
                            uint64_t *locked_until);

/* Ends an attempt: a right PIN resets the counts; a wrong one that makes CAIRN_PIN_TRIES locks
 * (*locked_until > 0 then) and *tries_left says how many remain otherwise. */
int cairn_pin_attempt_end(cairn_store_t *s, const char *educator, uint64_t now_ms, bool right,
                          unsigned *tries_left, uint64_t *locked_until);

#endif
