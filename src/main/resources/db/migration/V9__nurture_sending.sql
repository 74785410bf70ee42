-- Sending nurture steps: each step's outbox row, the person's own nurture opt-out, and the time
-- zone their business hours are counted in.

-- IANA zone name as the CRM knows it (e.g. Europe/Paris); NULL means valjean.nurture.default-time-zone.
ALTER TABLE contact ADD COLUMN time_zone text CHECK (length(time_zone) <= 64);

-- Opted out of sequences (one-click on a nurture email). Keyed by the address hash so that it
-- outlives erasure, like the suppression list; newsletters are not affected.
CREATE TABLE nurture_opt_out (
    email_hash text        PRIMARY KEY,
    created_at timestamptz NOT NULL
);

-- Which outbox row carries which step: one row per step, ever.
CREATE TABLE enrollment_step (
    enrollment_id bigint      NOT NULL REFERENCES enrollment (id),
    step          integer     NOT NULL CHECK (step >= 0),
    outbox_id     bigint      NOT NULL REFERENCES outbox (id),
    queued_at     timestamptz NOT NULL,
    PRIMARY KEY (enrollment_id, step)
);

ALTER TABLE enrollment ADD CONSTRAINT enrollment_ended_has_reason
    CHECK (status = 'ACTIVE' OR (ended_reason IS NOT NULL AND ended_at IS NOT NULL));
CREATE INDEX enrollment_contact ON enrollment (contact_id) WHERE status = 'ACTIVE';
CREATE INDEX enrollment_opportunity ON enrollment (opportunity_id) WHERE status = 'ACTIVE';
CREATE INDEX enrollment_account ON enrollment (account_id) WHERE status = 'ACTIVE';
CREATE INDEX outbox_nurture_recent ON outbox (contact_id, created_at) WHERE purpose = 'NURTURE';
