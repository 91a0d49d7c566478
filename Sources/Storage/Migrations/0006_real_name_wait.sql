-- The deadline sweeper looks for housing-fund extractions still waiting for the real-name check;
-- a task leaves this index as soon as it moves on, so the sweep stays small however many cases exist.
CREATE INDEX tasks_real_name_wait ON tasks (case_id)
    WHERE item = 'fund.extraction' AND status IN ('awaitingRealName', 'blocked');

-- Tasks past their time limit, counted for the metrics: only open tasks with a due date are in it.
CREATE INDEX tasks_open_due ON tasks (due_by)
    WHERE due_by IS NOT NULL
      AND status IN ('queued', 'running', 'retrying', 'awaitingConditions', 'scheduled', 'awaitingRealName');
