-- The periodic sweeps ask about a few tasks among millions: each question gets an index that holds
-- only the tasks it can be about, so its cost does not grow with the table (found by the engine
-- benchmark with 1,000,000 delayed tasks, and on the 10-million-task dashboard database, where the
-- lease sweep was a 290 ms sequential scan every 5 seconds per worker).

-- The lease sweeper: running tasks whose lease ran out.
CREATE INDEX tasks_leases ON tasks (lease_expires_at) WHERE status = 'running';

-- The reconciler: delayed work that is due, by its due time (the rest waits in Redis's delayed sets).
CREATE INDEX tasks_delayed_due ON tasks (next_attempt_at)
    WHERE status IN ('retrying', 'scheduled', 'awaitingConditions');
