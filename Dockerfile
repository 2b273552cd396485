# session-auth container image: `docker build -t session-auth .`
# The binary embeds its templates, static files and migrations, so the
# runtime stage holds nothing but the binary and CA certificates.
#
# The base images are build arguments with the official images as defaults;
# CI, which reaches no registry, builds with stand-ins made from Debian's
# packages (tests/docker/make-images) by overriding them.
ARG RUST_IMAGE=rust:1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# ---- build stage ------------------------------------------------------------
FROM ${RUST_IMAGE} AS builder
WORKDIR /build

# Dependency layer: build every dependency (bundled libpq, OpenSSL and SQLite
# included) against a stub crate, so that a change under src/ reuses this
# layer and only recompiles our own crate.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
    && echo '//! Dependency-caching stub, replaced below.' > src/lib.rs \
    && echo 'fn main() {}' > src/main.rs \
    && cargo build --release --locked \
    && rm -rf src

# The real sources. Templates, static files, migrations and translations are compiled into
# the binary, so they are needed here and nowhere else.
COPY src/ src/
COPY templates/ templates/
COPY static/ static/
COPY migrations/ migrations/
COPY locales/ locales/

# Forget the stub's build of our own crate (COPY keeps the files' original
# times, which can be older than the stub's), then build the real binary.
RUN rm -rf target/release/.fingerprint/session-auth-* \
        target/release/deps/session_auth-* \
        target/release/deps/libsession_auth-* \
    && cargo build --release --locked \
    && install -m 0755 target/release/session-auth /usr/local/bin/session-auth

# ---- runtime stage ----------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime

LABEL org.opencontainers.image.title="session-auth" \
      org.opencontainers.image.description="Session-based login with Actix-web, Diesel and PostgreSQL" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"

# CA certificates, for TLS connections to a managed PostgreSQL.
# Not pinned: Debian replaces a package's version in each stable point release
# and drops the old one from the mirror, so a pin would break future builds;
# the bookworm suite already fixes what we get.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# An unprivileged user (fixed uid/gid 10001 so volume ownership and
# Kubernetes `runAsUser` are predictable) and a writable data directory for
# the SQLite default (PostgreSQL deployments don't write to it).
RUN groupadd --system --gid 10001 session-auth \
    && useradd --system --no-log-init --uid 10001 --gid 10001 \
        --home-dir /app --no-create-home --shell /usr/sbin/nologin session-auth \
    && mkdir -p /app/data \
    && chown 10001:10001 /app/data \
    && chmod 0750 /app/data

COPY --from=builder /usr/local/bin/session-auth /usr/local/bin/session-auth

WORKDIR /app
USER 10001:10001

# Production defaults; DATABASE_URL and SECRET_KEY come from the deployment.
# The vendored OpenSSL looks for CA certificates under its own build prefix:
# point it at Debian's bundle (used by libpq's sslrootcert=system).
ENV HOST=0.0.0.0 \
    PORT=8080 \
    APP_ENV=production \
    RUST_LOG=info \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    SSL_CERT_DIR=/etc/ssl/certs

EXPOSE 8080

# `session-auth healthcheck` GETs /healthz on HOST:PORT (no curl in the image).
# The start period covers the migrations that run before the server listens.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["session-auth", "healthcheck"]

# Exec form: the server itself is PID 1 and gets SIGTERM for a graceful stop.
ENTRYPOINT ["session-auth"]
CMD ["serve"]
