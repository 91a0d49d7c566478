-- The agency simulator's ledger: one row per effect, keyed by the idempotency key (the task id).
-- `calls` counts every call, so a repeated call shows up without a second effect.
CREATE TABLE simulator_ledger (
    idempotency_key  text PRIMARY KEY,
    item             text NOT NULL,
    applied_at       timestamptz NOT NULL,
    calls            integer NOT NULL DEFAULT 1
);
