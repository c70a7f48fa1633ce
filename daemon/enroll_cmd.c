/*
 * enroll_cmd.c: `cairnd enroll create|join|list|revoke` (enroll.h, PROTOCOL.md section 8.1).
 * create/list/revoke work on a hub's data dir beside its running daemon (files, and the store
 * read-only); join runs the enrolment session from a stopped school's data dir, holding its lock.
 * Prints a token only to stdout or a 0600 file; never logs a secret.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "config.h"
#include "daemon.h"
#include "enroll.h"
#include "fsutil.h"
#include "identity.h"
#include "log.h"
#include "store.h"
#include "store_peervec.h"
#include "store_sync.h"
#include "sync.h"

#define EXIT_USAGE 2
#define JOIN_TIMEOUT_MS 15000

static const char enroll_usage[] =
    "usage: cairnd enroll create --data HUBDIR --school NAME [--expires 7d] [--out FILE]\n"
    "                            [--address HOST:PORT]\n"
    "       cairnd enroll join --data SCHOOLDIR TOKEN|FILE\n"
    "       cairnd enroll list --data HUBDIR\n"
    "       cairnd enroll revoke --data HUBDIR SCHOOL\n";

typedef struct {
    const char *data, *school, *expires, *out, *address, *arg;
} eargs_t;

__attribute__((format(printf, 1, 2))) static int efail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("cairnd enroll: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_FAILURE;
}

static int eusage(const char *why)
{
    if (why != NULL)
        fprintf(stderr, "cairnd enroll: %s\n", why);
    fputs(enroll_usage, stderr);
    return EXIT_USAGE;
}

static int parse(int argc, char **argv, eargs_t *a)
{
    for (int i = 2; i < argc; i++) {
        const char **slot = NULL;
        if (strcmp(argv[i], "--data") == 0)
            slot = &a->data;
        else if (strcmp(argv[i], "--school") == 0)
            slot = &a->school;
        else if (strcmp(argv[i], "--expires") == 0)
            slot = &a->expires;
        else if (strcmp(argv[i], "--out") == 0)
            slot = &a->out;
        else if (strcmp(argv[i], "--address") == 0)
            slot = &a->address;
        else if (strncmp(argv[i], "--", 2) == 0)
            return eusage("unknown option"), EXIT_USAGE;
        if (slot == NULL) {
            if (a->arg != NULL)
                return eusage("too many arguments"), EXIT_USAGE;
            a->arg = argv[i];
            continue;
        }
        if (i + 1 >= argc)
            return eusage("an option needs a value"), EXIT_USAGE;
        *slot = argv[++i];
    }
    if (a->data == NULL)
        return eusage("--data DIR is required"), EXIT_USAGE;
    return 0;
}

static int load_cfg(const char *dir, cairn_config_t *cfg)
{
    char path[PATH_MAX], err[512];
    snprintf(path, sizeof path, "%s/cairnd.conf", dir);
    if (cairn_config_load(path, cfg, err, sizeof err) != 0)
        return efail("%s", err);
    return 0;
}

int cairn_parse_duration(const char *s, uint64_t *ms)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || v == 0 || v > 3650ull * 86400)
        return CAIRN_EINVAL;
    uint64_t mult = 1000;
    if (*end == 'm')
        mult = 60000;
    else if (*end == 'h')
        mult = 3600000;
    else if (*end == 'd')
        mult = 86400000;
    else if (*end != 's' && *end != '\0')
        return CAIRN_EINVAL;
    if (*end != '\0' && end[1] != '\0')
        return CAIRN_EINVAL;
    /* the bound is on the duration, not on the number: "5000000d" is over 10 years too */
    if (v > 3650ull * 86400000 / mult)
        return CAIRN_EINVAL;
    *ms = v * mult;
    return 0;
}

