/*
 * log.h: the daemon's log, one line per event on stderr:
 *   2026-11-25T17:11:37.123Z INFO listening on 127.0.0.1:7420
 * Levels filter at run time ([log] level). Never pass evidence content, key material or
 * anything a teacher typed into a log call: name the entity and the size instead.
 */
#ifndef CAIRN_LOG_H
#define CAIRN_LOG_H

#include <stddef.h>

enum { CAIRN_LOG_DEBUG = 0, CAIRN_LOG_INFO = 1, CAIRN_LOG_WARN = 2, CAIRN_LOG_ERROR = 3 };

/* Lines below level are dropped. The default is CAIRN_LOG_INFO. */
void cairn_log_set_level(int level);
int cairn_log_get_level(void);

/* "debug" | "info" | "warn" | "error" -> level. Returns 0 or CAIRN_EINVAL. */
int cairn_log_level_parse(const char *s, int *level);
const char *cairn_log_level_name(int level);

/* One line, newline added. */
void cairn_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define cairn_log_debug(...) cairn_log(CAIRN_LOG_DEBUG, __VA_ARGS__)
#define cairn_log_info(...) cairn_log(CAIRN_LOG_INFO, __VA_ARGS__)
#define cairn_log_warn(...) cairn_log(CAIRN_LOG_WARN, __VA_ARGS__)
#define cairn_log_error(...) cairn_log(CAIRN_LOG_ERROR, __VA_ARGS__)

#endif
