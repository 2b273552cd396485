-- Accounts. Timestamps are UTC without a zone (the type both backends share).
create table users (
    -- autoincrement: ids of deleted accounts are never reused, so an old
    -- cookie can never name a new account
    id integer primary key autoincrement not null,
    -- the name as the person typed it, shown back to them
    username text not null,
    -- lowercase form: makes Alice and alice one account on every backend
    username_normalized text not null unique,
    password_hash text not null,
    -- sealed into each session cookie; bumping it ends every earlier session
    session_generation integer not null default 0,
    created_at timestamp not null,
    last_login_at timestamp
);
