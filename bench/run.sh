#!/usr/bin/env bash
# Benchmarks session-auth against its references. Anyone can run it:
#
#   bench/run.sh                # needs cargo, wrk, curl, psql, python3 and a PostgreSQL
#
# It builds release binaries, then on PostgreSQL and on SQLite runs, ROUNDS
# times, interleaved, each round beginning with its own references:
#   C   the ceiling: a minimal actix-web hello world, same wrk settings as S1
#   B   the bcrypt bound: cores / time of one cost-12 verify
#   S1  authenticated GET /dashboard        wrk -t2 -c32, one session cookie
#   S1m the same, rotating over 1,000 sessions of 200 users (a cache that rarely hits)
#   S1t S1 for a user with TOTP on (logged in with password and code)
#   S2  anonymous GET /dashboard (401)      wrk -t2 -c32
#   S3  POST /login, correct passwords, rotating over 8 users, wrk -t2 -c8
#   S4  S1 during a login storm (S3's load): the pages' req/s and p99
#   S5  the login storm during S1's load: the logins' rate, slowest and timeouts
#   peak RSS (VmHWM) after all rounds, and the time from start to the first 200 on /healthz
# Every ratio is taken within a round (S1 ÷ that round's ceiling, S4 ÷ that
# round's S1, …); the table shows the median of the rounds and their spread,
# so one noisy round can neither pass nor fail a target.
# The table goes to stdout and to bench/results/<date>.md.
#
# Everything talks to 127.0.0.1 only; every phase is bounded in time.
# Settings (environment): BENCH_DATABASE_URL (admin URL, default
# postgres://postgres@127.0.0.1:5432/postgres), DURATION (10s), WARMUP (3s),
# BCRYPT_COST (12), ROUNDS (3), SCENARIOS ("S1 S1m S1t S2 S3 S4 S5"; e.g.
# ROUNDS=10 SCENARIOS="S1 S1m" for ten rounds of both S1s), BACKENDS
# ("postgres sqlite"), SESSION_AUTH_BIN (a binary to measure instead of
# building this checkout's).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
COST=${BCRYPT_COST:-12}
ROUNDS=${ROUNDS:-3}
SCENARIOS=${SCENARIOS:-S1 S1m S1t S2 S3 S4 S5}
BACKENDS=${BACKENDS:-postgres sqlite}
ADMIN_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
USERS=8
PASSWORD='correct horse battery staple'
MANY_USERS=200
SESSIONS=1000
CORES=$(nproc)

