/*
 * err.h: Cairn error codes.
 *
 * Every function that can fail returns 0 or a negative code. Codes in the range of
 * CAIRN_E__BASE and below are Cairn's own; anything else is a negated errno value (libuv's
 * codes are negated errno values too), so codes from the OS and libuv pass through unchanged.
 */
#ifndef CAIRN_ERR_H
#define CAIRN_ERR_H

enum {
    CAIRN_E__BASE = -10000,
    CAIRN_EINVAL = -10001,       /* an argument or field is missing or has a bad value */
    CAIRN_ENOTFOUND = -10002,    /* no such entity */
    CAIRN_EAMBIGUOUS = -10003,   /* an id prefix matches more than one entity */
    CAIRN_ETOOBIG = -10004,      /* a size, count or depth exceeds its limit */
    CAIRN_EPROTO = -10005,       /* a frame or message breaks the protocol */
    CAIRN_EMSGPACK = -10006,     /* bytes are not valid msgpack */
    CAIRN_EHASH = -10007,        /* bytes do not match their hash */
    CAIRN_ENOSPACE = -10008,     /* the disk reserve would be crossed */
    CAIRN_ESTATE = -10009,       /* the entity is not in a state that allows this */
    CAIRN_EMISSING = -10010,     /* required evidence parts are missing */
    CAIRN_EJSON = -10011,        /* a JSON document is malformed or does not match its schema */
    CAIRN_ECONFIG = -10012,      /* a configuration file is invalid */
    CAIRN_EDATADIR = -10013,     /* a data directory is missing or is not a Cairn data directory */
    CAIRN_EEXIST = -10014,       /* the thing already exists */
    CAIRN_ESTORE = -10015,       /* the database failed */
    CAIRN_EGAP = -10016,         /* an event's seq leaves a gap after the last one held */
    CAIRN_ECONFLICT = -10017,    /* the same (origin, seq) arrived with different content */
    CAIRN_EINCOMPLETE = -10018,  /* a blob is missing chunks */
    CAIRN_EUNSUPPORTED = -10019, /* unknown operation or version */
    CAIRN_ECRYPTO = -10020,      /* a key or signature is invalid */
    CAIRN_EDENIED = -10021,      /* the origin may not write this event type there */
    CAIRN_E__LAST = -10022,
};

/* A static, human-readable message for any code: Cairn's own, errno or libuv. Never NULL. */
const char *cairn_strerror(int code);

/* Short symbolic name ("EINVAL", "ENOTFOUND", ...), for logs and the wire. Never NULL. */
const char *cairn_errname(int code);

#endif
