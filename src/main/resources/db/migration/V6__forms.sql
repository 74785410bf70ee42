-- Forms of every kind and what their submissions create. A gated download or an event
-- registration is recorded and nothing more.

CREATE TABLE form (
    id            bigserial PRIMARY KEY,
    public_id     text        NOT NULL UNIQUE CHECK (public_id ~ '^[A-Za-z0-9_-]{8,40}$'),
    kind          text        NOT NULL CHECK (kind IN ('NEWSLETTER_SIGNUP', 'GATED_DOWNLOAD', 'EVENT_REGISTRATION',
                                                       'DEMO_REQUEST', 'CONTACT_SALES', 'TRIAL')),
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    newsletter_id bigint      REFERENCES newsletter (id),
    created_at    timestamptz NOT NULL,
    CONSTRAINT form_signup_names_newsletter CHECK (kind <> 'NEWSLETTER_SIGNUP' OR newsletter_id IS NOT NULL),
    CONSTRAINT form_sales_has_no_newsletter CHECK (kind NOT IN ('DEMO_REQUEST', 'CONTACT_SALES', 'TRIAL') OR newsletter_id IS NULL)
);

CREATE TABLE form_submission (
    id          bigserial PRIMARY KEY,
    form_id     bigint      NOT NULL REFERENCES form (id),
    contact_id  bigint      NOT NULL REFERENCES contact (id),
    fields      jsonb       NOT NULL,
    ip          text        CHECK (length(ip) <= 64),
    user_agent  text        CHECK (length(user_agent) <= 500),
    created_at  timestamptz NOT NULL
);
CREATE INDEX form_submission_form ON form_submission (form_id, created_at);

-- An explicit request to talk to sales (demo, contact sales, trial). Qualification comes with the
-- ideal-customer-profile rules.
CREATE TABLE sales_request (
    id            bigserial PRIMARY KEY,
    submission_id bigint      NOT NULL UNIQUE REFERENCES form_submission (id),
    contact_id    bigint      NOT NULL REFERENCES contact (id),
    kind          text        NOT NULL,
    created_at    timestamptz NOT NULL
);

ALTER TABLE subscription_request DROP CONSTRAINT subscription_request_source_check;
ALTER TABLE subscription_request ADD CONSTRAINT subscription_request_source_check
    CHECK (source IN ('HOSTED_PAGE', 'EMBED', 'API', 'FORM'));
ALTER TABLE subscription DROP CONSTRAINT subscription_source_check;
ALTER TABLE subscription ADD CONSTRAINT subscription_source_check
    CHECK (source IN ('HOSTED_PAGE', 'EMBED', 'API', 'IMPORT', 'FORM'));
