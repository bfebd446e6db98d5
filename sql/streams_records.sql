-- streams_records: the records of streams. Every view type (KEYS_ONLY,
-- NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES) over the same writes:
-- DynamoDB's event rules (INSERT, one MODIFY per change, nothing for a
-- write that changes nothing or a delete of a missing item), every write
-- path (PutItem, UpdateItem, DeleteItem, batches, transactions, plain SQL
-- on ddb_data tables), rolled-back work, TTL deletes, U+0000 through
-- ddb.call_text, and the output plugin read with SQL.

-- The records of a table's latest stream, from its oldest, through
-- GetRecords pages of 3 (a closed shard ends; an open one ends when a page
-- is empty)
CREATE FUNCTION events(t text) RETURNS SETOF jsonb LANGUAGE plpgsql AS $$
DECLARE
    arn text := ddb.call('DescribeTable', jsonb_build_object('TableName', t)) #>> '{Table,LatestStreamArn}';
    it text;
    page jsonb;
BEGIN
    it := ddb.call('GetShardIterator', jsonb_build_object('StreamArn', arn,
              'ShardId', ddb.call('DescribeStream', jsonb_build_object('StreamArn', arn))
                           #>> '{StreamDescription,Shards,0,ShardId}',
              'ShardIteratorType', 'TRIM_HORIZON')) ->> 'ShardIterator';
    LOOP
        page := ddb.call('GetRecords', jsonb_build_object('ShardIterator', it, 'Limit', 3));
        RETURN QUERY SELECT e FROM jsonb_array_elements(page -> 'Records') e;
        EXIT WHEN jsonb_array_length(page -> 'Records') = 0 OR NOT page ? 'NextShardIterator';
        it := page ->> 'NextShardIterator';
    END LOOP;
END
$$;

