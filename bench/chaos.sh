#!/usr/bin/env bash
# Fault injection: does Valjean lose or repeat mail when it is killed, when its database restarts,
# when its relay misbehaves, and when one of two instances dies? Each scenario sends one newsletter
# issue to N confirmed subscribers through a counting SMTP sink (bench/faultsink.py) and prints:
# messages, lost (subscribers the sink never accepted a message for), duplicates (messages the sink
# accepted twice or more for one subscriber), and the submissions in flight at each fault (the
# sink's transactions between DATA and its reply at that moment; the client allows at most
# valjean.smtp.connections = 16 per instance), with the duplicates each fault caused (by the epoch
# in which the repeated message was first accepted: epoch k started at fault k).
#
#   bench/chaos.sh [scenario=all] [subscribers=20000]
#   scenarios: kill (kill -9 four times), fanout (kill -9 in the middle of the issue's fan-out),
#              term (SIGTERM twice, as deploys do),
#              database (PostgreSQL restarted mid-send),
#              relay (451 to 20 %, connection dropped after DATA for 5 %), pair (two instances, one killed),
#              signup (N sign-ups with a token from 8 clients, kill -9 twice meanwhile: every sign-up answered
#              202 must be stored whole, with its confirmation delivered; none may be stored in part),
#              unsubscribe (N one-click unsubscribes from 8 clients, kill -9 twice meanwhile: every one answered
#              200 must have ended its subscription with one ledger event; none may be ended without its event;
#              all are then posted again, which must record nothing)
#
# Loopback only. Needs the local PostgreSQL (127.0.0.1:5432, user postgres, run as root for the
# restart) and python3. Uses the schema valjean_chaos of the database postgres, dropped and
# recreated per scenario. Bounded: every wait has a time limit, the sink stops itself, and every
# process started here is stopped by its PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

SCENARIO=${1:-all}
N=${2:-20000}
SCHEMA=valjean_chaos
SINK_PORT=${SINK_PORT:-2526}
CONTROL_PORT=${CONTROL_PORT:-2527}
PORT_A=${PORT_A:-8091}
PORT_B=${PORT_B:-8092}
LEASE=${LEASE:-20s}
TIME_LIMIT=${TIME_LIMIT:-600}
PSQL="psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt"
WORK=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

for port in $SINK_PORT $CONTROL_PORT $PORT_A $PORT_B; do
    if ss -ltn "sport = :$port" | grep -q LISTEN; then echo "port $port is in use"; exit 1; fi
done
if [ ! -f target/quarkus-app/quarkus-run.jar ] || [ -z "${SKIP_BUILD:-}" ]; then
    echo "== building the application"
    ./mvnw -B -q package -DskipTests
fi

