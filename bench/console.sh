#!/usr/bin/env bash
# Console benchmark: how fast the console's pages answer with 100,000 confirmed subscribers and
# 1,000 issues in the database, one of them fanned out to every subscriber: its page is measured
# while it sends (counting 100,000 outbox rows) and once it is sent (its final figures kept). Each page is requested by `hey` with a signed-in session; prints
# the 50th, 95th and 99th percentile per page. Latency is measured by hey over loopback, so it is
# an upper bound of the server-side time.
#
#   bench/console.sh [subscribers=100000] [issues=1000] [requests per page=1000] [concurrency=4]
#
# Needs the local PostgreSQL (127.0.0.1:5432, user postgres) and hey (apt-get install hey).
# Uses the schema valjean_bench_console of the database postgres, dropped and recreated on every
# run. Bounded: every wait has a time limit; processes it starts are stopped by their PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-100000}
ISSUES=${2:-1000}
REQUESTS=${3:-1000}
CONC=${4:-4}
SCHEMA=valjean_bench_console
PSQL="psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt"
. bench/lib.sh

command -v hey >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q hey >/dev/null; }
prepare
# Delivery is off: the fanned-out issue stays in the outbox, so its page can be measured while it "sends".
start_app $SCHEMA 8 VALJEAN_PUBLIC_URL=http://localhost:$HTTP_PORT VALJEAN_CONSOLE_SECURE_COOKIES=false VALJEAN_DELIVERY_SCHEDULED=false \
    VALJEAN_MAIL_POSTAL_ADDRESS="Valjean Bench, 1 Example Street, 75001 Paris" VALJEAN_ISSUES_START_EVERY=1s
API=(-fsS -H "Authorization: Bearer bench-admin-token" -H "Content-Type: application/json")
BASE=localhost:$HTTP_PORT

curl "${API[@]}" -o /dev/null $BASE/api/v1/newsletters -d '{"slug":"weekly","name":"The Bench Weekly",
  "description":"Three short things a week.","cadence":"WEEKLY","senderName":"Bench News","senderAddress":"news@valjean.test",
  "consentText":"Yes, send me the Bench Weekly once a week."}'

echo "== $N confirmed subscribers, $((ISSUES - 2)) sent issues (bulk SQL)"
item='{"title":"TITLE","body":"A short paragraph that says one useful thing, with **one** emphasis and [a link](https://example.com/more).","url":"https://example.com/TITLE"}'
items="[${item//TITLE/first},${item//TITLE/second},${item//TITLE/third}]"
$PSQL <<SQL
BEGIN;
INSERT INTO $SCHEMA.contact (email, email_normalized, email_hash, name, created_at)
SELECT 'reader' || i || '@bench.example', 'reader' || i || '@bench.example', md5('reader' || i), 'Reader ' || i, now()
FROM generate_series(1, $N) i;
INSERT INTO $SCHEMA.subscription (contact_id, newsletter_id, status, source, requested_at, confirmed_at, updated_at)
SELECT c.id, n.id, 'CONFIRMED', 'IMPORT', now(), now(), now() FROM $SCHEMA.contact c, $SCHEMA.newsletter n;
INSERT INTO $SCHEMA.issue (newsletter_id, subject, preheader, layout, items, status, started_at, sent_at, recipients, created_at, updated_at)
SELECT n.id, 'Issue number ' || i, 'Three short things', 'default', '$items'::jsonb, 'SENT',
       now() - (i + 1) * interval '7 days', now() - (i + 1) * interval '7 days' + interval '1 minute', $N,
       now() - (i + 1) * interval '7 days', now() - (i + 1) * interval '7 days'
FROM $SCHEMA.newsletter n, generate_series(1, $((ISSUES - 2))) i;
-- Someone to sign in as: an editor with a single-use sign-in link whose token the script knows.
INSERT INTO $SCHEMA.person (email, email_normalized, name, role, created_at) VALUES ('editor@bench.example', 'editor@bench.example', 'Bench Editor', 'EDITOR', now());
INSERT INTO $SCHEMA.person_link (person_id, purpose, token_hash, created_at, expires_at)
SELECT id, 'SIGN_IN', encode(sha256('bench-sign-in-token-0123456789'::bytea), 'hex'), now(), now() + interval '1 hour' FROM $SCHEMA.person;
COMMIT;
SQL
# What autovacuum does after a bulk load (PostgreSQL 13 and later vacuum after inserts too).
$PSQL -c "VACUUM ANALYZE"

