#!/usr/bin/env python3
"""The settings of docker-compose.yml that the project relies on, checked
offline: `python3 .ci/check-compose.py docker-compose.yml`. docker-compose
checks the schema; this checks what `docker compose up` needs of ours.
Needs PyYAML (Debian: python3-yaml)."""
import base64, re, sys, yaml

with open(sys.argv[1]) as f:
    doc = yaml.safe_load(f)
problems = []

def need(ok, what):
    if not ok:
        problems.append(what)

need(doc.get("name") == "session-auth", "top-level `name: session-auth`")
need("version" not in doc, "no obsolete top-level `version:`")
need("pgdata" in (doc.get("volumes") or {}), "named volume `pgdata`")
services = doc.get("services") or {}
db, app = services.get("db") or {}, services.get("app") or {}

def default(value):
    """What `docker compose` makes of `${VAR:-default}` when VAR is unset."""
    m = re.fullmatch(r"\$\{\w+:-(.*)\}", str(value))
    return m.group(1) if m else str(value)

need(default(db.get("image", "")).startswith("postgres:16"), "db.image defaults to postgres:16")
need("pg_isready" in str((db.get("healthcheck") or {}).get("test")), "db healthcheck runs pg_isready")
need(any(str(v).startswith("pgdata:") for v in db.get("volumes") or []), "db data in volume pgdata")

build = app.get("build")
need(build == "." or (isinstance(build, dict) and build.get("context") == "."), "app is built from .")
need(((app.get("depends_on") or {}).get("db") or {}).get("condition") == "service_healthy",
     "app depends_on db with condition service_healthy")
need(any(str(p).endswith(":8080") and default(str(p).rsplit(":", 1)[0].split(":", 1)[-1]) == "8080"
         for p in app.get("ports") or []), "app publishes port 8080 (by default)")
env = app.get("environment") or {}
need(env.get("APP_ENV") == "production", "app APP_ENV=production")
need(re.fullmatch(r"postgres(ql)?://[^@]+@db:5432/\w+", str(env.get("DATABASE_URL", ""))) is not None,
     "app DATABASE_URL points at postgres on db:5432")
need("COOKIE_SECURE" in env, "app sets COOKIE_SECURE")
# `docker compose up` must work with no prior step: SECRET_KEY needs a usable default.
m = re.fullmatch(r"\$\{SECRET_KEY:-([A-Za-z0-9+/=]+)\}", str(env.get("SECRET_KEY", "")))
try:
    ok = m is not None and len(base64.b64decode(m.group(1), validate=True)) >= 64
except ValueError:
    ok = False
need(ok, "app SECRET_KEY is ${SECRET_KEY:-<base64 of >= 64 bytes>}")

if problems:
    sys.exit("docker-compose.yml lacks: " + "; ".join(problems))
print("docker-compose.yml: schema and project keys OK")
