-- bench/load_stream.sql: two copies of table `bench` for the stream pairs:
-- `snone` without a stream and `sstream` with a NEW_AND_OLD_IMAGES stream
-- (run by run.sh after load.sql). The stream captures once the database's
-- replication slot exists: ddb.pull_stream_records() creates it.
\set ON_ERROR_STOP on
SELECT ddb.create_table('snone', partition_key => 'pk') IS NOT NULL AS created;
SELECT ddb.call('CreateTable', '{"TableName": "sstream", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST",
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}}') IS NOT NULL AS created;
INSERT INTO ddb_data.snone (pk, item) SELECT pk, item FROM ddb_data.bench;
INSERT INTO ddb_data.sstream (pk, item) SELECT pk, item FROM ddb_data.bench;
SELECT ddb.pull_stream_records() >= 0 AS pulled;
VACUUM ANALYZE ddb_data.snone, ddb_data.sstream;
-- the stream's ARN, shard and number, for the GetRecords scripts
CREATE TABLE sstream_shard AS
SELECT ddb.call('DescribeTable', '{"TableName": "sstream"}') #>> '{Table,LatestStreamArn}' AS arn, shard_id,
       stream_id
  FROM ddb.streams WHERE table_name = 'sstream' AND status = 'ENABLED';

-- Commit-to-GetRecords latency: for the given number of seconds (run.sh
-- keeps the PutItem load going all that time), again and again put an item
-- (its own transaction) and poll GetRecords, from the LATEST iterator taken
-- before the put, until its record comes back; the elapsed times go to
-- stream_latency.
CREATE TABLE stream_latency (ms double precision);
CREATE PROCEDURE measure_stream_latency(seconds double precision) LANGUAGE plpgsql AS $$
DECLARE
    deadline timestamptz := clock_timestamp() + make_interval(secs => seconds);
    i int := 0;
    arn text := (SELECT arn FROM sstream_shard);
    shard text := (SELECT shard_id FROM sstream_shard);
    it text;
    page jsonb;
    key text;
    t0 timestamptz;
    found boolean;
BEGIN
    WHILE clock_timestamp() < deadline LOOP
        i := i + 1;
        key := 'latency-' || i;
        it := ddb.call('GetShardIterator', jsonb_build_object('StreamArn', arn, 'ShardId', shard,
                  'ShardIteratorType', 'LATEST')) ->> 'ShardIterator';
        COMMIT;
        t0 := clock_timestamp();
        PERFORM ddb.put_item(jsonb_build_object('TableName', 'sstream',
            'Item', jsonb_build_object('pk', jsonb_build_object('S', key))));
        COMMIT;
        found := false;
        WHILE NOT found AND clock_timestamp() - t0 < interval '30 seconds' LOOP
            page := ddb.call('GetRecords', jsonb_build_object('ShardIterator', it));
            found := EXISTS (SELECT 1 FROM jsonb_array_elements(page -> 'Records') e
                              WHERE e #>> '{dynamodb,Keys,pk,S}' = key);
            it := page ->> 'NextShardIterator';
            COMMIT;
            IF NOT found THEN
                PERFORM pg_sleep(0.005);
            END IF;
        END LOOP;
        INSERT INTO stream_latency VALUES (extract(epoch FROM clock_timestamp() - t0) * 1000);
        COMMIT;
        PERFORM pg_sleep(0.05);
    END LOOP;
END
$$;
