#!/usr/bin/env bash
# memory_bounds: small requests over large legal items must not make a
# backend allocate more than the request touches.
#
# The items are about 380 KB in DynamoDB's size: a list of 189,952
# {"NULL": true}, which jsonb stores in about 3.8 MB. Each case runs in a
# fresh connection: a warm-up call (a GetItem of a missing key, which loads
# the table's metadata and plans), then the backend's peak resident memory
# (VmHWM in /proc/self/status, read by the backend itself with
# pg_read_file), then the request, then the peak again. The growth of the
# peak must stay under the case's bound. The response is kept as jsonb
# (pg_column_size of it): rendering it as text is the client's business.
# Time is never asserted; with MEMORY_BOUNDS_TIMES=1 each case's time is
# printed too (bench/large_items.sh does that), and MEMORY_BOUNDS_ONLY
# (a regular expression) picks cases.
#
# Needs PGHOST, PGPORT, PGUSER (a superuser, for pg_read_file) and PGBIN.
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
db=ddb_memory_bounds
times=${MEMORY_BOUNDS_TIMES:-0}
only=${MEMORY_BOUNDS_ONLY:-}    # a regular expression: run only the cases it matches

psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

if [ ! -r /proc/self/status ]; then
    echo "memory_bounds: no /proc/self/status here; skipped"
    exit 0
fi

"$bin/dropdb" --if-exists "$db" 2>/dev/null
"$bin/createdb" "$db"
trap '"$bin/dropdb" --if-exists "$db" 2>/dev/null || true' EXIT

psql -d "$db" -o /dev/null <<'SQL'
CREATE EXTENSION ddb;
SELECT ddb.create_table('mem', partition_key => 'pk');
SELECT ddb.put('mem', jsonb_build_object('pk', 'small' || i)) FROM generate_series(1, 4) i;
-- items k1..k100 holding the big list: 1,484 NULLs doubled 7 times (each
-- doubling copies the stored list); written with lz4 where the server has
-- it, which is faster than the default pglz (the measured writes use the
-- default)
DO $$
BEGIN
    PERFORM set_config('default_toast_compression', 'lz4', false);
EXCEPTION WHEN OTHERS THEN
    NULL;
END $$;
SELECT ddb.put_item(jsonb_build_object('TableName', 'mem', 'Item',
         jsonb_build_object('pk', jsonb_build_object('S', 'k' || i), 'l', l)))
  FROM generate_series(1, 100) i,
       (SELECT jsonb_build_object('L', jsonb_agg('{"NULL": true}'::jsonb)) l FROM generate_series(1, 1484)) t;
SELECT ddb.transact_write_items(jsonb_build_object('TransactItems', jsonb_agg(jsonb_build_object('Update',
         jsonb_build_object('TableName', 'mem', 'Key', jsonb_build_object('pk', jsonb_build_object('S', 'k' || i)),
                            'UpdateExpression', 'SET l = list_append(l, l)')))))
  FROM generate_series(1, 100) i, generate_series(1, 7) doubling
 GROUP BY doubling ORDER BY doubling;
RESET default_toast_compression;

