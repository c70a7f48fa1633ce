/*
 * main.c: the cairn command-line client. Everything lives in the cairnclient library so that it
 * can be unit-tested; this file only hands over.
 */
#include "cli.h"

int main(int argc, char **argv)
{
    return cairn_cli_main(argc, argv);
}
