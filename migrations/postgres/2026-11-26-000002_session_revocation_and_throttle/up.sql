-- Logged-out sessions. The cookie store keeps no server state, so a logout
-- records the session's random id until the session would have expired
-- anyway; expired rows are deleted.
create table revoked_sessions (
    sid text primary key,
    expires_at timestamp not null
);
create index revoked_sessions_expires_at on revoked_sessions (expires_at);

-- Consecutive failed logins per normalized username, whether or not the
-- account exists, so a lock-out holds across instances.
create table login_failures (
    username_normalized text primary key,
    failures integer not null,
    locked_until timestamp
);
