/*
 * err.c: messages and symbolic names for error codes.
 *
 * Cairn's own codes, the negated errno values that the OS and libuv return, and libuv's few codes
 * of its own (end of file, resolver errors). Everything here is a static table: the functions are
 * thread-safe and return strings that live forever. This file must never allocate.
 */
#include "cairn/err.h"

#include <errno.h>
#include <stddef.h>

struct err_entry {
    int code;
    const char *name;
    const char *message;
};

static const struct err_entry cairn_errors[] = {
    {CAIRN_EINVAL, "EINVAL", "invalid argument or field"},
    {CAIRN_ENOTFOUND, "ENOTFOUND", "not found"},
    {CAIRN_EAMBIGUOUS, "EAMBIGUOUS", "id prefix matches more than one entity"},
    {CAIRN_ETOOBIG, "ETOOBIG", "size, count or depth exceeds its limit"},
    {CAIRN_EPROTO, "EPROTO", "protocol violation"},
    {CAIRN_EMSGPACK, "EMSGPACK", "malformed msgpack"},
    {CAIRN_EHASH, "EHASH", "data does not match its hash"},
    {CAIRN_ENOSPACE, "ENOSPACE", "disk reserve would be crossed"},
    {CAIRN_ESTATE, "ESTATE", "not allowed in the current state"},
    {CAIRN_EMISSING, "EMISSING", "required evidence parts are missing"},
    {CAIRN_EJSON, "EJSON", "malformed or invalid JSON document"},
    {CAIRN_ECONFIG, "ECONFIG", "invalid configuration"},
    {CAIRN_EDATADIR, "EDATADIR", "missing or invalid data directory"},
    {CAIRN_EEXIST, "EEXIST", "already exists"},
    {CAIRN_ESTORE, "ESTORE", "database failure"},
    {CAIRN_EGAP, "EGAP", "event sequence gap"},
    {CAIRN_ECONFLICT, "ECONFLICT", "same event id with different content"},
    {CAIRN_EINCOMPLETE, "EINCOMPLETE", "blob is missing chunks"},
    {CAIRN_EUNSUPPORTED, "EUNSUPPORTED", "unsupported operation or version"},
    {CAIRN_ECRYPTO, "ECRYPTO", "invalid key or signature"},
    {CAIRN_EDENIED, "EDENIED", "origin may not write this event"},
};

/* Negated errno values: the ones a daemon on Linux meets in file and socket I/O. Mapped here
 * rather than through strerror() so the answer is thread-safe on every libc and has a name. */
#define E(name, message)                                                                           \
    {                                                                                              \
        -(name), #name, message                                                                    \
    }
