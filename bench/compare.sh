#!/usr/bin/env bash
# S1 (authenticated GET /dashboard, wrk -t2 -c32) for two builds of the app,
# side by side in one run, so that a change can be judged against the machine
# as it is now (only same-run ratios count; the ceiling moves between runs):
#
#   bench/compare.sh BEFORE AFTER     # git revisions, e.g. 054bea9 HEAD
#
# Each revision is built in release mode in a worktree of its own under
# target/compare/ (reused when it exists). Rounds alternate (A B A B …) on
# each backend, so drift of the machine hits both alike; the table gives the
# median of the rounds and the ratio AFTER/BEFORE.
# Settings (environment): ROUNDS (5), DURATION (8s), WARMUP (2s),
# BENCH_DATABASE_URL (admin URL, default postgres://postgres@127.0.0.1:5432/postgres),
# BACKENDS ("sqlite postgres"), METRICS (none; "after" or "both": that side
# runs with METRICS_ADDR on a free port, scraped once a second during the
# round, and the round checks that the scrape counted its requests).
# Metrics off against on, one build:  METRICS=after bench/compare.sh HEAD HEAD
# Everything talks to 127.0.0.1 only; every phase is bounded in time.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
[ $# -eq 2 ] || { echo "usage: bench/compare.sh BEFORE AFTER (git revisions)" >&2; exit 2; }
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-8s}
WARMUP=${WARMUP:-2s}
ADMIN_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
BACKENDS=${BACKENDS:-sqlite postgres}
METRICS=${METRICS:-none}
PASSWORD='correct horse battery staple'

for tool in cargo git wrk curl psql python3; do
    command -v "$tool" >/dev/null || { echo "error: $tool is required" >&2; exit 1; }
done

say() { printf '==> %s\n' "$*" >&2; }
work=$(mktemp -d)
pids=()
dbs=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for db in "${dbs[@]}"; do
        psql "$ADMIN_URL" -qAtc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

# build REV: prints the path of its release binary. The revisions share one
# target directory (their dependencies build once); each binary is copied out.
build() {
    local rev=$1 sha dir
    sha=$(git rev-parse --short=12 "$rev^{commit}")
    dir=$ROOT/target/compare/$sha
    if [ ! -x "$dir/session-auth" ]; then
        say "building $rev ($sha) in release mode"
        [ -d "$dir/src" ] || git worktree add -q --detach "$dir/src" "$sha"
        (cd "$dir/src" && CARGO_TARGET_DIR=$ROOT/target/compare/target cargo build --release --locked --quiet)
        cp "$ROOT/target/compare/target/release/session-auth" "$dir/session-auth"
    fi
    echo "$dir/session-auth"
}

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

