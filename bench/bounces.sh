#!/usr/bin/env bash
# How well Valjean reads real bounces and complaints: feeds each message of the shared corpus
# (../shared/bounces/messages, read from there, never copied) to POST /api/v1/bounces/messages?dryRun=true
# and compares what it finds with ../shared/bounces/expected.json (made by Sisimai 4.25).
#
#   bench/bounces.sh [CORPUS_DIR]
#
# Prints the share of messages whose every expected recipient is found with the expected class,
# overall and by mail-server family; the false alarms (a hard bounce or a complaint where the
# corpus expects soft, other or nothing), each named; and the time per message.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${1:-../shared/bounces}
[ -f "$CORPUS/expected.json" ] && [ -d "$CORPUS/messages" ] || { echo "no corpus at $CORPUS (expected.json and messages/)"; exit 1; }
source bench/lib.sh

prepare
start_app bench_bounces 2 VALJEAN_BOUNCES_RETURN_PATH_DOMAIN=bounces.valjean.test
mkdir -p "$WORK/results"
n=0
s0=$(date +%s.%N)
for f in "$CORPUS"/messages/*.eml; do
    name=$(basename "$f")
    status=$(curl -s -o "$WORK/results/$name.json" -w '%{http_code}' --max-time 30 \
        -H "Authorization: Bearer bench-admin-token" -H "Content-Type: message/rfc822" \
        --data-binary "@$f" "localhost:$HTTP_PORT/api/v1/bounces/messages?dryRun=true")
    echo "$status" > "$WORK/results/$name.status"
    n=$((n + 1))
done
s1=$(date +%s.%N)
echo "== $n messages posted in $(echo "$s1 - $s0" | bc -l | xargs printf '%.1f') s"
kept=$(psql -h 127.0.0.1 -U postgres -d postgres -qAt -c "SELECT (SELECT count(*) FROM bench_bounces.bounce_report) + (SELECT count(*) FROM bench_bounces.bounce_event) + (SELECT count(*) FROM bench_bounces.suppression)")
echo "rows written by the dry runs (must be 0): $kept"

python3 - "$CORPUS/expected.json" "$WORK/results" <<'EOF'
import json, sys, os, collections
expected = {e["file"]: e["results"] for e in json.load(open(sys.argv[1]))}
results = sys.argv[2]
agree = 0
by_family = collections.defaultdict(lambda: [0, 0])
false_alarms, errors, misses = [], [], []
for f, want in sorted(expected.items()):
    status = open(os.path.join(results, f + ".status")).read().strip()
    got = {}
    if status == "200":
        for r in json.load(open(os.path.join(results, f + ".json")))["results"]:
            got[r["recipient"].lower()] = r["class"]
    else:
        errors.append((f, status))
    parts = f.split("-")
    family = "-".join(parts[:2]) if parts[0] in ("lhost", "rhost") else parts[0]
    by_family[family][1] += 1
    ok = all(got.get(w["recipient"].lower()) == w["class"] for w in want)
    if ok:
        agree += 1
        by_family[family][0] += 1
    else:
        misses.append((f, [(w["recipient"], w["class"], w["reason"]) for w in want], got))
    want_class = {w["recipient"].lower(): w["class"] for w in want}
    # Where Sisimai could not name the recipient it writes a placeholder under .invalid: a recipient
    # found there is judged by the class the file expects for that placeholder.
    placeholder = [c for r, c in want_class.items() if r.endswith(".invalid")]
    for recipient, cls in got.items():
        expected_cls = want_class.get(recipient, placeholder[0] if placeholder else "nothing")
        if cls in ("hard", "complaint") and expected_cls != cls:
            false_alarms.append((f, recipient, cls, expected_cls,
                                 "Sisimai 4.25 does not read this format" if not want else ""))
total = len(expected)
print(f"agreement: {agree} of {total} messages = {100.0 * agree / total:.1f} %")
print(f"answers other than 200: {len(errors)} {errors if errors else ''}")
complaints = [a for a in false_alarms if a[2] == "complaint"]
print(f"false alarms: {len(false_alarms)} (hard: {len(false_alarms) - len(complaints)}, complaint: {len(complaints)})")
for a in false_alarms:
    print(f"  {a[0]}: {a[1]} read as {a[2]}, corpus says {a[3]} {('(' + a[4] + ')') if a[4] else ''}")
print("by family (agreeing/messages):")
for fam, (ok, n) in sorted(by_family.items(), key=lambda x: (-x[1][1], x[0])):
    print(f"  {fam:28s} {ok:3d}/{n:<3d} {100.0 * ok / n:5.1f} %")
print("disagreements:")
for f, want, got in misses:
    print(f"  {f}: expected {want}; found {got}")
EOF
