drop table login_failures;
drop table revoked_sessions;
