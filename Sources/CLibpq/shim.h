#ifndef CLIBPQ_SHIM_H
#define CLIBPQ_SHIM_H
#include <libpq-fe.h>
#include <string.h>

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

/* Drops notices too, but raises *farewell when one is a FATAL or PANIC error: what the server
 * sends an idle session just before it closes it (shutdown, pg_terminate_backend, a timeout),
 * which libpq hands to the notice receiver because no command is running. */
static void clibpq_note_farewell(void *arg, const PGresult *res) {
    const char *severity = PQresultErrorField(res, 'V');
    if (severity && (strcmp(severity, "FATAL") == 0 || strcmp(severity, "PANIC") == 0)) {
        *(int *)arg = 1;
    }
}

static inline void clibpq_watch_notices(PGconn *conn, int *farewell) {
    PQsetNoticeReceiver(conn, clibpq_note_farewell, farewell);
}
#endif
