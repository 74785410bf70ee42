-- CRM data that nurture relies on: accounts (customers or not) and opportunities with their
-- buying committee. Upserted by external id from a CRM webhook or sync job.

CREATE TABLE account (
    id             bigserial PRIMARY KEY,
    external_id    text        NOT NULL UNIQUE CHECK (length(external_id) BETWEEN 1 AND 200),
    name           text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    customer       boolean     NOT NULL,
    customer_since date,
    industry       text        CHECK (length(industry) <= 100),
    employee_count integer     CHECK (employee_count >= 0),
    country        text        CHECK (country ~ '^[A-Z]{2}$'),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);

CREATE TABLE opportunity (
    id          bigserial PRIMARY KEY,
    external_id text        NOT NULL UNIQUE CHECK (length(external_id) BETWEEN 1 AND 200),
    account_id  bigint      NOT NULL REFERENCES account (id),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    stage       text        CHECK (length(stage) <= 100),
    status      text        NOT NULL CHECK (status IN ('OPEN', 'WON', 'LOST')),
    owner       text        CHECK (length(owner) <= 320),
    closed_at   timestamptz,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CONSTRAINT opportunity_closed_has_time CHECK (status = 'OPEN' OR closed_at IS NOT NULL)
);

-- The buying committee: who is on the deal now. Leaving the committee removes the row.
CREATE TABLE opportunity_contact (
    opportunity_id bigint NOT NULL REFERENCES opportunity (id),
    contact_id     bigint NOT NULL REFERENCES contact (id),
    role           text   CHECK (length(role) <= 100),
    PRIMARY KEY (opportunity_id, contact_id)
);
CREATE INDEX opportunity_contact_contact ON opportunity_contact (contact_id);
