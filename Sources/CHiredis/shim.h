#ifndef CHIREDIS_SHIM_H
#define CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <poll.h>
#include <errno.h>

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

/* Whether an idle connection's peer has gone: readable at once with nothing to read (EOF), or
   with bytes nobody asked for, or in error. A live idle connection has nothing to read. */
static inline int chiredis_idle_socket_broken(int fd) {
    if (fd < 0) return 1;
    struct pollfd p = { fd, POLLIN, 0 };
    int ready = poll(&p, 1, 0);
    if (ready == 0) return 0;
    if (ready < 0) return errno == EINTR ? 0 : 1;
    if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) return 1;
    char byte;
    ssize_t got = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return 0;
    return 1;
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
