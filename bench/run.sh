#!/usr/bin/env bash
# Benchmarks session-auth against its references. Anyone can run it:
#
#   bench/run.sh                # needs cargo, wrk, curl, psql and a PostgreSQL
#
# It builds release binaries, then for PostgreSQL (and once for SQLite):
#   S1  authenticated GET /dashboard        wrk -t2 -c32, one session cookie
#   S1m the same, rotating over 1,000 sessions of 200 users (a cache that rarely hits)
#   S2  anonymous GET /dashboard (401)      wrk -t2 -c32
#   S3  POST /login, correct passwords, rotating over 8 users, wrk -t2 -c8
#   S4  S1 and S3 at the same time: S1's req/s and p99 during the login storm
#   peak RSS (VmHWM) after S1, and the time from start to the first 200 on /healthz
# and two references: a minimal actix-web hello world (the ceiling, same wrk
# settings as S1) and the bcrypt bound (cores / time of one cost-12 verify).
# The table goes to stdout and to bench/results/<date>.md.
#
# Everything talks to 127.0.0.1 only; every phase is bounded in time.
# Each scenario runs ROUNDS times, interleaved (S1 S1m S2 S3 S4 S1 …), and the
# table shows medians, so one noisy run cannot decide a target.
# Settings (environment): BENCH_DATABASE_URL (admin URL, default
# postgres://postgres@127.0.0.1:5432/postgres), DURATION (10s), WARMUP (3s),
# BCRYPT_COST (12), ROUNDS (3), SCENARIOS ("S1 S1m S2 S3 S4"; e.g.
# ROUNDS=10 SCENARIOS="S1 S1m" for ten consecutive rounds of both S1s).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
COST=${BCRYPT_COST:-12}
ROUNDS=${ROUNDS:-3}
SCENARIOS=${SCENARIOS:-S1 S1m S2 S3 S4}
ADMIN_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
USERS=8
PASSWORD='correct horse battery staple'
MANY_USERS=200
SESSIONS=1000
CORES=$(nproc)

for tool in cargo wrk curl psql; do
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
cargo build --release --locked --quiet
cargo build --release --locked --quiet --manifest-path bench/hello/Cargo.toml --target-dir target/bench-hello
APP=$ROOT/target/release/session-auth
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

# stats LABEL SCENARIO → "req/s p50 p99 min_p99 max_p99 non2xx timeouts rounds":
# medians over the rounds, the spread of p99, and the sums of the errors.
stats() {
    awk -v l="$1" -v k="$2" '
        function median(x, n,   i, j, t) {
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
            return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
        }
        $1 == l && $2 == k { n++; r[n] = $3; a[n] = $4; p[n] = $5; non += $6; to += $7 }
        END {
            if (!n) { print "0 0 0 0 0 0 0 0"; exit }
            mr = median(r, n); ma = median(a, n); mp = median(p, n)  # sorts p: p[1] min, p[n] max
            printf "%.1f %.2f %.2f %.2f %.2f %d %d %d\n", mr, ma, mp, p[1], p[n], non, to, n
        }' "$work/rows"
}

# Stops the app with PID $1 (SIGTERM) and waits for it.
stop_app() {
    kill "$1"
    wait "$1" 2>/dev/null || true
}

# Lua for S3: POST /login rotating over the bench users.
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

# Appends "LABEL SCENARIO req/s p50 p99 non2xx timeouts" for one wrk run to $work/rows.
row() { echo "$1 $2 $3" >>"$work/rows"; }

# One measured run of SCENARIO ($1) against $base, with $cookie for S1 and S4.
run_scenario() {
    case $1 in
        S1) wrk_run -t2 -c32 -d"$DURATION" -H "Cookie: $cookie" "$base/dashboard" ;;
        S1m) wrk_run -t2 -c32 -d"$DURATION" -s "$work/many.lua" "$base" ;;
        S2) wrk_run -t2 -c32 -d"$DURATION" "$base/dashboard" ;;
        S3) wrk_run -t2 -c8 -d"$DURATION" --timeout 10s -s "$work/login.lua" "$base" ;;
        S4)
            # The storm starts a second before S1 and ends a second after it.
            wrk -t1 -c8 -d"$((${DURATION%s} + 2))s" --timeout 10s -s "$work/login.lua" "$base" >/dev/null &
            local storm=$!
            sleep 1
            wrk_run -t2 -c32 -d"$DURATION" -H "Cookie: $cookie" "$base/dashboard"
            wait "$storm" || true
            ;;
        *) echo "error: unknown scenario $1" >&2; exit 1 ;;
    esac
}

