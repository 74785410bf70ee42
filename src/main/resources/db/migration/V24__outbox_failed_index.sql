-- Issue 15: every claim and every recorded result rewrites an outbox row, and each rewrite adds an
-- entry to every index whose key or predicate covers it. (status, created_at) took one for every
-- message twice over, for queries that only ever ask about FAILED rows (the operations page):
-- a partial index of failed rows by when they failed serves those and costs the common path nothing.
DROP INDEX outbox_status_created;
CREATE INDEX outbox_failed ON outbox (updated_at) WHERE status = 'FAILED';
