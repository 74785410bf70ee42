-- Sales marks a request as handled in the console; who and when stay with it.
ALTER TABLE sales_request ADD COLUMN handled_at timestamptz, ADD COLUMN handled_by text CHECK (length(handled_by) <= 300);
CREATE INDEX sales_request_open ON sales_request (id DESC) WHERE handled_at IS NULL;
