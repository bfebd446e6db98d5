-- streams: DynamoDB Streams of distributed tables (run by test/citus.sh on a
-- coordinator and two worker nodes). Each node decodes its own shards with
-- its own slot; the stream has one shard per node holding the table's
-- shards, read on that node through the coordinator.
\set VERBOSITY terse
SET citus.shard_count TO 4;

-- what the nodes' workers do every second, at once: read each node's slot
-- into its stream records
CREATE FUNCTION pull_nodes() RETURNS void LANGUAGE sql AS
  $$SELECT FROM run_command_on_workers('SELECT ddb.pull_stream_records()')$$;
-- wait (up to 60 s) until a stream is ENABLED: until every node's slot is
-- made (which waits for the transactions in progress), the nodes' changes
-- are not in it
CREATE FUNCTION wait_enabled(arn text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..600 LOOP
    EXIT WHEN ddb.call('DescribeStream', jsonb_build_object('StreamArn', arn))
      -> 'StreamDescription' ->> 'StreamStatus' = 'ENABLED';
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
-- every record of a stream, shard after shard, in each shard's order
CREATE FUNCTION stream_records(arn text) RETURNS SETOF jsonb LANGUAGE plpgsql AS $$
DECLARE
  shard jsonb;
  it text;
  page jsonb;
BEGIN
  FOR shard IN SELECT jsonb_array_elements(ddb.call('DescribeStream',
      jsonb_build_object('StreamArn', arn)) -> 'StreamDescription' -> 'Shards') LOOP
    it := ddb.call('GetShardIterator', jsonb_build_object('StreamArn', arn,
      'ShardId', shard ->> 'ShardId', 'ShardIteratorType', 'TRIM_HORIZON')) ->> 'ShardIterator';
    LOOP
      page := ddb.call('GetRecords', jsonb_build_object('ShardIterator', it, 'Limit', 3));
      RETURN QUERY SELECT jsonb_array_elements(page -> 'Records');
      -- (an open shard read to its end has a next iterator; a closed one has none)
      EXIT WHEN jsonb_array_length(page -> 'Records') = 0 OR NOT page ? 'NextShardIterator';
      it := page ->> 'NextShardIterator';
    END LOOP;
  END LOOP;
END $$;

-- CreateTable distributing a new table with a stream: every node holding
-- shards starts its shard of it
SET ddb.distribute_new_tables = on;
SELECT ddb.call('CreateTable', '{"TableName": "cs_events", "BillingMode": "PAY_PER_REQUEST",
  "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
  "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
  "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}}')
  -> 'TableDescription' -> 'StreamSpecification' AS stream;
RESET ddb.distribute_new_tables;
SELECT ddb.call('DescribeTable', '{"TableName": "cs_events"}') -> 'Table' ->> 'LatestStreamArn' AS arn \gset
SELECT count(*) AS shards FROM pg_dist_shard WHERE logicalrelid = 'ddb_data.cs_events'::regclass;
-- each worker node has its own row of the stream, with the coordinator's label
SELECT nodeport > 0 AS node, result FROM run_command_on_workers(
  $$SELECT string_agg((status IN ('ENABLING', 'ENABLED')) || ' ' || node_shards, ',') FROM ddb.streams WHERE table_name = 'cs_events'$$)
  ORDER BY nodeport;
SELECT count(DISTINCT result) AS labels FROM run_command_on_workers(
  $$SELECT stream_label FROM ddb.streams WHERE table_name = 'cs_events'$$);
-- the stream is ENABLING until every node's slot exists
SELECT wait_enabled(:'arn');
-- one shard per worker node, ordered by ShardId, each open
SELECT d -> 'StreamStatus' AS status, jsonb_array_length(d -> 'Shards') AS shards,
       (SELECT bool_and(s -> 'SequenceNumberRange' ? 'StartingSequenceNumber'
                        AND NOT s -> 'SequenceNumberRange' ? 'EndingSequenceNumber')
          FROM jsonb_array_elements(d -> 'Shards') s) AS open,
       (SELECT array_agg(s ->> 'ShardId') = array_agg(s ->> 'ShardId' ORDER BY s ->> 'ShardId')
          FROM jsonb_array_elements(d -> 'Shards') s) AS ordered,
       d ->> 'TableName' AS table_name, d -> 'StreamViewType' AS view_type
  FROM (SELECT ddb.call('DescribeStream', jsonb_build_object('StreamArn', :'arn')) -> 'StreamDescription' AS d) x;
-- Limit and ExclusiveStartShardId page through the shards
SELECT jsonb_array_length(d -> 'Shards') AS shards, d ? 'LastEvaluatedShardId' AS more,
       d ->> 'LastEvaluatedShardId' = d -> 'Shards' -> 0 ->> 'ShardId' AS last_is_listed
  FROM (SELECT ddb.call('DescribeStream', jsonb_build_object('StreamArn', :'arn', 'Limit', 1))
          -> 'StreamDescription' AS d) x;
SELECT jsonb_array_length(ddb.call('DescribeStream', jsonb_build_object('StreamArn', :'arn', 'Limit', 1,
         'ExclusiveStartShardId', ddb.call('DescribeStream', jsonb_build_object('StreamArn', :'arn', 'Limit', 1))
           -> 'StreamDescription' ->> 'LastEvaluatedShardId')) -> 'StreamDescription' -> 'Shards') AS rest;

-- writes on several shards: inserts, modifies, removes, a transaction
-- across shards; a write that changes nothing has no record
SELECT count(*) FROM (SELECT ddb.put('cs_events', jsonb_build_object('pk', 'p' || i, 'sk', 1, 'v', 1))
  FROM generate_series(1, 12) i) puts;
SELECT ddb.call('UpdateItem', '{"TableName": "cs_events", "Key": {"pk": {"S": "p1"}, "sk": {"N": "1"}},
  "UpdateExpression": "SET v = v + :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}') IS NOT NULL AS updated;
SELECT ddb.put('cs_events', '{"pk": "p2", "sk": 1, "v": 1}') IS NULL AS unchanged;
SELECT ddb.call('DeleteItem', '{"TableName": "cs_events", "Key": {"pk": {"S": "p3"}, "sk": {"N": "1"}}}') IS NOT NULL AS deleted;
SELECT ddb.call('TransactWriteItems', '{"TransactItems": [
  {"Put": {"TableName": "cs_events", "Item": {"pk": {"S": "p4"}, "sk": {"N": "2"}, "v": {"N": "7"}}}},
  {"Delete": {"TableName": "cs_events", "Key": {"pk": {"S": "p5"}, "sk": {"N": "1"}}}}]}') IS NOT NULL AS transacted;
SELECT pull_nodes();
-- every change once, on the shard of the node holding its item
SELECT r ->> 'eventName' AS event, r -> 'dynamodb' -> 'Keys' AS keys,
       r -> 'dynamodb' -> 'NewImage' -> 'v' AS new_v, r -> 'dynamodb' -> 'OldImage' -> 'v' AS old_v,
       r ->> 'eventSource' AS source, r -> 'dynamodb' ->> 'StreamViewType' AS view_type
  FROM stream_records(:'arn') r
 WHERE r ->> 'eventName' <> 'INSERT' OR r -> 'dynamodb' -> 'Keys' -> 'pk' ->> 'S' IN ('p1', 'p4')
 ORDER BY 2, 1;
SELECT count(*) AS records, count(DISTINCT r ->> 'eventID') AS distinct_ids,
       count(*) FILTER (WHERE r ->> 'eventName' = 'INSERT') AS inserts
  FROM stream_records(:'arn') r;
-- an item's records are on one shard, in order
SELECT count(DISTINCT shard) AS shards_of_p1 FROM (
  SELECT s ->> 'ShardId' AS shard, ddb.call('GetRecords', jsonb_build_object('ShardIterator',
           ddb.call('GetShardIterator', jsonb_build_object('StreamArn', :'arn', 'ShardId', s ->> 'ShardId',
             'ShardIteratorType', 'TRIM_HORIZON')) ->> 'ShardIterator')) -> 'Records' AS records
    FROM jsonb_array_elements(ddb.call('DescribeStream', jsonb_build_object('StreamArn', :'arn'))
           -> 'StreamDescription' -> 'Shards') s) x,
  jsonb_array_elements(records) r
 WHERE r -> 'dynamodb' -> 'Keys' -> 'pk' ->> 'S' = 'p1';

-- LATEST and AFTER_SEQUENCE_NUMBER on a node's shard
SELECT ddb.call('DescribeStream', jsonb_build_object('StreamArn', :'arn'))
  -> 'StreamDescription' -> 'Shards' -> 0 ->> 'ShardId' AS shard0 \gset
SELECT ddb.call('GetShardIterator', jsonb_build_object('StreamArn', :'arn', 'ShardId', :'shard0',
  'ShardIteratorType', 'LATEST')) ->> 'ShardIterator' AS latest \gset
SELECT jsonb_array_length(ddb.call('GetRecords', jsonb_build_object('ShardIterator', :'latest')) -> 'Records') AS after_latest;
SELECT r -> 'dynamodb' ->> 'SequenceNumber' AS first_seq FROM stream_records(:'arn') r LIMIT 1 \gset
SELECT ddb.call('GetRecords', jsonb_build_object('ShardIterator', ddb.call('GetShardIterator',
  jsonb_build_object('StreamArn', :'arn', 'ShardId', :'shard0', 'ShardIteratorType', 'AT_SEQUENCE_NUMBER',
    'SequenceNumber', :'first_seq')) ->> 'ShardIterator', 'Limit', 1)) -> 'Records' -> 0 -> 'dynamodb'
  ->> 'SequenceNumber' = :'first_seq' AS at_sequence;

-- errors come from the node as the node raised them
SELECT ddb.call('GetShardIterator', jsonb_build_object('StreamArn', :'arn', 'ShardId',
  'shardId-00000000000000000000-00000000', 'ShardIteratorType', 'TRIM_HORIZON'));
SELECT ddb.call('GetShardIterator', jsonb_build_object('StreamArn', :'arn', 'ShardId', :'shard0',
  'ShardIteratorType', 'AFTER_SEQUENCE_NUMBER', 'SequenceNumber', '100000000000000000000000000000'));
SELECT ddb.call('GetRecords', '{"ShardIterator": "ddbn:999:ddb1:1:0/0:0:0"}');
SELECT ddb.call('GetRecords', '{"ShardIterator": "ddbn:x:ddb1:1:0/0:0:0"}');
SELECT ddb.call('GetRecords', jsonb_build_object('ShardIterator',
  regexp_replace(:'latest', ':[0-9]+$', ':0')));
SELECT ddb.node_call('PutItem', '{}');

-- disabling ends the stream on every node: each shard closes at its last record
SELECT ddb.call('UpdateTable', '{"TableName": "cs_events", "StreamSpecification": {"StreamEnabled": false}}')
  -> 'TableDescription' ->> 'TableName' AS disabled;
SELECT pull_nodes();
SELECT d ->> 'StreamStatus' AS status,
       (SELECT bool_and(s -> 'SequenceNumberRange' ? 'EndingSequenceNumber')
          FROM jsonb_array_elements(d -> 'Shards') s) AS closed
  FROM (SELECT ddb.call('DescribeStream', jsonb_build_object('StreamArn', :'arn')) -> 'StreamDescription' AS d) x;
SELECT count(*) AS still_readable FROM stream_records(:'arn');
-- enabling again on the distributed table: a new stream, on every node
SELECT ddb.call('UpdateTable', '{"TableName": "cs_events",
  "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}}')
  -> 'TableDescription' -> 'StreamSpecification' AS stream;
SELECT ddb.call('DescribeTable', '{"TableName": "cs_events"}') -> 'Table' ->> 'LatestStreamArn' AS arn2 \gset
SELECT :'arn2' <> :'arn' AS new_stream;
SELECT wait_enabled(:'arn2');
SELECT result FROM run_command_on_workers(
  $$SELECT string_agg(view_type || ' ' || status, ',' ORDER BY stream_id) FROM ddb.streams WHERE table_name = 'cs_events'$$);
SELECT ddb.put('cs_events', '{"pk": "k", "sk": 1}') IS NULL AS put;
SELECT pull_nodes();
SELECT r ->> 'eventName' AS event, r -> 'dynamodb' -> 'Keys' AS keys, r -> 'dynamodb' ? 'NewImage' AS new_image
  FROM stream_records(:'arn2') r;
-- a table with a live stream is distributed only once its stream is off
SELECT ddb.call('CreateTable', '{"TableName": "cs_local", "BillingMode": "PAY_PER_REQUEST",
  "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
  "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}}') IS NOT NULL AS created;
SELECT ddb.distribute_table('cs_local');

-- DeleteTable ends the stream on every node, readable for 24 hours
SELECT ddb.call('DeleteTable', '{"TableName": "cs_events"}') -> 'TableDescription' ->> 'TableStatus' AS status;
SELECT pull_nodes();
SELECT result FROM run_command_on_workers(
  $$SELECT string_agg(status || ' ' || table_dropped, ',' ORDER BY stream_id) FROM ddb.streams WHERE table_name = 'cs_events'$$);
SELECT ddb.call('DescribeStream', jsonb_build_object('StreamArn', :'arn2')) -> 'StreamDescription' ->> 'StreamStatus' AS status;
SELECT count(*) AS readable_after_delete FROM stream_records(:'arn2');
SELECT ddb.call('DeleteTable', '{"TableName": "cs_local"}') -> 'TableDescription' ->> 'TableStatus' AS status;

-- Time to Live on a distributed table with a stream: the deletes happen on
-- the worker nodes, so each item's node marks them as TTL's (the round
-- runs ddb.mark_ttl_deletes there, in the node's part of the batch's
-- transaction, just before it reads the item again and deletes it): every
-- TTL REMOVE carries the service's userIdentity, an ordinary delete's not
SET citus.next_shard_id TO 995000;
SET ddb.distribute_new_tables = on;
SELECT ddb.call('CreateTable', '{"TableName": "cs_ttl", "BillingMode": "PAY_PER_REQUEST",
  "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
  "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}}')
  -> 'TableDescription' -> 'StreamSpecification' AS stream;
RESET ddb.distribute_new_tables;
RESET citus.next_shard_id;
SELECT ddb.call('DescribeTable', '{"TableName": "cs_ttl"}') -> 'Table' ->> 'LatestStreamArn' AS arn3 \gset
SELECT wait_enabled(:'arn3');
SELECT ddb.update_time_to_live('{"TableName": "cs_ttl",
  "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "expires"}}') AS ttl;
-- items expiring before 2100 (the worker, which expires as of now, leaves
-- them to the round below), in that order; two items without TTL
SELECT count(*) FROM (SELECT ddb.put('cs_ttl', jsonb_build_object('pk', 'e' || i, 'expires', 4000000000 + i))
  FROM generate_series(1, 6) i) puts;
SELECT count(*) FROM (SELECT ddb.put('cs_ttl', jsonb_build_object('pk', 'k' || i)) FROM generate_series(1, 2) i) puts;
-- the expiring items are on several shards, on both worker nodes
SELECT count(DISTINCT s.shardid) AS shards, count(DISTINCT p.groupid) AS nodes
  FROM generate_series(1, 6) i,
       LATERAL (SELECT get_shard_id_for_distribution_column('ddb_data.cs_ttl', 'e' || i) AS shardid) s
  JOIN pg_dist_placement p USING (shardid);
SELECT ddb.call('DeleteItem', '{"TableName": "cs_ttl", "Key": {"pk": {"S": "k1"}}}') IS NOT NULL AS deleted;
-- a round: Citus sends each item's mark to the shard holding it
SET citus.log_remote_commands TO on;
SET citus.grep_remote_commands TO '%mark_ttl_deletes%';
SELECT ddb.expire_now('cs_ttl', '2100-01-01 00:00:00+00') AS expired;
RESET citus.grep_remote_commands;
RESET citus.log_remote_commands;
SELECT pull_nodes();
SELECT r -> 'dynamodb' -> 'Keys' -> 'pk' ->> 'S' AS pk, r ->> 'eventName' AS event,
       r -> 'userIdentity' AS user_identity, r -> 'dynamodb' -> 'OldImage' ? 'expires' AS old_image
  FROM stream_records(:'arn3') r
 WHERE r ->> 'eventName' = 'REMOVE' ORDER BY 1;
SELECT count(*) FILTER (WHERE r ->> 'eventName' = 'INSERT') AS inserts,
       count(*) FILTER (WHERE r ? 'userIdentity') AS with_user_identity
  FROM stream_records(:'arn3') r;
-- Invalid input: marking deletes in a read-only transaction, the deletes
-- of a table one does not own, of a table that does not exist
BEGIN READ ONLY;
SELECT ddb.mark_ttl_deletes('cs_ttl', '{}');
ROLLBACK;
CREATE ROLE regress_citus_marker LOGIN;
GRANT USAGE ON SCHEMA ddb TO regress_citus_marker;
SET ROLE regress_citus_marker;
SELECT ddb.mark_ttl_deletes('cs_ttl', '{}');
SELECT ddb.mark_ttl_deletes('cs_nosuch', '{}');
RESET ROLE;
REVOKE USAGE ON SCHEMA ddb FROM regress_citus_marker;
DROP ROLE regress_citus_marker;
SELECT ddb.call('DeleteTable', '{"TableName": "cs_ttl"}') -> 'TableDescription' ->> 'TableStatus' AS status;
