-- Issue 15: an issue's rows carry no idempotency key. Each row's key was 'issue:<id>:<subscription>'
-- and went into the unique text index that every queued message has; in a fan-out of a million rows
-- that index was a fifth of each part's time (docs/BENCHMARKS.md, "Fan-out without keys"). An issue's
-- row is now unique by (content_ref, basis_id): the issue and the subscription, in a narrower index
-- that only the issue's rows enter. The parts of a fan-out still make a repeat impossible (each is
-- queued once, in the transaction that marks it done); this index is what stops one if a fault ever
-- got past them, as the key's index did. Rows keyed before keep their keys.
--
-- Erasure renames a row's content_ref ('erased'), which takes it out of the new index: two erased
-- rows of one subscription do not collide.

ALTER TABLE outbox ALTER COLUMN idempotency_key DROP NOT NULL;
ALTER TABLE outbox DROP CONSTRAINT outbox_idempotency_key;
-- Keyed messages (confirmations, sequences, transactional mail) are unique by key as before. A
-- unique index holds an entry for every NULL, so the keyless rows are left out of it.
CREATE UNIQUE INDEX outbox_idempotency_key ON outbox (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX outbox_issue_reader ON outbox (content_ref, basis_id)
    WHERE idempotency_key IS NULL AND content_ref LIKE 'issue:%';
ALTER TABLE outbox ADD CONSTRAINT outbox_keyed_or_issue CHECK (idempotency_key IS NOT NULL OR basis_id IS NOT NULL) NOT VALID;
ALTER TABLE outbox VALIDATE CONSTRAINT outbox_keyed_or_issue;
