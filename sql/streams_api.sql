-- streams_api: DynamoDB Streams' control plane and API. StreamSpecification
-- on CreateTable and UpdateTable (DynamoDB's rules and errors), the stream
-- members of DescribeTable, a new stream (ARN) per enabling, streams of
-- deleted tables, and the shapes, limits and errors of ListStreams,
-- DescribeStream, GetShardIterator and GetRecords.

-- Values that change on every run (labels, times, positions) become "*".
CREATE FUNCTION smask(j jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE jsonb_typeof(j)
        WHEN 'object' THEN (
            SELECT coalesce(jsonb_object_agg(key,
                CASE WHEN key IN ('CreationDateTime', 'TableId', 'LastUpdateToPayPerRequestDateTime',
                                  'LatestStreamLabel', 'StreamLabel', 'CreationRequestDateTime',
                                  'ShardId', 'StartingSequenceNumber', 'EndingSequenceNumber',
                                  'eventID', 'SequenceNumber', 'ApproximateCreationDateTime',
                                  'ShardIterator', 'NextShardIterator')
                     THEN '"*"'::jsonb
                     WHEN key IN ('LatestStreamArn', 'StreamArn', 'LastEvaluatedStreamArn')
                     THEN to_jsonb(regexp_replace(value #>> '{}', '/stream/.*$', '/stream/*'))
                     ELSE smask(value) END), '{}')
            FROM jsonb_each(j))
        WHEN 'array' THEN (
            SELECT coalesce(jsonb_agg(smask(value) ORDER BY n), '[]')
            FROM jsonb_array_elements(j) WITH ORDINALITY AS e(value, n))
        ELSE j END
$$;

-- The ARN of a table's latest stream, and the ID of its shard
CREATE FUNCTION stream_arn(t text) RETURNS text LANGUAGE sql AS $$
    SELECT ddb.call('DescribeTable', jsonb_build_object('TableName', t)) -> 'Table' ->> 'LatestStreamArn'
$$;
CREATE FUNCTION shard_of(arn text) RETURNS text LANGUAGE sql AS $$
    SELECT ddb.call('DescribeStream', jsonb_build_object('StreamArn', arn))
             #>> '{StreamDescription,Shards,0,ShardId}'
$$;
CREATE FUNCTION iterator(arn text, kind text, seq text DEFAULT NULL) RETURNS text LANGUAGE sql AS $$
    SELECT ddb.call('GetShardIterator', jsonb_strip_nulls(jsonb_build_object('StreamArn', arn,
               'ShardId', shard_of(arn), 'ShardIteratorType', kind, 'SequenceNumber', seq)))
             ->> 'ShardIterator'
$$;

-- CreateTable with a stream: DescribeTable's StreamSpecification,
-- LatestStreamArn (the table's ARN, /stream/, the label) and LatestStreamLabel
SELECT smask(ddb.call('CreateTable', '{"TableName": "st_orders",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
    "BillingMode": "PAY_PER_REQUEST",
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}}'));
SELECT ddb.pull_stream_records() >= 0 AS pulled;   -- the slot exists: ENABLED
SELECT t -> 'StreamSpecification' AS spec,
       t ->> 'LatestStreamArn' = 'arn:aws:dynamodb:us-east-1:000000000000:table/st_orders/stream/' || (t ->> 'LatestStreamLabel') AS arn_is_table_arn_and_label,
       t ->> 'LatestStreamLabel' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$' AS label_is_iso8601
  FROM (SELECT ddb.call('DescribeTable', '{"TableName": "st_orders"}') -> 'Table' AS t) d;
-- the item table keeps whole old rows in the WAL
SELECT relreplident FROM pg_class WHERE oid = 'ddb_data.st_orders'::regclass;

-- A table without a stream describes none; StreamEnabled false is no stream
SELECT smask(ddb.call('CreateTable', '{"TableName": "st_plain",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST", "StreamSpecification": {"StreamEnabled": false}}')) -> 'TableDescription' ?| ARRAY['StreamSpecification', 'LatestStreamArn', 'LatestStreamLabel'] AS has_stream_members;

-- Invalid input: CreateTable enabling a stream without a view type
SELECT ddb.call('CreateTable', '{"TableName": "st_bad", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST",
    "StreamSpecification": {"StreamEnabled": true}}');
-- Invalid input: CreateTable with a view type and no stream
SELECT ddb.call('CreateTable', '{"TableName": "st_bad", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST",
    "StreamSpecification": {"StreamEnabled": false, "StreamViewType": "KEYS_ONLY"}}');
-- Invalid input: a view type DynamoDB does not have, and StreamEnabled missing
SELECT ddb.call('CreateTable', '{"TableName": "st_bad", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST",
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "ALL"}}');
SELECT ddb.call('CreateTable', '{"TableName": "st_bad", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST",
    "StreamSpecification": {"StreamViewType": "KEYS_ONLY"}}');
-- Invalid input: an unknown member of StreamSpecification
SELECT ddb.call('CreateTable', '{"TableName": "st_bad", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST",
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY", "Shards": 2}}');
SELECT count(*) AS tables_made FROM ddb.tables WHERE table_name = 'st_bad';

-- Invalid input: enabling a stream on a table that has one, of the same
-- view type or another (a view type is changed by disabling, then enabling)
SELECT ddb.call('UpdateTable', '{"TableName": "st_orders",
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}}');
SELECT ddb.call('UpdateTable', '{"TableName": "st_orders",
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}}');
-- Invalid input: UpdateTable enabling without a view type, disabling with one
SELECT ddb.call('UpdateTable', '{"TableName": "st_plain", "StreamSpecification": {"StreamEnabled": true}}');
SELECT ddb.call('UpdateTable', '{"TableName": "st_orders",
    "StreamSpecification": {"StreamEnabled": false, "StreamViewType": "KEYS_ONLY"}}');
-- Invalid input: disabling a stream a table does not have
SELECT ddb.call('UpdateTable', '{"TableName": "st_plain", "StreamSpecification": {"StreamEnabled": false}}');
-- Invalid input: a stream of a table that does not exist
SELECT ddb.call('UpdateTable', '{"TableName": "st_none",
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}}');
-- Invalid input: encryption changes come alone
SELECT ddb.call('UpdateTable', '{"TableName": "st_plain", "SSESpecification": {"Enabled": true},
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}}');
SELECT table_name, view_type, status FROM ddb.streams WHERE table_name LIKE 'st\_%' ORDER BY stream_id;

-- UpdateTable enables a stream on a table without one
SELECT smask(ddb.call('UpdateTable', '{"TableName": "st_plain",
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}}')) -> 'TableDescription'
       -> 'StreamSpecification' AS spec;
SELECT relreplident FROM pg_class WHERE oid = 'ddb_data.st_plain'::regclass;
SELECT ddb.pull_stream_records() >= 0 AS pulled;

-- ListStreams: every stream of a table, by table name and label
SELECT smask(ddb.call('ListStreams', '{"TableName": "st_orders"}'));
SELECT smask(ddb.call('ListStreams', '{"TableName": "arn:aws:dynamodb:us-east-1:000000000000:table/st_plain"}'));
-- pages of one stream: the first page names the last stream it returned
SELECT (p -> 'Streams' -> 0 ->> 'TableName') AS first_table,
       p ->> 'LastEvaluatedStreamArn' = p -> 'Streams' -> 0 ->> 'StreamArn' AS last_evaluated_is_it,
       (SELECT array_agg(s ->> 'TableName')
          FROM jsonb_array_elements(ddb.call('ListStreams', jsonb_build_object(
                 'ExclusiveStartStreamArn', p ->> 'LastEvaluatedStreamArn')) -> 'Streams') s
         WHERE s ->> 'TableName' LIKE 'st\_%') AS next_pages
  FROM (SELECT ddb.call('ListStreams', '{"Limit": 1, "ExclusiveStartStreamArn":
          "arn:aws:dynamodb:us-east-1:000000000000:table/st_orderr/stream/2000-01-01T00:00:00.000"}') AS p) x;
-- Invalid input: Limit out of 1..100, a malformed table name or ARN
SELECT ddb.call('ListStreams', '{"Limit": 0}');
SELECT ddb.call('ListStreams', '{"Limit": 101}');
SELECT ddb.call('ListStreams', '{"TableName": "x"}');
SELECT ddb.call('ListStreams', '{"ExclusiveStartStreamArn": "not an arn, but long enough to be one"}');
SELECT ddb.call('ListStreams', '{"ExclusiveStartStreamArn": "short"}');
-- Invalid input: streams of a table that does not exist
SELECT ddb.call('ListStreams', '{"TableName": "st_none"}');
-- Invalid input: an unknown member
SELECT ddb.call('ListStreams', '{"StreamArn": "x"}');

-- DescribeStream: the stream, its key schema, its one open shard
SELECT smask(ddb.call('DescribeStream', jsonb_build_object('StreamArn', stream_arn('st_orders'))));
SELECT d #>> '{Shards,0,SequenceNumberRange,StartingSequenceNumber}' ~ '^\d{21,40}$' AS numeric_sequence,
       length(d #>> '{Shards,0,ShardId}') BETWEEN 28 AND 65 AS shard_id_length,
       d ->> 'CreationRequestDateTime' ~ '^\d+\.\d{3}$' AS epoch_seconds
  FROM (SELECT ddb.call('DescribeStream', jsonb_build_object('StreamArn', stream_arn('st_orders')))
               -> 'StreamDescription' AS d) x;
-- after its shard, or asking for child shards: none
SELECT smask(ddb.call('DescribeStream', jsonb_build_object('StreamArn', stream_arn('st_orders'),
    'ExclusiveStartShardId', shard_of(stream_arn('st_orders'))))) #> '{StreamDescription,Shards}' AS shards;
SELECT smask(ddb.call('DescribeStream', jsonb_build_object('StreamArn', stream_arn('st_orders'), 'Limit', 1,
    'ShardFilter', jsonb_build_object('Type', 'CHILD_SHARDS', 'ShardId', shard_of(stream_arn('st_orders'))))))
    #> '{StreamDescription,Shards}' AS shards;
-- Invalid input: no ARN, a malformed one, a stream that does not exist, Limit 0
SELECT ddb.call('DescribeStream', '{}');
SELECT ddb.call('DescribeStream', '{"StreamArn": "sdfadfsdfnlfkajakfgjalksfgklasjklasdjfklasdfasdfgasf"}');
SELECT ddb.call('DescribeStream', '{"StreamArn": "arn:aws:dynamodb:us-east-1:000000000000:table/st_orders/stream/2000-01-01T00:00:00.000"}');
SELECT ddb.call('DescribeStream', jsonb_build_object('StreamArn', stream_arn('st_orders'), 'Limit', 0));
SELECT ddb.call('DescribeStream', jsonb_build_object('StreamArn', stream_arn('st_orders'),
    'ShardFilter', '{"Type": "PARENT_SHARDS"}'::jsonb));

-- Records to read
SELECT ddb.call('PutItem', jsonb_build_object('TableName', 'st_orders', 'Item',
           jsonb_build_object('pk', jsonb_build_object('S', 'c1'), 'sk', jsonb_build_object('N', i::text),
                              'v', jsonb_build_object('N', i::text))))
  FROM generate_series(1, 5) i;
SELECT ddb.pull_stream_records() >= 0 AS pulled;

-- GetShardIterator and GetRecords: TRIM_HORIZON reads from the oldest
-- record; Limit; NextShardIterator goes on where the page ended
SELECT smask(r) FROM (SELECT ddb.call('GetRecords', jsonb_build_object(
    'ShardIterator', iterator(stream_arn('st_orders'), 'TRIM_HORIZON'), 'Limit', 2)) AS r) x;
WITH first AS (SELECT ddb.call('GetRecords', jsonb_build_object(
         'ShardIterator', iterator(stream_arn('st_orders'), 'TRIM_HORIZON'), 'Limit', 2)) AS r),
     second AS (SELECT ddb.call('GetRecords', jsonb_build_object('ShardIterator', r ->> 'NextShardIterator')) AS r
                  FROM first)
SELECT (SELECT array_agg(e #>> '{dynamodb,Keys,sk,N}') FROM jsonb_array_elements(r -> 'Records') e) AS next_page,
       r ? 'NextShardIterator' AS open_shard_goes_on
  FROM second;
-- the iterator and sequence number formats
SELECT length(it) <= 2048 AS iterator_length,
       r #>> '{Records,0,dynamodb,SequenceNumber}' ~ '^\d{21,40}$' AS numeric_sequence,
       r #>> '{Records,0,eventID}' ~ '^[0-9a-f]{32}$' AS hex_event_id,
       (r #>> '{Records,0,dynamodb,SequenceNumber}') < (r #>> '{Records,1,dynamodb,SequenceNumber}') AS increasing
  FROM (SELECT it, ddb.call('GetRecords', jsonb_build_object('ShardIterator', it)) AS r
          FROM (SELECT iterator(stream_arn('st_orders'), 'TRIM_HORIZON') AS it) i) x;
-- AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER of the third record
WITH recs AS (SELECT ddb.call('GetRecords', jsonb_build_object(
                 'ShardIterator', iterator(stream_arn('st_orders'), 'TRIM_HORIZON'))) -> 'Records' AS r),
     third AS (SELECT r #>> '{2,dynamodb,SequenceNumber}' AS seq FROM recs)
SELECT kind, (SELECT array_agg(e #>> '{dynamodb,Keys,sk,N}')
                FROM jsonb_array_elements(ddb.call('GetRecords', jsonb_build_object(
                       'ShardIterator', iterator(stream_arn('st_orders'), kind, seq))) -> 'Records') e) AS sks
  FROM third, (VALUES ('AT_SEQUENCE_NUMBER'), ('AFTER_SEQUENCE_NUMBER')) k(kind);
-- AT_SEQUENCE_NUMBER of the shard's starting sequence number reads it all
SELECT jsonb_array_length(ddb.call('GetRecords', jsonb_build_object('ShardIterator',
         iterator(stream_arn('st_orders'), 'AT_SEQUENCE_NUMBER',
                  ddb.call('DescribeStream', jsonb_build_object('StreamArn', stream_arn('st_orders')))
                    #>> '{StreamDescription,Shards,0,SequenceNumberRange,StartingSequenceNumber}'))) -> 'Records') AS records;
-- LATEST: after the newest record, so only what comes later
SELECT iterator(stream_arn('st_orders'), 'LATEST') AS latest \gset
SELECT smask(ddb.call('GetRecords', jsonb_build_object('ShardIterator', :'latest')));
SELECT ddb.call('PutItem', '{"TableName": "st_orders", "Item": {"pk": {"S": "c2"}, "sk": {"N": "1"}}}');
SELECT ddb.pull_stream_records() >= 0 AS pulled;
SELECT (SELECT array_agg(e ->> 'eventName' || ' ' || (e #>> '{dynamodb,Keys,pk,S}'))
          FROM jsonb_array_elements(ddb.call('GetRecords', jsonb_build_object('ShardIterator', :'latest')) -> 'Records') e) AS after_latest;

-- Invalid input: GetShardIterator without its required members, with an
-- unknown iterator type, a shard ID too short
SELECT ddb.call('GetShardIterator', '{}');
SELECT ddb.call('GetShardIterator', jsonb_build_object('StreamArn', stream_arn('st_orders'),
    'ShardId', shard_of(stream_arn('st_orders')), 'ShardIteratorType', 'bulle'));
SELECT ddb.call('GetShardIterator', jsonb_build_object('StreamArn', stream_arn('st_orders'),
    'ShardId', 'shardId-1', 'ShardIteratorType', 'LATEST'));
-- Invalid input: a sequence number where none belongs, none where one must be
SELECT ddb.call('GetShardIterator', jsonb_build_object('StreamArn', stream_arn('st_orders'),
    'ShardId', shard_of(stream_arn('st_orders')), 'ShardIteratorType', 'LATEST',
    'SequenceNumber', '100000000000000000000000000000000'));
SELECT ddb.call('GetShardIterator', jsonb_build_object('StreamArn', stream_arn('st_orders'),
    'ShardId', shard_of(stream_arn('st_orders')), 'ShardIteratorType', 'AFTER_SEQUENCE_NUMBER'));
-- Invalid input: a sequence number that is not of this shard
SELECT ddb.call('GetShardIterator', jsonb_build_object('StreamArn', stream_arn('st_orders'),
    'ShardId', shard_of(stream_arn('st_orders')), 'ShardIteratorType', 'AT_SEQUENCE_NUMBER',
    'SequenceNumber', '300000000000000499659'));
SELECT ddb.call('GetShardIterator', jsonb_build_object('StreamArn', stream_arn('st_orders'),
    'ShardId', shard_of(stream_arn('st_orders')), 'ShardIteratorType', 'AT_SEQUENCE_NUMBER',
    'SequenceNumber', '10000000000000000000000000000000000000000'));
-- Invalid input: a shard the stream does not have, a malformed stream ARN,
-- a stream that does not exist
SELECT ddb.call('GetShardIterator', jsonb_build_object('StreamArn', stream_arn('st_orders'),
    'ShardId', 'shardId-00000000000000000000-00000000', 'ShardIteratorType', 'LATEST'));
SELECT ddb.call('GetShardIterator', jsonb_build_object('StreamArn', 'sdfadfsddafgdafsgjnadflkgnalngalsdfnlkasnlkasdfasdfasf',
    'ShardId', shard_of(stream_arn('st_orders')), 'ShardIteratorType', 'LATEST'));
SELECT ddb.call('GetShardIterator', jsonb_build_object('StreamArn',
    'arn:aws:dynamodb:us-east-1:000000000000:table/st_orders/stream/2000-01-01T00:00:00.000',
    'ShardId', shard_of(stream_arn('st_orders')), 'ShardIteratorType', 'LATEST'));

-- Invalid input: GetRecords without an iterator, with a malformed one, Limit
-- out of 1..1000
SELECT ddb.call('GetRecords', '{}');
SELECT ddb.call('GetRecords', '{"ShardIterator": "sdfsdfsgagaddafgagasgasgasdfasdfasdfasdfasdgasdasdgasdg"}');
SELECT ddb.call('GetRecords', jsonb_build_object('ShardIterator', :'latest', 'Limit', 0));
SELECT ddb.call('GetRecords', jsonb_build_object('ShardIterator', :'latest', 'Limit', 1001));
-- Invalid input: an iterator older than 15 minutes
SELECT ddb.call('GetRecords', jsonb_build_object('ShardIterator',
    regexp_replace(:'latest', ':[0-9]+$', ':' || ((extract(epoch FROM now() - interval '16 minutes')
        - extract(epoch FROM timestamptz '2000-01-01 00:00:00+00')) * 1000000)::bigint)));
-- an iterator 14 minutes old still reads
SELECT jsonb_typeof(ddb.call('GetRecords', jsonb_build_object('ShardIterator',
    regexp_replace(:'latest', ':[0-9]+$', ':' || ((extract(epoch FROM now() - interval '14 minutes')
        - extract(epoch FROM timestamptz '2000-01-01 00:00:00+00')) * 1000000)::bigint))) -> 'Records') AS records;

-- Trimmed data: once records up to the third are trimmed (as 24 hours
-- would), TRIM_HORIZON starts after them, and a position before them is
-- TrimmedDataAccessException
SELECT iterator(stream_arn('st_orders'), 'TRIM_HORIZON') AS horizon \gset
SELECT r #>> '{Records,1,dynamodb,SequenceNumber}' AS second_seq
  FROM (SELECT ddb.call('GetRecords', jsonb_build_object('ShardIterator', :'horizon')) AS r) x \gset
WITH third AS (SELECT commit_lsn, change_index FROM ddb.stream_records r JOIN ddb.streams s USING (stream_id)
                WHERE s.table_name = 'st_orders' ORDER BY commit_lsn, change_index OFFSET 2 LIMIT 1),
     gone AS (DELETE FROM ddb.stream_records r USING third t, ddb.streams s
               WHERE s.stream_id = r.stream_id AND s.table_name = 'st_orders'
                 AND (r.commit_lsn, r.change_index) <= (t.commit_lsn, t.change_index))
UPDATE ddb.streams s SET trimmed_lsn = t.commit_lsn, trimmed_index = t.change_index
  FROM third t WHERE s.table_name = 'st_orders';
-- Invalid input: an iterator from before the trim, a sequence number trimmed
SELECT ddb.call('GetRecords', jsonb_build_object('ShardIterator', :'horizon'));
SELECT ddb.call('GetShardIterator', jsonb_build_object('StreamArn', stream_arn('st_orders'),
    'ShardId', shard_of(stream_arn('st_orders')), 'ShardIteratorType', 'AT_SEQUENCE_NUMBER',
    'SequenceNumber', :'second_seq'));
SELECT (SELECT array_agg((e #>> '{dynamodb,Keys,pk,S}') || (e #>> '{dynamodb,Keys,sk,N}'))
          FROM jsonb_array_elements(ddb.call('GetRecords', jsonb_build_object('ShardIterator',
                 iterator(stream_arn('st_orders'), 'TRIM_HORIZON'))) -> 'Records') e) AS after_trim;

-- Reading records needs SELECT on the item table
CREATE ROLE st_reader;
SET ROLE st_reader;
SELECT smask(ddb.call('ListStreams', '{"TableName": "st_orders"}'));
-- Invalid input: no SELECT on the item table
SELECT ddb.call('GetShardIterator', jsonb_build_object('StreamArn', stream_arn('st_orders'),
    'ShardId', shard_of(stream_arn('st_orders')), 'ShardIteratorType', 'LATEST'));
SELECT ddb.call('GetRecords', jsonb_build_object('ShardIterator', :'latest'));
RESET ROLE;
GRANT SELECT ON ddb_data.st_orders TO st_reader;
SET ROLE st_reader;
SELECT jsonb_array_length(ddb.call('GetRecords', jsonb_build_object('ShardIterator', :'latest')) -> 'Records') AS records;
SELECT count(*) FROM ddb.stream_records;
RESET ROLE;

-- Disabling: DescribeTable has no StreamSpecification but keeps the latest
-- stream's ARN; the stream is DISABLED once its records are in, its shard
-- closed (EndingSequenceNumber: the last record); it stays readable, and a
-- closed shard read to its end has no NextShardIterator
SELECT stream_arn('st_orders') AS old_arn \gset
SELECT t ? 'StreamSpecification' AS has_spec, t ->> 'LatestStreamArn' = :'old_arn' AS same_latest_arn
  FROM (SELECT ddb.call('UpdateTable', '{"TableName": "st_orders", "StreamSpecification": {"StreamEnabled": false}}')
          -> 'TableDescription' AS t) x;
SELECT ddb.pull_stream_records() >= 0 AS pulled;
SELECT relreplident FROM pg_class WHERE oid = 'ddb_data.st_orders'::regclass;
SELECT smask(ddb.call('DescribeStream', jsonb_build_object('StreamArn', :'old_arn')));
WITH d AS (SELECT ddb.call('DescribeStream', jsonb_build_object('StreamArn', :'old_arn'))
                    #>> '{StreamDescription,Shards,0,SequenceNumberRange,EndingSequenceNumber}' AS ending),
     r AS (SELECT ddb.call('GetRecords', jsonb_build_object('ShardIterator',
                    iterator(:'old_arn', 'TRIM_HORIZON'))) AS r)
SELECT ending = r #>> '{Records,-1,dynamodb,SequenceNumber}' AS ends_at_last_record,
       jsonb_array_length(r -> 'Records') AS records, r ? 'NextShardIterator' AS has_next
  FROM d, r;
SELECT smask(ddb.call('GetRecords', jsonb_build_object('ShardIterator', iterator(:'old_arn', 'LATEST'))));
-- an iterator of the open shard reads on to the end after the disable
SELECT jsonb_array_length(r -> 'Records') AS records, r ? 'NextShardIterator' AS has_next
  FROM (SELECT ddb.call('GetRecords', jsonb_build_object('ShardIterator', :'latest')) AS r) x;

-- Enabling again is a new stream with a new ARN and label
SELECT ddb.call('UpdateTable', '{"TableName": "st_orders",
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}}')
         #>> '{TableDescription,LatestStreamArn}' <> :'old_arn' AS new_arn;
SELECT ddb.pull_stream_records() >= 0 AS pulled;
SELECT smask(ddb.call('ListStreams', '{"TableName": "st_orders"}'));
SELECT jsonb_agg(smask(ddb.call('DescribeStream', jsonb_build_object('StreamArn', s ->> 'StreamArn')))
                   #> '{StreamDescription,StreamStatus}' ORDER BY s ->> 'StreamLabel') AS statuses
  FROM jsonb_array_elements(ddb.call('ListStreams', '{"TableName": "st_orders"}') -> 'Streams') s;

-- DeleteTable ends the table's stream, which stays listed and readable
SELECT stream_arn('st_plain') AS plain_arn \gset
SELECT ddb.call('PutItem', '{"TableName": "st_plain", "Item": {"pk": {"S": "a"}}}');
SELECT ddb.call('DeleteTable', '{"TableName": "st_plain"}') #>> '{TableDescription,TableStatus}';
SELECT ddb.pull_stream_records() >= 0 AS pulled;
SELECT smask(ddb.call('ListStreams', '{"TableName": "st_plain"}'));
SELECT smask(ddb.call('DescribeStream', jsonb_build_object('StreamArn', :'plain_arn')))
         #> '{StreamDescription,StreamStatus}' AS status;
SELECT smask(ddb.call('GetRecords', jsonb_build_object('ShardIterator', iterator(:'plain_arn', 'TRIM_HORIZON'))));
-- so does a table dropped with SQL
SELECT ddb.call('CreateTable', '{"TableName": "st_dropped", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST",
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}}') IS NOT NULL AS created;
DROP TABLE ddb_data.st_dropped;
SELECT ddb.pull_stream_records() >= 0 AS pulled;
SELECT table_name, view_type, status, table_dropped FROM ddb.streams WHERE table_name = 'st_dropped';

-- GetRecords returns at most 1 MB (by the records' SizeBytes)
SELECT ddb.call('CreateTable', '{"TableName": "st_big", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST",
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}}') IS NOT NULL AS created;
SELECT ddb.pull_stream_records() >= 0 AS pulled;
SELECT ddb.call('PutItem', jsonb_build_object('TableName', 'st_big', 'Item', jsonb_build_object(
           'pk', jsonb_build_object('S', 'k' || i), 'blob', jsonb_build_object('S', repeat('x', 300000)))))
  FROM generate_series(1, 5) i;
SELECT ddb.pull_stream_records() >= 0 AS pulled;
WITH first AS (SELECT ddb.call('GetRecords', jsonb_build_object('ShardIterator',
                 iterator(stream_arn('st_big'), 'TRIM_HORIZON'))) AS r),
     second AS (SELECT ddb.call('GetRecords', jsonb_build_object('ShardIterator', r ->> 'NextShardIterator')) AS r
                  FROM first)
SELECT jsonb_array_length(f.r -> 'Records') AS first_page,
       (SELECT sum((e #>> '{dynamodb,SizeBytes}')::int) FROM jsonb_array_elements(f.r -> 'Records') e) AS first_bytes,
       jsonb_array_length(s.r -> 'Records') AS second_page
  FROM first f, second s;

-- The operations' own functions
SELECT smask(ddb.list_streams('{"TableName": "st_big"}'));
SELECT smask(ddb.describe_stream(jsonb_build_object('StreamArn', stream_arn('st_big')))) #> '{StreamDescription,StreamStatus}';
SELECT ddb.get_shard_iterator(jsonb_build_object('StreamArn', stream_arn('st_big'),
    'ShardId', shard_of(stream_arn('st_big')), 'ShardIteratorType', 'LATEST')) ? 'ShardIterator' AS has_iterator;
SELECT smask(ddb.get_records(jsonb_build_object('ShardIterator', iterator(stream_arn('st_big'), 'LATEST'))));

-- no live stream left here: the slot goes
SELECT ddb.call('UpdateTable', '{"TableName": "st_orders", "StreamSpecification": {"StreamEnabled": false}}') IS NOT NULL;
SELECT ddb.call('DeleteTable', '{"TableName": "st_big"}') IS NOT NULL;
SELECT ddb.pull_stream_records() >= 0 AS pulled;
SELECT ddb.pull_stream_records() >= 0 AS pulled;
SELECT count(*) AS live_streams FROM ddb.streams WHERE status <> 'DISABLED';
SELECT count(*) AS slots FROM pg_replication_slots WHERE slot_name = 'ddb_streams_' || (SELECT oid FROM pg_database WHERE datname = current_database());
REVOKE SELECT ON ddb_data.st_orders FROM st_reader;
DROP ROLE st_reader;