# s1 BINARY DATABASE_URL [METRICS_PORT]: one S1 round on a fresh app
# process (with METRICS_ADDR on METRICS_PORT, scraped once a second); prints
# "req/s p99_ms".
s1() {
    local app=$1 url=$2 metrics_port=${3:-} dir port pid cookie base scraper
    local metrics=()
    dir=$(mktemp -d -p "$work")
    port=$(free_port)
    [ -z "$metrics_port" ] || metrics=(METRICS_ADDR="127.0.0.1:$metrics_port")
    (cd "$dir" && exec env -i PATH="$PATH" HOME="$dir" DATABASE_URL="$url" SECRET_KEY="$SECRET_KEY" \
        PORT="$port" LOGIN_IP_LIMIT=0 RUST_LOG=warn "${metrics[@]}" "$app" serve >"$dir/log" 2>&1) &
    pid=$!
    pids+=("$pid")
    base=http://127.0.0.1:$port
    for _ in $(seq 500); do curl -fs -o /dev/null "$base/healthz" && break; sleep 0.01; done
    cookie=$(curl -s -o /dev/null -D - --data-urlencode username=bench --data-urlencode "password=$PASSWORD" \
        "$base/login" | awk 'tolower($1) == "set-cookie:" && $2 ~ /^session=/ { sub(/;.*/, "", $2); print $2 }' | tr -d '\r')
    [ -n "$cookie" ] || { echo "error: login failed; log:" >&2; cat "$dir/log" >&2; exit 1; }
    wrk -t2 -c32 -d"$WARMUP" -H "Cookie: $cookie" "$base/dashboard" >/dev/null
    if [ -n "$metrics_port" ]; then
        (while sleep 1; do curl -fs -o /dev/null "http://127.0.0.1:$metrics_port/metrics"; done) &
        scraper=$!
    fi
    wrk_run -t2 -c32 -d"$DURATION" -H "Cookie: $cookie" "$base/dashboard" | awk '{ print $1, $3 }'
    if [ -n "$metrics_port" ]; then
        kill "$scraper" 2>/dev/null || true
        wait "$scraper" 2>/dev/null || true
        local counted
        counted=$(curl -fs "http://127.0.0.1:$metrics_port/metrics" |
            awk '/^session_auth_http_requests_total\{/ && /route="\/dashboard"/ && /status="200"/ { s += $NF } END { print s + 0 }')
        [ "$counted" -gt 0 ] || { echo "error: the metrics counted no /dashboard request" >&2; exit 1; }
        say "metrics counted $counted answers of /dashboard"
    fi
    kill "$pid" && wait "$pid" 2>/dev/null || true
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# shellcheck disable=SC2034 # read through ${!side}
before=$(build "$1")
after=$(build "$2")
SECRET_KEY=$("$after" generate-secret)
export SECRET_KEY

# The side's metrics port ("" = metrics off).
metrics_port_for() {
    case "$METRICS:$1" in
        both:*|after:after) free_port ;;
        *) echo "" ;;
    esac
}
label_before="before $1"
label_after="after $2"
case $METRICS in
    both) label_before+=", metrics on"; label_after+=", metrics on" ;;
    after) label_before+=", metrics off"; label_after+=", metrics on" ;;
    none) ;;
    *) echo "error: METRICS is none, after or both" >&2; exit 2 ;;
esac

echo "| backend | build | S1 req/s (median of $ROUNDS) | S1 p99 ms (median) | after/before |" >"$work/table"
echo "|---|---|---:|---:|---:|" >>"$work/table"
for backend in $BACKENDS; do
    # One database per build (the schema is each build's own), one user in each.
    for side in before after; do
        app=${!side}
        if [ "$backend" = postgres ]; then
            db="compare_${side}_$$"
            dbs+=("$db")
            psql "$ADMIN_URL" -qAtc "CREATE DATABASE $db" >/dev/null
            url=$(database_url "$ADMIN_URL" "$db")
        else
            url="sqlite://$work/$side.db"
        fi
        printf '%s\n' "$PASSWORD" | (cd "$work" && env -i PATH="$PATH" DATABASE_URL="$url" RUST_LOG=warn \
            "$app" create-user bench --password-stdin >/dev/null)
        printf -v "url_$side" '%s' "$url"
    done
    for round in $(seq "$ROUNDS"); do
        for side in before after; do
            app=${!side}
            url_var="url_$side"
            say "$backend round $round/$ROUNDS: $side"
            s1 "$app" "${!url_var}" "$(metrics_port_for "$side")" >>"$work/$backend-$side"
        done
    done
    b_rps=$(cut -d' ' -f1 "$work/$backend-before" | median)
    a_rps=$(cut -d' ' -f1 "$work/$backend-after" | median)
    b_p99=$(cut -d' ' -f2 "$work/$backend-before" | median)
    a_p99=$(cut -d' ' -f2 "$work/$backend-after" | median)
    ratio=$(awk -v a="$a_rps" -v b="$b_rps" 'BEGIN { printf "%.1f%%", 100 * a / b }')
    echo "| $backend | $label_before | $b_rps | $b_p99 | |" >>"$work/table"
    echo "| $backend | $label_after | $a_rps | $a_p99 | $ratio |" >>"$work/table"
    # Every round, for the spread.
    for side in before after; do
        echo "$backend $side rounds (req/s p99_ms): $(tr '\n' ';' <"$work/$backend-$side")" >>"$work/rounds"
    done
done

echo
echo "Machine: $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)); wrk -t2 -c32, $DURATION per round after $WARMUP, rounds alternating."
echo
cat "$work/table"
echo
cat "$work/rounds"