sink_start() { # sink_start [faultsink options]
    python3 bench/faultsink.py --port "$SINK_PORT" --control "$CONTROL_PORT" --max-seconds "$TIME_LIMIT" "$@" \
        > "$WORK/sink.log" 2>&1 &
    SINK=$!
    pids+=($SINK)
    for _ in $(seq 1 50); do stats >/dev/null 2>&1 && return; sleep 0.1; done
    echo "the sink did not start"; cat "$WORK/sink.log"; exit 1
}
sink_stop() { kill "$SINK" 2>/dev/null || true; wait "$SINK" 2>/dev/null || true; }
stats() { python3 - "$CONTROL_PORT" "${1:-STATS}" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
s.sendall(sys.argv[2].encode() + b"\n")
print(s.makefile().readline().strip())
PY
}
# mark: the in-flight count now, and a new epoch in the sink (duplicates are attributed per fault).
mark() { stats MARK | python3 -c "import json,sys; print(json.load(sys.stdin)['in_flight'])"; }
stat() { stats | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# app_start NAME PORT [ENV=VALUE...]: one instance on the chaos schema; sets PID_<NAME>.
app_start() {
    local name=$1 port=$2
    shift 2
    env QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://127.0.0.1:5432/postgres?currentSchema=$SCHEMA" \
        QUARKUS_FLYWAY_SCHEMAS=$SCHEMA QUARKUS_FLYWAY_PASSWORD=trust-authentication QUARKUS_HTTP_PORT=$port \
        VALJEAN_SMTP_HOST=127.0.0.1 VALJEAN_SMTP_PORT=$SINK_PORT VALJEAN_SMTP_TLS=DISABLED \
        VALJEAN_SMTP_FROM="Valjean Chaos <chaos@valjean.test>" VALJEAN_PUBLIC_URL=https://news.valjean.test \
        VALJEAN_ADMIN_TOKEN=chaos-admin-token VALJEAN_SIGNING_KEY=chaos-signing-key-0123456789abcdef-0123456789 \
        VALJEAN_DELIVERY_RATE_LIMIT=0 VALJEAN_DELIVERY_LEASE=$LEASE VALJEAN_DELIVERY_RETRY_BASE=1s \
        VALJEAN_DELIVERY_RETRY_MAX=5s VALJEAN_DELIVERY_MAX_ATTEMPTS=30 \
        VALJEAN_MAIL_POSTAL_ADDRESS="Valjean Chaos, 1 Example Street, 75001 Paris" VALJEAN_ISSUES_START_EVERY=1s \
        "$@" java -Xmx256m -XX:+UseParallelGC -jar target/quarkus-app/quarkus-run.jar >> "$WORK/app-$name.log" 2>&1 &
    local pid=$!
    pids+=($pid)
    eval "PID_$name=$pid"
    for _ in $(seq 1 120); do
        curl -fs "localhost:$port/q/health/ready" >/dev/null 2>&1 && return
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    tail -50 "$WORK/app-$name.log"; echo "instance $name did not become ready"; exit 1
}

sent_count() { $PSQL -c "SELECT count(*) FROM $SCHEMA.outbox WHERE status = 'SENT'"; }

# wait_for WHAT COMMAND...: until COMMAND succeeds (bounded).
wait_for() {
    local what=$1 deadline=$(( $(date +%s) + TIME_LIMIT ))
    shift
    until "$@"; do
        [ "$(date +%s)" -gt "$deadline" ] && { echo "time limit waiting for $what"; exit 1; }
        sleep 0.05
    done
}

# wait_sent COUNT: until at least COUNT rows are SENT (bounded).
wait_sent() { wait_for "$1 sent" sent_at_least "$1"; }
sent_at_least() { [ "$(sent_count)" -ge "$1" ]; }

# parts_done / parts_left: the issue fan-out's parts queued, and still to queue.
parts_done() { $PSQL -c "SELECT count(*) FROM $SCHEMA.issue_fanout WHERE done_at IS NOT NULL"; }
parts_done_at_least() { [ "$(parts_done)" -ge "$1" ]; }
no_parts_left() { [ "$($PSQL -c "SELECT count(*) FROM $SCHEMA.issue_fanout WHERE done_at IS NULL")" -eq 0 ]; }

# wait_done: until nothing is queued or sending (bounded).
wait_done() {
    local deadline=$(( $(date +%s) + TIME_LIMIT )) left
    while :; do
        left=$($PSQL -c "SELECT count(*) FROM $SCHEMA.outbox WHERE status IN ('QUEUED', 'SENDING')")
        [ "$left" -eq 0 ] && break
        [ "$(date +%s)" -gt "$deadline" ] && { echo "time limit reached with $left messages left"; exit 1; }
        sleep 0.5
    done
}

# prepare_issue PORT: a newsletter with N confirmed subscribers and one issue; prints the issue id.
prepare_issue() {
    local port=$1
    local api=(-fsS -H "Authorization: Bearer chaos-admin-token" -H "Content-Type: application/json")
    curl "${api[@]}" -o /dev/null "localhost:$port/api/v1/newsletters" -d '{"slug":"weekly","name":"The Chaos Weekly",
      "description":"Three short things a week.","cadence":"WEEKLY","senderName":"Chaos News","senderAddress":"news@valjean.test",
      "consentText":"Yes, send me the Chaos Weekly once a week."}'
    $PSQL >/dev/null <<SQL
INSERT INTO $SCHEMA.contact (email, email_normalized, email_hash, name, created_at)
SELECT 'reader' || i || '@chaos.example', 'reader' || i || '@chaos.example', md5('reader' || i), 'Reader ' || i, now()
FROM generate_series(1, $N) i;
INSERT INTO $SCHEMA.subscription (contact_id, newsletter_id, status, source, requested_at, confirmed_at, updated_at)
SELECT c.id, n.id, 'CONFIRMED', 'IMPORT', now(), now(), now() FROM $SCHEMA.contact c, $SCHEMA.newsletter n;
ANALYZE $SCHEMA.contact;
SQL
    local item='{"title":"T","body":"A short paragraph that says one useful thing.","url":"https://example.com/T"}'
    curl "${api[@]}" "localhost:$port/api/v1/newsletters/weekly/issues" \
        -d "{\"subject\":\"Three short things\",\"layout\":\"default\",\"items\":[$item,$item,$item]}" \
        | sed -E 's/.*"id":([0-9]+).*/\1/'
}

