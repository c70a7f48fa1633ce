/*
 * main.c: the cairnd command line: init, run (the daemon itself is run.c), check-config,
 * rebuild, blob-cat, state-hash.
 *
 * Start-up is strict and fails fast with one line on stderr (exit 1; bad arguments exit 2):
 * nothing listens until the config, the identity, the store and the blob store are all good.
 * `run` and `rebuild` hold an flock on DATADIR/cairnd.lock, so they never share a data dir.
 * Must never print or log the secret key.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>

#include <cairn/chunk.h>
#include <cairn/err.h>

#include "blob_read.h"
#include "blobs.h"
#include "cli_util.h"
#include "config.h"
#include "daemon.h"
#include "fsutil.h"
#include "identity.h"
#include "log.h"
#include "run.h"
#include "search_synonyms.h"
#include "store.h"
#include "store_sync.h"
#include "timezone.h"
#include "sync.h"
#include "enroll.h"
#include "pair_cmd.h"

#define EXIT_USAGE 2
#define EXIT_NOT_EQUAL 3
#define CONF_FILE "cairnd.conf"
#define DB_FILE "cairn.db"
#define LOCK_FILE "cairnd.lock"

static const char usage_text[] = "usage: cairnd init --role school|hub --data DIR [--name NAME]\n"
                                 "       cairnd run --data DIR [--listen HOST:PORT] "
                                 "[--sync-listen HOST:PORT]\n"
                                 "                      [--lan-listen HOST:PORT]\n"
                                 "       cairnd check-config --data DIR\n"
                                 "       cairnd rebuild --data DIR\n"
                                 "       cairnd blob-cat --data DIR HASH\n"
                                 "       cairnd state-hash --data DIR [--partition P]\n"
                                 "       cairnd enroll create|join|list|revoke ... (cairnd "
                                 "enroll for help)\n"
                                 "       cairnd pair --data DIR [--expires 10m] | --list | "
                                 "--revoke DEVICE\n"
                                 "       cairnd --version\n";

typedef struct {
    const char *role, *data, *name, *listen, *hash, *partition, *sync_listen, *lan_listen;
} args_t;

__attribute__((format(printf, 1, 2))) static int usage(const char *fmt, ...)
{
    if (fmt != NULL) {
        char why[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, sizeof why, fmt, ap);
        va_end(ap);
        cairnd_fail("%s", why);
    }
    fputs(usage_text, stderr);
    return EXIT_USAGE;
}

/* Options as "--opt VALUE" or "--opt=VALUE"; one positional (blob-cat's HASH). */
static int parse_args(int argc, char **argv, args_t *a)
{
    static const struct {
        const char *name;
        size_t off;
    } opts[] = {
        /* clang-format off */
        {"--role", offsetof(args_t, role)},
        {"--data", offsetof(args_t, data)},
        {"--name", offsetof(args_t, name)},
        {"--sync-listen", offsetof(args_t, sync_listen)},
        {"--lan-listen", offsetof(args_t, lan_listen)},
        {"--listen", offsetof(args_t, listen)},
        {"--partition", offsetof(args_t, partition)},
        /* clang-format on */
    };
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0) {
            if (a->hash != NULL)
                return usage("unexpected argument '%s'", arg);
            a->hash = arg;
            continue;
        }
        size_t k = 0;
        for (; k < sizeof opts / sizeof opts[0]; k++) {
            size_t n = strlen(opts[k].name);
            const char **slot = (const char **)((char *)a + opts[k].off);
            if (strncmp(arg, opts[k].name, n) != 0)
                continue;
            if (arg[n] == '=') {
                *slot = arg + n + 1;
            } else if (arg[n] == '\0') {
                if (i + 1 >= argc)
                    return usage("%s needs a value", opts[k].name);
                *slot = argv[++i];
            } else {
                continue;
            }
            break;
        }
        if (k == sizeof opts / sizeof opts[0])
            return usage("unknown option '%s'", arg);
    }
    return 0;
}

/* A data dir is one `cairnd init` made: a directory with cairnd.conf and identity.key. */
static int check_datadir(const char *dir)
{
    struct stat st;
    char path[PATH_MAX];
    if (stat(dir, &st) != 0) {
        cairnd_fail("%s: %s (%s); create it with: cairnd init --role school --data %s", dir,
                    cairn_strerror(CAIRN_EDATADIR), strerror(errno), dir);
        return CAIRN_EDATADIR;
    }
    if (!S_ISDIR(st.st_mode)) {
        cairnd_fail("%s is not a directory (%s)", dir, cairn_strerror(CAIRN_EDATADIR));
        return CAIRN_EDATADIR;
    }
    const char *need[] = {CONF_FILE, CAIRN_IDENTITY_KEY_FILE};
    for (size_t i = 0; i < 2; i++) {
        if (cairnd_path_in(path, sizeof path, dir, need[i]) != 0 || stat(path, &st) != 0) {
            cairnd_fail("%s is not a Cairn data directory (no %s); create one with: cairnd init "
                        "--role school --data DIR",
                        dir, need[i]);
            return CAIRN_EDATADIR;
        }
    }
    return 0;
}

