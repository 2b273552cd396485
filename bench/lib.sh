# shellcheck shell=bash
# Shared by bench/run.sh and bench/compare.sh (sourced, not run).

# A free TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wrk's summary → "req/s p50_ms p99_ms max_ms non2xx timeouts".
wrk_run() {
    local out
    out=$(wrk --latency "$@")
    awk '
        function ms(v) {
            if (v ~ /us$/) return substr(v, 1, length(v)-2) / 1000;
            if (v ~ /ms$/) return substr(v, 1, length(v)-2) + 0;
            if (v ~ /s$/)  return substr(v, 1, length(v)-1) * 1000;
            return v;
        }
        /Requests\/sec:/ { rps = $2 }
        $1 == "Latency" && !max { max = ms($4) }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /Non-2xx or 3xx responses:/ { non = $5 }
        /Socket errors:/ { timeouts = $NF }
        END { printf "%.1f %.2f %.2f %.2f %d %d\n", rps, p50, p99, max, non + 0, timeouts + 0 }
    ' <<<"$out"
}

# database_url ADMIN_URL NAME: the same server, user and options, database NAME.
database_url() {
    python3 -c 'import sys
u, name = sys.argv[1], sys.argv[2]
base, _, query = u.partition("?")
scheme, _, rest = base.partition("://")
host = rest.split("/", 1)[0]
print(f"{scheme}://{host}/{name}" + (f"?{query}" if query else ""))' "$1" "$2"
}