send_issue() { # send_issue PORT ID
    curl -fsS -o /dev/null -H "Authorization: Bearer chaos-admin-token" -H "Content-Type: application/json" \
        -X POST "localhost:$1/api/v1/issues/$2/send" -d '{}'
}

reset_schema() { $PSQL -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null; }

RESULTS=()
report() { # report NAME FAULTS_DESCRIPTION
    local s lost dup accepted distinct failed
    s=$(stats)
    accepted=$(echo "$s" | python3 -c "import json,sys; print(json.load(sys.stdin)['accepted'])")
    distinct=$(echo "$s" | python3 -c "import json,sys; print(json.load(sys.stdin)['distinct'])")
    dup=$((accepted - distinct))
    lost=$((N - distinct))
    failed=$($PSQL -c "SELECT count(*) FROM $SCHEMA.outbox WHERE status <> 'SENT'")
    local line
    line=$(printf '%-9s messages %d  lost %d  duplicates %d  not SENT in outbox %d  sink %s  faults: %s' \
        "$1" "$N" "$lost" "$dup" "$failed" "$s" "$2")
    echo "$line"
    RESULTS+=("$line")
}

scenario_kill() {
    echo "== kill: kill -9 four times during a $N-message issue"
    reset_schema; sink_start
    app_start A $PORT_A
    local id faults="" at
    id=$(prepare_issue $PORT_A)
    send_issue $PORT_A "$id"
    for k in 1 2 3 4; do
        at=$(( N * k / 5 ))
        wait_sent "$at"
        local inflight
        inflight=$(mark)
        kill -9 "$PID_A"; wait "$PID_A" 2>/dev/null || true
        faults="$faults kill$k@$at:in_flight=$inflight"
        app_start A $PORT_A
    done
    wait_done
    report kill "$faults"
    kill "$PID_A"; wait "$PID_A" 2>/dev/null || true
    sink_stop
}

scenario_database() {
    echo "== database: PostgreSQL restarted mid-send"
    reset_schema; sink_start
    app_start A $PORT_A
    local id inflight version
    id=$(prepare_issue $PORT_A)
    send_issue $PORT_A "$id"
    wait_sent $(( N / 3 ))
    inflight=$(mark)
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main restart
    for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
    wait_done
    report database "restart@$((N / 3)):in_flight=$inflight"
    kill "$PID_A"; wait "$PID_A" 2>/dev/null || true
    sink_stop
}

scenario_relay() {
    echo "== relay: 451 to 20 %, connection dropped after DATA for 5 %"
    reset_schema; sink_start --p451 0.2 --pdrop 0.05
    app_start A $PORT_A
    local id
    id=$(prepare_issue $PORT_A)
    send_issue $PORT_A "$id"
    wait_done
    local s
    s=$(stats)
    report relay "451=$(echo "$s" | python3 -c "import json,sys; print(json.load(sys.stdin)['faults_451'])") drops=$(echo "$s" | python3 -c "import json,sys; print(json.load(sys.stdin)['faults_drop'])")"
    kill "$PID_A"; wait "$PID_A" 2>/dev/null || true
    sink_stop
}