/* Holds DATADIR/cairnd.lock for the life of the process (the kernel drops it on any exit). */
static int lock_datadir(const char *dir, int *fd_out)
{
    char path[PATH_MAX];
    if (cairnd_path_in(path, sizeof path, dir, LOCK_FILE) != 0)
        return cairnd_fail("%s: path too long", dir), -ENAMETOOLONG;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return cairnd_fail("cannot open %s: %s", path, strerror(errno)), -errno;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            return cairnd_fail("another cairnd is running on %s (%s is locked)", dir, path),
                   CAIRN_EEXIST;
        return cairnd_fail("cannot lock %s: %s", path, strerror(e)), -e;
    }
    *fd_out = fd;
    return 0;
}

static int load_config(const char *dir, cairn_config_t *cfg)
{
    char path[PATH_MAX], err[512];
    if (cairnd_path_in(path, sizeof path, dir, CONF_FILE) != 0)
        return cairnd_fail("%s: path too long", dir), -ENAMETOOLONG;
    int rc = cairn_config_load(path, cfg, err, sizeof err);
    if (rc != 0)
        cairnd_fail("%s", err);
    else /* before any thread: the C library's zone is process-wide */
        cairn_timezone_apply(cfg->timezone);
    return rc;
}

static bool dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return false;
    struct dirent *e;
    bool empty = true;
    while (empty && (e = readdir(d)) != NULL)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    return empty;
}

/* The common start of every command but init: its arguments, libsodium, and a data dir that is
 * one. Returns 0, or the exit status to return. */
static int start_command(const args_t *a, const char *cmd, bool takes_hash)
{
    if (a->data == NULL)
        return usage("%s needs --data DIR", cmd);
    if (takes_hash && a->hash == NULL)
        return usage("%s needs a file hash", cmd);
    if (!takes_hash && a->hash != NULL)
        return usage("unexpected argument '%s'", a->hash);
    if (sodium_init() < 0)
        return cairnd_fail("libsodium failed to initialise");
    if (check_datadir(a->data) != 0)
        return EXIT_FAILURE;
    return 0;
}

/* ---- init ---- */

static int cmd_init(const args_t *a)
{
    cairn_role_t role;
    if (a->role == NULL || a->data == NULL || a->hash != NULL)
        return usage("init needs --role and --data");
    if (strcmp(a->role, "school") == 0)
        role = CAIRN_ROLE_SCHOOL;
    else if (strcmp(a->role, "hub") == 0)
        role = CAIRN_ROLE_HUB;
    else
        return usage("--role must be school or hub, not '%s'", a->role);

    char name[128], why[200];
    if (a->name != NULL) {
        if (cairn_config_check_name(a->name, why, sizeof why) != 0)
            return usage("--name: %s", why);
        snprintf(name, sizeof name, "%s", a->name);
    } else if (gethostname(name, sizeof name) != 0 || name[sizeof name - 1] != '\0' ||
               cairn_config_check_name(name, NULL, 0) != 0) {
        snprintf(name, sizeof name, "%s", cairn_role_name(role));
    }
    if (sodium_init() < 0)
        return cairnd_fail("libsodium failed to initialise");

    const char *dir = a->data;
    struct stat st;
    char path[PATH_MAX];
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return cairnd_fail("%s exists and is not a directory", dir);
        if (cairnd_path_in(path, sizeof path, dir, CONF_FILE) == 0 && access(path, F_OK) == 0)
            return cairnd_fail("%s is already a Cairn data directory (it has %s)", dir, CONF_FILE);
        if (!dir_is_empty(dir))
            return cairnd_fail("%s exists and is not empty: give a new or empty directory", dir);
        if (chmod(dir, 0700) != 0)
            return cairnd_fail("cannot set mode 0700 on %s: %s", dir, strerror(errno));
    } else if (errno != ENOENT || mkdir(dir, 0700) != 0) {
        return cairnd_fail("cannot create %s: %s", dir, strerror(errno));
    } else {
        cairn_fs_fsync_parent(dir);
    }

    int lock_fd;
    if (lock_datadir(dir, &lock_fd) != 0)
        return EXIT_FAILURE;

    uint8_t pk[32], sk[64];
    int rc = cairn_identity_create(dir, pk, sk);
    sodium_memzero(sk, sizeof sk);
    if (rc != 0)
        return cairnd_fail("cannot create the identity in %s: %s", dir, cairn_strerror(rc));

    cairn_store_t *store;
    if (cairnd_path_in(path, sizeof path, dir, DB_FILE) != 0)
        return cairnd_fail("%s: path too long", dir);
    rc = cairn_store_open(path, pk, &store);
    if (rc != 0)
        return cairnd_fail("cannot create the store %s: %s", path, cairn_strerror(rc));
    cairn_store_close(store);

    uv_loop_t loop;
    cairn_blobs_t *blobs;
    uv_loop_init(&loop);
    rc = cairn_blobs_open(&loop, dir, 0, &blobs);
    if (rc == 0)
        cairn_blobs_close(blobs);
    uv_loop_close(&loop);
    if (rc != 0)
        return cairnd_fail("cannot create the blob store in %s: %s", dir, cairn_strerror(rc));

    /* The config last: its presence is what makes DIR a data directory. */
    if (cairnd_path_in(path, sizeof path, dir, CONF_FILE) != 0)
        return cairnd_fail("%s: path too long", dir);
    rc = cairn_config_write_default(path, role, name);
    if (rc != 0)
        return cairnd_fail("cannot write %s: %s", path, cairn_strerror(rc));
    cairn_fs_fsync_dir(dir);

    char hex[65], abs[PATH_MAX];
    cairn_identity_hex(pk, hex);
    printf("node %s\ndata %s\n", hex, realpath(dir, abs) != NULL ? abs : dir);
    close(lock_fd);
    return 0;
}

