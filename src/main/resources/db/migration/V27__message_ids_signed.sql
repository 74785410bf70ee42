-- Message-IDs are signed, not stored (issue 15): <id.signature@domain>, the signature an HMAC of
-- the row's id under the installation's signing key, as VERP addresses are (MessageIds). A new
-- row stores none; rows queued before keep the Message-ID they were sent with, and a returned
-- message is still found by it. Writing a random Message-ID into every row cost about a tenth of
-- a fan-out (a random UUID per row and some 55 bytes of row and WAL).
ALTER TABLE outbox ALTER COLUMN message_id DROP NOT NULL;
