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
mail = services.get("mail") or {}

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

# Settings passed through from the environment or .env when set (a key
# without a value), else the app's defaults apply.
for name in ("SECRET_KEY_FALLBACKS", "BCRYPT_COST", "LOGIN_IP_LIMIT", "LOGIN_MAX_FAILURES",
             "SESSION_IDLE_TIMEOUT", "SESSION_ABSOLUTE_TIMEOUT", "REMEMBER_ME_DURATION",
             "ALLOW_REGISTRATION", "TRUSTED_PROXIES", "DATABASE_POOL_SIZE",
             "MAIL_FROM", "PASSWORD_RESET_TTL"):
    need(name in env and env[name] is None, f"app passes {name} through (`{name}:` without a value)")

# Account recovery: production needs PUBLIC_URL (links in mail are built from
# it) and a mail transport; the demo's goes to the mail catcher.
need(default(env.get("PUBLIC_URL", "")) == "http://localhost:${APP_PORT:-8080}",
     "app PUBLIC_URL is ${PUBLIC_URL:-http://localhost:${APP_PORT:-8080}} (follows the published port)")
need(default(env.get("MAIL_TRANSPORT", "")) == "smtp://mail:1025",
     "app MAIL_TRANSPORT defaults to smtp://mail:1025 (the mail catcher)")
need(default(mail.get("image", "")).startswith("axllent/mailpit:v"),
     "mail.image defaults to a pinned axllent/mailpit:vX.Y")
mail_ports = [str(p) for p in mail.get("ports") or []]
need(any(p.endswith(":8025") for p in mail_ports), "mail publishes its web page (8025)")
need(not any(p.endswith(":1025") or p == "1025" for p in mail_ports),
     "mail does not publish SMTP (1025): only the app sends to it")
# Mail leaves through a queue that retries: the app must start without it.
deps = app.get("depends_on") or {}
# The list form (`- mail`) means service_started.
mail_dep = deps.get("mail") if isinstance(deps, dict) else ({} if "mail" in deps else None)
need(mail_dep is None or (mail_dep or {}).get("condition", "service_started") == "service_started",
     "app does not wait for mail to be healthy (condition service_started at most)")

# Every published port of every service is on the loopback address: the demo
# key is public, and the catcher shows every reset link.
for service_name, service in services.items():
    for p in service.get("ports") or []:
        need(str(p).startswith("127.0.0.1:"), f"{service_name} publishes {p} on 127.0.0.1 only")

# The app and the mail catcher are hardened alike.
for service_name, service in (("app", app), ("mail", mail)):
    need(service.get("read_only") is True, f"{service_name} read_only: true")
    need(service.get("cap_drop") == ["ALL"], f"{service_name} cap_drop: [ALL]")
    need("no-new-privileges:true" in (service.get("security_opt") or []),
         f"{service_name} security_opt no-new-privileges:true")

if problems:
    sys.exit("docker-compose.yml lacks: " + "; ".join(problems))
print("docker-compose.yml: schema and project keys OK")
