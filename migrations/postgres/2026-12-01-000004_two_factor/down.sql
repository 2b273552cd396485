drop table recovery_codes;
alter table users drop column totp_last_step;
alter table users drop column totp_enabled_at;
alter table users drop column totp_secret;
