-- Issue 15: an issue's From and List-Id are kept on the issue, taken from its newsletter when it
-- starts, instead of on each of its outbox rows. The two headers were 79 of a row's 208 bytes in
-- a fan-out of a million (docs/BENCHMARKS.md, "Narrower issue rows"); every message of an issue
-- had the same two, and a newsletter renamed while its issue was being queued gave the parts
-- queued after it the new name. Rows queued before keep theirs, which the sender prefers.
ALTER TABLE issue ADD COLUMN sender text, ADD COLUMN list_id text;
