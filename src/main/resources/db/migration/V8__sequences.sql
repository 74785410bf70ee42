-- Nurture sequences and enrollments. Only sales (or the CRM integration) enrolls, one person at
-- a time, and only someone on an open deal (acceleration) or at a customer (customer success).

CREATE TABLE sequence (
    id         bigserial PRIMARY KEY,
    name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    purpose    text        NOT NULL CHECK (purpose IN ('SALES_ACCELERATION', 'CUSTOMER_SUCCESS')),
    steps      jsonb       NOT NULL CHECK (jsonb_typeof(steps) = 'array' AND jsonb_array_length(steps) BETWEEN 1 AND 20),
    created_at timestamptz NOT NULL
);

CREATE TABLE enrollment (
    id             bigserial PRIMARY KEY,
    sequence_id    bigint      NOT NULL REFERENCES sequence (id),
    contact_id     bigint      NOT NULL REFERENCES contact (id),
    opportunity_id bigint      REFERENCES opportunity (id),
    account_id     bigint      REFERENCES account (id),
    status         text        NOT NULL CHECK (status IN ('ACTIVE', 'ENDED')),
    ended_reason   text        CHECK (length(ended_reason) <= 100),
    next_step      integer     NOT NULL DEFAULT 0,
    next_due_at    timestamptz,
    enrolled_by    bigint      REFERENCES api_token (id),
    created_at     timestamptz NOT NULL,
    ended_at       timestamptz,
    CONSTRAINT enrollment_basis CHECK (opportunity_id IS NOT NULL OR account_id IS NOT NULL)
);
CREATE UNIQUE INDEX enrollment_one_active ON enrollment (sequence_id, contact_id) WHERE status = 'ACTIVE';
CREATE INDEX enrollment_due ON enrollment (next_due_at) WHERE status = 'ACTIVE';
