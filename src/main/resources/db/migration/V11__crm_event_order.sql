-- The inbound CRM webhook refuses a replayed event (by its id) and an upsert older than what is
-- stored (by the time the CRM says the change happened, or the API call's own time).
CREATE TABLE crm_webhook_event (
    event_id    text        PRIMARY KEY CHECK (length(event_id) BETWEEN 1 AND 200),
    type        text        NOT NULL,
    received_at timestamptz NOT NULL
);
CREATE INDEX crm_webhook_event_received ON crm_webhook_event (received_at);

ALTER TABLE account ADD COLUMN crm_event_at timestamptz;
ALTER TABLE opportunity ADD COLUMN crm_event_at timestamptz;
