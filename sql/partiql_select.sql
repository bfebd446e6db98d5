-- partiql_select: ExecuteStatement SELECT, the PartiQL dialect (literals,
-- parameters, identifiers, paths, conditions, functions), Query/Scan
-- plans, ORDER BY, paging, indexes, ddb.partiql, and every error
\set VERBOSITY terse

SELECT ddb.create_table('pq_orders', partition_key => 'customer_id', sort_key => 'order_date') IS NOT NULL AS created;
SELECT ddb.create_table('pq_nums', partition_key => 'n', partition_key_type => 'N') IS NOT NULL AS created;
SELECT ddb.create_table('{"TableName": "pq_music",
    "KeySchema": [{"AttributeName": "Artist", "KeyType": "HASH"}, {"AttributeName": "SongTitle", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "Artist", "AttributeType": "S"},
                             {"AttributeName": "SongTitle", "AttributeType": "S"},
                             {"AttributeName": "Genre", "AttributeType": "S"}],
    "GlobalSecondaryIndexes": [{"IndexName": "byGenre",
        "KeySchema": [{"AttributeName": "Genre", "KeyType": "HASH"}, {"AttributeName": "SongTitle", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"}}],
    "BillingMode": "PAY_PER_REQUEST"}'::jsonb) IS NOT NULL AS created;

-- ExecuteStatement with a statement and optional parameters
CREATE FUNCTION pq(statement text, parameters jsonb DEFAULT NULL, extra jsonb DEFAULT '{}')
RETURNS jsonb LANGUAGE sql AS $$
    SELECT ddb.execute_statement(jsonb_strip_nulls(jsonb_build_object(
        'Statement', statement, 'Parameters', parameters)) || extra)
$$;

SELECT ddb.put('pq_orders', '{"customer_id": "c1", "order_date": "2024-01-15", "total": 99.9, "status": "shipped",
                              "items": ["book", "pen"], "tags": ["x"], "address": {"city": "Paris", "zip": "75001"}}');
SELECT ddb.put('pq_orders', '{"customer_id": "c1", "order_date": "2024-02-01", "total": 10, "status": "open", "note": null}');
SELECT ddb.put('pq_orders', '{"customer_id": "c1", "order_date": "2024-03-09", "total": 250, "status": "open"}');
SELECT ddb.put('pq_orders', '{"customer_id": "c2", "order_date": "2024-01-20", "total": 5, "status": "open"}');
SELECT ddb.put('pq_orders', '{"customer_id": "c3", "order_date": "2023-12-31", "total": 1e2, "status": "it''s done"}');
SELECT ddb.put_item('{"TableName": "pq_orders", "Item": {"customer_id": {"S": "c4"}, "order_date": {"S": "2024-05-05"},
                     "sizes": {"NS": ["1", "2.5"]}, "colors": {"SS": ["red", "blue"]}, "blob": {"B": "AAE="}}}');
SELECT ddb.put('pq_nums', jsonb_build_object('n', i, 'sq', i * i)) FROM generate_series(1, 5) i;
SELECT ddb.put('pq_music', '{"Artist": "Acme Band", "SongTitle": "PartiQL Rocks", "Genre": "rock", "Year": 2020, "Awards": {"Grammys": [2020, 2018]}}');
SELECT ddb.put('pq_music', '{"Artist": "Acme Band", "SongTitle": "Happy Day", "Genre": "pop", "Year": 2019}');
SELECT ddb.put('pq_music', '{"Artist": "No One You Know", "SongTitle": "Call Me Today", "Genre": "rock", "Year": 2021}');

-- SELECT *: a Query of one partition, in sort key order
SELECT pq('SELECT * FROM "pq_orders" WHERE "customer_id" = ''c2''');
-- bare identifiers, keywords in any case
select pq('select order_date from pq_orders where customer_id = ''c1''');
-- a list of paths: nested map members and list elements, named by their last step
SELECT pq('SELECT total, address.city, items[1], "address"."zip" FROM pq_orders WHERE customer_id = ''c1'' AND order_date = ''2024-01-15''');
-- paths that exist nowhere give an empty item
SELECT pq('SELECT nothing FROM pq_orders WHERE customer_id = ''c2''');
-- a map member by string subscript
SELECT pq('SELECT address[''city''] FROM pq_orders WHERE customer_id = ''c1'' AND order_date = ''2024-01-15''');

-- sort key conditions: =, <, <=, >, >=, BETWEEN, begins_with
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND order_date < ''2024-02-01''');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND order_date <= ''2024-02-01''');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND order_date > ''2024-02-01''');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND ''2024-02-01'' <= order_date');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND order_date BETWEEN ''2024-01-16'' AND ''2024-03-01''');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND begins_with(order_date, ''2024-0'')');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND order_date BETWEEN ''2024-03-01'' AND ''2024-01-01''');

