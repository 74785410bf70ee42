-- Issue 15: a message's lease lives in a table of its own instead of its outbox row. The claim
-- rewrote each row (status SENDING, owner, end of lease, attempts) and the result rewrote it
-- again. An outbox row has five indexes, and a rewrite that changes the status adds an entry to
-- each: ten index entries and two row versions per message, half of them only to say "being
-- sent". A lease is now a small row inserted at the claim and deleted with the result (one index
-- entry). A message being sent stays QUEUED in the outbox and has a lease; the result's UPDATE is
-- the only rewrite of its outbox row. An attempt is counted with the result (or when its lease
-- runs out) instead of at the claim.
--
-- No foreign key to outbox: its check would lock the outbox row (a rewrite of the row's header)
-- at every claim, which is what this table saves. A lease whose row is gone runs out and is
-- deleted by the expiry like any other.
CREATE TABLE outbox_lease (
    outbox_id  bigint      PRIMARY KEY,
    owner      text        NOT NULL,
    until      timestamptz NOT NULL
);
-- The expiry reads the whole table: it holds only the messages in flight, and an index on the
-- end of the lease would be one more entry to write at every claim and every renewal.

-- Rows being sent when this runs (an instance of the earlier version still up) keep their lease.
INSERT INTO outbox_lease (outbox_id, owner, until)
    SELECT id, lease_owner, lease_until FROM outbox WHERE status = 'SENDING';
UPDATE outbox SET status = 'QUEUED', attempts = greatest(attempts - 1, 0) WHERE status = 'SENDING';

ALTER TABLE outbox DROP CONSTRAINT outbox_lease_only_while_sending;
ALTER TABLE outbox DROP CONSTRAINT outbox_sending_has_lease;
DROP INDEX outbox_leased;
ALTER TABLE outbox DROP COLUMN lease_owner, DROP COLUMN lease_until;
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('QUEUED', 'SENT', 'FAILED', 'SKIPPED', 'PAUSED')) NOT VALID;
ALTER TABLE outbox VALIDATE CONSTRAINT outbox_status_check;
