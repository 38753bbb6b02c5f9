#!/bin/sh
# First start of the postgres container only (docker-entrypoint-initdb.d): the two login roles
# Tenantry runs with (README, "Security and isolation"). The owner owns the database and runs
# migrations and tenant DDL; the runtime role owns nothing, has no BYPASSRLS and is NOINHERIT.
set -eu
: "${TENANTRY_OWNER_PASSWORD:?set TENANTRY_OWNER_PASSWORD}"
: "${TENANTRY_APP_PASSWORD:?set TENANTRY_APP_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$POSTGRES_DB" -v owner_pw="$TENANTRY_OWNER_PASSWORD" -v app_pw="$TENANTRY_APP_PASSWORD" <<'SQL'
CREATE ROLE tenantry_owner LOGIN CREATEROLE NOSUPERUSER NOBYPASSRLS PASSWORD :'owner_pw';
CREATE ROLE tenantry_app LOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB PASSWORD :'app_pw';
ALTER DATABASE :"db" OWNER TO tenantry_owner;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO tenantry_app;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO tenantry_owner;
SQL
