-- bench/load.sql: creates table `bench` and loads :nkeys items through
-- ddb.put_item (run by run.sh with psql -v nkeys=N). The items have the shape
-- the put_item_*.pgbench scripts write: pk, a name, a number, an e-mail, a
-- nested map and a list (about 200 bytes of attribute names and values).
\set ON_ERROR_STOP on
SELECT ddb.create_table('bench', partition_key => 'pk');

SELECT count(ddb.put_item(('{"TableName":"bench","Item":{"pk":{"S":"k' || k || '"},"name":{"S":"Customer ' || k || '"},"n":{"N":"' || v || '"},"email":{"S":"customer' || k || '@example.com"},"address":{"M":{"street":{"S":"' || k || ' Main Street"},"city":{"S":"Springfield"},"zip":{"N":"' || v || '"}}},"tags":{"L":[{"S":"bench"},{"S":"customer"},{"N":"' || v || '"}]},"active":{"BOOL": true}}}')::jsonb)) AS loaded
  FROM (SELECT k, (k * 7919) % 1000000 + 1 AS v FROM generate_series(1, :nkeys) AS k) AS s;

VACUUM ANALYZE ddb_data.bench;
