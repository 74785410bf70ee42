-- The console looks people up by the start of their address or name, whatever the database's collation.
CREATE INDEX contact_email_prefix ON contact (email_normalized text_pattern_ops) WHERE erased_at IS NULL;
CREATE INDEX contact_name_prefix ON contact (lower(name) text_pattern_ops) WHERE erased_at IS NULL;

-- The operations page's send rate (messages sent in the last 5 minutes and hour), read from an index.
CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE status = 'SENT';
