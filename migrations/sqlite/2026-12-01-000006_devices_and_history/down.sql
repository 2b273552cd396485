alter table users drop column locked_at;
drop table security_events;
drop table sessions;
