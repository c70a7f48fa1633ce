/*
 * config_value.h: value checks shared inside the config code (config.c, config_value.c); the
 * public ones (sizes, listen addresses, names) are declared in config.h.
 */
#ifndef CAIRN_CONFIG_VALUE_H
#define CAIRN_CONFIG_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Writes the reason for a refused value into err; returns CAIRN_EINVAL. */
__attribute__((format(printf, 3, 4))) int cairn_config_reason(char *err, size_t errlen,
                                                              const char *fmt, ...);
/* A decimal integer in lo..hi with nothing after it: 0, or CAIRN_EINVAL. */
int cairn_config_parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);
/* [api] socket: a plain file name inside the data dir: 0, or CAIRN_EINVAL with the reason. */
int cairn_config_check_socket_name(const char *v, char *err, size_t errlen);

#endif