echo "== one issue fanned out to all $N subscribers, one draft"
sent=$(curl "${API[@]}" $BASE/api/v1/newsletters/weekly/issues \
    -d "{\"subject\":\"The one that went out\",\"preheader\":\"This week\",\"items\":$items}" | sed -E 's/.*"id":([0-9]+).*/\1/')
curl "${API[@]}" -o /dev/null -X POST $BASE/api/v1/issues/$sent/send -d '{"overrideReason":"benchmark"}'
draft=$(curl "${API[@]}" $BASE/api/v1/newsletters/weekly/issues \
    -d "{\"subject\":\"A draft\",\"preheader\":\"Being written\",\"items\":$items}" | sed -E 's/.*"id":([0-9]+).*/\1/')
# Part of it delivered, some skipped and failed, the rest waiting: an issue in the middle of sending.
$PSQL -c "UPDATE $SCHEMA.outbox SET status = 'SENT', sent_at = now() WHERE id % 10 < 6" \
      -c "UPDATE $SCHEMA.outbox SET status = 'SKIPPED', status_reason = 'SUPPRESSED' WHERE id % 1000 = 999" \
      -c "UPDATE $SCHEMA.outbox SET status = 'FAILED', status_reason = 'RELAY_REFUSED', attempts = 1 WHERE id % 5000 = 998" \
      -c "VACUUM ANALYZE $SCHEMA.outbox"

cookie=$(curl -s -o /dev/null -D - $BASE/console/sign-in/bench-sign-in-token-0123456789 | sed -nE 's/^Set-Cookie: (vj_session=[^;]+).*/\1/p')
[ -n "$cookie" ] || { echo "could not sign in"; exit 1; }
csrf=$(curl -s -H "Cookie: $cookie" $BASE/console | sed -nE 's/.*name="_csrf" value="([^"]+)".*/\1/p' | head -1)
counts=$($PSQL -c "SELECT (SELECT count(*) FROM $SCHEMA.subscription), (SELECT count(*) FROM $SCHEMA.issue), (SELECT count(*) FROM $SCHEMA.outbox)")

echo
echo "== $REQUESTS requests per page, $CONC at a time (subscriptions, issues, outbox rows: ${counts//|/, })"
measure "home (/console)" "http://$BASE/console"
measure "newsletter and its issues" "http://$BASE/console/newsletters/weekly"
measure "issue sending: page (counts 100,000 rows)" "http://$BASE/console/issues/$sent"
measure "issue sending: progress (htmx poll)" "http://$BASE/console/issues/$sent/progress"
measure "issue editor with preview" "http://$BASE/console/issues/$draft"
measure "live preview (htmx POST)" -m POST -H "X-CSRF-Token: $csrf" -T application/x-www-form-urlencoded \
    -d "subject=Three+things&preheader=&layout=default&title=One&body=Some+**text**&url=&title=Two&body=More&url=" \
    "http://$BASE/console/newsletters/weekly/preview"
measure "send confirmation" "http://$BASE/console/issues/$draft/send"
measure "newsletter settings" "http://$BASE/console/newsletters/weekly/settings"
measure "layouts (rendered samples)" "http://$BASE/console/layouts"
measure "embedded forms" "http://$BASE/console/embed"

# The rest goes out; once nothing waits, the issue is marked SENT with its final figures.
$PSQL -c "UPDATE $SCHEMA.outbox SET status = 'SENT', sent_at = now() WHERE status = 'QUEUED'"
for _ in $(seq 1 60); do
    [ "$($PSQL -c "SELECT status FROM $SCHEMA.issue WHERE id = $sent")" = SENT ] && break
    sleep 0.5
done
measure "issue sent: page (final figures kept)" "http://$BASE/console/issues/$sent"
