-- People who sign in to the console, their sessions and single-use links, sign-in throttling,
-- and the audit trail of every state-changing action (console or API).

CREATE TABLE person (
    id               bigserial PRIMARY KEY,
    email            text        NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
    email_normalized text        NOT NULL UNIQUE CHECK (length(email_normalized) BETWEEN 3 AND 320),
    name             text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role             text        NOT NULL CHECK (role IN ('ADMIN', 'EDITOR', 'SALES')),
    -- PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash); null until the person sets a password
    password_hash    text        CHECK (password_hash IS NULL OR password_hash LIKE '$argon2id$%'),
    created_at       timestamptz NOT NULL,
    disabled_at      timestamptz
);

-- A single-use link mailed to a person: an invitation (set a first password), a reset, or the
-- printed dev-mode sign-in. Only the SHA-256 of the token is stored.
CREATE TABLE person_link (
    id          bigserial PRIMARY KEY,
    person_id   bigint      NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    purpose     text        NOT NULL CHECK (purpose IN ('INVITATION', 'RESET', 'SIGN_IN')),
    token_hash  text        NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL CHECK (expires_at > created_at),
    used_at     timestamptz
);
CREATE INDEX person_link_person ON person_link (person_id);

CREATE TABLE console_session (
    id           bigserial PRIMARY KEY,
    person_id    bigint      NOT NULL REFERENCES person (id) ON DELETE CASCADE,
    token_hash   text        NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    ended_at     timestamptz
);
CREATE INDEX console_session_person ON console_session (person_id) WHERE ended_at IS NULL;

-- Failed sign-ins per key ('account:<normalized email>' or 'ip:<address bucket>'), shared by all
-- instances: after a few failures each further attempt waits longer.
CREATE TABLE sign_in_throttle (
    key           text        PRIMARY KEY CHECK (length(key) <= 400),
    failures      integer     NOT NULL CHECK (failures >= 0),
    last_failure  timestamptz NOT NULL,
    blocked_until timestamptz
);

CREATE TABLE audit_event (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_kind  text        NOT NULL CHECK (actor_kind IN ('PERSON', 'TOKEN', 'SYSTEM', 'VISITOR')),
    actor_id    bigint,
    actor_name  text        NOT NULL CHECK (length(actor_name) <= 400),
    action      text        NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
    object_type text        NOT NULL CHECK (length(object_type) <= 60),
    object_id   text        CHECK (length(object_id) <= 400),
    detail      jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_event_object ON audit_event (object_type, object_id, id DESC);
CREATE INDEX audit_event_actor ON audit_event (actor_kind, actor_id, id DESC);

-- The trail is append-only: nobody rewrites who did what (the erasure of a person is an event of its own).
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION reject_change();
REVOKE UPDATE, DELETE ON audit_event FROM ${app_role};
