#!/usr/bin/env bash
# http_fuzz: the HTTP endpoint survives what clients send (test/http/fuzz.py):
# mutated bodies and whole requests, oversized, truncated and abandoned
# requests, slow and idle clients, statement_timeout and cancels of requests
# waiting on a lock, disconnects mid-request, memory per request. Then: no
# server process crashed (server log) and the HTTP workers are the same
# processes as before (none restarted). Needs PGHOST, PGPORT, PGUSER, PGBIN,
# DDB_HTTP_PORT and DDB_SERVER_LOG (scripts/test.sh sets them);
# DDB_FUZZ_SEED picks the mutations (default 1).
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
here=$(cd "$(dirname "$0")" && pwd)
psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -d ddb_http "$@"; }
fail() { echo "http_fuzz: $*" >&2; exit 1; }

. "$here/http/lib.sh"
http_wait_ready || fail "the endpoint does not answer on port $DDB_HTTP_PORT"
log_start=$(($(wc -l < "$DDB_SERVER_LOG") + 1))

psql -o /dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'http_fuzzer') THEN CREATE ROLE http_fuzzer; END IF;
END $$;
GRANT CREATE ON SCHEMA ddb_data TO http_fuzzer;
DELETE FROM ddb.access_keys WHERE role = 'http_fuzzer'::regrole;
SET ROLE http_fuzzer;
SELECT ddb.delete_table('{"TableName": "fuzz_items"}') FROM ddb.tables WHERE table_name = 'fuzz_items';
SELECT ddb.create_table('fuzz_items', partition_key => 'pk');
SQL
read -r DDB_KEY DDB_SECRET < <(psql -At -F ' ' -c "SELECT * FROM ddb.create_access_key('http_fuzzer', 'fuzz')")
export DDB_KEY DDB_SECRET DDB_FUZZ_SEED=${DDB_FUZZ_SEED:-1}
export DDB_PSQL="$bin/psql -X -q -v ON_ERROR_STOP=1 -d ddb_http"
workers_before=$(psql -At -c "SELECT string_agg(pid::text, ' ' ORDER BY pid) FROM pg_stat_activity WHERE backend_type = 'ddb http'")

rc=0
/usr/bin/python3 "$here/http/fuzz.py" || rc=$?

workers_after=$(psql -At -c "SELECT string_agg(pid::text, ' ' ORDER BY pid) FROM pg_stat_activity WHERE backend_type = 'ddb http'")
[ -n "$workers_before" ] || fail "no HTTP worker in pg_stat_activity"
[ "$workers_before" = "$workers_after" ] ||
    fail "the HTTP workers restarted: $workers_before before, $workers_after after"
crashes=$(http_crashes_since "$log_start")
if [ "$crashes" -ne 0 ]; then
    tail -n +"$log_start" "$DDB_SERVER_LOG" | grep -E 'terminated by signal|was terminated by|exit code|PANIC' >&2
    fail "$crashes crash(es) in the server log"
fi
psql -o /dev/null -c "SET ROLE http_fuzzer" -c "SELECT ddb.delete_table('{\"TableName\": \"fuzz_items\"}')"
echo "http_fuzz: workers $workers_after never restarted, no crash in the server log"
exit "$rc"
