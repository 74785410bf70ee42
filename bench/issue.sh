#!/usr/bin/env bash
# Issue benchmark: one newsletter issue to N confirmed subscribers. Measures the fan-out (the
# set-based INSERT of N outbox rows when the issue is sent), then delivery into Postfix's smtp-sink
# with per-reader rendering at send time; in the same run, right before and right after, smtp-source
# sends N messages of the same size over the same number of connections. Prints fan-out seconds,
# Valjean's rate, smtp-source's two and their mean, the ratio to the mean, peak RSS and peak heap,
# the CPU per message of each side and of the whole machine, and the rate with every core busy
# (lib.sh, cpu_budget).
#
#   [WARM=20000] [WARM_ISSUES=2] bench/issue.sh [subscribers=100000] [connections=16]
#   FANOUT_ONLY=1 bench/issue.sh 1000000     stops after the fan-out
#
# WARM: issues of other newsletters to the first WARM subscribers are sent and delivered first,
# not counted, as bench/delivery.sh does: in a cold drain of 100,000 the JIT compiler threads took
# a third of Valjean's CPU (per-thread CPU from /proc, 2026-12-04). WARM=0 measures a cold start.
# WARM_ISSUES: the warm-up is that many issues, one after the other, to WARM / WARM_ISSUES
# subscribers each. With one, the issue measured was the first new issue the compiled code met:
# the branches taken once per issue (preparing it, its Feedback-ID) had never run in compiled code,
# and their traps threw away compiled sending code as its first messages were composed. A server
# that has sent two issues is past that (the JIT log shows no such trap in the drain then), though
# the compiler still works hard in the drain's first seconds (docs/BENCHMARKS.md, twelfth session).
#
# Needs the local PostgreSQL (127.0.0.1:5432, user postgres) and Debian's postfix package
# (installed if missing). Uses the schema valjean_bench_issue of the database postgres, dropped
# and recreated on every run. Bounded: every wait has a time limit; processes it starts are
# stopped by their PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-100000}
CONN=${2:-16}
SCHEMA=valjean_bench_issue
PSQL="psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt"
. bench/lib.sh

prepare
echo "== starting Valjean with -Xmx$HEAP, $CONN SMTP connections"
start_app $SCHEMA "$CONN" VALJEAN_PUBLIC_URL=https://news.valjean.test \
    VALJEAN_MAIL_POSTAL_ADDRESS="Valjean Bench, 1 Example Street, 75001 Paris" VALJEAN_ISSUES_START_EVERY=1s
API=(-fsS -H "Authorization: Bearer bench-admin-token" -H "Content-Type: application/json")

curl "${API[@]}" -o /dev/null localhost:$HTTP_PORT/api/v1/newsletters -d '{"slug":"weekly","name":"The Bench Weekly",
  "description":"Three short things a week.","cadence":"WEEKLY","senderName":"Bench News","senderAddress":"news@valjean.test",
  "consentText":"Yes, send me the Bench Weekly once a week."}'

WARM=${WARM:-20000}
WARM_ISSUES=${WARM_ISSUES:-2}
WARM_EACH=$(( WARM > 0 ? WARM / WARM_ISSUES : 0 ))
for k in $(seq 1 $(( WARM > 0 ? WARM_ISSUES : 0 ))); do
    curl "${API[@]}" -o /dev/null localhost:$HTTP_PORT/api/v1/newsletters -d '{"slug":"warm'$k'","name":"The Bench Warm-up '$k'",
      "description":"Sent first, not counted.","cadence":"WEEKLY","senderName":"Bench News","senderAddress":"news@valjean.test",
      "consentText":"Yes, send me the warm-up."}'
done

echo "== $N confirmed subscribers (bulk SQL, as an existing list would be)"
$PSQL <<SQL
BEGIN;
INSERT INTO $SCHEMA.contact (email, email_normalized, email_hash, name, created_at)
SELECT 'reader' || i || '@bench.example', 'reader' || i || '@bench.example', md5('reader' || i), 'Reader ' || i, now()
FROM generate_series(1, GREATEST($N, $WARM)) i;
INSERT INTO $SCHEMA.subscription (contact_id, newsletter_id, status, source, requested_at, confirmed_at, updated_at)
SELECT c.id, n.id, 'CONFIRMED', 'IMPORT', now(), now(), now() FROM $SCHEMA.contact c, $SCHEMA.newsletter n
WHERE n.slug = 'weekly' AND c.id <= (SELECT min(id) - 1 + $N FROM $SCHEMA.contact)
   OR n.slug LIKE 'warm%' AND c.id <= (SELECT min(id) - 1 + $WARM_EACH FROM $SCHEMA.contact);
