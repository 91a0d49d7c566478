#ifndef CHIREDIS_SHIM_H
#define CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#include <sys/time.h>

/* Swift cannot read a fixed C char array as a string; expose errstr as a pointer. */
static inline const char *chiredis_errstr(const redisContext *c) { return c->errstr; }
static inline int chiredis_err(const redisContext *c) { return c->err; }
static inline int chiredis_fd(const redisContext *c) { return c->fd; }

static inline redisContext *chiredis_connect(const char *host, int port, long timeout_ms) {
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    return redisConnectWithTimeout(host, port, tv);
}

static inline int chiredis_set_timeout(redisContext *c, long timeout_ms) {
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    return redisSetTimeout(c, tv);
}

enum {
    CHIREDIS_REPLY_STRING = REDIS_REPLY_STRING,
    CHIREDIS_REPLY_ARRAY = REDIS_REPLY_ARRAY,
    CHIREDIS_REPLY_INTEGER = REDIS_REPLY_INTEGER,
    CHIREDIS_REPLY_NIL = REDIS_REPLY_NIL,
    CHIREDIS_REPLY_STATUS = REDIS_REPLY_STATUS,
    CHIREDIS_REPLY_ERROR = REDIS_REPLY_ERROR,
    CHIREDIS_ERR_IO = REDIS_ERR_IO,
    CHIREDIS_ERR_EOF = REDIS_ERR_EOF,
    CHIREDIS_ERR_PROTOCOL = REDIS_ERR_PROTOCOL
};
#endif