-- the backend's peak resident memory, in kB
CREATE FUNCTION mem_peak_kb() RETURNS bigint LANGUAGE sql AS
$$ SELECT (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\s+(\d+) kB'))[1]::bigint $$;

-- the requests, built beforehand so that building them is not measured
CREATE TABLE mem_requests (name text PRIMARY KEY, operation text, request jsonb);
CREATE FUNCTION mem_key(k text) RETURNS jsonb LANGUAGE sql AS
$$ SELECT jsonb_build_object('pk', jsonb_build_object('S', k)) $$;
CREATE FUNCTION mem_list(n int) RETURNS jsonb LANGUAGE sql AS
$$ SELECT jsonb_build_object('L', (SELECT jsonb_agg('{"NULL": true}'::jsonb) FROM generate_series(1, n))) $$;
-- n levels of list_append(list_append(..., :l), :l)
CREATE FUNCTION mem_nested(n int) RETURNS text LANGUAGE sql AS
$$ SELECT repeat('list_append(', n) || ':l' || repeat(', :l)', n) $$;
-- 140 actions SET a<i> = list_append(:l, :l)
CREATE FUNCTION mem_appends(n int) RETURNS text LANGUAGE sql AS
$$ SELECT 'SET ' || string_agg(format('a%s = list_append(:l, :l)', i), ', ' ORDER BY i)
     FROM generate_series(0, n - 1) i $$;
CREATE FUNCTION mem_set_updates(first int, n int, attribute text) RETURNS jsonb LANGUAGE sql AS
$$ SELECT jsonb_build_object('TransactItems', jsonb_agg(jsonb_build_object('Update', jsonb_build_object(
       'TableName', 'mem', 'Key', mem_key('k' || i), 'UpdateExpression', 'SET ' || attribute || ' = :v',
       'ExpressionAttributeValues', '{":v": {"S": "v"}}'::jsonb)) ORDER BY i))
     FROM generate_series(first, first + n - 1) i $$;

INSERT INTO mem_requests VALUES
  ('GetItem', 'GetItem', jsonb_build_object('TableName', 'mem', 'Key', mem_key('k1'))),
  ('UpdateItem ALL_NEW', 'UpdateItem', jsonb_build_object('TableName', 'mem', 'Key', mem_key('k2'),
      'UpdateExpression', 'SET x = :v', 'ExpressionAttributeValues', '{":v": {"S": "v"}}'::jsonb,
      'ReturnValues', 'ALL_NEW')),
  ('BatchGetItem of 100', 'BatchGetItem', jsonb_build_object('RequestItems', jsonb_build_object('mem',
      jsonb_build_object('Keys', (SELECT jsonb_agg(mem_key('k' || i) ORDER BY i) FROM generate_series(1, 100) i))))),
  ('TransactGetItems of 10', 'TransactGetItems', jsonb_build_object('TransactItems',
      (SELECT jsonb_agg(jsonb_build_object('Get', jsonb_build_object('TableName', 'mem', 'Key', mem_key('k' || i))) ORDER BY i)
         FROM generate_series(1, 10) i))),
  ('TransactWriteItems of 25', 'TransactWriteItems', mem_set_updates(11, 25, 'x')),
  ('TransactWriteItems of 100', 'TransactWriteItems', mem_set_updates(1, 100, 'y')),
  ('140 list_appends of 2,000', 'UpdateItem', jsonb_build_object('TableName', 'mem', 'Key', mem_key('small1'),
      'UpdateExpression', mem_appends(140), 'ExpressionAttributeValues', jsonb_build_object(':l', mem_list(2000)))),
  ('140 list_appends of 20,000', 'UpdateItem', jsonb_build_object('TableName', 'mem', 'Key', mem_key('small2'),
      'UpdateExpression', mem_appends(140), 'ExpressionAttributeValues', jsonb_build_object(':l', mem_list(20000)))),
  ('40 nested list_appends', 'UpdateItem', jsonb_build_object('TableName', 'mem', 'Key', mem_key('small3'),
      'UpdateExpression', 'SET a = ' || mem_nested(40), 'ExpressionAttributeValues', jsonb_build_object(':l', mem_list(2000)))),
  ('80 nested list_appends', 'UpdateItem', jsonb_build_object('TableName', 'mem', 'Key', mem_key('small4'),
      'UpdateExpression', 'SET a = ' || mem_nested(80), 'ExpressionAttributeValues', jsonb_build_object(':l', mem_list(2000))));

-- run a request: "ok <response bytes>" or its error message
CREATE FUNCTION mem_call(request_name text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    op text;
    req jsonb;
    size int;
BEGIN
    SELECT operation, request INTO op, req FROM mem_requests WHERE name = request_name;
    size := pg_column_size(ddb.call(op, req));
    RETURN 'ok ' || size;
EXCEPTION WHEN OTHERS THEN
    RETURN left(SQLERRM, 200);
END $$;
VACUUM ANALYZE;
SQL

failed=0
# case NAME BOUND_MB EXPECTED: run one request in a fresh connection
case_run() {
    local name=$1 bound_mb=$2 expected=$3 out before after outcome growth_kb ms
    if [ -n "$only" ] && ! [[ "$name" =~ $only ]]; then
        return 0
    fi
    out=$(psql -d "$db" -At -F '|' <<SQL
SELECT ddb.get_item(jsonb_build_object('TableName', 'mem', 'Key', mem_key('none'))) IS NOT NULL;
SELECT 'before', mem_peak_kb();
SELECT 'start', extract(epoch FROM clock_timestamp()) * 1000;
SELECT 'outcome', mem_call('$name');
SELECT 'end', extract(epoch FROM clock_timestamp()) * 1000;
SELECT 'after', mem_peak_kb();
SQL
)
    before=$(sed -n 's/^before|//p' <<<"$out")
    after=$(sed -n 's/^after|//p' <<<"$out")
    outcome=$(sed -n 's/^outcome|//p' <<<"$out")
    growth_kb=$((after - before))
    ms=$(awk -F'|' '$1 == "start" { s = $2 } $1 == "end" { e = $2 } END { printf "%.0f", e - s }' <<<"$out")
    local line
    line=$(printf '%-28s peak growth %6d MB (bound %4d MB)' "$name" $((growth_kb / 1024)) "$bound_mb")
    [ "$times" = 1 ] && line=$(printf '%s  %7d ms' "$line" "$ms")
    if [[ "$outcome" != $expected* ]]; then
        echo "FAIL $line: expected '$expected...', got '$outcome'"
        failed=1
    elif [ "$growth_kb" -gt $((bound_mb * 1024)) ]; then
        echo "FAIL $line"
        failed=1
    else
        echo "ok   $line"
    fi
}

ITEM_SIZE_ERROR="ValidationException: Item size to update has exceeded the maximum allowed size"
case_run 'GetItem' 32 'ok'
case_run 'BatchGetItem of 100' 128 'ok'
case_run 'TransactGetItems of 10' 96 'ok'
case_run 'UpdateItem ALL_NEW' 48 'ok'
case_run 'TransactWriteItems of 25' 128 'ok'
case_run 'TransactWriteItems of 100' 256 'ok'
case_run '140 list_appends of 2,000' 64 "$ITEM_SIZE_ERROR"
case_run '140 list_appends of 20,000' 64 "$ITEM_SIZE_ERROR"
# DynamoDB rejects a list_append inside a list_append
NESTED_ERROR="ValidationException: Invalid UpdateExpression: The function is not allowed to be used this way"
case_run '40 nested list_appends' 64 "$NESTED_ERROR"
case_run '80 nested list_appends' 64 "$NESTED_ERROR"

# what the writes left behind
[ -n "$only" ] || psql -d "$db" -At -o /dev/null <<'SQL'
DO $$
BEGIN
    IF (SELECT count(*) FROM ddb_data.mem WHERE item ? 'y') <> 100 THEN
        RAISE EXCEPTION 'the 100 updates did not all apply';
    END IF;
    IF (SELECT count(*) FROM ddb_data.mem WHERE item ? 'a0') <> 0 THEN
        RAISE EXCEPTION 'a failed update changed an item';
    END IF;
END $$;
SQL

if [ "$failed" -ne 0 ]; then
    echo "memory_bounds: FAILED"
    exit 1
fi
echo "memory_bounds: all cases within their bounds"