COMMIT;
-- as autovacuum would have done long since for a list this old (hint bits set, visibility map)
VACUUM ANALYZE $SCHEMA.contact; VACUUM ANALYZE $SCHEMA.subscription;
-- and written out long since: the set-up's write-ahead log is not left for the measured run's checkpoint
CHECKPOINT;
SQL

item='{"title":"TITLE","body":"A short paragraph that says one useful thing, with **one** emphasis and [a link](https://example.com/more). Two or three sentences, as the rules want.","url":"https://example.com/TITLE"}'
items="[${item//TITLE/first},${item//TITLE/second},${item//TITLE/third}]"
# The measured issue is written and previewed first, as an author does well before sending it. Its preview is
# the run's first response large enough for the HTTP layer to send in parts, which loads a class (Netty's
# RecyclableArrayList, a subclass of ArrayList) that makes the JIT throw away every compiled method that had
# inlined ArrayList's own methods. Previewed between the warm-up and the measured drain, it made the drain
# compile the sending path again (docs/BENCHMARKS.md, fifteenth session).
id=$(curl "${API[@]}" localhost:$HTTP_PORT/api/v1/newsletters/weekly/issues \
    -d "{\"subject\":\"Three short things\",\"preheader\":\"This week, briefly\",\"layout\":\"default\",\"items\":$items}" \
    | sed -E 's/.*"id":([0-9]+).*/\1/')
preview=$(curl "${API[@]}" localhost:$HTTP_PORT/api/v1/issues/$id/preview)
msg_bytes=$(( $(printf '%s' "$preview" | wc -c) + 1200 ))
for k in $(seq 1 $(( WARM > 0 ? WARM_ISSUES : 0 ))); do
    echo "== warming up: issue $k of $WARM_ISSUES, to $WARM_EACH subscribers of another newsletter, delivered first and not counted"
    warm_id=$(curl "${API[@]}" localhost:$HTTP_PORT/api/v1/newsletters/warm$k/issues \
        -d "{\"subject\":\"Warming up\",\"preheader\":\"Not counted\",\"layout\":\"default\",\"items\":$items}" \
        | sed -E 's/.*"id":([0-9]+).*/\1/')
    curl "${API[@]}" -o /dev/null -X POST localhost:$HTTP_PORT/api/v1/issues/$warm_id/send -d '{}'
    # A running server delivers confirmations among an issue's messages. Without one in the warm-up, the
    # measured drain's sign-up (below) was the first: the JIT threw away the sending path compiled for
    # issues alone and compiled it again during the measure (docs/BENCHMARKS.md, forty-second session).
    ( sleep 1; curl "${API[@]}" -o /dev/null localhost:$HTTP_PORT/api/v1/subscriptions \
        -d "{\"email\":\"during-warm-up-$k@bench.example\",\"newsletters\":[\"weekly\"],\"consent\":true,\"consentVersion\":1}" ) &
    warm_probe=$!
    drain $SCHEMA
    wait $warm_probe || echo "the sign-up during warm-up issue $k failed"
    : > "$WORK/drain.tsv"
done

if [ -z "${FANOUT_ONLY:-}" ]; then
    # not for a fan-out alone: a million messages of smtp-source took 40 minutes here
    source_rate "$N" "$msg_bytes" "$CONN" resume
    source_before=$SOURCE_RATE
fi
echo "== sending issue $id (fan-out)"
wal0=$($PSQL -c "SELECT pg_current_wal_insert_lsn()")
f0=$(date +%s.%N)
curl "${API[@]}" -o /dev/null -X POST localhost:$HTTP_PORT/api/v1/issues/$id/send -d '{}'
t0=$(date +%s.%N)
fanout_secs=$(echo "$t0 - $f0" | bc -l)
# the write-ahead log the fan-out wrote (with what delivery wrote beside it): less noisy than its time on this machine
fanout_wal=$($PSQL -c "SELECT round(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '$wal0') / 1048576)")
queued=$($PSQL -c "SELECT count(*) FROM $SCHEMA.outbox WHERE content_ref = 'issue:$id'")
fanout_log=$(grep -o "Issue $id: .*messages queued in [0-9]* ms" "$WORK/app.log" | grep -o "messages queued in [0-9]* ms" | tail -1)
if [ -n "${FANOUT_ONLY:-}" ]; then
    sent_by_then=$($PSQL -c "SELECT count(*) FROM $SCHEMA.outbox WHERE content_ref = 'issue:$id' AND status = 'SENT'")
    printf '%-34s %.2f s for %d rows (server: %s; %d sent meanwhile; %s MiB of WAL)\n' "fan-out (POST /send)" "$fanout_secs" "$queued" \
        "$fanout_log" "$sent_by_then" "$fanout_wal"
    exit 0
