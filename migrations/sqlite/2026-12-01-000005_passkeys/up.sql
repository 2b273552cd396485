-- Passkeys (WebAuthn): each credential as webauthn-rs serialized it (its
-- public key and sign counter), found at login by its credential id.
create table passkeys (
    id integer primary key autoincrement not null,
    user_id integer not null references users (id) on delete cascade,
    name text not null,
    credential text not null,
    credential_id text not null unique,
    created_at timestamp not null,
    last_used_at timestamp
);
create index passkeys_user on passkeys (user_id);

-- A registration or login ceremony waiting for the authenticator's answer:
-- its state stays here, never with the client; single use, 5 minutes.
create table webauthn_ceremonies (
    id text primary key,
    user_id integer references users (id) on delete cascade,
    kind text not null check (kind in ('register', 'login')),
    state text not null,
    expires_at timestamp not null
);
create index webauthn_ceremonies_expiry on webauthn_ceremonies (expires_at);
