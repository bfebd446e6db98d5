#!/usr/bin/env bash
# http_sdk_js: a smoke run of the AWS SDK for JavaScript v3 against the HTTP
# endpoint (test/http/sdk_v3_smoke.mjs). The SDK comes from npm, installed
# outside the source tree in DDB_NPM_DIR (default /tmp/ddb-aws-sdk-v3, kept
# between runs); without node and npm, or without a way to install the SDK,
# the test says so and is skipped. Needs PGHOST, PGPORT, PGUSER, PGBIN and
# DDB_HTTP_PORT (scripts/test.sh sets them).
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
here=$(cd "$(dirname "$0")" && pwd)
psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -d ddb_http "$@"; }
skip() { echo "SKIP http_sdk_js: $*"; exit 0; }
npm_dir=${DDB_NPM_DIR:-/tmp/ddb-aws-sdk-v3}

command -v node >/dev/null 2>&1 || skip "node is not installed (Debian package nodejs)"
command -v npm >/dev/null 2>&1 || skip "npm is not installed (Debian package npm)"
if [ ! -f "$npm_dir/node_modules/@aws-sdk/client-dynamodb/package.json" ]; then
    mkdir -p "$npm_dir"
    echo '{"name": "ddb-sdk-v3-smoke", "private": true}' > "$npm_dir/package.json"
    if ! (cd "$npm_dir" && HOME="$npm_dir" npm install --no-audit --no-fund --loglevel=error \
            --cache "$npm_dir/.npm" @aws-sdk/client-dynamodb@3 >"$npm_dir/install.log" 2>&1); then
        tail -n 5 "$npm_dir/install.log"
        skip "npm could not install @aws-sdk/client-dynamodb (offline?)"
    fi
fi

. "$here/http/lib.sh"
http_wait_ready || { echo "http_sdk_js: the endpoint does not answer on port $DDB_HTTP_PORT" >&2; exit 1; }
psql -o /dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'http_sdk_js') THEN CREATE ROLE http_sdk_js; END IF;
END $$;
GRANT CREATE ON SCHEMA ddb_data TO http_sdk_js;
DELETE FROM ddb.access_keys WHERE role = 'http_sdk_js'::regrole;
SQL
read -r DDB_KEY DDB_SECRET < <(psql -At -F ' ' -c "SELECT * FROM ddb.create_access_key('http_sdk_js', 'sdk v3')")
export DDB_KEY DDB_SECRET
cp "$here/http/sdk_v3_smoke.mjs" "$npm_dir/smoke.mjs"
echo "@aws-sdk/client-dynamodb $(node -p "require('$npm_dir/node_modules/@aws-sdk/client-dynamodb/package.json').version"), node $(node --version)"
node "$npm_dir/smoke.mjs"
