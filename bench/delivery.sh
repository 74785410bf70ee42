#!/usr/bin/env bash
# Delivery benchmark: Valjean (-Xmx256m) drains N queued messages of about 10 KB into Postfix's
# smtp-sink; in the same run, right before and right after, smtp-source sends N messages of the same
# size over the same number of connections to the same sink. Prints Valjean's rate, smtp-source's two
# and their mean, the ratio to the mean, peak RSS and peak heap, the CPU per message of each side and of
# the whole machine, and the rate with every core busy (lib.sh, cpu_budget).
#
#   [WARM=20000] bench/delivery.sh [messages=100000] [connections=16]
#
# WARM messages are delivered first and not counted: on two cores the JIT compiler took a tenth of
# the machine during the first half minute of a drain (perf, 2026-12-03), and the figure wanted is
# that of a server that has been running. WARM=0 measures from a cold start.
#
# Needs the local PostgreSQL (127.0.0.1:5432, user postgres) and Debian's postfix package for
# smtp-sink and smtp-source (installed if missing). Uses the schema valjean_bench of the database
# postgres, dropped and recreated on every run. Bounded: every wait has a time limit, and every
# process it starts is stopped by its PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-100000}
CONN=${2:-16}
SCHEMA=valjean_bench
DKIM=${DKIM:-off}
TEXT_BYTES=4600
HTML_BYTES=4600
MSG_BYTES=10240
PSQL="psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt"
. bench/lib.sh

prepare
echo "== starting Valjean with -Xmx$HEAP, $CONN SMTP connections, DKIM $DKIM"
dkim_env=()
if [ "$DKIM" = on ]; then
    dkim_env=(VALJEAN_DKIM_KEY_FILE=src/test/resources/dkim/test-dkim-private.pem VALJEAN_DKIM_DOMAIN=valjean.test VALJEAN_DKIM_SELECTOR=test)
fi
start_app $SCHEMA "$CONN" "${dkim_env[@]}"

WARM=${WARM:-20000}
# enqueue PREFIX COUNT: COUNT messages of the bench's size, keyed PREFIX:<contact id>, to the first COUNT contacts
enqueue() {
    $PSQL <<SQL
INSERT INTO $SCHEMA.outbox (idempotency_key, purpose, basis_type, basis_id, contact_id, subject, body_text, body_html,
                            status, next_attempt_at, created_at, updated_at)
SELECT '$1:' || c.id, 'TRANSACTIONAL', 'OPERATOR', 1, c.id, 'Valjean delivery benchmark ' || c.id,
       left(repeat(repeat('Short, useful and expected: the three things that changed this week. ', 6) || chr(10) || chr(10), 20), $TEXT_BYTES),
       '<html><body>' || left(repeat('<p>' || repeat('Short, useful and expected: the three things that changed. ', 7) || '</p>' || chr(10), 20), $HTML_BYTES - 28) || '</body></html>',
       'QUEUED', now(), now(), now()
FROM $SCHEMA.contact c ORDER BY c.id LIMIT $2;
SQL
}
$PSQL -c "INSERT INTO $SCHEMA.contact (email, email_normalized, email_hash, created_at)
SELECT 'reader' || i || '@bench.example', 'reader' || i || '@bench.example', md5('reader' || i), now()
FROM generate_series(1, GREATEST($N, $WARM)) i"
if [ "$WARM" -gt 0 ]; then
    echo "== warming up: $WARM messages delivered first, not counted"
    enqueue warm "$WARM"
    drain $SCHEMA
fi
source_rate "$N" "$MSG_BYTES" "$CONN" resume
source_before=$SOURCE_RATE
echo "== enqueuing $N messages (text $TEXT_BYTES + html $HTML_BYTES bytes)"
start_enqueue=$(date +%s.%N)
enqueue bench "$N"
t0=$(date +%s.%N)
echo "   enqueued in $(echo "$t0 - $start_enqueue" | bc) s"

echo "== draining"
cpu_ticks; CPU_APP0=$CPU_APP; CPU_PG0=$CPU_PG; CPU_JIT0=$CPU_JIT; machine_mark
drain $SCHEMA
cpu_line=$(cpu_per_message "$N")
drain_cpu "$N"
peak_heap=$PEAK_HEAP
BENCH_ROWS="idempotency_key LIKE 'bench:%'"
last_sent=$($PSQL -c "SELECT extract(epoch FROM max(sent_at)) FROM $SCHEMA.outbox WHERE $BENCH_ROWS")
counts=$($PSQL -c "SELECT string_agg(status || '=' || n, ' ') FROM (SELECT status, count(*) n FROM $SCHEMA.outbox WHERE $BENCH_ROWS GROUP BY status) s")
sent=$($PSQL -c "SELECT count(*) FROM $SCHEMA.outbox WHERE status = 'SENT' AND $BENCH_ROWS")
rss_kb=$(awk '/VmHWM/ {print $2}' /proc/$APP/status)
valjean_secs=$(echo "$last_sent - $t0" | bc -l)
valjean_rate=$(echo "$sent / $valjean_secs" | bc -l)
kill $APP; wait $APP 2>/dev/null || true

source_rate "$N" "$MSG_BYTES" "$CONN"
source_after=$SOURCE_RATE
source_rate=$(echo "($source_before + $source_after) / 2" | bc -l)

printf '\n%-34s %s\n' "messages" "$N ($counts), after $WARM delivered first and not counted"
printf '%-34s %.1f s, %.0f msg/s\n' "Valjean (-Xmx$HEAP, DKIM $DKIM)" "$valjean_secs" "$valjean_rate"
printf '%-34s %.0f msg/s (before %.0f, after %.0f)\n' "smtp-source, mean" "$source_rate" "$source_before" "$source_after"
printf '%-34s %.2f\n' "ratio Valjean / smtp-source" "$(echo "$valjean_rate / $source_rate" | bc -l)"
echo "$cpu_line"
cpu_budget "$valjean_rate" "$source_rate" "$sent" "$valjean_secs"
printf '%-34s %d MiB\n' "peak RSS (VmHWM)" "$((rss_kb / 1024))"
printf '%-34s %d MiB\n' "peak heap used (sampled 1/s)" "$((peak_heap / 1048576))"
