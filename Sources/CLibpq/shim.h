#ifndef CLIBPQ_SHIM_H
#define CLIBPQ_SHIM_H
#include <libpq-fe.h>

/* The PG_DIAG_* field codes are char macros Swift cannot import. */
static const int CLIBPQ_DIAG_SQLSTATE = 'C';
static const int CLIBPQ_DIAG_MESSAGE_PRIMARY = 'M';
static const int CLIBPQ_DIAG_CONSTRAINT_NAME = 'n';
static const int CLIBPQ_DIAG_SEVERITY = 'S';

static void clibpq_ignore_notice(void *arg, const PGresult *res) { (void)arg; (void)res; }

/* Without a notice receiver libpq prints NOTICEs to stderr; notices may quote values. */
static inline void clibpq_silence_notices(PGconn *conn) {
    PQsetNoticeReceiver(conn, clibpq_ignore_notice, 0);
}
#endif
