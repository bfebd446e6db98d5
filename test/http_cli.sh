#!/usr/bin/env bash
# http_cli: the AWS CLI (Debian's awscli) against the HTTP endpoint, with the
# commands of DynamoDB's CLI tutorial: create-table (and wait table-exists),
# put-item, get-item, query, scan, update-item, delete-item, delete-table,
# plus list-tables, describe-table and an error. Requests are signed with an
# access key of a role made here. Needs PGHOST, PGPORT, PGUSER, PGBIN and
# DDB_HTTP_PORT (scripts/test.sh sets them).
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
here=$(cd "$(dirname "$0")" && pwd)
psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -d ddb_http "$@"; }
fail() { echo "http_cli: $*" >&2; exit 1; }
aws=/usr/bin/aws
[ -x "$aws" ] || fail "the AWS CLI (Debian package awscli) is not installed"

. "$here/http/lib.sh"
http_wait_ready || fail "the endpoint does not answer on port $DDB_HTTP_PORT"

psql -o /dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'http_cli') THEN CREATE ROLE http_cli; END IF;
END $$;
GRANT CREATE ON SCHEMA ddb_data TO http_cli;
DELETE FROM ddb.access_keys WHERE role = 'http_cli'::regrole;
SET ROLE http_cli;
SELECT ddb.delete_table('{"TableName": "Music"}') FROM ddb.tables WHERE table_name = 'Music';
SQL
read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY < <(psql -At -F ' ' -c "SELECT * FROM ddb.create_access_key('http_cli', 'aws cli')")
home=$(mktemp -d "${TMPDIR:-/tmp}/awscli.XXXXXX")
trap 'rm -rf "$home"' EXIT
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" \
    AWS_EC2_METADATA_DISABLED=true HOME="$home" AWS_CONFIG_FILE="$home/config" \
    AWS_SHARED_CREDENTIALS_FILE="$home/credentials"
ddb() { "$aws" dynamodb --endpoint-url "http://localhost:$DDB_HTTP_PORT" --output json "$@"; }
field() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {}, {'d': d}))" "$1"; }
n=0
ok() { n=$((n + 1)); echo "ok     $*"; }

# the tutorial: create a table
ddb create-table --table-name Music \
    --attribute-definitions AttributeName=Artist,AttributeType=S AttributeName=SongTitle,AttributeType=S \
    --key-schema AttributeName=Artist,KeyType=HASH AttributeName=SongTitle,KeyType=RANGE \
    --billing-mode PAY_PER_REQUEST --table-class STANDARD > "$home/out"
[ "$(field 'd["TableDescription"]["TableStatus"]' < "$home/out")" = ACTIVE ] || fail "create-table: $(cat "$home/out")"
ok create-table
ddb wait table-exists --table-name Music || fail "wait table-exists"
ok "wait table-exists"
[ "$(ddb describe-table --table-name Music | field 'd["Table"]["KeySchema"][1]["AttributeName"]')" = SongTitle ] ||
    fail describe-table
ok describe-table
ddb list-tables | field 'd["TableNames"]' | grep -q Music || fail list-tables
ok list-tables

# write data
ddb put-item --table-name Music \
    --item '{"Artist": {"S": "No One You Know"}, "SongTitle": {"S": "Call Me Today"}, "AlbumTitle": {"S": "Somewhat Famous"}, "Awards": {"N": "1"}}'
ddb put-item --table-name Music \
    --item '{"Artist": {"S": "No One You Know"}, "SongTitle": {"S": "Howdy"}, "AlbumTitle": {"S": "Somewhat Famous"}, "Awards": {"N": "2"}}'
ddb put-item --table-name Music \
    --item '{"Artist": {"S": "Acme Band"}, "SongTitle": {"S": "Happy Day"}, "AlbumTitle": {"S": "Songs About Life"}, "Awards": {"N": "10"}}'
ddb put-item --table-name Music \
    --item '{"Artist": {"S": "Acme Band"}, "SongTitle": {"S": "PartiQL Rocks"}, "AlbumTitle": {"S": "Another Album Title"}, "Awards": {"N": "8"}}'
ok "put-item (4 items)"

# read data
[ "$(ddb get-item --consistent-read --table-name Music \
      --key '{"Artist": {"S": "Acme Band"}, "SongTitle": {"S": "Happy Day"}}' | field 'd["Item"]["AlbumTitle"]["S"]')" = "Songs About Life" ] ||
    fail get-item
ok get-item

# update data
ddb update-item --table-name Music \
    --key '{"Artist": {"S": "Acme Band"}, "SongTitle": {"S": "Happy Day"}}' \
    --update-expression "SET AlbumTitle = :newval" \
    --expression-attribute-values '{":newval": {"S": "Updated Album Title"}}' \
    --return-values ALL_NEW > "$home/out"
[ "$(field 'd["Attributes"]["AlbumTitle"]["S"]' < "$home/out")" = "Updated Album Title" ] || fail "update-item: $(cat "$home/out")"
ok update-item

# query data
[ "$(ddb query --table-name Music --key-condition-expression "Artist = :name" \
      --expression-attribute-values '{":name": {"S": "Acme Band"}}' | field 'd["Count"]')" = 2 ] || fail query
ok query
[ "$(ddb scan --table-name Music --filter-expression "Awards > :a" \
      --expression-attribute-values '{":a": {"N": "5"}}' | field 'd["Count"]')" = 2 ] || fail "scan with a filter"
[ "$(ddb scan --table-name Music --page-size 1 | field 'd["Count"]')" = 4 ] || fail "scan through pages"
ok scan

# delete data, an error, the table
ddb delete-item --table-name Music --key '{"Artist": {"S": "No One You Know"}, "SongTitle": {"S": "Howdy"}}'
[ "$(ddb scan --table-name Music --select COUNT | field 'd["Count"]')" = 3 ] || fail delete-item
ok delete-item
if ddb delete-item --table-name Music --key '{"Artist": {"S": "Acme Band"}, "SongTitle": {"S": "Happy Day"}}' \
        --condition-expression "Awards > :a" --expression-attribute-values '{":a": {"N": "100"}}' 2>"$home/err"; then
    fail "a failed condition succeeded"
fi
grep -q ConditionalCheckFailedException "$home/err" || fail "condition error: $(cat "$home/err")"
ok "an error is DynamoDB's (ConditionalCheckFailedException)"
[ "$(ddb delete-table --table-name Music | field 'd["TableDescription"]["TableStatus"]')" = DELETING ] || fail delete-table
ddb wait table-not-exists --table-name Music || fail "wait table-not-exists"
ok delete-table

# a wrong secret is refused
if AWS_SECRET_ACCESS_KEY=wrong ddb list-tables 2>"$home/err"; then fail "a wrong secret was accepted"; fi
grep -q InvalidSignatureException "$home/err" || fail "wrong secret: $(cat "$home/err")"
ok "a wrong secret is InvalidSignatureException"

echo "$n passed, 0 failed"