/* ---- run ---- */

static int cmd_run(const args_t *a)
{
    int rc = start_command(a, "run", false);
    if (rc != 0)
        return rc;

    static cairn_daemon_t d; /* static: the secret key stays off the stack */
    d.datadir = (char *)a->data;
    if (load_config(a->data, &d.cfg) != 0)
        return EXIT_FAILURE;
    bool tcp = d.cfg.listen_port != 0;
    if (a->listen != NULL) {
        char why[256];
        if (cairn_config_parse_listen(a->listen, d.cfg.listen_host, &d.cfg.listen_port, why,
                                      sizeof why) != 0)
            return usage("--listen %s: %s", a->listen, why);
        tcp = true; /* port 0 here asks for an ephemeral port, written to cairnd.port */
    }
    if (a->sync_listen != NULL) {
        char why[256];
        if (cairn_config_parse_addr(a->sync_listen, d.cfg.sync_host, &d.cfg.sync_port, why,
                                    sizeof why) != 0)
            return usage("--sync-listen %s: %s", a->sync_listen, why);
        d.cfg.sync_enabled = 1; /* port 0 here asks for an ephemeral port (cairnd.sync-port) */
    }
    if (a->lan_listen != NULL) {
        char why[256];
        if (cairn_config_parse_addr(a->lan_listen, d.cfg.lan_host, &d.cfg.lan_port, why,
                                    sizeof why) != 0)
            return usage("--lan-listen %s: %s", a->lan_listen, why);
        d.cfg.lan_enabled = 1; /* port 0 here asks for an ephemeral port (cairnd.lan-port) */
    }
    cairn_log_set_level(d.cfg.log_level);

    int lock_fd;
    if (lock_datadir(a->data, &lock_fd) != 0)
        return EXIT_FAILURE;
    char err[512];
    if (cairn_identity_load(a->data, d.node_pk, d.node_sk, err, sizeof err) != 0)
        return cairnd_fail("%s", err);

    signal(SIGPIPE, SIG_IGN); /* a client that hangs up is a failed write, not a dead daemon */
    cairnd_size_thread_pool(d.cfg.write_concurrency);
    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0)
        return cairnd_fail("cannot create the event loop");
    d.loop = &loop;
    rc = cairnd_run(&d, tcp);
    sodium_memzero(d.node_sk, sizeof d.node_sk);
    if (uv_loop_close(&loop) != 0 && rc == 0)
        cairn_log_warn("event loop closed with handles still open");
    close(lock_fd);
    return rc;
}

/* ---- check-config, rebuild, blob-cat ---- */

static int cmd_check_config(const args_t *a)
{
    int rc = start_command(a, "check-config", false);
    if (rc != 0)
        return rc;
    cairn_config_t cfg;
    if (load_config(a->data, &cfg) != 0)
        return EXIT_FAILURE;
    /* the search synonym table is the other file an operator edits */
    char path[PATH_MAX], err[512];
    cairn_synonyms_t *syn = NULL;
    if (cairn_synonyms_open(a->data, &syn, path, sizeof path, err, sizeof err) != 0)
        return cairnd_fail("search synonyms: %s", err);
    cairn_synonyms_free(syn);
    puts("ok");
    return 0;
}

