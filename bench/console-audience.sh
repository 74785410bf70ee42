#!/usr/bin/env bash
# Console benchmark, part 2: the pages of sales, of a person and of operations, with 100,000
# contacts, 10,000 deals (3 people each), 1,000,000 outbox rows (ten messages a person over ten
# weeks, some failed, skipped or waiting to retry), 5,000 people in sequences and 1,000 sales
# requests. Each page is requested by `hey` with a signed-in admin session; prints the 50th, 95th
# and 99th percentile per page. Latency is measured by hey over loopback, so it is an upper bound
# of the server-side time.
#
#   bench/console-audience.sh [contacts=100000] [deals=10000] [requests per page=1000] [concurrency=4]
#
# Needs the local PostgreSQL (127.0.0.1:5432, user postgres) and hey (apt-get install hey).
# Uses the schema valjean_bench_audience of the database postgres, dropped and recreated on every
# run. Bounded: every wait has a time limit; processes it starts are stopped by their PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-100000}
DEALS=${2:-10000}
REQUESTS=${3:-1000}
CONC=${4:-4}
SCHEMA=valjean_bench_audience
PSQL="psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt"
. bench/lib.sh

command -v hey >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q hey >/dev/null; }
prepare
# Delivery is off: the outbox rows stay as loaded.
start_app $SCHEMA 8 VALJEAN_PUBLIC_URL=http://localhost:$HTTP_PORT VALJEAN_CONSOLE_SECURE_COOKIES=false VALJEAN_DELIVERY_SCHEDULED=false \
    VALJEAN_MAIL_POSTAL_ADDRESS="Valjean Bench, 1 Example Street, 75001 Paris" VALJEAN_NURTURE_ADVANCE_EVERY=off
API=(-fsS -H "Authorization: Bearer bench-admin-token" -H "Content-Type: application/json")
BASE=localhost:$HTTP_PORT

curl "${API[@]}" -o /dev/null $BASE/api/v1/newsletters -d '{"slug":"weekly","name":"The Bench Weekly",
  "description":"Three short things a week.","cadence":"WEEKLY","senderName":"Bench News","senderAddress":"news@valjean.test",
  "consentText":"Yes, send me the Bench Weekly once a week."}'
