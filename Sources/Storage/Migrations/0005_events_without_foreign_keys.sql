-- The event log is append-only and written only in the transaction that creates or changes the task
-- it is about, and cases and tasks are never deleted, so its foreign keys protected nothing the code
-- does not already guarantee. They cost the hot path most: every event row ran two trigger queries
-- that also key-share-locked (and so wrote to) the case and task rows. Measured with
-- scripts/bench-drain: PostgreSQL spent about 15 % of its time in those checks.
ALTER TABLE events DROP CONSTRAINT IF EXISTS events_case_id_fkey;
ALTER TABLE events DROP CONSTRAINT IF EXISTS events_task_id_fkey;
