#!/usr/bin/env python3
"""The table of bench/run.sh, from its rows file.

    bench/summary.py ROWS COST

Each row is "BACKEND ROUND SCENARIO req/s p50 p99 max non2xx timeouts"
(the references C, the ceiling, and B, the bcrypt bound in logins/s, have
rows of their own in every round), or "BACKEND 0 rss|start|poolwaits VALUE".
Every ratio is taken within one round and the table gives the median of the
rounds with their spread (min–max); a target is met when the median meets
it. COST is the bcrypt cost of B, for its label. Prints Markdown; exits 0 whatever the outcome (the table says it).
"""

import statistics
import sys
from collections import defaultdict


def main():
    runs = defaultdict(dict)  # (backend, scenario) -> {round: [fields]}
    single = {}
    for line in open(sys.argv[1], encoding="utf-8"):
        backend, rnd, scenario, *fields = line.split()
        if rnd == "0":
            single[(backend, scenario)] = fields[0]
        else:
            runs[(backend, scenario)][int(rnd)] = [float(f) for f in fields]
    backends = list(dict.fromkeys(b for b, _ in runs))

    print("| backend | scenario | req/s | p50 ms | p99 ms | max ms | non-2xx/3xx | timeouts | measured (median of rounds, spread) | target | met |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|---|---|")
    verdicts = []
    for backend in backends:
        rounds = lambda s: runs.get((backend, s), {})

        def per_round(num, den, num_field=0, den_field=0):
            """num ÷ den for each round both ran."""
            a, b = rounds(num), rounds(den)
            return [a[r][num_field] / b[r][den_field] for r in sorted(a) if r in b and b[r][den_field]]

        def cells(s):
            rows = list(rounds(s).values())
            med = lambda i: statistics.median(r[i] for r in rows)
            return f"{med(0):,.1f} | {med(1):.2f} | {med(2):.2f} | {max(r[3] for r in rows):,.0f} | {sum(int(r[4]) for r in rows)} | {sum(int(r[5]) for r in rows)}"

        def line(s, what, measured, target, met):
            if not rounds(s):
                return
            verdicts.append(met)
            print(f"| {backend} | {what} | {cells(s)} | {measured} | {target} | {'yes' if met else '**no**'} |")

        def ratio(values, unit="%"):
            if not values:
                return "—", 0.0
            m = statistics.median(values)
            if unit == "%":
                return f"{100 * m:.0f}% ({100 * min(values):.0f}–{100 * max(values):.0f})", m
            return f"{m:.2f}× ({min(values):.2f}–{max(values):.2f})", m

        errors = lambda s: sum(int(r[4]) + int(r[5]) for r in rounds(s).values())

        c = rounds("C")
        if c:
            rows = list(c.values())
            print(f"| {backend} | C ceiling: actix-web hello world | {statistics.median(r[0] for r in rows):,.1f} | {statistics.median(r[1] for r in rows):.2f} | {statistics.median(r[2] for r in rows):.2f} | | | | spread {min(r[0] for r in rows):,.0f}–{max(r[0] for r in rows):,.0f} req/s | reference | |")
        b = rounds("B")
        if b:
            rows = list(b.values())
            print(f"| {backend} | B bcrypt bound: cores ÷ one cost-{sys.argv[2]} verify ({statistics.median(r[1] for r in rows):.0f} ms) | {statistics.median(r[0] for r in rows):.2f} logins/s | | | | | | spread {min(r[0] for r in rows):.2f}–{max(r[0] for r in rows):.2f} | reference | |")

        text, m = ratio(per_round("S1", "C"))
        line("S1", "S1 authenticated /dashboard", f"{text} of C", "≥ 60%", m >= 0.60)
        text, m = ratio(per_round("S1m", "C"))
        line("S1m", "S1m over 1,000 sessions of 200 users", f"{text} of C", "≥ 40%, no errors", m >= 0.40 and errors("S1m") == 0)
        text, m = ratio(per_round("S1t", "S1"))
        line("S1t", "S1t the same for a user with TOTP on", f"{text} of S1", "≥ 95%", m >= 0.95)
        text, m = ratio(per_round("S2", "C"))
        line("S2", "S2 anonymous /dashboard (401)", f"{text} of C", "≥ 70%", m >= 0.70)
        text, m = ratio(per_round("S3", "B"))
        line("S3", "S3 POST /login", f"{text} of B", "≥ 90%, no errors", m >= 0.90 and errors("S3") == 0)
        text, m = ratio(per_round("S4", "S1"))
        p99_text, p99 = ratio(per_round("S4", "S1", 2, 2), unit="×")
        line("S4", "S4 S1 during a login storm", f"{text} of S1; p99 {p99_text} S1's", "≥ 50%; ≤ 2×", m >= 0.50 and p99 <= 2.0)
        text, m = ratio(per_round("S5", "B"))
        slowest = max((r[3] for r in rounds("S5").values()), default=0)
        line("S5", "S5 logins during S1's load", f"{text} of B; slowest {slowest / 1000:.1f} s", "≥ 30%; none over 5 s; no errors",
             m >= 0.30 and slowest <= 5000 and errors("S5") == 0)
        for key, what, target, ok in [
            ("rss", "peak RSS (VmHWM) after all rounds, MiB", "≤ 30", lambda v: v <= 30),
            ("start", "start to first /healthz 200, ms", "≤ 200 (SQLite)", lambda v: backend != "sqlite" or v <= 200),
            ("poolwaits", "waits over 100 ms for a connection", "0", lambda v: v == 0),
        ]:
            if (backend, key) in single:
                value = float(single[(backend, key)])
                verdicts.append(ok(value))
                print(f"| {backend} | {what} | | | | | | | {single[(backend, key)]} | {target} | {'yes' if ok(value) else '**no**'} |")
    print()
    print("S2 answers 401 by design, so wrk counts all of them as non-2xx. C, S1, S1m and S1t use the same `wrk -t2 -c32`;")
    print("S3, S4 and S5 share the storm `-c8` of correct passwords (S5 adds S1's load and measures the logins).")
    print()
    print(f"**{sum(verdicts)} of {len(verdicts)} targets met.**")


if __name__ == "__main__":
    main()