static int cmd_create(const eargs_t *a)
{
    if (a->school == NULL || a->arg != NULL)
        return eusage("create needs --school NAME");
    char why[200];
    if (cairn_config_check_name(a->school, why, sizeof why) != 0)
        return eusage(why);
    cairn_config_t cfg;
    if (load_cfg(a->data, &cfg) != 0)
        return EXIT_FAILURE;
    if (cfg.role != CAIRN_ROLE_HUB)
        return efail("%s is not a hub's data dir: tokens are made at the hub", a->data);
    uint64_t ttl = 7ull * 86400000;
    if (a->expires != NULL && cairn_parse_duration(a->expires, &ttl) != 0)
        return eusage("--expires: expected a duration like 30s, 15m, 12h or 7d");
    cairn_enroll_token_t t;
    memset(&t, 0, sizeof t);
    char host[64];
    uint16_t port = cfg.sync_port;
    if (a->address != NULL) {
        if (cairn_config_parse_addr(a->address, host, &port, why, sizeof why) != 0 || port == 0)
            return eusage("--address: expected HOST:PORT of the hub's sync listener");
    } else {
        char path[PATH_MAX];
        unsigned char *buf;
        size_t len;
        snprintf(host, sizeof host, "%s", cfg.sync_host);
        snprintf(path, sizeof path, "%s/cairnd.sync-port", a->data);
        if (cairn_fs_read_file(path, 16, &buf, &len) == 0) {
            char num[17];
            memcpy(num, buf, len);
            num[len] = '\0';
            free(buf);
            port = (uint16_t)strtoul(num, NULL, 10);
        }
        if (port == 0)
            return efail("the hub's sync listener is disabled: give --address HOST:PORT");
        if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0)
            return efail("the hub listens on every address: give --address HOST:PORT");
    }
    snprintf(t.address, sizeof t.address, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
    if (cairn_identity_load_public(a->data, t.hub_pk, why, sizeof why) != 0)
        return efail("%s", why);
    randombytes_buf(t.id, sizeof t.id);
    randombytes_buf(t.secret, sizeof t.secret);
    t.expires_ms = cairn_enroll_now_ms() + ttl;
    snprintf(t.school, sizeof t.school, "%s", a->school);
    char line[CAIRN_ENROLL_TOKEN_MAX + 2];
    int rc = cairn_enroll_token_encode(&t, line, sizeof line);
    if (rc == 0)
        rc = cairn_enroll_token_store(a->data, &t);
    sodium_memzero(&t, sizeof t);
    if (rc != 0)
        return efail("cannot create the token: %s", cairn_strerror(rc));
    if (a->out != NULL) {
        size_t n = strlen(line);
        line[n] = '\n';
        rc = cairn_fs_write_atomic(a->out, line, n + 1, 0600);
        line[n] = '\0';
        if (rc != 0)
            return efail("cannot write %s: %s", a->out, cairn_strerror(rc));
    }
    printf("%s\n", line);
    sodium_memzero(line, sizeof line);
    return 0;
}

/* ---- join ---- */

typedef struct {
    cairn_enroll_token_t *t;
    int result; /* 1 enrolled */
    char hub_name[128];
    uv_timer_t timeout;
    cairn_sync_session_t *s;
} join_t;

