/*
 * media.h: a file's media type, guessed from its name's extension.
 *
 * Only a hint for reviewers' players: the daemon stores whatever we send, and nothing decides
 * trust by it. Unknown extensions are application/octet-stream.
 */
#ifndef CAIRN_CLIENT_MEDIA_H
#define CAIRN_CLIENT_MEDIA_H

#define CAIRN_MEDIA_DEFAULT "application/octet-stream"

/* The media type for a file name (a path works too), matching the extension case-insensitively.
 * Never NULL; a static string. */
const char *cairn_media_guess(const char *name);

#endif
