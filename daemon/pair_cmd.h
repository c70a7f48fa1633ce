/*
 * pair_cmd.h: `cairnd pair` (PROTOCOL.md section 12): make a one-time code for a classroom
 * device, list codes and paired devices, revoke a device. Works beside a running daemon.
 */
#ifndef CAIRN_PAIR_CMD_H
#define CAIRN_PAIR_CMD_H

/* argv[0] = "pair". Returns the exit status (0, 1 failure, 2 usage). */
int cairn_pair_main(int argc, char **argv);

#endif