-- non-key conditions: comparisons, <>, !=, NOT, OR, parentheses
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND total >= 100');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND status <> ''open''');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND status != ''open''');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND NOT (status = ''open'' OR total < 50)');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND total NOT BETWEEN 20 AND 200');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND total IN [10, 250]');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND total NOT IN (10, 250)');
-- IS [NOT] MISSING, IS [NOT] NULL (NULL or missing)
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND note IS MISSING');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND note IS NOT MISSING');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND note IS NULL');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND items IS NOT NULL');
-- functions: contains (string, list, set), attribute_type, size
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND contains(status, ''pen'')');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND contains(items, ''pen'')');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c4'' AND contains(colors, ''red'')');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND attribute_type(total, ''N'') AND attribute_type(note, ''NULL'')');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND size(items) = 2');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND size(address) > 1 AND BEGINS_WITH(address.city, ''Pa'')');

-- literals of every type
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c3'' AND status = ''it''''s done''');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c3'' AND total = 1E2 AND total = 100.000 AND total = 0.1e3 AND total > -5');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND items = [''book'', ''pen''] AND tags <> [] AND address = {''zip'': ''75001'', ''city'': ''Paris''}');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND note = NULL');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c4'' AND sizes = <<2.5, 1>> AND colors = <<''blue'', ''red''>>');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c4'' AND sizes <> <<1>> AND TRUE = TRUE AND FALSE <> TRUE');
-- numbers keep 38 digits
SELECT ddb.put('pq_nums', '{"n": 12345678901234567890123456789012345678}');
SELECT pq('SELECT n FROM pq_nums WHERE n = 12345678901234567890123456789012345678');
SELECT pq('SELECT n FROM pq_nums WHERE n = 12345678901234567890123456789012345679');
SELECT pq('DELETE FROM pq_nums WHERE n = 1.2345678901234567890123456789012345678e37');

-- parameters: ?, binary only as a parameter, inside literals
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ? AND total > ?', '[{"S": "c1"}, {"N": "50"}]');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ? AND blob = ?', '[{"S": "c4"}, {"B": "AAE="}]');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND items = [?, ''pen'']', '[{"S": "book"}]');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c4'' AND colors = <<?, ?>>', '[{"S": "red"}, {"S": "blue"}]');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND address = {''city'': ?, ''zip'': ''75001''}', '[{"S": "Paris"}]');

-- IN on the partition key (and an OR of equalities): one Query per value, in order, each once
SELECT pq('SELECT customer_id, order_date FROM pq_orders WHERE customer_id IN [''c2'', ''c3'', ''c2'', ''zz'']');
SELECT pq('SELECT customer_id, order_date FROM pq_orders WHERE customer_id = ''c3'' OR customer_id = ''c2''');
-- a value of another type than the key's matches nothing
SELECT pq('SELECT * FROM pq_orders WHERE customer_id = 1');
SELECT pq('SELECT * FROM pq_nums WHERE n = ''1''');
-- anything else is a Scan: no WHERE, a range on the partition key, an OR with a non-key condition
SELECT pq('SELECT n, sq FROM pq_nums WHERE n > 3');
SELECT jsonb_array_length(pq('SELECT * FROM pq_orders') -> 'Items') AS scanned;
SELECT pq('SELECT customer_id FROM pq_orders WHERE customer_id = ''c2'' OR status = ''it''''s done''');

