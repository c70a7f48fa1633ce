/*
 * qr.c: QR code rendering for `cairn badge qr` (qr.h).
 */
#include "qr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <png.h>
#include <qrencode.h>

#define QUIET 4

static QRcode *encode(const char *text, char *err, size_t errlen)
{
    if (strlen(text) > CAIRN_QR_TEXT_MAX) {
        snprintf(err, errlen, "the URL is over %d bytes", CAIRN_QR_TEXT_MAX);
        return NULL;
    }
    QRcode *qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
    if (!qr)
        snprintf(err, errlen, "cannot make a QR code: %s", strerror(errno));
    return qr;
}

/* Module (x, y) of the symbol with its quiet zone: 1 dark, 0 light. */
static int dark(const QRcode *qr, int x, int y)
{
    x -= QUIET;
    y -= QUIET;
    if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
        return 0;
    return qr->data[y * qr->width + x] & 1;
}

int cairn_qr_terminal(FILE *f, const char *text, char *err, size_t errlen)
{
    QRcode *qr = encode(text, err, errlen);
    if (!qr)
        return -1;
    int size = qr->width + 2 * QUIET;
    for (int y = 0; y < size; y += 2) {
        for (int x = 0; x < size; x++) {
            int top = !dark(qr, x, y), bottom = y + 1 < size ? !dark(qr, x, y + 1) : 0;
            /* light modules are drawn; dark ones are the terminal's background */
            fputs(top && bottom ? "\u2588" : top ? "\u2580" : bottom ? "\u2584" : " ", f);
        }
        fputc('\n', f);
    }
    QRcode_free(qr);
    return 0;
}

int cairn_qr_png(const char *path, const char *text, int scale, char *err, size_t errlen)
{
    char tmp[4096];
    QRcode *qr = encode(text, err, errlen);
    if (!qr)
        return -1;
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        snprintf(err, errlen, "path too long");
        QRcode_free(qr);
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        QRcode_free(qr);
        return -1;
    }
    int size = (qr->width + 2 * QUIET) * scale;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_bytep row = malloc((size_t)size);
    volatile int rc = -1;
    if (png && info && row && !setjmp(png_jmpbuf(png))) {
        png_init_io(png, f);
        png_set_IHDR(png, info, (png_uint_32)size, (png_uint_32)size, 8, PNG_COLOR_TYPE_GRAY,
                     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        png_write_info(png, info);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++)
                row[x] = dark(qr, x / scale, y / scale) ? 0 : 255;
            png_write_row(png, row);
        }
        png_write_end(png, NULL);
        rc = 0;
    }
    png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
    free(row);
    QRcode_free(qr);
    if (rc == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0))
        rc = -1;
    if (fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
    }
    return rc;
}
