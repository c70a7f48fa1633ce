/*
 * cmd_pair.c: "cairn pair HOST[:PORT] CODE [--name NAME]" (PROTOCOL.md section 12): makes
 * this device's key if it has none, pairs it with the school's cairnd using the one-time code
 * printed by `cairnd pair`, and pins the daemon's key in known_hosts. Also how `cairn --connect
 * HOST:PORT` reaches a pinned daemon: through the channel, with the device key (secure.h).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include <cairn/err.h>
#include <cairn/paircode.h>

#include "addr.h"
#include "args.h"
#include "cmd.h"
#include "device.h"
#include "secure.h"

#define LAN_PORT_DEFAULT "7411"

const cairn_cmd_doc_t cairn_cmd_pair_doc = {
    "cairn pair",
    "HOST[:PORT] CODE [--name NAME]",
    "Pairs this device with the cairnd at HOST (LAN port, default 7411) using the one-time CODE\n"
    "that `cairnd pair` printed there. Creates the device key if missing ($CAIRN_HOME, else\n"
    "~/.config/cairn/device.key) and pins the daemon's key in known_hosts; from then on\n"
    "`cairn --connect HOST:PORT ...` talks to it through the secure channel and refuses any\n"
    "other key. NAME (default: this host's name) is how the school lists the device.\n",
};

/* Checks a device name: 1..127 bytes without control characters. */
static int name_ok(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > 127)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    }
    return 1;
}

int cairn_cmd_pair(const cairn_cli_t *cli, int argc, char **argv)
{
    (void)cli;
    static const char *const pos[] = {"HOST[:PORT]", "CODE", NULL};
    const char *vals[2] = {NULL, NULL}, *name = NULL;
    const cairn_opt_t opts[] = {{"name", "NAME", &name, NULL}, {NULL, NULL, NULL, NULL}};
    const cairn_argspec_t spec = {opts, pos, 2, vals};
    char err[CAIRN_RPC_ERR_MAX], hostname[256];
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(&cairn_cmd_pair_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;

    cairn_addr_t addr;
    char hostport[CAIRN_ADDR_SHOW_MAX];
    const char *h = vals[0];
    /* A port is given when the text ends ":digits" after any bracketed IPv6 literal. */
    const char *close = strrchr(h, ']'), *colon = strrchr(h, ':');
    bool has_port = colon != NULL && (close == NULL || colon > close) &&
                    (h[0] == '[' || strchr(h, ':') == colon);
    snprintf(hostport, sizeof hostport, "%s%s%s", h, has_port ? "" : ":",
             has_port ? "" : LAN_PORT_DEFAULT);
    if (cairn_addr_parse_hostport(hostport, &addr) != 0)
        return cairn_cli_parsed(&cairn_cmd_pair_doc, CAIRN_EINVAL,
                                "HOST[:PORT]: expected a host and an optional port 1..65535");
    cairn_pair_code_t code;
    if (cairn_pair_code_parse(vals[1], &code) != 0)
        return cairn_cli_parsed(&cairn_cmd_pair_doc, CAIRN_EINVAL,
                                "CODE: expected the 12 characters `cairnd pair` printed, like "
                                "7K2M-QX4P-9T3W");
    if (name == NULL) {
        if (gethostname(hostname, sizeof hostname) != 0)
            snprintf(hostname, sizeof hostname, "device");
        hostname[sizeof hostname - 1] = '\0';
        name = hostname;
    }
    if (!name_ok(name))
        return cairn_cli_parsed(&cairn_cmd_pair_doc, CAIRN_EINVAL,
                                "--name: expected 1 to 127 characters without control characters");

    uint8_t pk[32], sk[64], daemon_pk[32];
    char daemon_name[200];
    if (cairn_device_key(true, pk, sk, err, sizeof err) != 0)
        return cairn_cli_fail("%s", err);
    cairn_conn_t conn;
    rc = cairn_conn_open(&conn, &addr, err, sizeof err);
    if (rc == 0)
        rc = cairn_secure_start(&conn, addr.show, pk, sk, NULL, &code, daemon_pk, daemon_name,
                                sizeof daemon_name, err, sizeof err);
    sodium_memzero(sk, sizeof sk);
    sodium_memzero(&code, sizeof code);
    if (rc == 0)
        rc = cairn_secure_pair(&conn, addr.show, name, err, sizeof err);
    cairn_conn_close(&conn);
    if (rc == 0)
        rc = cairn_known_host_put(addr.host, addr.port, daemon_pk, err, sizeof err);
    if (rc != 0)
        return cairn_cli_fail("%s", err);
    char dhex[65], phex[65];
    sodium_bin2hex(dhex, sizeof dhex, daemon_pk, 32);
    sodium_bin2hex(phex, sizeof phex, pk, 32);
    printf("paired \"%s\" with %s (\"%s\", key %.16s...): use cairn --connect %s ...\n"
           "device key %s\n",
           name, addr.show, daemon_name, dhex, addr.show, phex);
    return CAIRN_EXIT_OK;
}

int cairn_cli_connect_secure(const cairn_addr_t *addr, cairn_rpc_t *rpc, bool *secured)
{
    uint8_t pinned[32], pk[32], sk[64], daemon_pk[32];
    char name[200];
    *secured = false;
    int rc = cairn_known_host_get(addr->host, addr->port, pinned, rpc->err, sizeof rpc->err);
    if (rc <= 0)
        return rc; /* not pinned: plain TCP (loopback); or a broken known_hosts */
    *secured = true;
    rc = cairn_device_key(false, pk, sk, rpc->err, sizeof rpc->err);
    if (rc == 0)
        rc = cairn_secure_start(&rpc->conn, addr->show, pk, sk, pinned, NULL, daemon_pk, name,
                                sizeof name, rpc->err, sizeof rpc->err);
    sodium_memzero(sk, sizeof sk);
    return rc;
}
