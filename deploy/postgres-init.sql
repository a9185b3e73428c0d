-- Runs once, when the PostgreSQL volume is created (compose.yml). The backend's database
-- (POSTGRES_DB=minwon) already exists; Rasa's tracker store gets its own, named as
-- MINWON_TRACKER_DB_NAME in compose.yml, owned by the same role. Rasa creates its `events`
-- table itself on first start.
CREATE DATABASE rasa_tracker OWNER minwon;
