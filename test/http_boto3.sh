#!/usr/bin/env bash
# http_boto3: the HTTP endpoint end to end with boto3 (Debian's python3-boto3),
# every request signed with AWS Signature Version 4: every operation, error
# mapping, authentication failures, gzip bodies, keep-alive, pipelining and
# concurrent clients (test/http/boto3_suite.py). Creates the roles and access
# keys it uses in the endpoint's database (ddb_http). Needs PGHOST, PGPORT,
# PGUSER, PGBIN and DDB_HTTP_PORT (scripts/test.sh sets them).
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
here=$(cd "$(dirname "$0")" && pwd)
psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -d ddb_http "$@"; }

. "$here/http/lib.sh"
http_wait_ready || { echo "http_boto3: the endpoint does not answer on port $DDB_HTTP_PORT" >&2; exit 1; }

psql -o /dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'http_app') THEN CREATE ROLE http_app; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'http_reader') THEN CREATE ROLE http_reader; END IF;
END $$;
GRANT CREATE ON SCHEMA ddb_data TO http_app;
DELETE FROM ddb.access_keys WHERE role IN ('http_app'::regrole, 'http_reader'::regrole);
SQL
read -r DDB_KEY DDB_SECRET < <(psql -At -F ' ' -c "SELECT * FROM ddb.create_access_key('http_app', 'boto3 suite')")
read -r DDB_RO_KEY DDB_RO_SECRET < <(psql -At -F ' ' -c "SELECT * FROM ddb.create_access_key('http_reader')")
export DDB_KEY DDB_SECRET DDB_RO_KEY DDB_RO_SECRET
export DDB_PSQL="$bin/psql -X -q -v ON_ERROR_STOP=1 -d ddb_http"

/usr/bin/python3 "$here/http/boto3_suite.py"
