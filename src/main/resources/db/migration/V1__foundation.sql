-- Valjean foundation: contacts, suppression list, API tokens, and the one outbox every email leaves through.

CREATE TABLE contact (
    id               bigserial PRIMARY KEY,
    email            text,                 -- as the person typed it; NULL once erased
    email_normalized text,                 -- identity form: trimmed, domain lower-cased, IDN to ASCII; NULL once erased
    email_hash       text        NOT NULL, -- keyed hash of email_normalized; kept after erasure
    name             text,
    created_at       timestamptz NOT NULL,
    erased_at        timestamptz,
    CONSTRAINT contact_email_length CHECK (length(email) <= 320 AND length(email_normalized) <= 320),
    CONSTRAINT contact_name_length CHECK (length(name) <= 200),
    CONSTRAINT contact_erased_has_no_email CHECK (erased_at IS NULL OR (email IS NULL AND email_normalized IS NULL AND name IS NULL))
);
CREATE UNIQUE INDEX contact_email_normalized_key ON contact (email_normalized);
CREATE UNIQUE INDEX contact_email_hash_key ON contact (email_hash);

-- Address-level suppression: keyed by the hash so that it survives erasure of the address itself.
CREATE TABLE suppression (
    email_hash text        NOT NULL,
    reason     text        NOT NULL CHECK (reason IN ('GLOBAL_OPT_OUT', 'HARD_BOUNCE', 'COMPLAINT', 'ERASURE')),
    detail     text        CHECK (length(detail) <= 1000),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (email_hash, reason)
);

CREATE TABLE api_token (
    id         bigserial PRIMARY KEY,
    name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    role       text        NOT NULL CHECK (role IN ('ADMIN', 'EDITOR', 'SALES')),
    email      text        CHECK (length(email) <= 320),
    token_hash text        NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);

CREATE TABLE outbox (
    id               bigserial PRIMARY KEY,
    idempotency_key  text        NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 300),
    purpose          text        NOT NULL CHECK (purpose IN ('CONFIRMATION', 'NEWSLETTER', 'NURTURE', 'TRANSACTIONAL')),
    basis_type       text        NOT NULL CHECK (length(basis_type) BETWEEN 1 AND 40),
    basis_id         bigint,
    contact_id       bigint      NOT NULL REFERENCES contact (id),
    sender           text,       -- "Name <address>"; NULL means the configured default
    content_ref      text,       -- content rendered per message at send time (e.g. a newsletter issue); else the bodies below
    subject          text        CHECK (length(subject) <= 998),
    body_text        text        CHECK (length(body_text) > 0),
    body_html        text,
    list_id          text,       -- RFC 2919 List-Id; set for list mail only
    unsubscribe_url  text,       -- RFC 8058 one-click URI; required for list mail
    status           text        NOT NULL CHECK (status IN ('QUEUED', 'SENDING', 'SENT', 'FAILED', 'SKIPPED')),
    status_reason    text,
    attempts         integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  timestamptz NOT NULL,
    lease_owner      text,
    lease_until      timestamptz,
    message_id       text        NOT NULL,
    last_reply       text,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    sent_at          timestamptz,
    CONSTRAINT outbox_idempotency_key UNIQUE (idempotency_key),
    CONSTRAINT outbox_has_content CHECK (content_ref IS NOT NULL OR (subject IS NOT NULL AND body_text IS NOT NULL AND body_html IS NOT NULL)),
    CONSTRAINT outbox_list_mail_unsubscribes CHECK (purpose NOT IN ('NEWSLETTER', 'NURTURE') OR unsubscribe_url IS NOT NULL),
    CONSTRAINT outbox_sending_has_lease CHECK (status <> 'SENDING' OR (lease_owner IS NOT NULL AND lease_until IS NOT NULL))
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'QUEUED';
CREATE INDEX outbox_leased ON outbox (lease_until) WHERE status = 'SENDING';
CREATE INDEX outbox_contact ON outbox (contact_id);
CREATE INDEX outbox_status_created ON outbox (status, created_at DESC);

-- One row: a token bucket shared by every instance, so the relay's rate limit holds for the whole cluster.
CREATE TABLE send_rate (
    id          smallint PRIMARY KEY CHECK (id = 1),
    tokens      double precision NOT NULL,
    refilled_at timestamptz      NOT NULL
);
INSERT INTO send_rate (id, tokens, refilled_at) VALUES (1, 0, now());
