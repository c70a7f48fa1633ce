/*
 * cmd_pin.c: "cairn educator pin E": sets the PIN an educator signs in with at the kiosk
 * (op educator.pin.set). At a terminal the PIN is typed twice, not echoed; otherwise (a script)
 * one line is read from standard input. The PIN is never an argument: it would show in ps and in
 * the shell's history.
 */
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include <cairn/err.h>

#include "args.h"
#include "cmd.h"

#define PIN_MIN 4
#define PIN_MAX 12

const cairn_cmd_doc_t cairn_cmd_educator_pin_doc = {
    "cairn educator pin",
    "EDUCATOR",
    "Sets the PIN EDUCATOR (a name, id or id prefix) signs in with at the kiosk: 4 to 12\n"
    "digits, typed twice without echo (or one line on standard input when it is not a\n"
    "terminal). Stored at this school only, as an Argon2id hash; it never syncs to the hub.\n"
    "Setting a PIN also lifts a lockout.\n",
};

/* One line from stdin without echo when it is a terminal; the newline is dropped. */
static int read_pin(const char *prompt, char *out, size_t outlen)
{
    struct termios old, quiet;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        quiet = old;
        quiet.c_lflag &= (tcflag_t)~ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *got = fgets(out, (int)outlen, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (got == NULL)
        return CAIRN_EINVAL;
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

static bool pin_ok(const char *pin)
{
    size_t n = strlen(pin);
    return n >= PIN_MIN && n <= PIN_MAX && strspn(pin, "0123456789") == n;
}

int cairn_cmd_educator_pin(const cairn_cli_t *cli, int argc, char **argv)
{
    static const char *const pos[] = {"EDUCATOR", NULL};
    const char *educator = NULL;
    const cairn_argspec_t spec = {NULL, pos, 1, &educator};
    char err[CAIRN_ARGS_ERR_MAX], pin[64], again[64];
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(&cairn_cmd_educator_pin_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if (read_pin("New PIN (4 to 12 digits): ", pin, sizeof pin) != 0)
        return cairn_cli_fail("no PIN given");
    if (!pin_ok(pin)) {
        sodium_memzero(pin, sizeof pin);
        return cairn_cli_fail("a PIN is 4 to 12 digits");
    }
    if (isatty(STDIN_FILENO)) {
        if (read_pin("The same PIN again: ", again, sizeof again) != 0 || strcmp(pin, again) != 0) {
            sodium_memzero(pin, sizeof pin);
            sodium_memzero(again, sizeof again);
            return cairn_cli_fail("the two PINs differ: nothing was changed");
        }
        sodium_memzero(again, sizeof again);
    }
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK) {
        sodium_memzero(pin, sizeof pin);
        return rc;
    }
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "educator.pin.set", 2);
    cairn_mp_pack_kv_str(pk, "educator", educator);
    cairn_mp_pack_kv_str(pk, "pin", pin);
    sodium_memzero(pin, sizeof pin);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK)
        return rc;
    printf("PIN set\n");
    return cairn_cli_done(&rpc, &reply);
}
