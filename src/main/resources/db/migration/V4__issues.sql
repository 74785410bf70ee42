-- Newsletter issues: one to three items, rendered per subscriber at send time.

ALTER TABLE newsletter
    ADD COLUMN subject_max    integer NOT NULL DEFAULT 100 CHECK (subject_max BETWEEN 10 AND 200),
    ADD COLUMN title_max      integer NOT NULL DEFAULT 120 CHECK (title_max BETWEEN 10 AND 300),
    ADD COLUMN body_max       integer NOT NULL DEFAULT 600 CHECK (body_max BETWEEN 50 AND 3000),
    ADD COLUMN postal_address text    CHECK (length(postal_address) <= 500);

CREATE TABLE issue (
    id                bigserial PRIMARY KEY,
    newsletter_id     bigint      NOT NULL REFERENCES newsletter (id),
    subject           text        NOT NULL CHECK (length(subject) BETWEEN 1 AND 200 AND subject !~ '[\r\n]'),
    preheader         text        CHECK (length(preheader) <= 200 AND preheader !~ '[\r\n]'),
    layout            text        NOT NULL CHECK (layout ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    items             jsonb       NOT NULL CHECK (jsonb_typeof(items) = 'array' AND jsonb_array_length(items) BETWEEN 1 AND 3),
    status            text        NOT NULL CHECK (status IN ('DRAFT', 'SCHEDULED', 'SENDING', 'SENT', 'CANCELLED')),
    scheduled_at      timestamptz,
    started_at        timestamptz,
    sent_at           timestamptz,
    cancelled_at      timestamptz,
    cadence_override  text        CHECK (length(cadence_override) BETWEEN 1 AND 500),
    recipients        integer,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    CONSTRAINT issue_scheduled_has_time CHECK (status <> 'SCHEDULED' OR scheduled_at IS NOT NULL)
);
CREATE INDEX issue_newsletter ON issue (newsletter_id, status);
CREATE INDEX issue_due ON issue (scheduled_at) WHERE status = 'SCHEDULED';

-- Issue messages carry a content reference and are rendered per subscriber, unsubscribe link included.
ALTER TABLE outbox DROP CONSTRAINT outbox_list_mail_unsubscribes;
ALTER TABLE outbox ADD CONSTRAINT outbox_list_mail_unsubscribes
    CHECK (purpose NOT IN ('NEWSLETTER', 'NURTURE') OR unsubscribe_url IS NOT NULL OR content_ref IS NOT NULL);
CREATE INDEX outbox_content_ref ON outbox (content_ref, status) WHERE content_ref IS NOT NULL;
