/*
 * fsutil.h: durable small-file writes shared by the daemon's modules (config, identity, pid and
 * port files, manifests): write to a temp file beside the target, fsync, rename, fsync the
 * directory. After a crash the target holds either the old or the new content, never a mix.
 * Plain syscalls only, so these are safe on the thread pool as well as the loop thread.
 */
#ifndef CAIRN_FSUTIL_H
#define CAIRN_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* fsync a directory (makes a rename or a create inside it durable). 0 or -errno. */
int cairn_fs_fsync_dir(const char *dir);

/* fsync the directory holding path. 0 or -errno. */
int cairn_fs_fsync_parent(const char *path);

/* Writes len bytes to path atomically with the given mode (temp "path.tmp.<pid>", fsync,
 * rename, parent fsync). On failure nothing is left behind. 0 or -errno. */
int cairn_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* Writes all of len bytes to fd, retrying short writes and EINTR. 0 or -errno. */
int cairn_fs_write_all(int fd, const void *data, size_t len);

/* Reads the whole of a regular file of at most max bytes into a fresh buffer (caller frees).
 * -EFBIG if larger, -errno otherwise. The size is checked before allocating. */
int cairn_fs_read_file(const char *path, size_t max, unsigned char **out, size_t *len);

#endif