scenario_fanout() {
    echo "== fanout: kill -9 in the middle of the issue's fan-out (400 parts, queued one at a time)"
    reset_schema; sink_start
    # Small parts, so that the kill falls inside the fan-out: with 40 parts of 500 (since V30) all were queued before
    # the poll below saw ten of them done, and the kill came after the fan-out.
    local parts="VALJEAN_ISSUES_FANOUT_PART_SIZE=$(( (N + 399) / 400 ))"
    app_start A $PORT_A "$parts" VALJEAN_ISSUES_FANOUT_WORKERS=1
    local id done_parts
    id=$(prepare_issue $PORT_A)
    send_issue $PORT_A "$id" 2>/dev/null &
    local sender=$!
    wait_for "40 parts" parts_done_at_least 40
    local inflight
    inflight=$(mark)
    done_parts=$(parts_done)
    kill -9 "$PID_A"; wait "$PID_A" 2>/dev/null || true
    wait "$sender" 2>/dev/null || true
    local queued
    queued=$($PSQL -c "SELECT count(*) FROM $SCHEMA.outbox")
    app_start A $PORT_A "$parts" VALJEAN_ISSUES_FANOUT_WORKERS=1
    # The issue job queues the parts left; then everything drains.
    wait_for "the parts left" no_parts_left
    wait_done
    report fanout "kill@parts_done=$done_parts:queued=$queued:in_flight=$inflight recipients=$($PSQL -c "SELECT recipients FROM $SCHEMA.issue")"
    kill "$PID_A"; wait "$PID_A" 2>/dev/null || true
    sink_stop
}

scenario_term() {
    echo "== term: SIGTERM (a deploy) twice mid-send, then a new instance"
    reset_schema; sink_start
    app_start A $PORT_A
    local id faults="" at inflight
    id=$(prepare_issue $PORT_A)
    send_issue $PORT_A "$id"
    for k in 1 2; do
        at=$(( N * k / 3 ))
        wait_sent "$at"
        inflight=$(mark)
        kill -TERM "$PID_A"; wait "$PID_A" 2>/dev/null || true
        faults="$faults term$k@$at:in_flight=$inflight"
        app_start A $PORT_A
    done
    wait_done
    report term "$faults"
    kill "$PID_A"; wait "$PID_A" 2>/dev/null || true
    sink_stop
}

scenario_pair() {
    echo "== pair: two instances on one database, one killed mid-send"
    reset_schema; sink_start
    app_start A $PORT_A
    app_start B $PORT_B
    local id inflight
    id=$(prepare_issue $PORT_A)
    send_issue $PORT_A "$id"
    wait_sent $(( N / 2 ))
    inflight=$(mark)
    kill -9 "$PID_B"; wait "$PID_B" 2>/dev/null || true
    wait_done
    report pair "kill B@$((N / 2)):in_flight(both)=$inflight"
    kill "$PID_A"; wait "$PID_A" 2>/dev/null || true
    sink_stop
}

# Sign-ups with a token (recorded in shared transactions, SignupBatches) while the instance is killed twice.
scenario_signup() {
    echo "== signup: $N sign-ups with a token from 8 clients, kill -9 twice meanwhile"
    reset_schema; sink_start
    app_start A $PORT_A
    curl -fsS -o /dev/null -H "Authorization: Bearer chaos-admin-token" -H "Content-Type: application/json" \
        "localhost:$PORT_A/api/v1/newsletters" -d '{"slug":"weekly","name":"The Chaos Weekly","cadence":"WEEKLY",
        "senderName":"Chaos News","senderAddress":"news@valjean.test","consentText":"Yes, send me the Chaos Weekly."}'
    # Each address posted once (bench/post_once.py); those answered 202 are written down.
    python3 -c 'import json, sys
