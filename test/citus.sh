#!/usr/bin/env bash
# citus: ddb tables distributed with Citus. Starts a loopback cluster of
# three servers (a coordinator and two worker nodes, each with citus and
# ddb preloaded) and runs on it, in database ddb_citus:
#   - the regression tests of CITUS_REGRESS below, unchanged, with
#     ddb.distribute_new_tables on, so every table they create is
#     distributed (4 shards): the same expected output as on one node;
#   - test/citus/sql/*.sql (against test/citus/expected/): distribution,
#     routing (also shown with EXPLAIN), co-located index upkeep, catalog
#     copies, transactions across shards, TTL, streams, a table owned by an
#     ordinary role, the errors of ddb.distribute_table, and
#     ddb.undistribute_table and its errors;
#   - the isolation specs of CITUS_ISOLATION below, on distributed tables;
#   - the index check and the streams' exactly-once check under concurrent
#     writes, and the HTTP endpoint on the coordinator.
# Skips (exit 0, saying so) when Citus is not installed for PGBIN:
# scripts/test.sh builds it first from ../shared/third_party/citus/ when
# that exists. Needs PGBIN (the server's bin directory); runs as the
# servers' OS user. Leaves the nodes' logs in $TMPDIR on failure.
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
if [ ! -f "$("$bin/pg_config" --pkglibdir)/citus.so" ]; then
    echo "citus: SKIP: Citus is not installed for $bin" \
         "(scripts/test.sh builds it from ../shared/third_party/citus/ when that is present)"
    exit 0
fi
pgxs=$(dirname "$(dirname "$(dirname "$("$bin/pg_config" --pgxs)")")")  # .../lib/pgxs

# regression tests whose output does not depend on where rows live (the
# others also use what Citus does not support or does otherwise: ALTER
# TABLE of several subcommands on an item table, UPDATE of a partition-key
# column, user triggers, NOLOGIN roles (Citus connects to the workers as
# the role), session settings that act on the workers, SQL functions that
# query a distributed table from a query Citus pushes down to a shard, and
# streams and point-in-time recovery, which distributed tables lack yet)
CITUS_REGRESS="attribute_values items marshal expressions_parse conditions updates projections legacy
  batch scan strings key_parameters validation_expressions validation_tables indexes_definition
  indexes_collections indexes_online indexes_update partiql_select partiql_write partiql_batch partiql_limits"
# isolation specs, each on distributed tables; not transfer_race (its check
# query joins in a way Citus cannot plan) nor transact_conflict (its lock
# timeout is a session setting, which Citus does not pass on to the worker
# nodes, where the waiting happens)
CITUS_ISOLATION="put_race conditional_create counter delete_race write_skew index_race"

# shellcheck source=scripts/citus_cluster.sh
. scripts/citus_cluster.sh
CITUS_BIN=$bin
CITUS_EXTRA_CONF="citus.shard_count = 4"
dir=$(mktemp -d "${TMPDIR:-/tmp}/ddb-citus.XXXXXX")
db=ddb_citus
ok=0
finish() {
    citus_cluster_stop "$dir"
    if [ "$ok" = 1 ]; then
        rm -rf "$dir"
    else
        for n in 0 1 2; do
            [ -f "$dir/n$n.log" ] && { echo "--- node $n log (errors)"; grep -E 'ERROR|FATAL|PANIC|terminated' "$dir/n$n.log" | tail -n 20; }
        done
        echo "citus: the cluster's files and logs are in $dir"
    fi
}
trap finish EXIT
citus_cluster_start "$dir" "$db"
ports=("${CITUS_PORTS[@]}")
echo "citus: coordinator on port ${ports[0]}, workers on ${ports[1]} and ${ports[2]}"

status=0
regress() {
    local out=$1; shift
    if ! "$pgxs/src/test/regress/pg_regress" --bindir="$bin" --host="$dir" --port="${ports[0]}" \
            --use-existing --dbname="$db" --outputdir="$dir/$out" "$@"; then
        [ -f "$dir/$out/regression.diffs" ] && cat "$dir/$out/regression.diffs"
        status=1
    fi
}