static const char *join_established(cairn_sync_session_t *s)
{
    join_t *j = s->owner;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    bool hub = s->d->cfg.role == CAIRN_ROLE_HUB;
    msgpack_pack_map(&pk, hub ? 4 : 3);
    cairn_mp_pack_kv_str(&pk, "t", "enrol");
    cairn_mp_pack_kv_bin(&pk, "token", j->t->id, CAIRN_ENROLL_ID_LEN);
    cairn_mp_pack_kv_str(&pk, "name", j->t->school);
    if (hub) /* a region joining its state hub: it relays its schools' partitions up */
        cairn_mp_pack_kv_str(&pk, "role", "hub");
    int rc = cairn_sync_session_send(s, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    return rc == 0 ? NULL : "cannot send the enrolment";
}

static int join_message(cairn_sync_session_t *s, const char *t, size_t tlen,
                        const msgpack_object *m)
{
    join_t *j = s->owner;
    const char *name;
    size_t nlen;
    if (tlen != 8 || memcmp(t, "enrolled", 8) != 0) {
        snprintf(s->reason, sizeof s->reason, "unexpected answer from the hub");
        return CAIRN_EPROTO;
    }
    if (cairn_mp_get_str(m, "hub", 127, &name, &nlen) == 0)
        snprintf(j->hub_name, sizeof j->hub_name, "%.*s", (int)nlen, name);
    j->result = 1;
    cairn_sync_session_close(s, NULL);
    return 0;
}

static void timeout_closed(uv_handle_t *h)
{
    (void)h;
}

static void join_closed(cairn_sync_session_t *s, const char *reason)
{
    join_t *j = s->owner;
    j->s = NULL;
    if (j->result != 1)
        fprintf(stderr, "cairnd enroll: %s\n", reason ? reason : "the hub closed the connection");
    uv_close((uv_handle_t *)&j->timeout, timeout_closed);
}

static void on_join_timeout(uv_timer_t *t)
{
    join_t *j = t->data;
    if (j->s != NULL)
        cairn_sync_session_abort(j->s, "no answer from the hub in 15 s");
}

static const cairn_sync_ops_t join_ops = {
    .established = join_established,
    .message = join_message,
    .closed = join_closed,
};

static int read_token_arg(const char *arg, char *out, size_t cap)
{
    if (strncmp(arg, CAIRN_ENROLL_PREFIX, strlen(CAIRN_ENROLL_PREFIX)) == 0) {
        snprintf(out, cap, "%s", arg);
        return 0;
    }
    unsigned char *buf;
    size_t len;
    int rc = cairn_fs_read_file(arg, CAIRN_ENROLL_TOKEN_MAX + 8, &buf, &len);
    if (rc != 0)
        return efail("%s: not a token, and cannot read it as a file: %s", arg, cairn_strerror(rc));
    if (len >= cap)
        len = cap - 1;
    memcpy(out, buf, len);
    out[len] = '\0';
    sodium_memzero(buf, len);
    free(buf);
    return 0;
}

static int cmd_join(const eargs_t *a)
{
    if (a->arg == NULL)
        return eusage("join needs a TOKEN or a FILE holding one");
    static cairn_daemon_t d; /* static: the secret key stays off the stack */
    d.datadir = (char *)a->data;
    if (load_cfg(a->data, &d.cfg) != 0)
        return EXIT_FAILURE;
    char path[PATH_MAX], err[512], line[CAIRN_ENROLL_TOKEN_MAX + 8];
    if (read_token_arg(a->arg, line, sizeof line) != 0)
        return EXIT_FAILURE;
    cairn_enroll_token_t t;
    int rc = cairn_enroll_token_decode(line, &t, err, sizeof err);
    sodium_memzero(line, sizeof line);
    if (rc != 0)
        return efail("%s", err);
    if (cairn_enroll_now_ms() >= t.expires_ms)
        return efail("enrolment token expired: ask the hub operator for a new one");
    snprintf(path, sizeof path, "%s/cairnd.lock", a->data);
    int lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0)
        return efail("cairnd is running on %s: stop it before enrolling (%s is locked)", a->data,
                     path);
    if (cairn_sync_has_hub(a->data))
        return efail("%s is already enrolled at a hub (%s exists)", a->data, CAIRN_HUB_PEER_FILE);
    if (cairn_identity_load(a->data, d.node_pk, d.node_sk, err, sizeof err) != 0)
        return efail("%s", err);
    uv_loop_t loop;
    uv_loop_init(&loop);
    d.loop = &loop;
    join_t j = {.t = &t};
    uv_timer_init(&loop, &j.timeout);
    j.timeout.data = &j;
    uv_timer_start(&j.timeout, on_join_timeout, JOIN_TIMEOUT_MS, 0);
    rc = cairn_sync_session_connect(&d, t.address, t.hub_pk, t.id, t.secret, &join_ops, &j, &j.s,
                                    err, sizeof err);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    sodium_memzero(d.node_sk, sizeof d.node_sk);
    if (j.result != 1) {
        sodium_memzero(&t, sizeof t);
        return EXIT_FAILURE;
    }
    snprintf(path, sizeof path, "%s/cairn.db", a->data);
    rc = cairn_store_open(path, d.node_pk, &d.store);
    if (rc == 0) {
        rc = cairn_store_peer_put(d.store, t.hub_pk, CAIRN_PEER_HUB,
                                  j.hub_name[0] ? j.hub_name : "hub");
        cairn_store_close(d.store);
    }
    if (rc == 0)
        rc = cairn_enroll_hub_peer_write(a->data, t.hub_pk, t.address);
    char hex[65];
    cairn_identity_hex(t.hub_pk, hex);
    printf("enrolled as \"%s\" at hub \"%s\" %.16s... (%s)\n", t.school, j.hub_name, hex,
           t.address);
    sodium_memzero(&t, sizeof t);
    close(lock_fd);
    if (rc != 0)
        return efail("enrolled at the hub, but cannot record it here: %s", cairn_strerror(rc));
    return 0;
}

