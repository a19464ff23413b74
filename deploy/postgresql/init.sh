#!/bin/sh
# First start of the compose PostgreSQL only (docker-entrypoint-initdb.d): one role per user of
# the server, so Temporal and Đồng Hành never share credentials. Temporal's auto-setup creates its
# own two databases (temporal, temporal_visibility), hence CREATEDB.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v temporal_password="$TEMPORAL_DB_PASSWORD" -v donghanh_password="$DONGHANH_DB_PASSWORD" <<'SQL'
CREATE ROLE temporal LOGIN CREATEDB PASSWORD :'temporal_password';
CREATE ROLE donghanh LOGIN PASSWORD :'donghanh_password';
CREATE DATABASE donghanh OWNER donghanh;
SQL