-- ORDER BY the sort key, ascending or descending, or the partition key
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' ORDER BY order_date DESC');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' ORDER BY order_date ASC');
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' ORDER BY customer_id, order_date DESC');

-- paging: Limit counts the items read (before the filter); NextToken resumes
SELECT pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1''', NULL, '{"Limit": 2}') - 'NextToken' AS first_page,
       pq('SELECT order_date FROM pq_orders WHERE customer_id = ''c1''', NULL, '{"Limit": 2}') ? 'NextToken' AS has_token;
DO $$
DECLARE
    request jsonb := '{"Statement": "SELECT customer_id, order_date FROM pq_orders WHERE customer_id IN [''c1'', ''c2'', ''c3''] AND total > 8", "Limit": 1}';
    page jsonb;
    pages int := 0;
BEGIN
    LOOP
        page := ddb.execute_statement(request);
        pages := pages + 1;
        RAISE NOTICE 'page %: %', pages, page -> 'Items';
        EXIT WHEN page -> 'NextToken' IS NULL;
        request := request || jsonb_build_object('NextToken', page -> 'NextToken');
    END LOOP;
END
$$;
DO $$
DECLARE
    request jsonb := '{"Statement": "SELECT n FROM pq_nums", "Limit": 2}';
    page jsonb;
    total int := 0;
BEGIN
    LOOP
        page := ddb.execute_statement(request);
        total := total + jsonb_array_length(page -> 'Items');
        EXIT WHEN page -> 'NextToken' IS NULL;
        request := request || jsonb_build_object('NextToken', page -> 'NextToken');
    END LOOP;
    RAISE NOTICE 'scanned % items in pages of 2', total;
END
$$;

-- ConsistentRead and ReturnConsumedCapacity: a Query, a Scan (4 partitions)
SELECT pq('SELECT * FROM pq_orders WHERE customer_id = ''c2''', NULL, '{"ConsistentRead": true, "ReturnConsumedCapacity": "TOTAL"}') -> 'ConsumedCapacity';
SELECT pq('SELECT * FROM pq_orders WHERE customer_id = ''c2''', NULL, '{"ReturnConsumedCapacity": "INDEXES"}') -> 'ConsumedCapacity';
SELECT pq('SELECT * FROM pq_nums', NULL, '{"ConsistentRead": false, "ReturnConsumedCapacity": "TOTAL"}') -> 'ConsumedCapacity';
SELECT pq('SELECT * FROM pq_orders WHERE customer_id = ''c2''', NULL, '{"ReturnConsumedCapacity": "NONE"}');

-- an index: FROM "table"."index", a Query of the index's partition, or a Scan of it
SELECT pq('SELECT Artist, SongTitle FROM "pq_music"."byGenre" WHERE Genre = ''rock''');
SELECT pq('SELECT SongTitle FROM "pq_music"."byGenre" WHERE Genre = ''rock'' AND SongTitle > ''D'' ORDER BY SongTitle DESC');
SELECT pq('SELECT SongTitle FROM "pq_music"."byGenre" WHERE "Year" >= 2020');
-- the tutorials' examples
SELECT pq('SELECT * FROM "pq_music" WHERE Artist=''Acme Band'' AND SongTitle=''PartiQL Rocks''');
SELECT pq('SELECT Awards.Grammys[0], "Year" FROM "pq_music" WHERE Artist=? AND SongTitle=?',
          '[{"S": "Acme Band"}, {"S": "PartiQL Rocks"}]');

