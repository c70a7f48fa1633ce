/*
 * media.c: media type from a file name's extension (see media.h).
 */
#include "media.h"

#include <string.h>
#include <strings.h>

static const struct {
    const char *ext;
    const char *type;
} media_types[] = {
    {"mp4", "video/mp4"},
    {"m4v", "video/mp4"},
    {"mov", "video/quicktime"},
    {"webm", "video/webm"},
    {"mkv", "video/x-matroska"},
    {"m4a", "audio/mp4"},
    {"mp3", "audio/mpeg"},
    {"wav", "audio/wav"},
    {"pdf", "application/pdf"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"png", "image/png"},
    {"heic", "image/heic"},
    {"doc", "application/msword"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"txt", "text/plain"},
    {"csv", "text/csv"},
};

const char *cairn_media_guess(const char *name)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *dot = strrchr(base, '.');
    /* ".mp4" alone is a hidden file with no extension, not an mp4. */
    if (!dot || dot == base || dot[1] == '\0')
        return CAIRN_MEDIA_DEFAULT;
    for (size_t i = 0; i < sizeof media_types / sizeof media_types[0]; i++) {
        if (strcasecmp(dot + 1, media_types[i].ext) == 0)
            return media_types[i].type;
    }
    return CAIRN_MEDIA_DEFAULT;
}
