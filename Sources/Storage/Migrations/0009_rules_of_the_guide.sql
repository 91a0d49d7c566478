-- The retirement rules as the guide states them (issue 14): flexible retirement dates, extraction
-- alone, one open task per retiree and item, results from the agencies, time limits only while an
-- agency can act, the pension chain's fault streaks, and the housing-fund centres as data.

-- Flexible retirement (弹性退休): a date human resources approved, which then is the retirement date.
ALTER TABLE prequalifications ADD COLUMN planned_retirement_date date;

-- An extraction alone, for an account an earlier case sealed.
ALTER TABLE cases DROP CONSTRAINT IF EXISTS cases_housing_fund_action_check;
ALTER TABLE cases ADD CONSTRAINT cases_housing_fund_action_check
    CHECK (housing_fund_action IN ('none', 'seal', 'sealAndExtract', 'extract'));

-- One open task per retiree and item, instead of one open case per retiree: an extraction alone may
-- be filed while the first case's pension chain still waits, but nothing is ever asked twice at once.
ALTER TABLE tasks ADD COLUMN retiree_id_number text;
UPDATE tasks t SET retiree_id_number = c.retiree_id_number FROM cases c WHERE c.id = t.case_id;
ALTER TABLE tasks ALTER COLUMN retiree_id_number SET NOT NULL;
CREATE UNIQUE INDEX tasks_one_open_per_retiree_item ON tasks (retiree_id_number, item)
    WHERE status NOT IN ('succeeded', 'cancelled', 'abandoned');
DROP INDEX cases_one_open_per_retiree;

-- What the agency reported on success, shown to the filer and the retiree.
ALTER TABLE tasks ADD COLUMN result jsonb;

-- When the current run of transient faults began: the pension chain never gives up on faults, and
-- one faulting for a day is stalled (shown, and a metric to alert on).
ALTER TABLE tasks ADD COLUMN failing_since timestamptz;
CREATE INDEX tasks_failing ON tasks (failing_since, agency)
    WHERE failing_since IS NOT NULL AND status NOT IN ('succeeded', 'cancelled', 'abandoned');

-- A time limit runs only while the agency can act: a waiting task has none.
UPDATE tasks SET due_by = NULL
WHERE due_by IS NOT NULL
  AND status IN ('blocked', 'awaitingConditions', 'scheduled', 'awaitingRealName', 'failed', 'dead');

-- The simulator replays a recorded success with what it reported.
ALTER TABLE simulator_ledger ADD COLUMN result jsonb;

-- The province's housing-fund centres: data, extendable without a rebuild (`dashboard fund-centre add`).
CREATE TABLE fund_centres (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9-]{0,31}$'),
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO fund_centres (code, name) VALUES
    ('changchun', '长春市住房公积金管理中心'),
    ('jilin', '吉林市住房公积金管理中心'),
    ('siping', '四平市住房公积金管理中心'),
    ('liaoyuan', '辽源市住房公积金管理中心'),
    ('tonghua', '通化市住房公积金管理中心'),
    ('baishan', '白山市住房公积金管理中心'),
    ('songyuan', '松原市住房公积金管理中心'),
    ('baicheng', '白城市住房公积金管理中心'),
    ('yanbian', '延边朝鲜族自治州住房公积金管理中心'),
    ('provincial', '吉林省省直住房公积金管理分中心');
