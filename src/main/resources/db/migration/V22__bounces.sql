-- Bounces and complaints: each report as received (kept for an admin), what it said about each
-- recipient, and what Valjean did about it; tokens that may only hand reports in; issues that
-- pause themselves when their complaint or bounce rate climbs.

ALTER TABLE api_token DROP CONSTRAINT api_token_role_check;
ALTER TABLE api_token ADD CONSTRAINT api_token_role_check CHECK (role IN ('ADMIN', 'EDITOR', 'SALES', 'BOUNCES'));

-- A report as it arrived. The digest makes a report received twice (an IMAP poll interrupted
-- before the move, a webhook retried) count once.
CREATE TABLE bounce_report (
    id          bigserial PRIMARY KEY,
    received_at timestamptz NOT NULL,
    source      text        NOT NULL CHECK (source IN ('API', 'IMAP', 'SES', 'SENDGRID', 'POSTMARK', 'MAILGUN')),
    digest      text        NOT NULL CHECK (length(digest) = 64),
    subject     text        CHECK (length(subject) <= 500),
    raw         bytea       CHECK (octet_length(raw) <= 2097152),
    outcome     text        NOT NULL CHECK (outcome IN ('APPLIED', 'UNATTRIBUTED', 'NOTHING_FAILED', 'UNREADABLE')),
    CONSTRAINT bounce_report_once UNIQUE (source, digest)
);
CREATE INDEX bounce_report_unattributed ON bounce_report (received_at DESC) WHERE outcome IN ('UNATTRIBUTED', 'UNREADABLE');

-- What a report (or the relay's own reply at submission) said about one recipient.
CREATE TABLE bounce_event (
    id             bigserial PRIMARY KEY,
    occurred_at    timestamptz NOT NULL,
    report_id      bigint      REFERENCES bounce_report (id),
    source         text        NOT NULL CHECK (source IN ('API', 'IMAP', 'SES', 'SENDGRID', 'POSTMARK', 'MAILGUN', 'RELAY')),
    class          text        NOT NULL CHECK (class IN ('HARD', 'SOFT', 'COMPLAINT', 'OTHER', 'DELIVERED')),
    reason         text        NOT NULL CHECK (length(reason) <= 40),
    about_sender   boolean     NOT NULL,
    status         text        CHECK (length(status) <= 20),
    diagnostic     text        CHECK (length(diagnostic) <= 1000),
    contact_id     bigint      REFERENCES contact (id),
    outbox_id      bigint,
    issue_id       bigint,
    attributed_by  text        NOT NULL CHECK (attributed_by IN ('VERP', 'MESSAGE_ID', 'LATEST', 'PROVIDER', 'NONE')),
    action         text        CHECK (length(action) <= 200)
);
CREATE INDEX bounce_event_contact ON bounce_event (contact_id, occurred_at) WHERE contact_id IS NOT NULL;
CREATE INDEX bounce_event_issue ON bounce_event (issue_id, class) WHERE issue_id IS NOT NULL;
CREATE INDEX bounce_event_recent ON bounce_event (occurred_at DESC, id DESC);
CREATE UNIQUE INDEX bounce_event_once ON bounce_event (report_id, contact_id) WHERE report_id IS NOT NULL AND contact_id IS NOT NULL;

-- Events a provider's webhook delivered, by the provider's id (an SNS MessageId, a SendGrid event id,
-- a Mailgun token), so a replay is known; kept for a day past the signature's tolerance.
CREATE TABLE provider_event_seen (
    provider text        NOT NULL CHECK (provider IN ('SES', 'SENDGRID', 'POSTMARK', 'MAILGUN')),
    event_id text        NOT NULL CHECK (length(event_id) BETWEEN 1 AND 200),
    seen_at  timestamptz NOT NULL,
    PRIMARY KEY (provider, event_id)
);
CREATE INDEX provider_event_seen_at ON provider_event_seen (seen_at);

-- A returned message names its original by Message-ID.
CREATE INDEX outbox_message_id ON outbox (message_id);

-- An issue pauses itself; its waiting messages wait as PAUSED until an admin resumes or cancels it.
ALTER TABLE issue DROP CONSTRAINT issue_status_check;
ALTER TABLE issue ADD CONSTRAINT issue_status_check CHECK (status IN ('DRAFT', 'SCHEDULED', 'SENDING', 'PAUSED', 'SENT', 'CANCELLED'));
ALTER TABLE issue ADD COLUMN paused_at timestamptz;
ALTER TABLE issue ADD COLUMN paused_reason text CHECK (length(paused_reason) <= 500);
-- After a resume the breaker counts afresh from here, so an admin's decision is not undone at once.
ALTER TABLE issue ADD COLUMN resumed_at timestamptz;
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('QUEUED', 'SENDING', 'SENT', 'FAILED', 'SKIPPED', 'PAUSED'));
