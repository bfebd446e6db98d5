#!/usr/bin/env bash
# http_key_cache: the HTTP workers' cache of access keys
# (test/http/key_cache.py): a key revoked, deleted, given another role or
# another secret, or whose role is dropped, is refused or changed from the
# very next request on every connection of every worker; a revoke rolled
# back changes nothing; several keys and signing scopes side by side. Needs
# PGHOST, PGPORT, PGUSER, PGBIN and DDB_HTTP_PORT (scripts/test.sh sets them).
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
here=$(cd "$(dirname "$0")" && pwd)

. "$here/http/lib.sh"
http_wait_ready || { echo "http_key_cache: the endpoint does not answer on port $DDB_HTTP_PORT" >&2; exit 1; }

export DDB_PSQL="$bin/psql -X -q -At -v ON_ERROR_STOP=1 -d ddb_http"
/usr/bin/python3 "$here/http/key_cache.py"
