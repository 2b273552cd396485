-- The sessions a user sees on /account/sessions: one record per login. The
-- cookie stays the session (its identity, times and generation are sealed
-- there); the record lets the user see a session and end it.
create table sessions (
    -- Public id, in the page's buttons and the API (random; not the cookie's).
    id text primary key,
    -- The cookie's session id: what ending the session revokes.
    sid text not null unique,
    user_id integer not null references users (id) on delete cascade,
    method text not null,
    address text,
    user_agent text not null,
    label text not null,
    created_at timestamp not null,
    last_seen_at timestamp not null,
    -- When the cookie stops being valid, as of the last refresh.
    expires_at timestamp not null,
    ended_at timestamp
);
create index sessions_user on sessions (user_id);
create index sessions_expiry on sessions (expires_at);

-- The account's security history (/account/activity), each written in the
-- transaction of the change it describes.
create table security_events (
    id integer primary key autoincrement not null,
    user_id integer not null references users (id) on delete cascade,
    at timestamp not null,
    kind text not null,
    method text,
    address text,
    detail text
);
create index security_events_user on security_events (user_id, id);
create index security_events_at on security_events (at);

-- An operator's lock (`session-auth users lock`): every login is refused until unlocked.
alter table users add column locked_at timestamp;
