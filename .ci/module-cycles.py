#!/usr/bin/env python3
"""The import graph of the crate's modules, and its cycles: `python3
.ci/module-cycles.py src`. Reads every `use crate::…`/`super::…` and inline
`crate::…` path under src/ (test modules left out), follows `pub use`
re-exports, and exits 1 naming each group of modules that import each other
round in a circle (docs/architecture.md: no module imports one that imports it
back). Parent/child pairs count too. A source reader, not a compiler: cheap
enough for every CI run; `cargo modules dependencies` gives the full graph.
"""
import os, re, sys
root = next((a for a in sys.argv[1:] if not a.startswith("-")), "src")
mods = {}
for d, _, fs in os.walk(root):
    for f in fs:
        if not f.endswith(".rs") or f == "main.rs":
            continue
        p = os.path.relpath(os.path.join(d, f), root)[:-3].split(os.sep)
        if p[-1] == "mod": p = p[:-1]
        if p == ["lib"]: p = []
        mods["::".join(["crate"] + p)] = open(os.path.join(d, f)).read()

def strip(src):
    src = re.sub(r"//[^\n]*", "", src)
    i = src.find("#[cfg(test)]\nmod tests")
    return src if i < 0 else src[:i]

def expand(prefix, body):
    out, depth, cur = [], 0, ""
    for ch in body:
        if ch == "{": depth += 1
        if ch == "}": depth -= 1
        if ch == "," and depth == 0:
            out.append(cur); cur = ""
        else: cur += ch
    out.append(cur)
    res = []
    for part in (s.strip() for s in out):
        if not part: continue
        m = re.match(r"^([\w:]*?)(?:::)?\{(.*)\}$", part, re.S)
        if m:
            res += expand(prefix + ([m.group(1)] if m.group(1) else []), m.group(2))
        else:
            res.append("::".join(prefix + [part.split(" as ")[0].strip()]))
    return res

reexports = {}
def paths(mod, src):
    found = []
    for m in re.finditer(r"\buse\s+((?:crate|super|self)(?:::\w+)*)(?:::\{(.*?)\})?\s*;", src, re.S):
        found += expand([m.group(1)], m.group(2)) if m.group(2) else [m.group(1)]
    found += re.findall(r"(?<![\w:])((?:crate|super)(?:::\w+)+)", src)
    return found

def resolve(mod, path):
    parts = path.split("::")
    base = mod.split("::")
    while parts and parts[0] in ("super", "self"):
        if parts[0] == "super": base = base[:-1]
        parts = parts[1:]
    if parts and parts[0] == "crate": full = parts
    else: full = base + parts
    for n in range(len(full), 0, -1):
        cand = "::".join(full[:n])
        if cand in mods:
            rest = full[n:]
            # follow a `pub use` re-export of the next name
            if rest and rest[0] in reexports.get(cand, {}):
                return reexports[cand][rest[0]]
            return cand
    return None

for mod, src in mods.items():
    s = strip(src)
    for m in re.finditer(r"\bpub use\s+([\w:]+)(?:::\{(.*?)\})?\s*;", s, re.S):
        items = expand([m.group(1)], m.group(2)) if m.group(2) else [m.group(1)]
        for it in items:
            name = it.split("::")[-1]
            if name == "self": continue
            tgt = resolve(mod, it if it.startswith(("crate", "super", "self")) else "self::" + it)
            if tgt: reexports.setdefault(mod, {})[name] = tgt

ALL = "--without-parents" not in sys.argv
edges = {m: set() for m in mods}
for mod, src in mods.items():
    for p in paths(mod, strip(src)):
        t = resolve(mod, p)
        if t and t != mod and (ALL or (not mod.startswith(t + "::") and not t.startswith(mod + "::"))):
            edges[mod].add(t)

if "-v" in sys.argv:
    for m in sorted(edges): print(m, "->", ", ".join(sorted(edges[m])))
# Tarjan SCC
idx, low, st, on, sccs, c = {}, {}, [], set(), [], [0]
def sc(v):
    idx[v] = low[v] = c[0]; c[0] += 1; st.append(v); on.add(v)
    for w in edges[v]:
        if w not in idx: sc(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], idx[w])
    if low[v] == idx[v]:
        comp = []
        while True:
            w = st.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1: sccs.append(sorted(comp))
sys.setrecursionlimit(10000)
for v in sorted(edges):
    if v not in idx: sc(v)
print(f"{len(mods)} modules, {sum(len(e) for e in edges.values())} edges, {len(sccs)} cycle groups")
for comp in sccs:
    print("cycle:", " <-> ".join(comp))
    for a in comp:
        for b in sorted(edges[a] & set(comp)): print("   ", a, "->", b)
sys.exit(1 if sccs else 0)
