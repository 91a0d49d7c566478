-- Pre-qualifications (the feed from the human-resources system), cases, their tasks and events.
CREATE TABLE prequalifications (
    id_number                    text PRIMARY KEY,
    name                         text NOT NULL,
    category                     text NOT NULL CHECK (category IN ('male', 'femaleCadre', 'femaleWorker')),
    organisation_id              text NOT NULL REFERENCES organisations (id),
    passed                       boolean NOT NULL,
    contribution_months          integer NOT NULL CHECK (contribution_months >= 0),
    deemed_months                integer NOT NULL CHECK (deemed_months >= 0),
    medical_contribution_months  integer NOT NULL CHECK (medical_contribution_months >= 0),
    fund_centre                  text,
    fund_account_frozen          boolean NOT NULL DEFAULT false,
    household_registered         boolean NOT NULL DEFAULT true,
    only_child_parent            boolean NOT NULL DEFAULT false,
    updated_at                   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX prequalifications_organisation ON prequalifications (organisation_id);

CREATE SEQUENCE case_numbers;

CREATE TABLE cases (
    id                    uuid PRIMARY KEY,
    seq                   bigint NOT NULL UNIQUE,
    case_no               text NOT NULL UNIQUE,
    status                text NOT NULL CHECK (status IN ('inProgress', 'actionRequired', 'completed', 'closed')),
    filed_at              timestamptz NOT NULL,
    filed_by              text NOT NULL CHECK (filed_by IN ('agent', 'individual')),
    filed_by_token        uuid NOT NULL REFERENCES api_tokens (id),
    organisation_id       text REFERENCES organisations (id),
    retiree_id_number     text NOT NULL,
    retiree_name          text NOT NULL,
    sex                   text NOT NULL,
    birth_date            date NOT NULL,
    category              text NOT NULL,
    retirement_date       date NOT NULL,
    pension_benefit       boolean NOT NULL,
    medical_transfer      boolean NOT NULL,
    housing_fund_action   text NOT NULL CHECK (housing_fund_action IN ('none', 'seal', 'sealAndExtract')),
    fund_centre           text,
    bank_name             text,
    bank_account_number   text,
    bank_holder_name      text,
    real_name_required    boolean NOT NULL,
    real_name_deadline    date,
    real_name_done_at     timestamptz,
    notices               jsonb NOT NULL DEFAULT '[]',
    idempotency_key       text,
    request_fingerprint   text,
    updated_at            timestamptz NOT NULL
);
-- One case in progress per retiree; after it has ended, filing again is allowed.
CREATE UNIQUE INDEX cases_one_open_per_retiree ON cases (retiree_id_number)
    WHERE status IN ('inProgress', 'actionRequired');
CREATE UNIQUE INDEX cases_idempotency ON cases (filed_by_token, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX cases_organisation_seq ON cases (organisation_id, seq DESC);
CREATE INDEX cases_retiree_seq ON cases (retiree_id_number, seq DESC);
CREATE INDEX cases_status_seq ON cases (status, seq DESC);

CREATE TABLE tasks (
    id                  uuid PRIMARY KEY,
    case_id             uuid NOT NULL REFERENCES cases (id),
    item                text NOT NULL,
    agency              text NOT NULL,
    status              text NOT NULL,
    attempt             integer NOT NULL DEFAULT 0,
    transient_failures  integer NOT NULL DEFAULT 0,
    ready_at            timestamptz,
    due_by              timestamptz,
    next_attempt_at     timestamptz,
    last_error          text,
    lease_owner         text,
    lease_expires_at    timestamptz,
    updated_at          timestamptz NOT NULL,
    UNIQUE (case_id, item)
);
CREATE INDEX tasks_ready ON tasks (agency, ready_at) WHERE status = 'queued';
CREATE INDEX tasks_attention ON tasks (agency, status) WHERE status IN ('failed', 'dead');

CREATE TABLE events (
    id         bigserial PRIMARY KEY,
    case_id    uuid NOT NULL REFERENCES cases (id),
    task_id    uuid REFERENCES tasks (id),
    item       text,
    at         timestamptz NOT NULL,
    from_status text,
    to_status  text NOT NULL,
    attempt    integer,
    actor      text NOT NULL,
    detail     text
);
CREATE INDEX events_case ON events (case_id, id);
