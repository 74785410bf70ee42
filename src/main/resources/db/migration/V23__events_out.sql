-- Events out: the systems around Valjean (a CRM) subscribe to consent and lifecycle events, which
-- are queued in the transaction of the change and delivered signed, in order per contact, with retries.

CREATE TABLE event_subscriber (
    id            bigserial PRIMARY KEY,
    url           text        NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    secret        text        NOT NULL CHECK (length(secret) BETWEEN 16 AND 200),
    event_types   text[]      NOT NULL CHECK (cardinality(event_types) BETWEEN 1 AND 20),
    created_at    timestamptz NOT NULL,
    deleted_at    timestamptz,
    -- a receiver that keeps failing is paused until an admin resumes it
    paused_at     timestamptz,
    paused_reason text        CHECK (length(paused_reason) <= 500),
    failing_since timestamptz
);

-- What happened, once; the data holds no more than the address and ids.
CREATE TABLE outbound_event (
    id          bigserial PRIMARY KEY,
    occurred_at timestamptz NOT NULL,
    type        text        NOT NULL CHECK (length(type) <= 60),
    contact_id  bigint      REFERENCES contact (id),
    data        jsonb       NOT NULL
);
CREATE INDEX outbound_event_contact ON outbound_event (contact_id) WHERE contact_id IS NOT NULL;

-- One event for one subscriber.
CREATE TABLE event_delivery (
    id              bigserial PRIMARY KEY,
    subscriber_id   bigint      NOT NULL REFERENCES event_subscriber (id),
    event_id        bigint      NOT NULL REFERENCES outbound_event (id),
    contact_id      bigint,
    status          text        NOT NULL CHECK (status IN ('PENDING', 'DELIVERED', 'CANCELLED')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    lease_until     timestamptz,
    last_status     text        CHECK (length(last_status) <= 200),
    delivered_at    timestamptz,
    CONSTRAINT event_delivery_once UNIQUE (subscriber_id, event_id)
);
CREATE INDEX event_delivery_due ON event_delivery (next_attempt_at, event_id) WHERE status = 'PENDING';
CREATE INDEX event_delivery_order ON event_delivery (subscriber_id, contact_id, event_id) WHERE status = 'PENDING';
