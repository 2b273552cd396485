drop table account_tokens;
drop index users_email_normalized_key;
alter table users drop column email_verified_at;
alter table users drop column email_normalized;
alter table users drop column email;
