-- The operator dashboard: operators and their sessions, per-minute samples for the charts,
-- and the indexes its case search and failed-work page stand on.

-- Operators log in with a password (bcrypt hash only) and act as `viewer` (read only) or `operator`.
CREATE TABLE operators (
    id             uuid PRIMARY KEY,
    name           text NOT NULL UNIQUE,
    role           text NOT NULL CHECK (role IN ('viewer', 'operator')),
    password_hash  text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    disabled_at    timestamptz
);

-- A session is found by the SHA-256 of its cookie; the cookie itself is never stored.
CREATE TABLE operator_sessions (
    token_hash   bytea PRIMARY KEY,
    operator_id  uuid NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX operator_sessions_expiry ON operator_sessions (expires_at);

-- What the workers did, per minute and agency: written by each worker every few seconds
-- (added to the row), read by the overview's throughput and queue-wait charts.
CREATE TABLE queue_samples (
    minute       timestamptz NOT NULL,
    agency       text NOT NULL,
    processed    integer NOT NULL DEFAULT 0,
    succeeded    integer NOT NULL DEFAULT 0,
    wait_ms_sum  bigint NOT NULL DEFAULT 0,
    wait_count   integer NOT NULL DEFAULT 0,
    wait_ms_max  integer NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, agency)
);

-- Case search: by the last four characters of the ID number (what a masked number shows), and by filing date.
CREATE INDEX cases_id_suffix_seq ON cases (right(retiree_id_number, 4), seq DESC);
CREATE INDEX cases_filed_at ON cases (filed_at);

-- Each task carries its case's sequence, so the operators' case list can walk tasks in the list's
-- order (newest case first) and stop after a page, instead of probing every case for a rare state.
ALTER TABLE tasks ADD COLUMN case_seq bigint;
UPDATE tasks t SET case_seq = c.seq FROM cases c WHERE c.id = t.case_id;
ALTER TABLE tasks ALTER COLUMN case_seq SET NOT NULL;

-- Unfinished tasks by state in case order: the failed-work page, the case filter on an item state,
-- the overview's failed and dead counts. Finished tasks (most of the table) are not in it. It
-- replaces tasks_attention (failed and dead only).
CREATE INDEX tasks_unfinished ON tasks (status, case_seq DESC) INCLUDE (agency, item)
    WHERE status NOT IN ('succeeded', 'cancelled', 'abandoned');
DROP INDEX tasks_attention;

-- Open tasks with a time limit: by due date and agency (the overview's and the sweeper's overdue
-- counts, from the index alone; replaces tasks_open_due), and in case order (the "past time limit"
-- case filter).
CREATE INDEX tasks_open_due_agency ON tasks (due_by, agency)
    WHERE due_by IS NOT NULL
      AND status IN ('queued', 'running', 'retrying', 'awaitingConditions', 'scheduled', 'awaitingRealName');
DROP INDEX tasks_open_due;
CREATE INDEX tasks_open_by_case ON tasks (case_seq DESC) INCLUDE (due_by)
    WHERE due_by IS NOT NULL
      AND status IN ('queued', 'running', 'retrying', 'awaitingConditions', 'scheduled', 'awaitingRealName');
