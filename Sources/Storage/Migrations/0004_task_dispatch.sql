-- When a task was last handed to Redis, so the reconciler can republish what Redis lost
-- without republishing everything on every pass.
ALTER TABLE tasks ADD COLUMN dispatched_at timestamptz;
CREATE INDEX tasks_waiting_dispatch ON tasks (status, dispatched_at)
    WHERE status IN ('queued', 'retrying', 'scheduled', 'awaitingConditions');
