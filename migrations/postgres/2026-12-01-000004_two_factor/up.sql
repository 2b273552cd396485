-- TOTP: the secret (base32) once set up and confirmed, and the last time
-- step accepted, so that no code is ever accepted twice.
alter table users add column totp_secret text;
alter table users add column totp_enabled_at timestamp;
alter table users add column totp_last_step bigint;

-- Recovery codes: only their SHA-256; each works once.
create table recovery_codes (
    id serial primary key,
    user_id integer not null references users (id) on delete cascade,
    code_hash text not null,
    used_at timestamp
);
create index recovery_codes_user on recovery_codes (user_id);
