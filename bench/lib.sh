# Shared parts of the benchmarks: sourced, not run. Every process started here is recorded in
# $pids and stopped by its PID on exit; every wait has a time limit.

SINK=${SINK:-127.0.0.1:2525}
HTTP_PORT=${HTTP_PORT:-8089}
HEAP=${HEAP:-256m}
# The JVM options a deployment runs with (deploy/Dockerfile, deploy/kubernetes; DECISIONS 27): the
# parallel collector. JVM_GC=-XX:+UseG1GC measures the JVM's own choice on this machine.
JVM_GC=${JVM_GC:--XX:+UseParallelGC}
TIME_LIMIT=${TIME_LIMIT:-900}
# KEEP_WORK=DIR: the run's files (app.log, the monitor's last scrape) go to DIR rather than to a new temporary directory
WORK=${KEEP_WORK:-$(mktemp -d)}
# The polls during a run call PostgreSQL's psql itself: Debian's psql is a Perl wrapper, and at two
# polls a second the wrapper alone took a few per cent of the two cores from the run being measured.
PSQL_POLL=$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -1)
PSQL_POLL="${PSQL_POLL:-psql} -h 127.0.0.1 -U postgres -d postgres -qAt"
pids=()
SOURCE_CPU_RUNS=()
cleanup() {
    # CONT too: a process paused (the monitor, during smtp-source) would hold SIGTERM until it runs again
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; kill -CONT "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

# Refuses to start when the sink or the app port is taken, installs postfix if needed, builds.
prepare() {
    for port in ${SINK#*:} $HTTP_PORT; do
        if ss -ltn "sport = :$port" | grep -q LISTEN; then
            echo "port $port is in use: is another benchmark running?"; exit 1
        fi
    done
    if ! command -v smtp-sink >/dev/null; then
        echo "Installing postfix for smtp-sink and smtp-source"
        apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix >/dev/null
    fi
    damon_note
    echo "== building the application"
    [ -n "${SKIP_BUILD:-}" ] || ./mvnw -B -q package -DskipTests
    echo "== starting smtp-sink on $SINK"
    smtp-sink -u nobody "$SINK" 1024 &
    SINK_PID=$!
    pids+=($SINK_PID)
    sleep 1
}

# damon_note: says when the kernel watches memory with DAMON. Each time kdamond samples (every 0.5 s on
# the machines of 2026-12-05), it takes 6-17 ms of a core, and requests due then waited 25-90 ms:
# 73-85 % of the sign-ups over 25 ms at a fixed 200/s were due within such a sample, which covered
# 18 % of the run (docs/BENCHMARKS.md, twentieth session). A latency tail measured on such a machine
# carries that period; the note says so next to the figures.
damon_note() {
    local k attrs
    for k in /sys/kernel/mm/damon/admin/kdamonds/[0-9]*; do
        [ "$(cat "$k/state" 2>/dev/null)" = on ] || continue
        attrs=$k/contexts/0/monitoring_attrs/intervals
        echo "== note: the kernel's DAMON is on ($(basename "$k"): $(cat "$k/contexts/0/operations" 2>/dev/null), sampling every" \
            "$(( $(cat "$attrs/sample_us" 2>/dev/null || echo 0) / 1000 )) ms): latency tails here carry that period"
    done
}

# vacuum_loop SCHEMA: stands in for autovacuum when the server runs without it (this machine's
# PostgreSQL has autovacuum = off in its CI configuration; a deployment has it on, and the outbox,
# rewritten twice per message, depends on it). Every 20 s it applies autovacuum's three default
# thresholds to each table of SCHEMA: VACUUM (ANALYZE) past 50 + 20 % dead rows or 1,000 + 20 %
# rows inserted since the last vacuum, ANALYZE alone past 50 + 10 % rows changed since the last
# analyze, throttled as autovacuum is. Without the analyzes, a table that only grows (sign-up
# requests, contacts) keeps the statistics of its first minute, and plans cached then (a
# sequential scan of a table of 50 rows) stay when it holds 100,000. Runs until the bench exits;
# its CPU counts in PostgreSQL's. Does nothing when autovacuum is on.
vacuum_loop() {
    local schema=$1
    [ "$(psql -h 127.0.0.1 -U postgres -d postgres -qAt -c 'SHOW autovacuum')" = off ] || return 0
    echo "== autovacuum is off on this server: vacuuming and analyzing $schema every 20 s as it would"
    (
        while sleep 20; do
            psql -h 127.0.0.1 -U postgres -d postgres -qAt -F ' ' -c "SELECT s.relname,
                    CASE WHEN s.n_dead_tup > 50 + 0.2 * greatest(c.reltuples, 0)
                           OR s.n_ins_since_vacuum > 1000 + 0.2 * greatest(c.reltuples, 0) THEN 'VACUUM (ANALYZE)'
                         ELSE 'ANALYZE' END
                    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
                    WHERE s.schemaname = '$schema' AND (s.n_dead_tup > 50 + 0.2 * greatest(c.reltuples, 0)
                       OR s.n_ins_since_vacuum > 1000 + 0.2 * greatest(c.reltuples, 0)
                       OR s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0))" 2>/dev/null |
            while read -r t action; do
                # when each ran, to set beside a latency trace (bench/rate.py --trace)
                echo "$(date +%s.%N) start $action $t" >>"$WORK/vacuum.log"
                # throttled as autovacuum is by default (a manual VACUUM is not)
                PGOPTIONS="-c vacuum_cost_delay=2 -c vacuum_cost_limit=200" \
                    psql -h 127.0.0.1 -U postgres -d postgres -qAt -c "$action $schema.$t" >/dev/null 2>&1 || true
                echo "$(date +%s.%N) end $action $t" >>"$WORK/vacuum.log"
            done
        done
    ) &
    VACUUM_LOOP=$!
    VACUUM_SCHEMA=$schema
    pids+=($VACUUM_LOOP)
}

# stop_vacuum_loop: ends the loop and any vacuum or analyze it has running, so that what is measured
# next (smtp-source) does not share the machine with it.
stop_vacuum_loop() {
    [ -n "${VACUUM_LOOP:-}" ] || return 0
    pkill -P "$VACUUM_LOOP" 2>/dev/null || true
    kill "$VACUUM_LOOP" 2>/dev/null || true
    psql -h 127.0.0.1 -U postgres -d postgres -qAt -c "SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity
        WHERE pid <> pg_backend_pid() AND query ~* '^(VACUUM|ANALYZE)' AND query LIKE '%$VACUUM_SCHEMA.%'" >/dev/null
    VACUUM_LOOP=
}

# start_app SCHEMA CONNECTIONS [ENV=VALUE...]: runs the packaged server against SCHEMA (dropped
# first) and the sink, waits until it is ready. Sets APP to its PID.
start_app() {
    local schema=$1 conn=$2
    shift 2
    psql -h 127.0.0.1 -U postgres -d postgres -qAt -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $schema CASCADE"
    env QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://127.0.0.1:5432/postgres?currentSchema=$schema" \
        QUARKUS_FLYWAY_SCHEMAS=$schema QUARKUS_FLYWAY_PASSWORD=trust-authentication \
        QUARKUS_HTTP_PORT=$HTTP_PORT \
        VALJEAN_SMTP_HOST=${SINK%:*} VALJEAN_SMTP_PORT=${SINK#*:} VALJEAN_SMTP_TLS=DISABLED \
        VALJEAN_SMTP_CONNECTIONS=$conn \
        VALJEAN_SMTP_FROM="Valjean Bench <bench@valjean.test>" \
        VALJEAN_ADMIN_TOKEN=bench-admin-token VALJEAN_SIGNING_KEY=bench-signing-key-0123456789abcdef-0123456789 \
        VALJEAN_DELIVERY_RATE_LIMIT=0 \
        "$@" \
        java -Xmx$HEAP $JVM_GC ${JAVA_EXTRA:-} -jar ${APP_DIR:-target/quarkus-app}/quarkus-run.jar > "$WORK/app.log" 2>&1 &
    APP=$!
    pids+=($APP)
    for _ in $(seq 1 120); do
        curl -fs "localhost:$HTTP_PORT/q/health/ready" >/dev/null 2>&1 && break
        sleep 0.5
    done
    curl -fs "localhost:$HTTP_PORT/q/health/ready" >/dev/null || { cat "$WORK/app.log"; echo "Valjean did not become ready"; exit 1; }
    vacuum_loop "$schema"
}

# monitor_start: from now until the bench exits, the metrics scraped and readiness asked once a second on one
# kept-alive connection (bench/monitor.py), as a deployment's monitoring does; the last scrape's heap in use and
# messages finished are in $WORK/metrics.now. Once per bench. Before it, the drain started a curl and two awks
# a second for these, 20-30 ms of a core each time in the middle of the drain it measured (twentieth session).
monitor_start() {
    [ -z "${MONITOR:-}" ] || return 0
    python3 bench/monitor.py --port "$HTTP_PORT" --token bench-admin-token --seconds 7200 --out "$WORK/metrics.now" &
    MONITOR=$!
    pids+=($MONITOR)
    for _ in $(seq 1 100); do
        [ -s "$WORK/metrics.now" ] && return 0
        sleep 0.1
    done
    echo "the monitor wrote no metrics in 10 s"; exit 1
}

# drain SCHEMA: waits until no message is queued or sending, sampling the heap once a second; sets PEAK_HEAP.
# Rows due more than a day ahead are not waiting (bench/signup.pgbench queues its rows ten years ahead).
# Each sample (epoch seconds, messages left, heap bytes, RSS KiB) goes to $WORK/drain.tsv.
# Progress between exact counts comes from Valjean's own counters of sent, failed and skipped messages,
# read from the same metrics response as the heap: a count over the outbox's partial indexes walks every
# entry that claims and results left dead since the last one, and at one a second it took 113 ms each,
# a tenth of a core of the database being measured (pg_stat_statements, 2026-12-04). The outbox is
# counted when the counters say nothing is left, every tenth sample, and at the start.
drain() {
    local schema=$1 heap left left0 finished finished0 sample=0 deadline
    PEAK_HEAP=0
    monitor_start
    deadline=$(( $(date +%s) + TIME_LIMIT ))
    exact_left() {
        $PSQL_POLL -c "SELECT (SELECT count(*) FROM $schema.outbox WHERE status = 'QUEUED' AND next_attempt_at < now() + interval '1 day') + (SELECT count(*) FROM $schema.outbox WHERE status = 'SENDING')"
    }
    left0=""
    while :; do
        read -r heap finished < "$WORK/metrics.now" || { heap=0; finished=0; }
        [ "${heap:-0}" -gt "$PEAK_HEAP" ] && PEAK_HEAP=$heap
        if [ -z "$left0" ]; then
            left0=$(exact_left); finished0=$finished; left=$left0
        else
            left=$(( left0 - (finished - finished0) ))
            if [ "$left" -le 0 ] || [ $(( sample % 10 )) -eq 0 ]; then
                left0=$(exact_left); finished0=$finished; left=$left0
            fi
        fi
        sample=$(( sample + 1 ))
        echo "$(date +%s) $left ${heap:-0} $(awk '/VmRSS/ {print $2}' /proc/$APP/status)" >> "$WORK/drain.tsv"
        [ "$left" -eq 0 ] && break
        [ "$(date +%s)" -gt "$deadline" ] && { echo "time limit reached with $left messages left"; exit 1; }
        sleep 1
    done
}

# source_rate N BYTES CONNECTIONS [resume]: smtp-source's rate for the same work against the same sink; sets
# SOURCE_SECS, SOURCE_RATE. The benches run it right before and right after Valjean's drain and compare with
# the mean of the two: on this shared machine smtp-source alone ran from 8,700 to 15,000 msg/s within an hour
# (2026-12-04), so one reading taken after the drain said as much about that minute as about Valjean.
# With resume, the vacuum loop it pauses starts again afterwards.
source_rate() {
    local n=$1 bytes=$2 conn=$3 resume=${4:-} s0 s1 schema=${VACUUM_SCHEMA:-} looping=${VACUUM_LOOP:-}
    stop_vacuum_loop
    # the monitoring pauses too: smtp-source is measured on a machine as quiet as it can be
    [ -z "${MONITOR:-}" ] || kill -STOP "$MONITOR" 2>/dev/null || true
    echo "== smtp-source: $n messages of $bytes bytes over $conn connections"
    machine_mark
    s0=$(date +%s.%N)
    smtp-source -s "$conn" -m "$n" -l "$bytes" -d -f bench@valjean.test -t reader@bench.example "$SINK"
    s1=$(date +%s.%N)
    machine_per_message "$n"
    SOURCE_CPU_RUNS+=("$MACHINE_US $MACHINE_IDLE_PCT")
    [ -z "${MONITOR:-}" ] || kill -CONT "$MONITOR" 2>/dev/null || true
    SOURCE_SECS=$(echo "$s1 - $s0" | bc -l)
    SOURCE_RATE=$(echo "$n / $SOURCE_SECS" | bc -l)
    if [ -n "$resume" ] && [ -n "$looping" ]; then
        vacuum_loop "$schema"
    fi
}

# measure NAME HEY-ARGS...: a warm-up of 200 requests, then $REQUESTS requests $CONC at a time with
# the session $cookie; prints the 50th, 95th and 99th percentile and the status codes.
measure() {
    local name=$1
    shift
    hey -n 200 -c "$CONC" -H "Cookie: $cookie" "$@" >/dev/null
    local out codes p50 p95 p99
    out=$(hey -n "$REQUESTS" -c "$CONC" -H "Cookie: $cookie" "$@")
    codes=$(echo "$out" | sed -n '/Status code distribution/,$p' | grep -oE '\[[0-9]+\][[:space:]]+[0-9]+' | tr -s ' ' | tr '\n' ' ')
    p50=$(echo "$out" | awk '/ 50% in/ {print $3 * 1000}')
    p95=$(echo "$out" | awk '/ 95% in/ {print $3 * 1000}')
    p99=$(echo "$out" | awk '/ 99% in/ {print $3 * 1000}')
    printf '%-44s p50 %6.1f ms   p95 %6.1f ms   p99 %6.1f ms   %s\n' "$name" "$p50" "$p95" "$p99" "$codes"
}

# cpu_ticks: CPU time so far (clock ticks, user + system) of Valjean ($APP) and of PostgreSQL (every
# live postgres process, plus what its postmaster collected from backends that ended); sets
# CPU_APP and CPU_PG. Two readings around a run give each side's CPU per message. CPU_JIT: the
# part of CPU_APP in the JIT compiler's threads now running (a compiler thread the JVM stopped in
# between takes its time out of this figure only, so it is at least what the compiler took).
cpu_ticks() {
    CPU_APP=$(awk '{print $14 + $15}' /proc/$APP/stat)
    CPU_JIT=0
    local task
    for task in /proc/$APP/task/*; do
        case "$(cat "$task/comm" 2>/dev/null)" in
            C1\ CompilerThre*|C2\ CompilerThre*)
                CPU_JIT=$(( CPU_JIT + $(awk '{print $14 + $15}' "$task/stat" 2>/dev/null || echo 0) )) ;;
        esac
    done
    CPU_PG=0
    local pid pm
    for pid in $(pgrep -x postgres); do
        CPU_PG=$(( CPU_PG + $(awk '{print $14 + $15}' /proc/$pid/stat 2>/dev/null || echo 0) ))
    done
    pm=$(pgrep -xo postgres)
    [ -n "$pm" ] && CPU_PG=$(( CPU_PG + $(awk '{print $16 + $17}' /proc/$pm/stat) ))
}

# machine_mark, then machine_per_message N: the whole machine's CPU per message in between (MACHINE_US: every
# process, kernel work included, from /proc/stat), the share of it smtp-sink took (SINK_US), and how much of
# the time the cores were idle (MACHINE_IDLE_PCT). Time the hypervisor took (steal) counts as neither.
machine_ticks() {
    read -r MACHINE_BUSY MACHINE_IDLE MACHINE_STEAL < <(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6, $9}' /proc/stat)
    SINK_TICKS=$(awk '{print $14 + $15}' "/proc/${SINK_PID:-0}/stat" 2>/dev/null || echo 0)
}
machine_mark() {
    machine_ticks
    MACHINE_BUSY0=$MACHINE_BUSY; MACHINE_IDLE0=$MACHINE_IDLE; MACHINE_STEAL0=$MACHINE_STEAL; SINK_TICKS0=$SINK_TICKS
}
machine_per_message() {
    local n=$1 hz busy idle steal
    hz=$(getconf CLK_TCK)
    machine_ticks
    busy=$((MACHINE_BUSY - MACHINE_BUSY0)); idle=$((MACHINE_IDLE - MACHINE_IDLE0)); steal=$((MACHINE_STEAL - MACHINE_STEAL0))
    MACHINE_US=$((busy * 1000000 / hz / n))
    SINK_US=$(((SINK_TICKS - SINK_TICKS0) * 1000000 / hz / n))
    MACHINE_IDLE_PCT=$((idle * 100 / (busy + idle + steal > 0 ? busy + idle + steal : 1)))
}
# drain_cpu N: machine_per_message N for Valjean's drain, kept apart from smtp-source's runs that follow
drain_cpu() {
    machine_per_message "$1"
    DRAIN_US=$MACHINE_US; DRAIN_SINK_US=$SINK_US
}

# cpu_budget VALJEAN_RATE SOURCE_RATE N SECS: after drain_cpu over Valjean's drain of N messages, delivered in SECS,
# and smtp-source's runs (SOURCE_CPU_RUNS), prints the machine's CPU per message for each, and the rate Valjean
# would reach with every core busy at the drain's CPU per message: how far a change that only used the idle
# time could take the ratio. The cores' idle share is taken over the SECS of delivery (the drain's window ends up
# to a second after the last message, with little to do).
cpu_budget() {
    local ours=$1 theirs=$2 n=$3 secs=$4 cores src_us=0 src_idle=0 k=0 run ceiling idle
    cores=$(nproc)
    for run in "${SOURCE_CPU_RUNS[@]}"; do
        src_us=$((src_us + ${run% *})); src_idle=$((src_idle + ${run#* })); k=$((k + 1))
    done
    [ "$k" -gt 0 ] && { src_us=$((src_us / k)); src_idle=$((src_idle / k)); }
    [ "$DRAIN_US" -gt 0 ] || return 0
    idle=$(echo "i = 100 - $DRAIN_US * $n / 10000 / ($cores * $secs); if (i < 0) 0 else i" | bc -l)
    printf '%-34s delivery %d µs (smtp-sink %d of it; cores idle %.0f %%), smtp-source %d µs (idle %d %%)\n' \
        "machine CPU per message" "$DRAIN_US" "$DRAIN_SINK_US" "$idle" "$src_us" "$src_idle"
    ceiling=$(echo "$cores * 1000000 / $DRAIN_US" | bc -l)
    printf '%-34s %d cores / %d µs = %.0f msg/s, ratio %.2f (%.2f now)\n' "with every core busy" "$cores" "$DRAIN_US" \
        "$ceiling" "$(echo "$ceiling / $theirs" | bc -l)" "$(echo "$ours / $theirs" | bc -l)"
}

# cpu_per_message N: after cpu_ticks before the run (saved in CPU_APP0, CPU_PG0 and, when set,
# CPU_JIT0), prints the microseconds of CPU each side spent per message, and how much of
# Valjean's was its JIT compiler still at work.
cpu_per_message() {
    local n=$1 hz jit=""
    hz=$(getconf CLK_TCK)
    cpu_ticks
    [ -n "${CPU_JIT0:-}" ] && jit=" (JIT compiler $(( (CPU_JIT - CPU_JIT0) * 1000000 / hz / n )))"
    printf '%-34s Valjean %d µs%s, PostgreSQL %d µs\n' "CPU per message" \
        "$(( (CPU_APP - CPU_APP0) * 1000000 / hz / n ))" "$jit" "$(( (CPU_PG - CPU_PG0) * 1000000 / hz / n ))"
}

# memory_while_draining: heap and RSS when the queue was 90 %, 50 % and 10 % full, from $WORK/drain.tsv.
memory_while_draining() {
    awk 'NR == 1 {total = $2} {left[NR] = $2; heap[NR] = $3; rss[NR] = $4; n = NR}
        END {
            split("0.9 0.5 0.1", at, " ")
            for (k = 1; k <= 3; k++) {
                for (i = 1; i <= n && left[i] > at[k] * total; i++) {}
                if (i > n) i = n
                printf "%s%d %% left: heap %d MiB, RSS %d MiB", (k > 1 ? "; " : ""), at[k] * 100, heap[i] / 1048576, rss[i] / 1024
            }
            printf "\n"
        }' "$WORK/drain.tsv"
}

