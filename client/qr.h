/*
 * qr.h: QR codes of a badge's verification URL, for a printed certificate or a phone held to the
 * screen: a PNG file (libpng) or UTF-8 half blocks on a terminal. The symbol comes from
 * libqrencode (error correction level M, byte mode).
 */
#ifndef CAIRN_CLIENT_QR_H
#define CAIRN_CLIENT_QR_H

#include <stddef.h>
#include <stdio.h>

/* Longest text we encode: a verification URL, far below a QR code's ~2,300 bytes at level M. */
#define CAIRN_QR_TEXT_MAX 1024

/* Draws text's QR code on f with two modules per character cell (U+2580/2584/2588), dark
 * modules as spaces on light blocks, with the 4-module quiet zone the standard asks for, so it
 * scans on a dark terminal. Returns 0, or -1 with err. */
int cairn_qr_terminal(FILE *f, const char *text, char *err, size_t errlen);

/* Writes text's QR code as an 8-bit greyscale PNG, scale pixels per module, quiet zone
 * included: written to path.tmp, fsync'd, renamed. Returns 0, or -1 with err. */
int cairn_qr_png(const char *path, const char *text, int scale, char *err, size_t errlen);

#endif