# the regression tests, every table distributed
PGOPTIONS="-c ddb.distribute_new_tables=on" regress regress --inputdir=. setup $CITUS_REGRESS
# what only a cluster shows
shopt -s nullglob
citus_tests=()
for f in test/citus/sql/*.sql; do citus_tests+=("$(basename "$f" .sql)"); done
regress citus --inputdir=test/citus "${citus_tests[@]}"
# concurrency on distributed tables, in a database of its own (some specs
# count ddb's tables): the isolation tester must see a session blocked on a
# worker node as blocked (Citus's replacement of its check)
citus_cluster_create_db "${db}_isolation"
citus_psql "${ports[0]}" -d "${db}_isolation" -o /dev/null \
    -c "ALTER FUNCTION pg_catalog.pg_isolation_test_session_is_blocked(integer, integer[])
          RENAME TO old_pg_isolation_test_session_is_blocked" \
    -c "ALTER FUNCTION pg_catalog.citus_isolation_test_session_is_blocked(integer, integer[])
          RENAME TO pg_isolation_test_session_is_blocked"
if ! PGOPTIONS="-c ddb.distribute_new_tables=on" \
        "$pgxs/src/test/isolation/pg_isolation_regress" --bindir="$bin" --host="$dir" --port="${ports[0]}" \
        --use-existing --dbname="${db}_isolation" --inputdir=test/isolation --outputdir="$dir/isolation" $CITUS_ISOLATION; then
    [ -f "$dir/isolation/regression.diffs" ] && cat "$dir/isolation/regression.diffs"
    status=1
fi

# indexes stay exact under concurrent writes to a distributed table: puts,
# updates that move items between GSI and LSI keys, deletes and
# transactions across shards, from 4 sessions, then ddb.check_indexes
citus_psql "${ports[0]}" -d "$db" -o /dev/null <<'SQL'
SELECT ddb.create_table('{"TableName": "ct_load", "BillingMode": "PAY_PER_REQUEST",
  "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
  "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                           {"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "l", "AttributeType": "N"}],
  "GlobalSecondaryIndexes": [{"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                              "Projection": {"ProjectionType": "ALL"}}],
  "LocalSecondaryIndexes": [{"IndexName": "by_l", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                             {"AttributeName": "l", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}]}');
SELECT ddb.distribute_table('ct_load');
SQL
# (chr(58) is ':', which pgbench would take for a variable)
cat >"$dir/load.pgbench" <<'PGB'
\set p random(1, 50)
\set s random(1, 4)
\set g random(1, 5)
\set l random(1, 100)
\set op random(1, 4)
SELECT CASE :op
  WHEN 1 THEN ddb.put('ct_load', jsonb_build_object('pk', 'p' || :p, 'sk', :s, 'g', 'g' || :g, 'l', :l))::text
  WHEN 2 THEN ddb.update_item(jsonb_build_object('TableName', 'ct_load',
    'Key', jsonb_build_object('pk', jsonb_build_object('S', 'p' || :p), 'sk', jsonb_build_object('N', :s::text)),
    'UpdateExpression', CASE WHEN :l % 3 = 0 THEN 'REMOVE g'
                             ELSE 'SET g = ' || chr(58) || 'g, l = ' || chr(58) || 'l' END,
    'ExpressionAttributeValues', CASE WHEN :l % 3 = 0 THEN NULL ELSE jsonb_build_object(
      chr(58) || 'g', jsonb_build_object('S', 'g' || :g), chr(58) || 'l', jsonb_build_object('N', :l::text)) END))::text
  WHEN 3 THEN ddb.delete('ct_load', jsonb_build_object('pk', 'p' || :p, 'sk', :s))::text
  ELSE ddb.transact_write_items(jsonb_build_object('TransactItems', jsonb_build_array(
    jsonb_build_object('Put', jsonb_build_object('TableName', 'ct_load', 'Item', jsonb_build_object(
      'pk', jsonb_build_object('S', 'p' || :p), 'sk', jsonb_build_object('N', :s::text),
      'g', jsonb_build_object('S', 'g' || :g)))),
    jsonb_build_object('Delete', jsonb_build_object('TableName', 'ct_load', 'Key', jsonb_build_object(
      'pk', jsonb_build_object('S', 'p' || (:p % 50 + 1)), 'sk', jsonb_build_object('N', :s::text)))))))::text
  END;
PGB
"$bin/pgbench" -n -h "$dir" -p "${ports[0]}" -c 4 -j 4 -T 5 -f "$dir/load.pgbench" "$db" >"$dir/load.out" 2>&1 || true
problems=$(citus_psql "${ports[0]}" -d "$db" -At -c "SELECT count(*) FROM ddb.check_indexes('ct_load')")
written=$(awk '/number of transactions actually processed/ { print $NF }' "$dir/load.out")
if [ "$problems" != 0 ] || [ -z "$written" ] || [ "${written%%/*}" -lt 100 ]; then
    echo "citus: indexes under concurrent writes: $problems differences after ${written:-no} transactions"
    tail -n 20 "$dir/load.out"
    status=1
else
    echo "citus: indexes exact after ${written%%/*} concurrent writes to a distributed table"
fi

# streams of a distributed table hold every change exactly once, each
# item's in order, under concurrent writes: 4 sessions add 1 to the counter
# n of random items (alone, or two items of different shards in one
# transaction); then each item's records, read through the coordinator from
# the node holding the item, must count n = 0, 1, 2, ... up to its n
citus_psql "${ports[0]}" -d "$db" -o /dev/null <<'SQL'
SET ddb.distribute_new_tables = on;
SELECT ddb.call('CreateTable', '{"TableName": "ct_stream", "BillingMode": "PAY_PER_REQUEST",
  "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
  "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}}');
DO $$
BEGIN
  -- until every node's slot exists, changes are not in the stream
  FOR i IN 1..600 LOOP
    EXIT WHEN ddb.call('DescribeStream', jsonb_build_object('StreamArn',
      ddb.call('DescribeTable', '{"TableName": "ct_stream"}') -> 'Table' ->> 'LatestStreamArn'))
      -> 'StreamDescription' ->> 'StreamStatus' = 'ENABLED';
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
SELECT ddb.put('ct_stream', jsonb_build_object('pk', 's' || i, 'n', 0)) FROM generate_series(1, 40) i;
SQL
cat >"$dir/stream_load.pgbench" <<'PGB'
\set p random(1, 40)
\set q random(1, 40)
SELECT CASE WHEN :p = :q THEN ddb.update_item(jsonb_build_object('TableName', 'ct_stream',
    'Key', jsonb_build_object('pk', jsonb_build_object('S', 's' || :p)),
    'UpdateExpression', 'ADD n ' || chr(58) || 'one',
    'ExpressionAttributeValues', jsonb_build_object(chr(58) || 'one', jsonb_build_object('N', '1'))))::text
  ELSE ddb.transact_write_items(jsonb_build_object('TransactItems', (
    SELECT jsonb_agg(jsonb_build_object('Update', jsonb_build_object('TableName', 'ct_stream',
      'Key', jsonb_build_object('pk', jsonb_build_object('S', 's' || k)),
      'UpdateExpression', 'ADD n ' || chr(58) || 'one',
      'ExpressionAttributeValues', jsonb_build_object(chr(58) || 'one', jsonb_build_object('N', '1'))))
      ORDER BY k)
      FROM unnest(ARRAY[:p, :q]) k)))::text
  END;
PGB
"$bin/pgbench" -n -h "$dir" -p "${ports[0]}" -c 4 -j 4 -T 5 -f "$dir/stream_load.pgbench" "$db" >"$dir/stream_load.out" 2>&1 || true
stream_check=$(citus_psql "${ports[0]}" -d "$db" -At <<'SQL'
SELECT FROM run_command_on_workers('SELECT ddb.pull_stream_records()');
CREATE TEMP TABLE records AS
WITH RECURSIVE arn AS (
  SELECT ddb.call('DescribeTable', '{"TableName": "ct_stream"}') -> 'Table' ->> 'LatestStreamArn' AS arn),
shard AS (
  SELECT s ->> 'ShardId' AS shard_id FROM arn, jsonb_array_elements(ddb.call('DescribeStream',
    jsonb_build_object('StreamArn', arn)) -> 'StreamDescription' -> 'Shards') s),
page AS (
  SELECT shard_id, 1 AS page_no, ddb.call('GetRecords', jsonb_build_object('ShardIterator',
    ddb.call('GetShardIterator', jsonb_build_object('StreamArn', arn, 'ShardId', shard_id,
      'ShardIteratorType', 'TRIM_HORIZON')) ->> 'ShardIterator')) AS response
    FROM shard, arn
  UNION ALL
  SELECT shard_id, page_no + 1, ddb.call('GetRecords', jsonb_build_object('ShardIterator',
    response ->> 'NextShardIterator'))
    FROM page WHERE jsonb_array_length(response -> 'Records') > 0)
SELECT shard_id, page_no, o AS position, r -> 'dynamodb' -> 'Keys' -> 'pk' ->> 'S' AS pk,
       (r -> 'dynamodb' -> 'NewImage' -> 'n' ->> 'N')::int AS n, r ->> 'eventID' AS event_id
  FROM page, jsonb_array_elements(response -> 'Records') WITH ORDINALITY AS x(r, o);
SELECT (SELECT count(*) FROM records) || ' records, ' ||
  (SELECT count(DISTINCT shard_id) FROM records) || ' shards, ' ||
  (SELECT count(*) FROM (SELECT pk, n, row_number() OVER (PARTITION BY pk ORDER BY page_no, position) - 1 AS expected
                           FROM records) x WHERE n IS DISTINCT FROM expected) || ' out of order, ' ||
  (SELECT count(*) FROM (SELECT event_id FROM records GROUP BY event_id HAVING count(*) > 1) d)
    || ' duplicated, ' ||
  (SELECT count(*) FROM (SELECT i ->> 'pk' AS pk, (i ->> 'n')::int AS n
                           FROM ddb.scan('ct_stream', NULL) i) items
     LEFT JOIN (SELECT pk, count(*) - 1 AS last, count(DISTINCT shard_id) AS shards FROM records GROUP BY pk) r USING (pk)
    WHERE r.last IS DISTINCT FROM items.n OR r.shards <> 1) || ' items whose records differ';
SQL
)
written=$(awk '/number of transactions actually processed/ { print $NF }' "$dir/stream_load.out")
if ! [[ "$stream_check" =~ ^([0-9]+)\ records,\ 2\ shards,\ 0\ out\ of\ order,\ 0\ duplicated,\ 0\ items ]] ||
        [ "${BASH_REMATCH[1]}" -lt 200 ] || [ -z "$written" ]; then
    echo "citus: stream of a distributed table under concurrent writes: $stream_check (after ${written:-no} transactions)"
    tail -n 20 "$dir/stream_load.out"
    status=1
else
    echo "citus: stream exactly once and in order per item after ${written%%/*} concurrent transactions ($stream_check)"
fi
# the HTTP endpoint on the coordinator serves distributed tables
http_port=$(citus_free_port)
citus_psql "${ports[0]}" -d postgres -o /dev/null \
    -c "ALTER SYSTEM SET ddb.http_port = $http_port" -c "ALTER SYSTEM SET ddb.http_database = '$db'" \
    -c "ALTER SYSTEM SET ddb.http_auth = 'none'" -c "ALTER SYSTEM SET ddb.http_role = 'postgres'" \
    -c "ALTER SYSTEM SET ddb.http_workers = 1"
"$bin/pg_ctl" -D "$dir/n0" -l "$dir/n0.log" -w -t 120 -o "-p ${ports[0]}" restart >/dev/null
citus_psql "${ports[0]}" -d "$db" -o /dev/null -c "SET ddb.distribute_new_tables = on" \
    -c "SELECT ddb.create_table('ct_http', partition_key => 'pk')"
http() {
    curl -s -m 10 -H "X-Amz-Target: DynamoDB_20120810.$1" -H 'Content-Type: application/x-amz-json-1.0' \
        -H 'Authorization: AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0' \
        --data-binary "$2" "http://localhost:$http_port/"
}
for _ in $(seq 1 60); do curl -s -o /dev/null -m 2 "http://localhost:$http_port/" && break; sleep 0.5; done
http PutItem '{"TableName": "ct_http", "Item": {"pk": {"S": "a\u0000b"}, "v": {"N": "1"}}}' >/dev/null
got=$(http GetItem '{"TableName": "ct_http", "Key": {"pk": {"S": "a\u0000b"}}}')
shards=$(citus_psql "${ports[0]}" -d "$db" -At -c "SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'ddb_data.ct_http'::regclass")
if [ "$got" != '{"Item": {"v": {"N": "1"}, "pk": {"S": "a\u0000b"}}}' ] || [ "$shards" != 4 ]; then
    echo "citus: the HTTP endpoint on the coordinator answered $got (table of $shards shards)"
    status=1
else
    echo "citus: the HTTP endpoint on the coordinator serves a distributed table"
fi

# no server process of any node may have crashed
for n in 0 1 2; do
    if grep -E 'terminated by signal|PANIC' "$dir/n$n.log"; then
        echo "citus: a server process of node $n crashed"
        status=1
    fi
done

[ "$status" = 0 ] && ok=1
exit "$status"