static const struct err_entry errno_errors[] = {
    E(EPERM, "operation not permitted"),
    E(ENOENT, "no such file or directory"),
    E(ESRCH, "no such process"),
    E(EINTR, "interrupted system call"),
    E(EIO, "i/o error"),
    E(ENXIO, "no such device or address"),
    E(E2BIG, "argument list too long"),
    E(EBADF, "bad file descriptor"),
    E(ECHILD, "no child processes"),
    E(EAGAIN, "resource temporarily unavailable"),
    E(ENOMEM, "out of memory"),
    E(EACCES, "permission denied"),
    E(EFAULT, "bad address"),
    E(EBUSY, "resource busy or locked"),
    E(EEXIST, "file already exists"),
    E(EXDEV, "cross-device link not permitted"),
    E(ENODEV, "no such device"),
    E(ENOTDIR, "not a directory"),
    E(EISDIR, "is a directory"),
    E(EINVAL, "invalid argument"),
    E(ENFILE, "file table overflow"),
    E(EMFILE, "too many open files"),
    E(ENOTTY, "inappropriate ioctl for device"),
    E(ETXTBSY, "text file is busy"),
    E(EFBIG, "file too large"),
    E(ENOSPC, "no space left on device"),
    E(ESPIPE, "invalid seek"),
    E(EROFS, "read-only file system"),
    E(EMLINK, "too many links"),
    E(EPIPE, "broken pipe"),
    E(EDOM, "argument out of domain"),
    E(ERANGE, "result out of range"),
    E(EDEADLK, "resource deadlock avoided"),
    E(ENAMETOOLONG, "name too long"),
    E(ENOLCK, "no locks available"),
    E(ENOSYS, "function not implemented"),
    E(ENOTEMPTY, "directory not empty"),
    E(ELOOP, "too many symbolic links encountered"),
    E(ENODATA, "no data available"),
    E(ETIME, "timer expired"),
    E(EPROTO, "protocol error"),
    E(EOVERFLOW, "value too large for defined data type"),
    E(EILSEQ, "illegal byte sequence"),
    E(ENOTSOCK, "socket operation on non-socket"),
    E(EDESTADDRREQ, "destination address required"),
    E(EMSGSIZE, "message too long"),
    E(EPROTOTYPE, "protocol wrong type for socket"),
    E(ENOPROTOOPT, "protocol not available"),
    E(EPROTONOSUPPORT, "protocol not supported"),
    E(ENOTSUP, "operation not supported"),
    E(EAFNOSUPPORT, "address family not supported"),
    E(EADDRINUSE, "address already in use"),
    E(EADDRNOTAVAIL, "address not available"),
    E(ENETDOWN, "network is down"),
    E(ENETUNREACH, "network is unreachable"),
    E(ECONNABORTED, "software caused connection abort"),
    E(ECONNRESET, "connection reset by peer"),
    E(ENOBUFS, "no buffer space available"),
    E(EISCONN, "socket is already connected"),
    E(ENOTCONN, "socket is not connected"),
    E(ESHUTDOWN, "cannot send after transport endpoint shutdown"),
    E(ETIMEDOUT, "connection timed out"),
    E(ECONNREFUSED, "connection refused"),
    E(EHOSTDOWN, "host is down"),
    E(EHOSTUNREACH, "host is unreachable"),
    E(EALREADY, "connection already in progress"),
    E(EINPROGRESS, "operation in progress"),
    E(EDQUOT, "disk quota exceeded"),
    E(ECANCELED, "operation canceled"),
};
#undef E

/* libuv's own codes (uv/errno.h): fixed numbers, not errno values, identical on every platform. */
static const struct err_entry uv_errors[] = {
    {-4095, "EOF", "end of file"},
    {-4080, "ECHARSET", "invalid Unicode character"},
    {-3000, "EAI_ADDRFAMILY", "address family not supported"},
    {-3001, "EAI_AGAIN", "temporary failure in name resolution"},
    {-3002, "EAI_BADFLAGS", "bad ai_flags value"},
    {-3003, "EAI_CANCELED", "request canceled"},
    {-3004, "EAI_FAIL", "permanent failure in name resolution"},
    {-3005, "EAI_FAMILY", "ai_family not supported"},
    {-3006, "EAI_MEMORY", "out of memory in name resolution"},
    {-3007, "EAI_NODATA", "no address"},
    {-3008, "EAI_NONAME", "unknown node or service"},
    {-3009, "EAI_OVERFLOW", "argument buffer overflow"},
    {-3010, "EAI_SERVICE", "service not available for socket type"},
    {-3011, "EAI_SOCKTYPE", "socket type not supported"},
    {-3013, "EAI_BADHINTS", "invalid value for hints"},
    {-3014, "EAI_PROTOCOL", "resolved protocol is unknown"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct err_entry *find(const struct err_entry *table, size_t n, int code)
{
    for (size_t i = 0; i < n; i++) {
        if (table[i].code == code)
            return &table[i];
    }
    return NULL;
}

static const struct err_entry *lookup(int code)
{
    const struct err_entry *e;
    if (code <= CAIRN_E__BASE && code > CAIRN_E__LAST)
        return find(cairn_errors, COUNT(cairn_errors), code);
    if ((e = find(uv_errors, COUNT(uv_errors), code)) != NULL)
        return e;
    return find(errno_errors, COUNT(errno_errors), code);
}

const char *cairn_strerror(int code)
{
    const struct err_entry *e;
    if (code == 0)
        return "success";
    if ((e = lookup(code)) != NULL)
        return e->message;
    return "unknown error";
}

const char *cairn_errname(int code)
{
    const struct err_entry *e;
    if (code == 0)
        return "OK";
    if ((e = lookup(code)) != NULL)
        return e->name;
    return "EUNKNOWN";
}
