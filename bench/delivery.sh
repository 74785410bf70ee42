#!/usr/bin/env bash
# Delivery benchmark: Valjean (-Xmx256m) drains N queued messages of about 10 KB into Postfix's
# smtp-sink; in the same run, smtp-source sends N messages of the same size over the same number
# of connections to the same sink. Prints both rates, their ratio, peak RSS and peak heap.
#
#   bench/delivery.sh [messages=100000] [connections=16]
#
# Needs the local PostgreSQL (127.0.0.1:5432, user postgres) and Debian's postfix package for
# smtp-sink and smtp-source (installed if missing). Uses the schema valjean_bench of the database
# postgres, dropped and recreated on every run. Bounded: every wait has a time limit, and every
# process it starts is stopped by its PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-100000}
CONN=${2:-16}
SINK=127.0.0.1:2525
HTTP_PORT=8089
SCHEMA=valjean_bench
HEAP=${HEAP:-256m}
DKIM=${DKIM:-off}
TEXT_BYTES=4600
HTML_BYTES=4600
MSG_BYTES=10240
TIME_LIMIT=${TIME_LIMIT:-900}
WORK=$(mktemp -d)
PSQL="psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt"

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

for port in ${SINK#*:} $HTTP_PORT; do
    if ss -ltn "sport = :$port" | grep -q LISTEN; then
        echo "port $port is in use: is another benchmark running?"; exit 1
    fi
done

if ! command -v smtp-sink >/dev/null; then
    echo "Installing postfix for smtp-sink and smtp-source"
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix >/dev/null
fi

echo "== building the application"
./mvnw -B -q package -DskipTests

echo "== starting smtp-sink on $SINK"
smtp-sink -u nobody "$SINK" 1024 &
pids+=($!)
sleep 1

$PSQL -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE"

echo "== starting Valjean with -Xmx$HEAP, $CONN SMTP connections, DKIM $DKIM"
dkim_env=()
if [ "$DKIM" = on ]; then
    dkim_env=(VALJEAN_DKIM_KEY_FILE=src/test/resources/dkim/test-dkim-private.pem VALJEAN_DKIM_DOMAIN=valjean.test VALJEAN_DKIM_SELECTOR=test)
fi
env QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://127.0.0.1:5432/postgres?currentSchema=$SCHEMA" \
    QUARKUS_FLYWAY_SCHEMAS=$SCHEMA \
    QUARKUS_HTTP_PORT=$HTTP_PORT \
    QUARKUS_MAILER_HOST=${SINK%:*} QUARKUS_MAILER_PORT=${SINK#*:} QUARKUS_MAILER_START_TLS=DISABLED \
    QUARKUS_MAILER_MAX_POOL_SIZE=$CONN \
    QUARKUS_MAILER_FROM="Valjean Bench <bench@valjean.test>" \
    VALJEAN_ADMIN_TOKEN=bench-admin-token VALJEAN_SIGNING_KEY=bench-signing-key-0123456789abcdef-0123456789 \
    VALJEAN_DELIVERY_RATE_LIMIT=0 \
    "${dkim_env[@]}" \
    java -Xmx$HEAP ${JAVA_EXTRA:-} -jar target/quarkus-app/quarkus-run.jar > "$WORK/app.log" 2>&1 &
APP=$!
pids+=($APP)
for _ in $(seq 1 120); do
    curl -fs "localhost:$HTTP_PORT/q/health/ready" >/dev/null 2>&1 && break
    sleep 0.5
done
curl -fs "localhost:$HTTP_PORT/q/health/ready" >/dev/null || { cat "$WORK/app.log"; echo "Valjean did not become ready"; exit 1; }

echo "== enqueuing $N messages (text $TEXT_BYTES + html $HTML_BYTES bytes)"
start_enqueue=$(date +%s.%N)
$PSQL <<SQL
BEGIN;
INSERT INTO $SCHEMA.contact (email, email_normalized, email_hash, created_at)
SELECT 'reader' || i || '@bench.example', 'reader' || i || '@bench.example', md5('reader' || i), now()
FROM generate_series(1, $N) i;
INSERT INTO $SCHEMA.outbox (idempotency_key, purpose, basis_type, basis_id, contact_id, subject, body_text, body_html,
                            status, next_attempt_at, message_id, created_at, updated_at)
SELECT 'bench:' || c.id, 'TRANSACTIONAL', 'OPERATOR', 1, c.id, 'Valjean delivery benchmark ' || c.id,
       left(repeat(repeat('Short, useful and expected: the three things that changed this week. ', 6) || chr(10) || chr(10), 20), $TEXT_BYTES),
       '<html><body>' || left(repeat('<p>' || repeat('Short, useful and expected: the three things that changed. ', 7) || '</p>' || chr(10), 20), $HTML_BYTES - 28) || '</body></html>',
       'QUEUED', now(), '<bench.' || c.id || '@valjean.test>', now(), now()
FROM $SCHEMA.contact c;
COMMIT;
SQL
t0=$(date +%s.%N)
echo "   enqueued in $(echo "$t0 - $start_enqueue" | bc) s"

echo "== draining"
peak_heap=0
deadline=$(( $(date +%s) + TIME_LIMIT ))
while :; do
    heap=$(curl -fs "localhost:$HTTP_PORT/q/metrics" | awk '/^jvm_memory_used_bytes\{area="heap"/ {s += $NF} END {printf "%d", s}')
    [ "${heap:-0}" -gt "$peak_heap" ] && peak_heap=$heap
    left=$($PSQL -c "SELECT count(*) FROM $SCHEMA.outbox WHERE status IN ('QUEUED', 'SENDING')")
    [ "$left" -eq 0 ] && break
    [ "$(date +%s)" -gt "$deadline" ] && { echo "time limit reached with $left messages left"; exit 1; }
    sleep 0.5
done
last_sent=$($PSQL -c "SELECT extract(epoch FROM max(sent_at)) FROM $SCHEMA.outbox")
counts=$($PSQL -c "SELECT string_agg(status || '=' || n, ' ') FROM (SELECT status, count(*) n FROM $SCHEMA.outbox GROUP BY status) s")
sent=$($PSQL -c "SELECT count(*) FROM $SCHEMA.outbox WHERE status = 'SENT'")
rss_kb=$(awk '/VmHWM/ {print $2}' /proc/$APP/status)
valjean_secs=$(echo "$last_sent - $t0" | bc -l)
valjean_rate=$(echo "$sent / $valjean_secs" | bc -l)
kill $APP; wait $APP 2>/dev/null || true

echo "== smtp-source: $N messages of $MSG_BYTES bytes over $CONN connections"
s0=$(date +%s.%N)
smtp-source -s "$CONN" -m "$N" -l "$MSG_BYTES" -d -f bench@valjean.test -t reader@bench.example "$SINK"
s1=$(date +%s.%N)
source_secs=$(echo "$s1 - $s0" | bc -l)
source_rate=$(echo "$N / $source_secs" | bc -l)

printf '\n%-34s %s\n' "messages" "$N ($counts)"
printf '%-34s %.1f s, %.0f msg/s\n' "Valjean (-Xmx$HEAP, DKIM $DKIM)" "$valjean_secs" "$valjean_rate"
printf '%-34s %.1f s, %.0f msg/s\n' "smtp-source" "$source_secs" "$source_rate"
printf '%-34s %.2f\n' "ratio Valjean / smtp-source" "$(echo "$valjean_rate / $source_rate" | bc -l)"
printf '%-34s %d MiB\n' "peak RSS (VmHWM)" "$((rss_kb / 1024))"
printf '%-34s %d MiB\n' "peak heap used (sampled 2/s)" "$((peak_heap / 1048576))"
