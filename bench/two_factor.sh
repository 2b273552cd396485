#!/usr/bin/env bash
# S1 (authenticated GET /dashboard, wrk -t2 -c32) for a user with TOTP on,
# next to S1 for a user without it, interleaved, on SQLite and PostgreSQL:
# the guard's per-request path must not notice the second factor (issue 12).
#
#   bench/two_factor.sh        # needs cargo, wrk, curl, psql, python3 and a PostgreSQL
#
# Settings (environment): BENCH_DATABASE_URL (admin URL, default
# postgres://postgres@127.0.0.1:5432/postgres), DURATION (5s), ROUNDS (3).
# Everything talks to 127.0.0.1 only.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
DURATION=${DURATION:-5s}
ROUNDS=${ROUNDS:-3}
ADMIN_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PASSWORD='correct horse battery staple'

for tool in cargo wrk curl psql python3; do
    command -v "$tool" >/dev/null || { echo "error: $tool is required" >&2; exit 1; }
done
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

work=$(mktemp -d)
pids=()
db_name="bench_2fa_$$"
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    psql "$ADMIN_URL" -qAtc "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
say() { printf '==> %s\n' "$*" >&2; }

say "building the release binary"
cargo build --release --locked --quiet
APP=$ROOT/target/release/session-auth
SECRET_KEY=$("$APP" generate-secret)

# The 6-digit TOTP code of base32 secret $1 at unix time $2 (RFC 6238, SHA-1).
totp() {
    python3 -c 'import base64, hashlib, hmac, struct, sys
secret, at = sys.argv[1], int(sys.argv[2])
key = base64.b32decode(secret + "=" * (-len(secret) % 8))
digest = hmac.new(key, struct.pack(">Q", at // 30), hashlib.sha1).digest()
offset = digest[-1] & 15
print("%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000))' "$1" "$2"
}

# The session cookie (name=value) that the answers in curl's header dump $1 set.
session_cookie() { awk 'tolower($1) == "set-cookie:" && $2 ~ /^session=/ { sub(/;.*/, "", $2); print $2 }' "$1" | tr -d '\r' | tail -n 1; }

# measure URL LABEL: S1 for a plain user and a TOTP user, ROUNDS times each, interleaved.
measure() {
    local url=$1 label=$2 dir=$work/$2 port base jar plain two secret now headers
    mkdir -p "$dir"
    port=$(free_port)
    (cd "$dir" && exec env -i PATH="$PATH" HOME="$dir" DATABASE_URL="$url" SECRET_KEY="$SECRET_KEY" \
        PORT="$port" BCRYPT_COST=4 LOGIN_IP_LIMIT=0 RUST_LOG=warn "$APP" serve >"$dir/log" 2>&1) &
    pids+=("$!")
    base=http://127.0.0.1:$port
    for _ in $(seq 300); do curl -fs -o /dev/null "$base/healthz" && break; sleep 0.05; done

    local json=(-H 'Content-Type: application/json')
    headers=$dir/plain.headers
    curl -s -o /dev/null -D "$headers" "${json[@]}" \
        -d "{\"username\":\"plain\",\"password\":\"$PASSWORD\"}" "$base/register"
    plain=$(session_cookie "$headers")

    jar=$dir/two.jar
    curl -s -o /dev/null -c "$jar" -b "$jar" "${json[@]}" \
        -d "{\"username\":\"second\",\"password\":\"$PASSWORD\"}" "$base/register"
    secret=$(curl -s -c "$jar" -b "$jar" "${json[@]}" -d '{}' "$base/account/2fa/setup" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])')
    now=$(date +%s)
    curl -s -o /dev/null -c "$jar" -b "$jar" "${json[@]}" \
        -d "{\"code\":\"$(totp "$secret" "$now")\"}" "$base/account/2fa/confirm"
    rm -f "$jar"
    curl -s -o /dev/null -c "$jar" -b "$jar" "${json[@]}" \
        -d "{\"username\":\"second\",\"password\":\"$PASSWORD\"}" "$base/login"
    headers=$dir/two.headers
    curl -s -o /dev/null -D "$headers" -b "$jar" "${json[@]}" \
        -d "{\"code\":\"$(totp "$secret" $((now + 30)))\"}" "$base/login/2fa"
    two=$(session_cookie "$headers")
    for who in plain two; do
        local cookie=${!who}
        [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$base/dashboard")" = 200 ] ||
            { echo "error: no session for the $who user on $label" >&2; exit 1; }
    done

    wrk -t2 -c32 -d2s -H "Cookie: $plain" "$base/dashboard" >/dev/null
    local rounds_plain=() rounds_two=()
    for round in $(seq "$ROUNDS"); do
        say "$label round $round"
        rounds_plain+=("$(wrk_run -t2 -c32 -d"$DURATION" -H "Cookie: $plain" "$base/dashboard")")
        rounds_two+=("$(wrk_run -t2 -c32 -d"$DURATION" -H "Cookie: $two" "$base/dashboard")")
    done
    python3 - "$label" "${rounds_plain[@]}" -- "${rounds_two[@]}" <<'PY'
import statistics, sys
label, rest = sys.argv[1], sys.argv[2:]
split = rest.index("--")
plain, two = [r.split() for r in rest[:split]], [r.split() for r in rest[split + 1:]]
rps = lambda rows: statistics.median(float(r[0]) for r in rows)
p99 = lambda rows: statistics.median(float(r[2]) for r in rows)
bad = lambda rows: sum(int(r[3]) + int(r[4]) for r in rows)
a, b = rps(plain), rps(two)
print(f"| {label} | {a:,.0f} | {b:,.0f} | {b / a:.1%} | {p99(plain):.2f} / {p99(two):.2f} | {bad(plain) + bad(two)} |")
PY
}

echo "| backend | S1 req/s, no second factor | S1 req/s, TOTP on | TOTP / plain | p99 ms (plain / TOTP) | non-2xx + timeouts |"
echo "|---|---|---|---|---|---|"
measure "sqlite://$work/sqlite/bench.db" sqlite
psql "$ADMIN_URL" -qAtc "CREATE DATABASE $db_name" >/dev/null
measure "$(database_url "$ADMIN_URL" "$db_name")" postgres