-- from psql: plain JSON in and out, every page, composing with SQL
SELECT * FROM ddb.partiql($$SELECT * FROM "pq_orders" WHERE customer_id = 'c1'$$);
SELECT * FROM ddb.partiql('SELECT order_date, total FROM pq_orders WHERE customer_id = ? AND total > ?', '["c1", 50]');
SELECT * FROM ddb.partiql('SELECT order_date FROM pq_orders WHERE customer_id = ''c1'' AND address = ?', '[{"city": "Paris", "zip": "75001"}]');
SELECT count(*), sum((o ->> 'total')::numeric) FROM ddb.partiql('SELECT total FROM pq_orders') AS o;
SELECT o ->> 'customer_id' AS customer, m ->> 'SongTitle' AS song
  FROM ddb.partiql('SELECT customer_id FROM pq_orders WHERE customer_id = ''c2''') AS o,
       ddb.partiql('SELECT SongTitle FROM "pq_music"."byGenre" WHERE Genre = ''pop''') AS m;
SELECT ddb.execute_statement('{"Statement": "SELECT n FROM pq_nums WHERE n = 2"}');
SELECT ddb.call('ExecuteStatement', '{"Statement": "SELECT n FROM pq_nums WHERE n = 3"}');
-- parsed statements are cached: the same text again, with other parameters
SELECT pq('SELECT sq FROM pq_nums WHERE n = ?', '[{"N": "4"}]'), pq('SELECT sq FROM pq_nums WHERE n = ?', '[{"N": "5"}]');