static int cmd_rebuild(const args_t *a)
{
    int rc = start_command(a, "rebuild", false);
    if (rc != 0)
        return rc;
    int lock_fd;
    if (lock_datadir(a->data, &lock_fd) != 0)
        return EXIT_FAILURE;
    uint8_t pk[32];
    char err[512], path[PATH_MAX];
    if (cairn_identity_load_public(a->data, pk, err, sizeof err) != 0)
        return cairnd_fail("%s", err);
    if (cairnd_path_in(path, sizeof path, a->data, DB_FILE) != 0)
        return cairnd_fail("%s: path too long", a->data);
    cairn_store_t *store;
    rc = cairn_store_open(path, pk, &store);
    if (rc != 0)
        return cairnd_fail("cannot open the store %s: %s", path, cairn_strerror(rc));
    bool equal = false;
    uint64_t n = 0;
    rc = cairn_store_rebuild(store, &equal, &n);
    cairn_store_close(store);
    close(lock_fd);
    if (rc != 0)
        return cairnd_fail("rebuild failed: %s", cairn_strerror(rc));
    printf("rebuilt %llu events; projections equal: %s\n", (unsigned long long)n,
           equal ? "yes" : "no");
    return equal ? 0 : EXIT_NOT_EQUAL;
}

static int cmd_blob_cat(const args_t *a)
{
    int rc = start_command(a, "blob-cat", true);
    if (rc != 0)
        return rc;
    cairn_hash_t h;
    if (cairn_hash_from_hex(a->hash, strlen(a->hash), &h) != 0)
        return usage("'%s' is not a file hash (64 hex characters)", a->hash);
    cairn_blobs_t *b;
    rc = cairn_blobs_open_readonly(a->data, &b);
    if (rc != 0)
        return cairnd_fail("cannot open the blob store in %s: %s", a->data, cairn_strerror(rc));
    rc = cairn_blob_read_to_fd(b, &h, STDOUT_FILENO);
    cairn_blobs_close(b);
    if (rc != 0)
        return cairnd_fail("blob %s: %s", a->hash, cairn_strerror(rc));
    return 0;
}

/* ---- state-hash ---- */

/* Prints the replicated state's digest (store_sync.h). Opens the store read-only, so it runs
 * beside a live daemon (WAL readers never block the writer) and takes no lock. */
static int cmd_state_hash(const args_t *a)
{
    int rc = start_command(a, "state-hash", false);
    if (rc != 0)
        return rc;
    char path[PATH_MAX], hex[65];
    uint8_t h[32];
    if (cairnd_path_in(path, sizeof path, a->data, DB_FILE) != 0)
        return cairnd_fail("%s: path too long", a->data);
    cairn_store_t *store;
    rc = cairn_store_open_readonly(path, &store);
    if (rc != 0)
        return cairnd_fail("cannot open the store %s: %s", path, cairn_strerror(rc));
    rc = cairn_store_state_hash(store, a->partition, h);
    cairn_store_close(store);
    if (rc != 0)
        return cairnd_fail("state hash failed: %s", cairn_strerror(rc));
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    printf("%s\n", hex);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(NULL);
    const char *cmd = argv[1];
    if (strcmp(cmd, "enroll") == 0)
        return cairn_enroll_main(argc - 1, argv + 1);
    if (strcmp(cmd, "pair") == 0)
        return cairn_pair_main(argc - 1, argv + 1);
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("cairnd %s (protocol 1)\n", CAIRN_VERSION);
        return 0;
    }
    args_t a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc;
    if (strcmp(cmd, "run") != 0 &&
        (a.listen != NULL || a.sync_listen != NULL || a.lan_listen != NULL))
        return usage("--listen, --sync-listen and --lan-listen are options of run only");
    if (strcmp(cmd, "state-hash") != 0 && a.partition != NULL)
        return usage("--partition is an option of state-hash only");
    if (strcmp(cmd, "init") == 0)
        return cmd_init(&a);
    if (a.role != NULL || a.name != NULL)
        return usage("--role and --name are options of init only");
    if (strcmp(cmd, "run") == 0)
        return cmd_run(&a);
    if (strcmp(cmd, "check-config") == 0)
        return cmd_check_config(&a);
    if (strcmp(cmd, "rebuild") == 0)
        return cmd_rebuild(&a);
    if (strcmp(cmd, "blob-cat") == 0)
        return cmd_blob_cat(&a);
    if (strcmp(cmd, "state-hash") == 0)
        return cmd_state_hash(&a);
    return usage("unknown command '%s'", cmd);
}