for tool in cargo wrk curl psql python3; do
    command -v "$tool" >/dev/null || { echo "error: $tool is required" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
db_name="bench_$$"
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    psql "$ADMIN_URL" -qAtc "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

say() { printf '==> %s\n' "$*" >&2; }

say "building release binaries"
if [ -z "${SESSION_AUTH_BIN:-}" ]; then cargo build --release --locked --quiet; fi
cargo build --release --locked --quiet --manifest-path bench/hello/Cargo.toml --target-dir target/bench-hello
APP=${SESSION_AUTH_BIN:-$ROOT/target/release/session-auth}
HELLO=$ROOT/target/bench-hello/release/hello
BCRYPT_TIME=$ROOT/target/bench-hello/release/bcrypt-time

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

# Starts the app with DATABASE_URL=$1 in $work/$2; prints "PID PORT START_MS".
start_app() {
    local url=$1 dir=$work/$2 port start now
    mkdir -p "$dir"
    port=$(free_port)
    start=$(date +%s%N)
    (cd "$dir" && exec env -i PATH="$PATH" HOME="$dir" DATABASE_URL="$url" SECRET_KEY="$SECRET_KEY" \
        PORT="$port" BCRYPT_COST="${BCRYPT_COST:-$COST}" LOGIN_IP_LIMIT=0 LOGIN_MAX_FAILURES=1000000 RUST_LOG=warn \
        "$APP" serve >"$dir/log" 2>&1) &
    local pid=$!
    pids+=("$pid")
    for _ in $(seq 1000); do
        if curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"; then
            now=$(date +%s%N)
            echo "$pid $port $(((now - start) / 1000000))"
            return
        fi
        sleep 0.005
    done
    echo "error: the app did not answer /healthz within 5 s; log:" >&2
    cat "$dir/log" >&2
    exit 1
}

# Stops the app with PID $1 (SIGTERM) and waits for it.
stop_app() {
    kill "$1"
    wait "$1" 2>/dev/null || true
}

# Lua for the login storm: POST /login rotating over the bench users.
cat >"$work/login.lua" <<EOF
local n = 0
request = function()
    n = n + 1
    local body = "username=bench" .. (n % $USERS) .. "&password=" .. "${PASSWORD// /+}"
    return wrk.format("POST", "/login", {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
EOF

SECRET_KEY=$("$APP" generate-secret)
export SECRET_KEY

# Appends "BACKEND ROUND SCENARIO req/s p50 p99 max non2xx timeouts" to $work/rows.
row() { echo "$1 $2 $3 $4" >>"$work/rows"; }

# The two sides of the mixed load: S1's page flood and S3's login storm at
# once. The side measured ($1: pages or logins) runs for DURATION inside the
# other, which starts a second before it and ends a second after.
mixed() {
    local pages=(-t2 -c32 -H "Cookie: $cookie" "$base/dashboard")
    local logins=(-t1 -c8 --timeout 10s -s "$work/login.lua" "$base")
    local outer inner
    if [ "$1" = pages ]; then outer=("${logins[@]}") inner=("${pages[@]}"); else outer=("${pages[@]}") inner=("${logins[@]}"); fi
    wrk -d"$((${DURATION%s} + 2))s" "${outer[@]}" >/dev/null &
    local other=$!
    sleep 1
    wrk_run -d"$DURATION" "${inner[@]}"
    wait "$other" || true
}

# One measured run of SCENARIO ($1) against $base.
run_scenario() {
    case $1 in
        S1) wrk_run -t2 -c32 -d"$DURATION" -H "Cookie: $cookie" "$base/dashboard" ;;
        S1m) wrk_run -t2 -c32 -d"$DURATION" -s "$work/many.lua" "$base" ;;
        S1t) wrk_run -t2 -c32 -d"$DURATION" -H "Cookie: $totp_cookie" "$base/dashboard" ;;
        S2) wrk_run -t2 -c32 -d"$DURATION" "$base/dashboard" ;;
        S3) wrk_run -t2 -c8 -d"$DURATION" --timeout 10s -s "$work/login.lua" "$base" ;;
        S4) mixed pages ;;
        S5) mixed logins ;;
        *) echo "error: unknown scenario $1" >&2; exit 1 ;;
    esac
}

# The references of one round: the ceiling's and the bcrypt bound's rows.
references() {
    local label=$1 round=$2
    row "$label" "$round" C "$(wrk_run -t2 -c32 -d"$DURATION" "http://127.0.0.1:$hello_port/")"
    local verify_s
    verify_s=$("$BCRYPT_TIME" "$COST" 10)
    row "$label" "$round" B "$(awk -v c="$CORES" -v t="$verify_s" 'BEGIN { printf "%.2f %.1f 0 0 0 0", c / t, t * 1000 }')"
}

