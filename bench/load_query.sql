-- bench/load_query.sql: creates the Query benchmark tables (run by run.sh
-- when a Query pair is selected):
--
--   qbench_1m   1,000,000 items: 10,000 partitions p1..p10000 of 100 items
--   qbench_10k     10,000 items:    100 partitions p1..p100   of 100 items
--
-- with partition key pk (S) and sort key sk (N, 1..100). Items are about
-- 200 bytes: a name, a total, a status and a short list. They are inserted
-- with plain SQL in ddb's stored form (the key columns derive from the
-- item, as for any row written with SQL), which is much faster than a
-- million PutItem calls, and interleaved (sort key major), so that a
-- partition's items are spread over the table as if written over time.
\set ON_ERROR_STOP on
SELECT ddb.create_table('qbench_1m', partition_key => 'pk', sort_key => 'sk', sort_key_type => 'N') IS NOT NULL AS created;
SELECT ddb.create_table('qbench_10k', partition_key => 'pk', sort_key => 'sk', sort_key_type => 'N') IS NOT NULL AS created;

CREATE FUNCTION pg_temp.bench_item(p int, s int) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object(
        'pk', jsonb_build_object('S', 'p' || p),
        'sk', jsonb_build_object('N', s::text),
        'name', jsonb_build_object('S', 'Order ' || s || ' of customer ' || p),
        'total', jsonb_build_object('N', ((p * 7919 + s * 31) % 100000)::text),
        'status', jsonb_build_object('S', (ARRAY['new', 'paid', 'shipped', 'delivered'])[1 + (p + s) % 4]),
        'lines', jsonb_build_object('L', jsonb_build_array(
            jsonb_build_object('S', 'book'), jsonb_build_object('N', (s % 9 + 1)::text))))
$$;

INSERT INTO ddb_data.qbench_1m (pk, sk, item)
SELECT 'p' || p, s, pg_temp.bench_item(p, s) FROM generate_series(1, 100) AS s, generate_series(1, 10000) AS p;
INSERT INTO ddb_data.qbench_10k (pk, sk, item)
SELECT 'p' || p, s, pg_temp.bench_item(p, s) FROM generate_series(1, 100) AS s, generate_series(1, 100) AS p;

VACUUM ANALYZE ddb_data.qbench_1m;
VACUUM ANALYZE ddb_data.qbench_10k;