fi

echo "== draining"
cpu_ticks; CPU_APP0=$CPU_APP; CPU_PG0=$CPU_PG; CPU_JIT0=$CPU_JIT; machine_mark
# Someone signs up while the issue drains: how long their confirmation waits (DECISIONS 34: not behind the issue).
( sleep 3; curl "${API[@]}" -o /dev/null localhost:$HTTP_PORT/api/v1/subscriptions \
    -d '{"email":"during-the-drain@bench.example","newsletters":["weekly"],"consent":true,"consentVersion":1}' ) &
PROBE=$!
drain $SCHEMA
wait $PROBE || echo "the sign-up during the drain failed"
cpu_line=$(cpu_per_message "$N")
drain_cpu "$N"
ours="content_ref = 'issue:$id'"
probe_ms=$($PSQL -c "SELECT COALESCE(round(extract(epoch FROM o.sent_at - o.created_at) * 1000)::text, 'not sent') FROM $SCHEMA.outbox o
    JOIN $SCHEMA.contact c ON c.id = o.contact_id WHERE c.email = 'during-the-drain@bench.example' AND o.purpose = 'CONFIRMATION'")
probe_left=$($PSQL -c "SELECT count(*) FROM $SCHEMA.outbox o JOIN $SCHEMA.contact c ON c.id = o.contact_id
    WHERE c.email = 'during-the-drain@bench.example' AND o.purpose = 'CONFIRMATION'
    AND o.created_at < (SELECT max(sent_at) FROM $SCHEMA.outbox WHERE $ours)")
last_sent=$($PSQL -c "SELECT extract(epoch FROM max(sent_at)) FROM $SCHEMA.outbox WHERE $ours")
counts=$($PSQL -c "SELECT string_agg(status || '=' || n, ' ') FROM (SELECT status, count(*) n FROM $SCHEMA.outbox WHERE $ours GROUP BY status) s")
sent=$($PSQL -c "SELECT count(*) FROM $SCHEMA.outbox WHERE status = 'SENT' AND $ours")
# Sending starts with the fan-out's first part: the delivery rate counts what was sent after POST /send answered.
sent_after=$($PSQL -c "SELECT count(*) FROM $SCHEMA.outbox WHERE status = 'SENT' AND $ours AND sent_at > to_timestamp($t0)")
rss_kb=$(awk '/VmHWM/ {print $2}' /proc/$APP/status)
valjean_secs=$(echo "$last_sent - $t0" | bc -l)
valjean_rate=$(echo "$sent_after / $valjean_secs" | bc -l)
whole_secs=$(echo "$last_sent - $f0" | bc -l)
kill $APP; wait $APP 2>/dev/null || true

source_rate "$N" "$msg_bytes" "$CONN"
source_after=$SOURCE_RATE
source_rate=$(echo "($source_before + $source_after) / 2" | bc -l)

printf '\n%-34s %s\n' "subscribers" "$N (outbox: $counts), after $WARM warm-up messages ($WARM_ISSUES issues) delivered first and not counted"
printf '%-34s %.2f s for %d rows (server: %s; %s MiB of WAL)\n' "fan-out (POST /send)" "$fanout_secs" "$queued" "$fanout_log" "$fanout_wal"
printf '%-34s %.1f s, %.0f msg/s (%d sent during the fan-out)\n' "Valjean delivery (-Xmx$HEAP)" "$valjean_secs" "$valjean_rate" "$((sent - sent_after))"
printf '%-34s %.1f s, %.0f msg/s\n' "whole issue (send to last message)" "$whole_secs" "$(echo "$sent / $whole_secs" | bc -l)"
printf '%-34s %.0f msg/s (before %.0f, after %.0f; %d bytes each)\n' "smtp-source, mean" "$source_rate" "$source_before" "$source_after" "$msg_bytes"
printf '%-34s %.2f\n' "ratio Valjean / smtp-source" "$(echo "$valjean_rate / $source_rate" | bc -l)"
echo "$cpu_line"
cpu_budget "$valjean_rate" "$source_rate" "$sent_after" "$valjean_secs"
printf '%-34s %d MiB\n' "peak RSS (VmHWM)" "$((rss_kb / 1024))"
printf '%-34s %d MiB\n' "peak heap used (sampled 1/s)" "$((PEAK_HEAP / 1048576))"
printf '%-34s %s\n' "memory as the queue drained" "$(memory_while_draining)"
printf '%-34s %s ms from its commit to its result (signed up 3 s into the drain, %s)\n' "a confirmation during the drain" "$probe_ms" \
    "$([ "$probe_left" = 1 ] && echo "before the issue's last message" || echo "after the issue's last message")"
