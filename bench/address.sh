#!/usr/bin/env bash
# Microbenchmark of EmailAddress.parse, which every sign-up and every message sent goes through
# (docs/BENCHMARKS.md, twenty-sixth session). Compiles bench/micro/AddressParse.java against the
# built classes and prints nanoseconds a parse for each of ROUNDS rounds; the first rounds include
# the JIT's warm-up. A figure for comparing two builds on one machine, not a goal.
#
#   [SKIP_BUILD=1] [APP_DIR=target/quarkus-app] bench/address.sh [rounds=8]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${SKIP_BUILD:-}" ] || ./mvnw -B -q package -DskipTests
APP=${APP_DIR:-target/quarkus-app}
CP="$APP/app/*:$APP/lib/main/*"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
javac -d "$OUT" -cp "$CP" bench/micro/AddressParse.java
timeout 300 java -Xmx256m -cp "$CP:$OUT" AddressParse "${1:-8}"