for i in range(int(sys.argv[1])):
    email = "signup%d@chaos.example" % i
    print(email, "/api/v1/subscriptions", "application/json", json.dumps({"email": email, "newsletters": ["weekly"], "consent": True}), sep="\t")' \
        "$N" > "$WORK/requests"
    python3 bench/post_once.py "$PORT_A" "$WORK/requests" "$WORK/answered" 202 "$TIME_LIMIT" "Authorization: Bearer chaos-admin-token" \
        > "$WORK/signup-client.log" 2>&1 &
    local client=$! faults
    pids+=($client)
    kill_twice_while_answered sign-ups "$client"
    faults=$FAULTS
    wait_done
    local answered stored missing partial s
    answered=$(wc -l < "$WORK/answered")
    stored=$($PSQL -c "SELECT count(*) FROM $SCHEMA.subscription_request")
    # answered 202 but not stored whole: no request, no REQUESTED event, or no confirmation for it
    missing=$($PSQL <<SQL | tail -n 1
CREATE TEMP TABLE answered (email text);
\copy answered FROM '$WORK/answered'
SELECT count(*) FROM answered a WHERE NOT EXISTS (
    SELECT 1 FROM $SCHEMA.contact c JOIN $SCHEMA.subscription_request r ON r.contact_id = c.id
    JOIN $SCHEMA.consent_event e ON e.request_id = r.id AND e.event = 'REQUESTED'
    JOIN $SCHEMA.outbox o ON o.basis_id = r.id AND o.purpose = 'CONFIRMATION' AND o.status = 'SENT'
    WHERE c.email_normalized = a.email);
SQL
)
    # stored in part: a request without its item, its pending subscription, its event or its confirmation
    partial=$($PSQL -c "SELECT count(*) FROM $SCHEMA.subscription_request r WHERE
        NOT EXISTS (SELECT 1 FROM $SCHEMA.subscription_request_item i WHERE i.request_id = r.id)
        OR NOT EXISTS (SELECT 1 FROM $SCHEMA.subscription s WHERE s.contact_id = r.contact_id)
        OR NOT EXISTS (SELECT 1 FROM $SCHEMA.consent_event e WHERE e.request_id = r.id)
        OR NOT EXISTS (SELECT 1 FROM $SCHEMA.outbox o WHERE o.basis_id = r.id AND o.purpose = 'CONFIRMATION')")
    s=$(stats)
    local accepted distinct
    accepted=$(echo "$s" | python3 -c "import json,sys; print(json.load(sys.stdin)['accepted'])")
    distinct=$(echo "$s" | python3 -c "import json,sys; print(json.load(sys.stdin)['distinct'])")
    local line
    line=$(printf 'signup    sign-ups %d  answered 202 %d  stored %d  answered but not stored whole %d  stored in part %d  confirmations: not delivered %d, duplicates %d  faults: %s' \
        "$N" "$answered" "$stored" "$missing" "$partial" "$((stored - distinct))" "$((accepted - distinct))" "$faults")
    echo "$line"
    RESULTS+=("$line")
    kill "$PID_A"; wait "$PID_A" 2>/dev/null || true
    sink_stop
}
answered_at_least() { [ -f "$WORK/answered" ] && [ "$(wc -l < "$WORK/answered")" -ge "$1" ]; }

# kill_twice_while_answered WHAT CLIENT: kill -9 instance A once a quarter and once half of the N requests
# are answered (restarting it each time), then waits for the client; FAULTS says when each kill came.
kill_twice_while_answered() {
    local what=$1 client=$2 k
    FAULTS=""
    for k in 1 2; do
        wait_for "$what answered" answered_at_least $(( N * k / 4 ))
        kill -9 "$PID_A"; wait "$PID_A" 2>/dev/null || true
        FAULTS="$FAULTS kill$k@answered=$(wc -l < "$WORK/answered")"
        app_start A $PORT_A
    done
    wait "$client" 2>/dev/null || true
}

# One-click unsubscribes (shared transactions, PreferenceService) while the instance is killed twice.
scenario_unsubscribe() {
    echo "== unsubscribe: $N one-click unsubscribes from 8 clients, kill -9 twice meanwhile"
    reset_schema; sink_start
    app_start A $PORT_A
    curl -fsS -o /dev/null -H "Authorization: Bearer chaos-admin-token" -H "Content-Type: application/json" \
        "localhost:$PORT_A/api/v1/newsletters" -d '{"slug":"weekly","name":"The Chaos Weekly","cadence":"WEEKLY",
        "senderName":"Chaos News","senderAddress":"news@valjean.test","consentText":"Yes, send me the Chaos Weekly."}'
    $PSQL <<SQL
BEGIN;
INSERT INTO $SCHEMA.contact (email, email_normalized, email_hash, created_at)
SELECT 'leaver' || i || '@chaos.example', 'leaver' || i || '@chaos.example', md5('leaver' || i) || md5(i::text), now()
FROM generate_series(1, $N) i;
INSERT INTO $SCHEMA.subscription (contact_id, newsletter_id, status, consent_text_id, source, requested_at, confirmed_at, updated_at)
SELECT id, (SELECT id FROM $SCHEMA.newsletter), 'CONFIRMED', (SELECT id FROM $SCHEMA.consent_text), 'API', now(), now(), now()
FROM $SCHEMA.contact;
COMMIT;
SQL
    $PSQL -c "SELECT id FROM $SCHEMA.subscription ORDER BY id" > "$WORK/subscriptions"
    # Each subscription's RFC 8058 link posted once (bench/post_once.py); those answered 200 are written down.
    python3 -c 'import base64, hashlib, hmac, sys
