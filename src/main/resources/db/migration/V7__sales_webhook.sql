-- Qualification of sales requests against the ideal customer profile, and their delivery to the
-- CRM webhook (stored first, posted by a job with retries, so none is lost).
ALTER TABLE sales_request
    ADD COLUMN qualified       boolean     NOT NULL DEFAULT false,
    ADD COLUMN fit_reasons     text        CHECK (length(fit_reasons) <= 1000),
    ADD COLUMN webhook_status  text        NOT NULL DEFAULT 'NOT_POSTED'
        CHECK (webhook_status IN ('NOT_POSTED', 'PENDING', 'POSTED', 'FAILED')),
    ADD COLUMN attempts        integer     NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at timestamptz,
    ADD COLUMN posted_at       timestamptz,
    ADD COLUMN last_response   text        CHECK (length(last_response) <= 500);
CREATE INDEX sales_request_due ON sales_request (next_attempt_at) WHERE webhook_status = 'PENDING';