for purpose in SALES_ACCELERATION CUSTOMER_SUCCESS; do
    curl "${API[@]}" -o /dev/null $BASE/api/v1/sequences -d "{\"name\":\"$purpose sequence\",\"purpose\":\"$purpose\",\"steps\":[
      {\"delayHours\":0,\"subject\":\"Hello\",\"body\":\"A first note.\"},{\"delayBusinessDays\":2,\"subject\":\"Next\",\"body\":\"Then.\"},
      {\"delayBusinessDays\":5,\"subject\":\"Last\",\"body\":\"And the end.\"}]}"
done
form=$(curl "${API[@]}" $BASE/api/v1/forms -d '{"kind":"DEMO_REQUEST","name":"Book a demo"}' | sed -E 's/.*"id":"([^"]+)".*/\1/')

echo "== $N contacts, $DEALS deals, $((N * 10)) outbox rows (bulk SQL)"
item='{"title":"TITLE","body":"A short paragraph that says one useful thing, with **one** emphasis.","url":"https://example.com/TITLE"}'
items="[${item//TITLE/first},${item//TITLE/second}]"
$PSQL <<SQL
SET search_path = $SCHEMA;
BEGIN;
INSERT INTO contact (email, email_normalized, email_hash, name, created_at)
SELECT 'reader' || i || '@bench.example', 'reader' || i || '@bench.example', md5('reader' || i), 'Reader ' || i, now() - interval '100 days'
FROM generate_series(1, $N) i;
INSERT INTO subscription (contact_id, newsletter_id, status, source, requested_at, confirmed_at, updated_at)
SELECT c.id, n.id, 'CONFIRMED', 'IMPORT', c.created_at, c.created_at, c.created_at FROM contact c, newsletter n;
INSERT INTO issue (newsletter_id, subject, preheader, layout, items, status, started_at, sent_at, recipients, created_at, updated_at)
SELECT n.id, 'Issue number ' || i, 'Two short things', 'default', '$items'::jsonb, 'SENT', now() - i * interval '7 days',
       now() - i * interval '7 days' + interval '5 minutes', $N, now() - i * interval '7 days', now() - i * interval '7 days'
FROM newsletter n, generate_series(1, 10) i;
-- Ten newsletter messages a person (issue rows have no key, V30); about 1 % failed with the relay's reply, 1 % skipped, 1,000 waiting to retry.
INSERT INTO outbox (purpose, basis_type, basis_id, contact_id, content_ref, list_id, status, status_reason, attempts,
                    next_attempt_at, last_reply, created_at, updated_at, sent_at)
SELECT 'NEWSLETTER', 'SUBSCRIPTION', s.id, s.contact_id, 'issue:' || i.id, 'weekly.bench',
       CASE WHEN (s.id + i.id) % 100 = 0 THEN 'FAILED' WHEN (s.id + i.id) % 100 = 1 THEN 'SKIPPED' ELSE 'SENT' END,
       CASE WHEN (s.id + i.id) % 100 = 0 THEN 'REJECTED' WHEN (s.id + i.id) % 100 = 1 THEN 'SUPPRESSED_HARD_BOUNCE' END,
       1, i.started_at,
       CASE WHEN (s.id + i.id) % 100 = 0 THEN '550 5.1.1 <reader@bench.example>: Recipient address rejected' END,
       i.started_at, i.started_at + interval '1 minute',
       CASE WHEN (s.id + i.id) % 100 > 1 THEN i.started_at + (s.id % 300) * interval '1 second' END
FROM subscription s, issue i;
UPDATE outbox SET status = 'QUEUED', status_reason = NULL, sent_at = NULL, next_attempt_at = now() + interval '10 minutes',
       last_reply = '451 4.7.1 Greylisted, try again later', created_at = now() - interval '1 hour'
WHERE id IN (SELECT id FROM outbox WHERE status = 'SENT' ORDER BY id DESC LIMIT 1000);
UPDATE outbox SET created_at = now() - interval '2 hours', updated_at = now() - interval '1 hour'
WHERE id IN (SELECT id FROM outbox WHERE status = 'FAILED' ORDER BY id DESC LIMIT 200);
-- Accounts and deals: three people each; every tenth account a customer; deals owned by twenty reps and the admin.
INSERT INTO account (external_id, name, customer, created_at, updated_at)
SELECT 'acct-' || i, 'Account ' || i, i % 10 = 0, now(), now() FROM generate_series(1, $DEALS / 10) i;
INSERT INTO opportunity (external_id, account_id, name, stage, status, owner, closed_at, created_at, updated_at)
SELECT 'deal-' || i, (SELECT id FROM account WHERE external_id = 'acct-' || (1 + i % ($DEALS / 10))), 'Deal ' || i, 'Proposal',
       CASE WHEN i % 10 < 7 THEN 'OPEN' WHEN i % 10 < 9 THEN 'WON' ELSE 'LOST' END,
       CASE WHEN i % 21 = 0 THEN 'admin@bench.example' ELSE 'rep' || (i % 21) || '@bench.example' END,
       CASE WHEN i % 10 >= 7 THEN now() - i * interval '1 minute' END, now() - i * interval '1 minute', now() - i * interval '1 minute'
FROM generate_series(1, $DEALS) i;
INSERT INTO opportunity_contact (opportunity_id, contact_id, role)
SELECT o.id, c.id, 'Buyer' FROM opportunity o JOIN generate_series(0, 2) k ON true
JOIN contact c ON c.id = (SELECT min(id) FROM contact) + ((o.id * 3 + k) % $N);
INSERT INTO enrollment (sequence_id, contact_id, opportunity_id, status, next_step, next_due_at, created_at)
SELECT (SELECT id FROM sequence WHERE purpose = 'SALES_ACCELERATION'), oc.contact_id, oc.opportunity_id, 'ACTIVE', 1,
       now() + interval '2 days', now() - interval '1 day'
FROM (SELECT DISTINCT ON (oc.contact_id) oc.* FROM opportunity_contact oc JOIN opportunity o ON o.id = oc.opportunity_id
      WHERE o.status = 'OPEN' ORDER BY oc.contact_id LIMIT 5000) oc;
-- Sales requests from the demo form.
INSERT INTO form_submission (form_id, contact_id, fields, ip, created_at)
SELECT f.id, c.id, jsonb_build_object('email', c.email, 'company', 'Company ' || c.id, 'employees', '500'), '192.0.2.1', now() - c.id * interval '1 second'
FROM form f, (SELECT id, email FROM contact ORDER BY id LIMIT 1000) c;
INSERT INTO sales_request (submission_id, contact_id, kind, created_at, qualified, fit_reasons, webhook_status)
SELECT s.id, s.contact_id, 'DEMO_REQUEST', s.created_at, s.id % 2 = 0, 'employees fit: 500', 'NOT_POSTED' FROM form_submission s;
-- Someone to sign in as: an admin with a single-use sign-in link whose token the script knows.
INSERT INTO person (email, email_normalized, name, role, created_at) VALUES ('admin@bench.example', 'admin@bench.example', 'Bench Admin', 'ADMIN', now());
INSERT INTO person_link (person_id, purpose, token_hash, created_at, expires_at)
SELECT id, 'SIGN_IN', encode(sha256('bench-sign-in-token-0123456789'::bytea), 'hex'), now(), now() + interval '1 hour' FROM person;
COMMIT;
SQL
$PSQL -c "VACUUM ANALYZE"

cookie=$(curl -s -o /dev/null -D - $BASE/console/sign-in/bench-sign-in-token-0123456789 | sed -nE 's/^Set-Cookie: (vj_session=[^;]+).*/\1/p')
[ -n "$cookie" ] || { echo "could not sign in"; exit 1; }
counts=$($PSQL -c "SET search_path = $SCHEMA; SELECT (SELECT count(*) FROM contact), (SELECT count(*) FROM opportunity), (SELECT count(*) FROM outbox)" | tail -1)
person=$($PSQL -c "SELECT min(id) + 4242 FROM $SCHEMA.contact")
message=$($PSQL -c "SELECT max(id) FROM $SCHEMA.outbox WHERE contact_id = $person AND status = 'SENT'")
deal=deal-4200
account=$($PSQL -c "SELECT a.external_id FROM $SCHEMA.opportunity o JOIN $SCHEMA.account a ON a.id = o.account_id WHERE o.external_id = '$deal'")
customer=acct-10
sequence=$($PSQL -c "SELECT min(id) FROM $SCHEMA.sequence")

echo
echo "== $REQUESTS requests per page, $CONC at a time (contacts, deals, outbox rows: ${counts//|/, })"
measure "deals (open, newest activity first)" "http://$BASE/console/deals"
measure "deals: mine" "http://$BASE/console/deals?mine=true"
measure "deals: one account, closed too" "http://$BASE/console/deals?account=$account&closed=true"
measure "deal page (committee, timelines, choices)" "http://$BASE/console/deals/$deal"
measure "account page (customer)" "http://$BASE/console/accounts/$customer"
measure "contacts: search by address" "http://$BASE/console/contacts?q=reader4242"
measure "contacts: search by name" "http://$BASE/console/contacts?q=Reader+77"
measure "person page (10 emails, proof, deals)" "http://$BASE/console/contacts/$person"
measure "an email rendered again for the person" "http://$BASE/console/contacts/$person/messages/$message"
measure "printable consent proof" "http://$BASE/console/contacts/$person/proof"
measure "import form" "http://$BASE/console/imports"
measure "operations (outbox now over 1M rows)" "http://$BASE/console/operations"
measure "forms" "http://$BASE/console/forms"
measure "sales requests (open)" "http://$BASE/console/sales-requests"
measure "sequences" "http://$BASE/console/sequences"
measure "sequence editor" "http://$BASE/console/sequences/$sequence"
measure "people" "http://$BASE/console/people"
measure "audit trail" "http://$BASE/console/audit"
