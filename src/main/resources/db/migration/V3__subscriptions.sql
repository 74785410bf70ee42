-- Subscriptions, double opt-in requests, and the consent ledger that proves them.

-- One submitted form or API call: who asked, from where, for which newsletters, and the token
-- (stored hashed) its confirmation link carries. Personal fields are cleared after retention.
CREATE TABLE subscription_request (
    id          bigserial PRIMARY KEY,
    contact_id  bigint      NOT NULL REFERENCES contact (id),
    token_hash  text        NOT NULL UNIQUE,
    source      text        NOT NULL CHECK (source IN ('HOSTED_PAGE', 'EMBED', 'API')),
    page        text        CHECK (length(page) <= 2000),
    ip          text        CHECK (length(ip) <= 64),
    user_agent  text        CHECK (length(user_agent) <= 500),
    name        text        CHECK (length(name) <= 200),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    confirmed_at timestamptz,
    expired_at  timestamptz,
    purged_at   timestamptz
);
CREATE INDEX subscription_request_contact ON subscription_request (contact_id, created_at);
CREATE INDEX subscription_request_open ON subscription_request (expires_at) WHERE confirmed_at IS NULL AND expired_at IS NULL;

-- The newsletters one request asks for, each with the consent text version the person was shown.
CREATE TABLE subscription_request_item (
    request_id      bigint NOT NULL REFERENCES subscription_request (id),
    newsletter_id   bigint NOT NULL REFERENCES newsletter (id),
    consent_text_id bigint NOT NULL REFERENCES consent_text (id),
    PRIMARY KEY (request_id, newsletter_id)
);

-- A person's standing with one newsletter. Only CONFIRMED receives issues.
CREATE TABLE subscription (
    id              bigserial PRIMARY KEY,
    contact_id      bigint      NOT NULL REFERENCES contact (id),
    newsletter_id   bigint      NOT NULL REFERENCES newsletter (id),
    status          text        NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'UNSUBSCRIBED', 'EXPIRED')),
    consent_text_id bigint      REFERENCES consent_text (id),
    source          text        NOT NULL CHECK (source IN ('HOSTED_PAGE', 'EMBED', 'API', 'IMPORT')),
    requested_at    timestamptz NOT NULL,
    confirmed_at    timestamptz,
    unsubscribed_at timestamptz,
    updated_at      timestamptz NOT NULL,
    UNIQUE (contact_id, newsletter_id),
    CONSTRAINT subscription_confirmed_has_time CHECK (status <> 'CONFIRMED' OR confirmed_at IS NOT NULL)
);
CREATE INDEX subscription_newsletter_confirmed ON subscription (newsletter_id) WHERE status = 'CONFIRMED';

-- The consent ledger. Append-only: the database refuses UPDATE and DELETE. Personal evidence (IP,
-- user agent) lives in consent_evidence, which erasure may delete; the ledger rows keep counts.
CREATE TABLE consent_event (
    id              bigserial PRIMARY KEY,
    occurred_at     timestamptz NOT NULL,
    event           text        NOT NULL CHECK (event IN ('REQUESTED', 'CONFIRMED', 'UNSUBSCRIBED', 'EXPIRED', 'IMPORTED', 'ERASED')),
    contact_id      bigint      NOT NULL REFERENCES contact (id),
    newsletter_id   bigint      NOT NULL REFERENCES newsletter (id),
    request_id      bigint      REFERENCES subscription_request (id),
    consent_text_id bigint      REFERENCES consent_text (id),
    source          text        NOT NULL CHECK (length(source) <= 40),
    page            text        CHECK (length(page) <= 2000),
    evidence_at     timestamptz,          -- IMPORTED: when the person consented elsewhere
    evidence_text   text        CHECK (length(evidence_text) <= 4000), -- IMPORTED: the text they were shown there
    detail          text        CHECK (length(detail) <= 500)
);
CREATE INDEX consent_event_contact ON consent_event (contact_id, id);

CREATE TRIGGER consent_event_append_only BEFORE UPDATE OR DELETE ON consent_event
    FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER consent_event_no_truncate BEFORE TRUNCATE ON consent_event
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change();

CREATE TABLE consent_evidence (
    event_id   bigint PRIMARY KEY REFERENCES consent_event (id),
    ip         text   CHECK (length(ip) <= 64),
    user_agent text   CHECK (length(user_agent) <= 500)
);

-- ALTCHA challenges already redeemed, kept until they expire (single use across instances).
CREATE TABLE used_challenge (
    signature  text        PRIMARY KEY,
    expires_at timestamptz NOT NULL
);

-- Fixed-window request counters shared by all instances (per-IP limits).
CREATE TABLE request_window (
    key          text        NOT NULL,
    window_start timestamptz NOT NULL,
    hits         integer     NOT NULL,
    PRIMARY KEY (key, window_start)
);
