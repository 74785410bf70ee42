-- The console looks people up by the start of their address or name. Byte order ("C") makes a
-- prefix a range of the index whatever the database's collation, and the range is bound as two
-- parameters, so even a generic prepared plan uses it.
CREATE INDEX contact_email_prefix ON contact ((email_normalized COLLATE "C")) WHERE erased_at IS NULL;
CREATE INDEX contact_name_prefix ON contact ((lower(name) COLLATE "C")) WHERE erased_at IS NULL;

-- The operations page's send rate (messages sent in the last 5 minutes and hour), read from an index.
CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE status = 'SENT';

-- Deals newest activity first (open ones, or all), and every enrollment of a deal or a person
-- (ended ones too, for the timeline).
CREATE INDEX opportunity_open_recent ON opportunity (updated_at DESC, id DESC) WHERE status = 'OPEN';
CREATE INDEX opportunity_recent ON opportunity (updated_at DESC, id DESC);
CREATE INDEX enrollment_of_opportunity ON enrollment (opportunity_id);
CREATE INDEX enrollment_of_contact ON enrollment (contact_id);