-- One line per record: event, keys, images, identity (ids and times vary)
CREATE FUNCTION event_lines(t text) RETURNS TABLE (n bigint, event text, keys text, new_image text,
                                                   old_image text, identity text) LANGUAGE sql AS $$
    SELECT row_number() OVER (), e ->> 'eventName', ddb.unmarshal(e #> '{dynamodb,Keys}')::text,
           ddb.unmarshal(e #> '{dynamodb,NewImage}')::text, ddb.unmarshal(e #> '{dynamodb,OldImage}')::text,
           e #>> '{userIdentity,Type}'
      FROM events(t) e
$$;

-- The same writes on a table: item "a" through every operation, "b" and
-- "c" through batches and transactions, "s" with plain SQL
CREATE PROCEDURE writes(t text) LANGUAGE plpgsql AS $$
BEGIN
    -- a put of a new item: INSERT; the same put again: nothing; a changed one: MODIFY
    PERFORM ddb.put(t, '{"pk": "a", "v": 1, "m": {"x": 1, "y": 2}}');
    PERFORM ddb.put(t, '{"pk": "a", "v": 1, "m": {"y": 2, "x": 1}}');
    PERFORM ddb.put(t, '{"pk": "a", "v": 2, "m": {"x": 1, "y": 2}}');
    -- an update that changes: MODIFY; one that changes nothing, or removes
    -- an attribute the item does not have: nothing
    PERFORM ddb.update(t, '{"pk": "a"}', 'SET v = v + :one', '{":one": 1}');
    PERFORM ddb.update(t, '{"pk": "a"}', 'SET v = :three', '{":three": 3}');
    PERFORM ddb.update(t, '{"pk": "a"}', 'REMOVE nothing_here');
    -- a failed condition: nothing
    BEGIN
        PERFORM ddb.call('PutItem', jsonb_build_object('TableName', t,
            'Item', '{"pk": {"S": "a"}, "v": {"N": "99"}}'::jsonb, 'ConditionExpression', 'attribute_not_exists(pk)'));
    EXCEPTION WHEN SQLSTATE 'YD006' THEN NULL;
    END;
    -- an update that creates an item: INSERT
    PERFORM ddb.update(t, '{"pk": "u"}', 'SET v = :one', '{":one": 1}');
    -- batches and transactions
    PERFORM ddb.call('BatchWriteItem', jsonb_build_object('RequestItems', jsonb_build_object(t, jsonb_build_array(
        '{"PutRequest": {"Item": {"pk": {"S": "b"}, "v": {"N": "1"}}}}'::jsonb,
        '{"PutRequest": {"Item": {"pk": {"S": "c"}, "v": {"N": "1"}}}}'::jsonb,
        '{"DeleteRequest": {"Key": {"pk": {"S": "u"}}}}'::jsonb))));
    PERFORM ddb.call('TransactWriteItems', jsonb_build_object('TransactItems', jsonb_build_array(
        jsonb_build_object('Update', jsonb_build_object('TableName', t, 'Key', '{"pk": {"S": "b"}}'::jsonb,
            'UpdateExpression', 'SET v = :two', 'ExpressionAttributeValues', '{":two": {"N": "2"}}'::jsonb)),
        jsonb_build_object('Delete', jsonb_build_object('TableName', t, 'Key', '{"pk": {"S": "c"}}'::jsonb)))));
    -- a cancelled transaction: nothing
    BEGIN
        PERFORM ddb.call('TransactWriteItems', jsonb_build_object('TransactItems', jsonb_build_array(
            jsonb_build_object('Put', jsonb_build_object('TableName', t, 'Item', '{"pk": {"S": "z"}}'::jsonb)),
            jsonb_build_object('ConditionCheck', jsonb_build_object('TableName', t, 'Key', '{"pk": {"S": "b"}}'::jsonb,
                'ConditionExpression', 'attribute_not_exists(pk)')))));
    EXCEPTION WHEN SQLSTATE 'YD007' THEN NULL;
    END;
    -- deletes: of an item, REMOVE; of a missing one, nothing
    PERFORM ddb.delete(t, '{"pk": "a"}');
    PERFORM ddb.delete(t, '{"pk": "a"}');
    -- plain SQL on the item table: INSERT, MODIFY, a key change (REMOVE and
    -- INSERT), an UPDATE that leaves the item alone (nothing), DELETE
    EXECUTE format('INSERT INTO ddb_data.%I (pk, item) VALUES (''s'', ''{"pk": {"S": "s"}, "v": {"N": "1"}}'')', t);
    EXECUTE format('UPDATE ddb_data.%I SET item = ''{"pk": {"S": "s"}, "v": {"N": "2"}}'' WHERE pk = ''s''', t);
    EXECUTE format('UPDATE ddb_data.%I SET pk = ''s2'', item = ''{"pk": {"S": "s2"}, "v": {"N": "2"}}'' WHERE pk = ''s''', t);
    EXECUTE format('UPDATE ddb_data.%I SET item = item WHERE pk = ''s2''', t);
    EXECUTE format('DELETE FROM ddb_data.%I WHERE pk = ''s2''', t);
END
$$;

SELECT ddb.call('CreateTable', jsonb_build_object('TableName', 'rec_' || lower(v),
           'KeySchema', '[{"AttributeName": "pk", "KeyType": "HASH"}]'::jsonb,
           'AttributeDefinitions', '[{"AttributeName": "pk", "AttributeType": "S"}]'::jsonb,
           'BillingMode', 'PAY_PER_REQUEST',
           'StreamSpecification', jsonb_build_object('StreamEnabled', true, 'StreamViewType', v)))
         #>> '{TableDescription,StreamSpecification,StreamViewType}' AS view_type
  FROM unnest(ARRAY['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES']) v;
-- a write before the stream exists: no record
SELECT ddb.call('CreateTable', '{"TableName": "rec_late", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"}') IS NOT NULL AS created;
SELECT ddb.put('rec_late', '{"pk": "before"}');
-- the streams capture once the slot exists (ENABLED)
SELECT ddb.pull_stream_records() >= 0 AS pulled;
SELECT table_name, status FROM ddb.streams WHERE table_name LIKE 'rec\_%' ORDER BY table_name;
SELECT ddb.call('UpdateTable', '{"TableName": "rec_late",
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}}') IS NOT NULL AS enabled;
SELECT ddb.put('rec_late', '{"pk": "after"}');

CALL writes('rec_keys_only');
CALL writes('rec_new_image');
CALL writes('rec_old_image');
CALL writes('rec_new_and_old_images');
-- rolled-back work: nothing
BEGIN;
SELECT ddb.put('rec_new_and_old_images', '{"pk": "rolled back"}');
ROLLBACK;
-- a TTL delete (a transaction marked with the ddb.ttl logical message):
-- REMOVE with the service's userIdentity
SELECT ddb.put(t, '{"pk": "ttl", "expires": 1}') FROM unnest(ARRAY['rec_keys_only', 'rec_new_and_old_images']) t;
BEGIN;
SELECT pg_logical_emit_message(true, 'ddb.ttl', '') IS NOT NULL AS marked;
SELECT ddb.delete(t, '{"pk": "ttl"}') FROM unnest(ARRAY['rec_keys_only', 'rec_new_and_old_images']) t;
COMMIT;
-- a message naming a table marks the deletes of that table only
SELECT ddb.put(t, '{"pk": "ttl3"}') FROM unnest(ARRAY['rec_keys_only', 'rec_new_and_old_images']) t;
BEGIN;
SELECT pg_logical_emit_message(true, 'ddb.ttl', '{"TableName": "rec_keys_only"}') IS NOT NULL AS marked;
SELECT ddb.delete(t, '{"pk": "ttl3"}') FROM unnest(ARRAY['rec_keys_only', 'rec_new_and_old_images']) t;
COMMIT;
-- a non-transactional message, or another prefix, marks nothing
SELECT ddb.put('rec_new_and_old_images', '{"pk": "ttl2"}');
BEGIN;
SELECT pg_logical_emit_message(false, 'ddb.ttl', '') IS NOT NULL AS not_transactional;
SELECT pg_logical_emit_message(true, 'ddb.other', '') IS NOT NULL AS other_prefix;
SELECT ddb.delete('rec_new_and_old_images', '{"pk": "ttl2"}');
COMMIT;
SELECT ddb.pull_stream_records() >= 0 AS pulled;

SELECT * FROM event_lines('rec_keys_only');
SELECT * FROM event_lines('rec_new_image');
SELECT * FROM event_lines('rec_old_image');
SELECT * FROM event_lines('rec_new_and_old_images');
SELECT * FROM event_lines('rec_late');

-- Every record has DynamoDB's members
SELECT DISTINCT (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(e) k) AS members,
       (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(e -> 'dynamodb') k) AS dynamodb_members
  FROM events('rec_new_and_old_images') e ORDER BY 1, 2;
SELECT DISTINCT e ->> 'eventVersion' AS version, e ->> 'eventSource' AS source, e ->> 'awsRegion' AS region,
       e #>> '{dynamodb,StreamViewType}' AS view_type
  FROM events('rec_new_and_old_images') e;
-- ApproximateCreationDateTime: the commit time, whole seconds; SizeBytes:
-- the keys and images by DynamoDB's item sizes; sequence numbers increase;
-- event IDs are unique
SELECT bool_and((e #>> '{dynamodb,ApproximateCreationDateTime}') ~ '^\d+$'
                AND abs((e #>> '{dynamodb,ApproximateCreationDateTime}')::numeric - extract(epoch FROM now())) < 3600) AS times,
       bool_and((e #>> '{dynamodb,SizeBytes}')::int > 0) AS sizes,
       count(DISTINCT e ->> 'eventID') = count(*) AS unique_ids
  FROM events('rec_new_and_old_images') e;
SELECT bool_and(s > lag) AS increasing
  FROM (SELECT e #>> '{dynamodb,SequenceNumber}' AS s,
               lag(e #>> '{dynamodb,SequenceNumber}') OVER (ORDER BY n) AS lag
          FROM events('rec_new_and_old_images') WITH ORDINALITY AS x(e, n)) y;
SELECT e #>> '{dynamodb,SizeBytes}' AS size_of_keys_and_new_image
  FROM events('rec_new_image') e WHERE e #>> '{dynamodb,Keys,pk,S}' = 'b' AND e ->> 'eventName' = 'INSERT';

-- One item changed many times, in one transaction and across several:
-- its records come in order, once each
SELECT ddb.put('rec_new_image', '{"pk": "counter", "n": 0}');
BEGIN;
SELECT count(ddb.update('rec_new_image', '{"pk": "counter"}', 'ADD n :one', '{":one": 1}')) FROM generate_series(1, 20);
COMMIT;
SELECT count(ddb.update('rec_new_image', '{"pk": "counter"}', 'ADD n :one', '{":one": 1}')) FROM generate_series(1, 20);
SELECT ddb.pull_stream_records() >= 0 AS pulled;
SELECT array_agg((e #>> '{dynamodb,NewImage,n,N}')::int ORDER BY ord) = array_agg(i ORDER BY i) AS in_order_once_each
  FROM events('rec_new_image') WITH ORDINALITY AS x(e, ord)
  JOIN generate_series(0, 40) i ON true
 WHERE e #>> '{dynamodb,Keys,pk,S}' = 'counter' AND (e #>> '{dynamodb,NewImage,n,N}')::int = i;

-- U+0000 in keys, values and names travels through ddb.call_text; the jsonb
-- functions cannot return it
SELECT ddb.call('GetShardIterator', jsonb_build_object('StreamArn', arn, 'ShardId', shard_id,
           'ShardIteratorType', 'LATEST')) ->> 'ShardIterator' AS nul_iterator
  FROM (SELECT ddb.call('DescribeTable', '{"TableName": "rec_new_image"}') #>> '{Table,LatestStreamArn}' AS arn,
               shard_id
          FROM ddb.streams WHERE table_name = 'rec_new_image' AND status = 'ENABLED') s \gset
SELECT ddb.call_text('PutItem', '{"TableName": "rec_new_image", "Item": {"pk": {"S": "nul\u0000key"}, "v\u0000": {"SS": ["a\u0000", "b"]}}}');
SELECT ddb.pull_stream_records() >= 0 AS pulled;
SELECT regexp_replace(regexp_replace(
         ddb.call_text('GetRecords', json_build_object('ShardIterator', :'nul_iterator')::text),
         '"(eventID|SequenceNumber|NextShardIterator)": "[^"]*"', '"\1": "*"', 'g'),
         '"ApproximateCreationDateTime": [0-9]+', '"ApproximateCreationDateTime": *') AS record_text;
-- Invalid input: a jsonb response cannot hold U+0000
SELECT count(*) FROM events('rec_new_image');

-- The output plugin, read with SQL from a slot of one's own: one record per
-- row, as DynamoDB's JSON plus the stream's ARN (eventSourceARN)
SET synchronous_commit = on;   -- a slot reads the WAL flushed
SELECT 'init' FROM pg_create_logical_replication_slot('regress_ddb_records', 'ddb');
SELECT ddb.put('rec_keys_only', '{"pk": "plugin", "v": 1}');
SELECT ddb.delete('rec_keys_only', '{"pk": "plugin"}');
SELECT ddb.put('rec_late', '{"pk": "plugin"}');
SELECT regexp_replace(regexp_replace(regexp_replace(data,
         '"(eventID|SequenceNumber)": "[^"]*"', '"\1": "*"', 'g'),
         '"ApproximateCreationDateTime": [0-9]+', '"ApproximateCreationDateTime": *'),
         '/stream/[^"]*"', '/stream/*"') AS data
  FROM pg_logical_slot_get_changes('regress_ddb_records', NULL, NULL);
-- Invalid input: an option the plugin does not have
SELECT data FROM pg_logical_slot_get_changes('regress_ddb_records', NULL, NULL, 'format', 'xml');
SELECT pg_drop_replication_slot('regress_ddb_records');
RESET synchronous_commit;

-- Disabling stops the records
SELECT ddb.call('UpdateTable', jsonb_build_object('TableName', t, 'StreamSpecification', '{"StreamEnabled": false}'::jsonb)) IS NOT NULL
  FROM unnest(ARRAY['rec_keys_only', 'rec_new_image', 'rec_old_image', 'rec_new_and_old_images', 'rec_late']) t;
SELECT ddb.put('rec_late', '{"pk": "disabled"}');
SELECT ddb.pull_stream_records() >= 0 AS pulled;
SELECT * FROM event_lines('rec_late');
SELECT ddb.pull_stream_records() >= 0 AS pulled;
SELECT count(*) AS live_streams FROM ddb.streams WHERE status <> 'DISABLED';
