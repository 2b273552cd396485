-- An optional email address per account, verified by a link before use.
alter table users add column email text;
-- lowercase form: unique without regard to case (NULLs do not collide)
alter table users add column email_normalized text;
alter table users add column email_verified_at timestamp;
create unique index users_email_normalized_key on users (email_normalized);

-- Links sent by mail (password reset, email verification). Only the SHA-256
-- of a token is kept; a used one keeps its row (used_at) so that the
-- per-account mail limit counts it, until the clean-up deletes it.
create table account_tokens (
    token_hash text primary key not null,
    user_id integer not null references users (id) on delete cascade,
    -- 'reset' or 'verify'
    purpose text not null,
    -- for 'verify': the address it verifies (the link dies when it changes)
    email_normalized text,
    created_at timestamp not null,
    expires_at timestamp not null,
    used_at timestamp
);
create index account_tokens_user_purpose on account_tokens (user_id, purpose, created_at);
create index account_tokens_expires_at on account_tokens (expires_at);
