-- A cheaper outbox row to write (issue 15: a fan-out of a million rows took 24-30 s, and every
-- claim and result writes a new version of the row into each of its indexes).

-- 1. Message-IDs name their row, <id.random@domain> (MessageIds): a returned message is found by
-- the primary key, so the outbox no longer keeps an index of every Message-ID, whose random keys
-- cost a random page for every row version. Rows queued before this form (<random@domain>: no dot
-- before the @) keep a partial index, which new rows never enter.
DROP INDEX outbox_message_id;
CREATE INDEX outbox_message_id_legacy ON outbox (message_id) WHERE message_id NOT LIKE '%.%@%';

-- 2. The keys the outbox is searched and ordered by are machine text: compared byte by byte, not by
-- the database's collation (equality is the same; only the order inside the indexes changes).
ALTER TABLE outbox
    ALTER COLUMN idempotency_key TYPE text COLLATE "C",
    ALTER COLUMN content_ref TYPE text COLLATE "C",
    ALTER COLUMN status TYPE text COLLATE "C";

-- 3. The reference from a message to its contact is kept by privilege, not by a foreign key whose
-- check locked the contact row of every message queued (a fan-out of a million rows wrote a
-- million contact rows again). Contacts are never deleted: erasure blanks a contact and keeps the
-- row (ContactDataService), and the application may no longer delete one.
ALTER TABLE outbox DROP CONSTRAINT outbox_contact_id_fkey;
REVOKE DELETE ON contact FROM ${app_role};