sub = hmac.new(b"chaos-signing-key-0123456789abcdef-0123456789", b"valjean:unsubscribe", hashlib.sha256).digest()
for i in open(sys.argv[1]).read().split():
    mac = base64.urlsafe_b64encode(hmac.new(sub, i.encode(), hashlib.sha256).digest()[:16]).decode().rstrip("=")
    print(i, "/unsubscribe/%s.%s" % (i, mac), "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click", sep="\t")' \
        "$WORK/subscriptions" > "$WORK/requests"
    python3 bench/post_once.py "$PORT_A" "$WORK/requests" "$WORK/answered" 200 "$TIME_LIMIT" > "$WORK/unsubscribe-client.log" 2>&1 &
    local client=$! faults
    pids+=($client)
    kill_twice_while_answered unsubscribes "$client"
    faults=$FAULTS
    local answered ended missing partial twice again_answered again_events
    answered=$(wc -l < "$WORK/answered")
    ended=$($PSQL -c "SELECT count(*) FROM $SCHEMA.subscription WHERE status = 'UNSUBSCRIBED'")
    # answered 200 but the subscription not ended, or ended without its UNSUBSCRIBED event
    missing=$($PSQL <<SQL | tail -n 1
CREATE TEMP TABLE answered (id bigint);
\copy answered FROM '$WORK/answered'
SELECT count(*) FROM answered a JOIN $SCHEMA.subscription s ON s.id = a.id WHERE s.status <> 'UNSUBSCRIBED'
    OR NOT EXISTS (SELECT 1 FROM $SCHEMA.consent_event e WHERE e.contact_id = s.contact_id AND e.event = 'UNSUBSCRIBED');
SQL
)
    # ended in part: an ended subscription without its event, or an event without its subscription ended
    partial=$($PSQL -c "SELECT count(*) FROM $SCHEMA.subscription s WHERE (s.status = 'UNSUBSCRIBED') <> EXISTS (
        SELECT 1 FROM $SCHEMA.consent_event e WHERE e.contact_id = s.contact_id AND e.event = 'UNSUBSCRIBED')")
    twice=$($PSQL -c "SELECT count(*) FROM (SELECT contact_id FROM $SCHEMA.consent_event WHERE event = 'UNSUBSCRIBED'
        GROUP BY contact_id HAVING count(*) > 1) t")
    # every link posted again: each answers 200 and records nothing more
    local events_before
    events_before=$($PSQL -c "SELECT count(*) FROM $SCHEMA.consent_event WHERE event = 'UNSUBSCRIBED'")
    awk -F '\t' 'NR == FNR { answered[$1]; next } $1 in answered' "$WORK/answered" "$WORK/requests" > "$WORK/requests-again"
    python3 bench/post_once.py "$PORT_A" "$WORK/requests-again" "$WORK/answered-again" 200 "$TIME_LIMIT" > "$WORK/unsubscribe-again.log" 2>&1
    again_answered=$(wc -l < "$WORK/answered-again")
    again_events=$(( $($PSQL -c "SELECT count(*) FROM $SCHEMA.consent_event WHERE event = 'UNSUBSCRIBED'") - events_before ))
    local line
    line=$(printf 'unsub     unsubscribes %d  answered 200 %d  ended %d  answered but not ended whole %d  ended in part %d  recorded twice %d  posted again: answered 200 %d of %d, events %d  faults: %s' \
        "$N" "$answered" "$ended" "$missing" "$partial" "$twice" "$again_answered" "$answered" "$again_events" "$faults")
    echo "$line"
    RESULTS+=("$line")
    kill "$PID_A"; wait "$PID_A" 2>/dev/null || true
    sink_stop
}

case "$SCENARIO" in
    all) scenario_kill; scenario_fanout; scenario_term; scenario_database; scenario_relay; scenario_pair; scenario_signup
         scenario_unsubscribe ;;
    kill|fanout|term|database|relay|pair|signup|unsubscribe) "scenario_$SCENARIO" ;;
    *) echo "unknown scenario $SCENARIO"; exit 2 ;;
esac
reset_schema
echo
echo "== results ($N messages each; goals: lost 0, duplicates at most the in-flight count at each fault (16 per instance), 0 for SIGTERM and the database)"
printf '%s\n' "${RESULTS[@]}"