/* ---- list, revoke ---- */

static int open_hub_store(const char *dir, cairn_store_t **s)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/cairn.db", dir);
    int rc = cairn_store_open_readonly(path, s);
    if (rc != 0)
        return efail("cannot open the store %s: %s", path, cairn_strerror(rc));
    return 0;
}

static int cmd_list(const eargs_t *a)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", a->data, CAIRN_ENROLL_DIR);
    DIR *dir = opendir(path);
    uint64_t now = cairn_enroll_now_ms();
    puts("TOKEN                             STATE    EXPIRES(UTC ms)  SCHOOL");
    if (dir != NULL) {
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            uint8_t id[CAIRN_ENROLL_ID_LEN];
            if (strlen(e->d_name) < 32 ||
                sodium_hex2bin(id, sizeof id, e->d_name, 32, NULL, NULL, NULL) != 0)
                continue;
            if (e->d_name[32] != '\0' && strcmp(e->d_name + 32, ".used") != 0)
                continue;
            cairn_enroll_token_t t;
            cairn_token_state_t st = cairn_enroll_token_lookup(a->data, id, now, &t);
            printf("%.32s  %-7s  %-15llu  %s\n", e->d_name, cairn_token_state_name(st),
                   (unsigned long long)t.expires_ms, t.school);
            sodium_memzero(&t, sizeof t);
        }
        closedir(dir);
    }
    cairn_store_t *s;
    if (open_hub_store(a->data, &s) != 0)
        return EXIT_FAILURE;
    sqlite3_stmt *st;
    puts("SCHOOL                                                            STATE    NAME");
    if (sqlite3_prepare_v2(cairn_store_db(s),
                           "SELECT node, name FROM peers WHERE role IN ('school', 'child-hub')", -1,
                           &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            char hex[65];
            if (sqlite3_column_bytes(st, 0) != 32)
                continue;
            const uint8_t *pk = sqlite3_column_blob(st, 0);
            cairn_identity_hex(pk, hex);
            printf("%s  %-7s  %s\n", hex,
                   cairn_enroll_is_revoked(a->data, pk) ? "revoked" : "active",
                   (const char *)sqlite3_column_text(st, 1));
        }
        sqlite3_finalize(st);
    }
    cairn_store_close(s);
    return 0;
}

static int cmd_revoke(const eargs_t *a)
{
    if (a->arg == NULL)
        return eusage("revoke needs a SCHOOL (name or id prefix)");
    cairn_store_t *s;
    if (open_hub_store(a->data, &s) != 0)
        return EXIT_FAILURE;
    /* The same name-or-id-prefix lookup as `cairn bundle export --to`. */
    cairn_peer_t peer;
    char err[256];
    int found = cairn_store_peer_find(s, a->arg, &peer, err, sizeof err);
    cairn_store_close(s);
    if (found != 0)
        return efail("%s (see cairnd enroll list)", err);
    if (peer.role == CAIRN_PEER_HUB)
        return efail("'%s' is this hub's own upstream hub, not a school enrolled here", a->arg);
    char path[PATH_MAX], hex[65];
    cairn_identity_hex(peer.node, hex);
    snprintf(path, sizeof path, "%s/%s", a->data, CAIRN_REVOKED_DIR);
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return efail("cannot create %s: %s", path, strerror(errno));
    snprintf(path, sizeof path, "%s/%s/%s", a->data, CAIRN_REVOKED_DIR, hex);
    int rc = cairn_fs_write_atomic(path, "revoked\n", 8, 0600);
    if (rc != 0)
        return efail("cannot write %s: %s", path, cairn_strerror(rc));
    printf("revoked %s\n", hex);
    return 0;
}

int cairn_enroll_main(int argc, char **argv)
{
    if (argc < 2)
        return eusage(NULL);
    eargs_t a = {0};
    if (sodium_init() < 0)
        return efail("libsodium failed to initialise");
    int rc = parse(argc, argv, &a);
    if (rc != 0)
        return rc;
    const char *sub = argv[1];
    if (strcmp(sub, "create") == 0)
        return cmd_create(&a);
    if (strcmp(sub, "join") == 0)
        return cmd_join(&a);
    if (strcmp(sub, "list") == 0)
        return cmd_list(&a);
    if (strcmp(sub, "revoke") == 0)
        return cmd_revoke(&a);
    return eusage("unknown enroll command");
}
