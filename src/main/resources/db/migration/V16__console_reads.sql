-- What the console reads often, made cheap: pending requests per newsletter (few, but counted on
-- every home page), and the final figures of a sent issue, kept when it is marked SENT so its page
-- does not count its outbox rows again on every view.
CREATE INDEX subscription_newsletter_pending ON subscription (newsletter_id) WHERE status = 'PENDING';
ALTER TABLE issue ADD COLUMN final_progress jsonb CHECK (final_progress IS NULL OR jsonb_typeof(final_progress) = 'object');