# Runs every scenario ROUNDS times, interleaved, against DATABASE_URL=$2;
# appends rows to $work/rows.
bench_backend() {
    local label=$1 url=$2 pid port startup round scenario
    say "$label: creating $USERS users (bcrypt cost $COST)"
    for i in $(seq 0 $((USERS - 1))); do
        (cd "$work" && printf '%s\n' "$PASSWORD" | env -i PATH="$PATH" DATABASE_URL="$url" BCRYPT_COST="$COST" \
            RUST_LOG=warn "$APP" create-user "bench$i" --password-stdin >/dev/null)
    done
    # The many-sessions S1 needs SESSIONS logins: made at a low bcrypt cost
    # by an instance of their own, on the same database and key.
    say "$label: $SESSIONS sessions of $MANY_USERS users for S1m"
    read -r pid port _ < <(BCRYPT_COST=4 start_app "$url" "$label-setup")
    python3 "$ROOT/bench/sessions.py" "http://127.0.0.1:$port" "$MANY_USERS" "$SESSIONS" "$work/many.lua"
    stop_app "$pid"

    read -r pid port startup < <(start_app "$url" "$label")
    base=http://127.0.0.1:$port
    cookie=$(curl -s -o /dev/null -D - --data-urlencode username=bench0 --data-urlencode "password=$PASSWORD" \
        "$base/login" | awk 'tolower($1) == "set-cookie:" && $2 ~ /^session=/ { sub(/;.*/, "", $2); print $2 }' | tr -d '\r')
    [ -n "$cookie" ] || { echo "error: login for the benchmark failed" >&2; exit 1; }

    say "$label: warm-up"
    wrk -t2 -c32 -d"$WARMUP" -H "Cookie: $cookie" "$base/dashboard" >/dev/null
    wrk -t2 -c32 -d"$WARMUP" -s "$work/many.lua" "$base" >/dev/null
    for round in $(seq "$ROUNDS"); do
        for scenario in $SCENARIOS; do
            say "$label: round $round of $ROUNDS, $scenario"
            row "$label" "$scenario" "$(run_scenario "$scenario")"
        done
    done

    echo "$label rss $(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")" >>"$work/rows"
    stop_app "$pid"
    echo "$label start $startup" >>"$work/rows"
    # Each warning counts the slow waits since the one before.
    echo "$label poolwaits $(grep -o '([0-9]* waits over' "$work/$label/log" | tr -d '(' |
        awk '{ s += $1 } END { print s + 0 }')" >>"$work/rows"
}

say "reference: bcrypt verify time at cost $COST"
verify_s=$("$BCRYPT_TIME" "$COST" 10)

say "reference: actix-web hello world"
hello_port=$(free_port)
PORT=$hello_port "$HELLO" >/dev/null 2>&1 &
hello_pid=$!
pids+=("$hello_pid")
for _ in $(seq 200); do curl -fs -o /dev/null "http://127.0.0.1:$hello_port/" && break; sleep 0.01; done
wrk -t2 -c32 -d"$WARMUP" "http://127.0.0.1:$hello_port/" >/dev/null
read -r ceiling _ ceiling_p99 _ < <(wrk_run -t2 -c32 -d"$DURATION" "http://127.0.0.1:$hello_port/")
kill "$hello_pid"

psql "$ADMIN_URL" -qAtc "CREATE DATABASE $db_name" >/dev/null
pg_url=$(database_url "$ADMIN_URL" "$db_name")

bench_backend postgres "$pg_url"
bench_backend sqlite "sqlite://$work/bench.db"

bound=$(awk -v c="$CORES" -v t="$verify_s" 'BEGIN { printf "%.1f", c / t }')
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
stamp=$(date -u +%Y-%m-%dT%H:%MZ)
mkdir -p bench/results
result=bench/results/$(date -u +%Y-%m-%d-%H%M).md

{
    echo "# session-auth benchmark, $stamp"
    echo
    echo "Machine: $CORES cores ($cpu). $ROUNDS rounds of $SCENARIOS, interleaved, wrk $DURATION each after a $WARMUP warm-up; bcrypt cost $COST."
    echo "Figures are medians over the rounds, with the spread of p99; errors are summed."
    echo
    echo "References: actix-web hello world **$ceiling req/s** (p99 $ceiling_p99 ms); bcrypt verify $(awk -v t="$verify_s" 'BEGIN { printf "%.0f", t * 1000 }') ms → bound **$bound logins/s** on $CORES cores."
    echo
    echo "| backend | scenario | req/s | p50 ms | p99 ms (spread) | non-2xx/3xx | timeouts | ratio | target |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
    ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
    for label in postgres sqlite; do
        value() { awk -v l="$label" -v k="$1" '$1 == l && $2 == k { print $3 }' "$work/rows"; }
        # Prints its cells and sets med_rps and med_p99 for the ratios.
        line() {
            local key=$1 what=$2
            read -r med_rps med_p50 med_p99 min_p99 max_p99 non timeouts n < <(stats "$label" "$key")
            [ "$n" -gt 0 ] || return 0
            echo "| $label | $what | $med_rps | $med_p50 | $med_p99 ($min_p99–$max_p99) | $non | $timeouts | $3 | $4 |"
        }
        read -r s1 _ s1p99 _ < <(stats "$label" S1)
        read -r s4 _ s4p99 _ < <(stats "$label" S4)
        line S1 "S1 authenticated /dashboard" "$(ratio "$s1" "$ceiling") of ceiling" "≥ 50%"
        line S1m "S1m the same over $SESSIONS sessions of $MANY_USERS users" \
            "$(ratio "$(stats "$label" S1m | cut -d' ' -f1)" "$ceiling") of ceiling" "0 non-2xx, 0 timeouts"
        line S2 "S2 anonymous /dashboard (401)" "$(ratio "$(stats "$label" S2 | cut -d' ' -f1)" "$ceiling") of ceiling" "≥ 70%"
        line S3 "S3 POST /login" "$(ratio "$(stats "$label" S3 | cut -d' ' -f1)" "$bound") of bcrypt bound" "≥ 90%"
        line S4 "S4 S1 during S3" \
            "$(ratio "$s4" "$s1") of S1 req/s; p99 $(awk -v a="$s4p99" -v b="$s1p99" 'BEGIN { printf "%.1f", a / b }')× S1's" "≥ 50%; ≤ 2×"
        echo "| $label | peak RSS (VmHWM) after all scenarios | $(value rss) MiB | | | | | | ≤ 30 MiB |"
        echo "| $label | start to first /healthz 200 | $(value start) ms | | | | | | ≤ 200 ms (SQLite) |"
        echo "| $label | pool waits over 100 ms (as the warnings count them) | $(value poolwaits) | | | | | | 0 |"
    done
    echo
    echo "S2 answers 401 by design, so wrk counts all of them as non-2xx. S3's non-2xx column must be 0."
} | tee "$result"
say "written to $result"
