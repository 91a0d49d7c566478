-- The reconciler pages through lost ready work: after a failover that lost a million ready tasks,
-- each page of 5,000 must start where the last one ended. Ordered by the moment a task was last
-- handed to Redis (the reconciler's own republish, or its becoming ready), per agency, a page is an
-- index range walk; republishing a task moves it past the range, so the next page does not read it
-- again. Queued tasks only: a handful in normal running.
CREATE INDEX tasks_handed_over ON tasks (agency, (COALESCE(dispatched_at, ready_at, updated_at)))
    WHERE status = 'queued';