-- Invalid input: syntax errors
SELECT pq('SELEC * FROM pq_orders');
SELECT pq('   ');
SELECT pq('SELECT * FROM pq_orders WHERE');
SELECT pq('SELECT * FROM pq_orders WHERE customer_id = ''c1'' AND');
SELECT pq('SELECT FROM pq_orders');
SELECT pq('SELECT * pq_orders');
SELECT pq('SELECT * FROM pq_orders WHERE customer_id = ''c1');
SELECT pq('SELECT * FROM "pq_orders WHERE customer_id = 1');
SELECT pq('SELECT * FROM pq_orders WHERE customer_id = ''c1'' extra');
SELECT pq('SELECT * FROM pq_orders WHERE customer_id # 1');
SELECT pq('SELECT * FROM pq_orders WHERE customer_id = 1e');
SELECT pq('SELECT * FROM pq_orders WHERE customer_id = 12abc');
SELECT pq('SELECT * FROM pq_orders WHERE customer_id == 1');
SELECT pq('SELECT * FROM pq_orders WHERE select = 1');
SELECT pq('SELECT * FROM pq_orders WHERE upper(customer_id) = ''C1''');
SELECT pq('SELECT * FROM pq_orders WHERE customer_id = ''c1'' AND a[x] = 1');
SELECT pq('SELECT * FROM pq_orders WHERE a IS 5');
SELECT pq('SELECT * FROM pq_orders WHERE 1 IS MISSING');
SELECT pq('SELECT * FROM pq_orders WHERE customer_id IN []');
SELECT pq('SELECT * FROM pq_orders WHERE a = {''k'': 1, ''k'': 2}');
SELECT pq('SELECT * FROM pq_orders WHERE ' || repeat('(', 120) || 'a = 1' || repeat(')', 120));
SELECT pq('SELECT * FROM pq_orders WHERE a = (1)');
SELECT pq('SELECT * FROM pq_orders WHERE ' || repeat('NOT ', 120) || 'a = 1');
SELECT pq('SELECT * FROM pq_orders WHERE a = ' || repeat('[', 40) || '1' || repeat(']', 40));
SELECT pq('SELECT * FROM pq_orders /* unterminated');
-- Invalid input: literals
SELECT pq('SELECT * FROM pq_nums WHERE n = 123456789012345678901234567890123456789');
SELECT pq('SELECT * FROM pq_nums WHERE n = 1e126');
SELECT pq('SELECT * FROM pq_orders WHERE a = <<>>');
SELECT pq('SELECT * FROM pq_orders WHERE a = <<1, ''x''>>');
SELECT pq('SELECT * FROM pq_orders WHERE a = <<''x'', ''x''>>');
SELECT pq('SELECT * FROM pq_orders WHERE a = <<[1]>>');
-- Invalid input: parameters
SELECT pq('SELECT * FROM pq_orders WHERE customer_id = ?');
SELECT pq('SELECT * FROM pq_orders WHERE customer_id = ''c1''', '[{"S": "c1"}]');
SELECT pq('SELECT * FROM pq_orders WHERE customer_id = ?', '[{"S": "c1"}, {"S": "c2"}]');
SELECT pq('SELECT * FROM pq_orders WHERE customer_id = ?', '[]');
SELECT pq('SELECT * FROM pq_orders WHERE customer_id = ?', '[{"X": "c1"}]');
SELECT pq('SELECT * FROM pq_orders WHERE customer_id = ?', '[{"N": "abc"}]');
SELECT pq('SELECT * FROM pq_orders WHERE customer_id = ?', '{"S": "c1"}');
SELECT pq('SELECT * FROM pq_orders WHERE a = <<?, ?>>', '[{"S": "x"}, {"N": "1"}]');
-- Invalid input: tables, indexes, limits
SELECT pq('SELECT * FROM pq_nope');
SELECT pq('SELECT * FROM "pq_music"."nope"');
SELECT pq('SELECT * FROM "pq_music"."byGenre" WHERE Genre = ''rock''', NULL, '{"ConsistentRead": true}');
SELECT pq('SELECT * FROM pq_orders WHERE customer_id = ''' || repeat('x', 8180) || '''');
SELECT pq('');
SELECT ddb.execute_statement('{}');
SELECT pq('SELECT * FROM pq_orders', NULL, '{"Limit": 0}');
SELECT pq('SELECT * FROM pq_orders', NULL, '{"Limit": "1"}');
SELECT pq('SELECT * FROM pq_orders', NULL, '{"ReturnConsumedCapacity": "ALL"}');
SELECT pq('SELECT * FROM pq_orders', NULL, '{"ReturnValuesOnConditionCheckFailure": "ALL_NEW"}');
SELECT pq('SELECT * FROM pq_orders', NULL, '{"TableName": "pq_orders"}');
SELECT pq('SELECT * FROM pq_orders', NULL, '{"NextToken": "not a token"}');
SELECT pq('SELECT * FROM pq_orders', NULL, '{"NextToken": ""}');
SELECT pq('SELECT * FROM pq_nums', NULL, jsonb_build_object('NextToken',
          pq('SELECT * FROM pq_orders', NULL, '{"Limit": 1}') -> 'NextToken'));
SELECT pq('SELECT * FROM pq_orders WHERE customer_id IN [' ||
          (SELECT string_agg(format('''c%s''', i), ', ') FROM generate_series(1, 51) i) || ']');
SELECT pq('SELECT * FROM pq_orders WHERE total IN [' ||
          (SELECT string_agg(i::text, ', ') FROM generate_series(1, 101) i) || ']');
-- Invalid input: ORDER BY
SELECT pq('SELECT * FROM pq_orders ORDER BY order_date');
SELECT pq('SELECT * FROM pq_orders WHERE total > 1 ORDER BY order_date');
SELECT pq('SELECT * FROM pq_orders WHERE customer_id = ''c1'' ORDER BY total');
-- Invalid input: EXISTS is for ExecuteTransaction
SELECT pq('EXISTS(SELECT * FROM pq_orders WHERE customer_id = ''c1'' AND order_date = ''x'')');
-- Invalid input: malformed JSON through the text variant
SELECT ddb.execute_statement('{"Statement": ');
SELECT * FROM ddb.partiql('SELECT * FROM pq_orders', '{"a": 1}');

SELECT ddb.delete_table('{"TableName": "pq_orders"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "pq_nums"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "pq_music"}') IS NOT NULL AS deleted;
DROP FUNCTION pq(text, jsonb, jsonb);