# Runs ROUNDS rounds of the references and SCENARIOS against DATABASE_URL=$2.
bench_backend() {
    local label=$1 url=$2 pid port startup round scenario
    say "$label: creating $USERS users (bcrypt cost $COST)"
    for i in $(seq 0 $((USERS - 1))); do
        (cd "$work" && printf '%s\n' "$PASSWORD" | env -i PATH="$PATH" DATABASE_URL="$url" BCRYPT_COST="$COST" \
            RUST_LOG=warn "$APP" create-user "bench$i" --password-stdin >/dev/null)
    done
    # The many-sessions S1 needs SESSIONS logins, and S1t a user with TOTP
    # on: made at a low bcrypt cost by an instance of their own, on the same
    # database and key.
    if [[ " $SCENARIOS " == *" S1m "* || " $SCENARIOS " == *" S1t "* ]]; then
    say "$label: $SESSIONS sessions of $MANY_USERS users for S1m, a TOTP user for S1t"
    read -r pid port _ < <(BCRYPT_COST=4 start_app "$url" "$label-setup")
    python3 "$ROOT/bench/sessions.py" "http://127.0.0.1:$port" "$MANY_USERS" "$SESSIONS" "$work/many.lua"
    totp_cookie=$(python3 "$ROOT/bench/sessions.py" --totp "http://127.0.0.1:$port" second)
    stop_app "$pid"
    fi

    read -r pid port startup < <(start_app "$url" "$label")
    base=http://127.0.0.1:$port
    cookie=$(curl -s -o /dev/null -D - --data-urlencode username=bench0 --data-urlencode "password=$PASSWORD" \
        "$base/login" | awk 'tolower($1) == "set-cookie:" && $2 ~ /^session=/ { sub(/;.*/, "", $2); print $2 }' | tr -d '\r')
    [ -n "$cookie" ] || { echo "error: login for the benchmark failed" >&2; exit 1; }
    for c in "$cookie" ${totp_cookie:+"$totp_cookie"}; do
        [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $c" "$base/dashboard")" = 200 ] ||
            { echo "error: a benchmark session does not reach /dashboard" >&2; exit 1; }
    done

    say "$label: warm-up"
    wrk -t2 -c32 -d"$WARMUP" -H "Cookie: $cookie" "$base/dashboard" >/dev/null
    [ ! -f "$work/many.lua" ] || wrk -t2 -c32 -d"$WARMUP" -s "$work/many.lua" "$base" >/dev/null
    for round in $(seq "$ROUNDS"); do
        say "$label: round $round of $ROUNDS, references"
        references "$label" "$round"
        for scenario in $SCENARIOS; do
            say "$label: round $round of $ROUNDS, $scenario"
            row "$label" "$round" "$scenario" "$(run_scenario "$scenario")"
        done
    done

    echo "$label 0 rss $(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")" >>"$work/rows"
    stop_app "$pid"
    echo "$label 0 start $startup" >>"$work/rows"
    # Each warning counts the slow waits since the one before.
    echo "$label 0 poolwaits $(grep -o '([0-9]* waits over' "$work/$label/log" | tr -d '(' |
        awk '{ s += $1 } END { print s + 0 }')" >>"$work/rows"
}

say "reference: actix-web hello world"
hello_port=$(free_port)
PORT=$hello_port "$HELLO" >/dev/null 2>&1 &
hello_pid=$!
pids+=("$hello_pid")
for _ in $(seq 200); do curl -fs -o /dev/null "http://127.0.0.1:$hello_port/" && break; sleep 0.01; done
wrk -t2 -c32 -d"$WARMUP" "http://127.0.0.1:$hello_port/" >/dev/null

for backend in $BACKENDS; do
    case $backend in
        postgres)
            psql "$ADMIN_URL" -qAtc "CREATE DATABASE $db_name" >/dev/null
            bench_backend postgres "$(database_url "$ADMIN_URL" "$db_name")"
            ;;
        sqlite) bench_backend sqlite "sqlite://$work/bench.db" ;;
        *) echo "error: unknown backend $backend" >&2; exit 1 ;;
    esac
done

cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
mkdir -p bench/results
result=bench/results/$(date -u +%Y-%m-%d-%H%M).md
{
    echo "# session-auth benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "Machine: $CORES cores ($cpu), $(uname -sr). $ROUNDS rounds of the references and $SCENARIOS, interleaved, wrk $DURATION each after a $WARMUP warm-up; bcrypt cost $COST; commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Cargo.lock || echo ' (with changes)')."
    echo
    python3 "$ROOT/bench/summary.py" "$work/rows" "$COST"
} | tee "$result"
say "written to $result"
