-- Accounts: the organisations agents act for, and API tokens (only a hash is stored).
CREATE TABLE organisations (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('employer', 'group', 'archive')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_tokens (
    id               uuid PRIMARY KEY,
    token_hash       bytea NOT NULL UNIQUE,
    role             text NOT NULL CHECK (role IN ('operator', 'agent', 'individual')),
    name             text NOT NULL,
    organisation_id  text REFERENCES organisations (id),
    id_number        text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    revoked_at       timestamptz,
    CHECK ((role = 'agent') = (organisation_id IS NOT NULL)),
    CHECK ((role = 'individual') = (id_number IS NOT NULL))
);
