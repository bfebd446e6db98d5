-- indexes_definition: the secondary index definitions of CreateTable
-- (GlobalSecondaryIndexes, LocalSecondaryIndexes): DynamoDB's constraint
-- and semantic validation errors, AttributeDefinitions covering exactly the
-- key attributes of the table and of its indexes, and no table left behind
-- by a refused CreateTable
\set VERBOSITY terse

-- the names of this file's tables that exist
CREATE FUNCTION idef_tables() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(t, ', ' ORDER BY t), '')
      FROM jsonb_array_elements_text(ddb.list_tables('{}') -> 'TableNames') AS t
     WHERE t LIKE 'idef\_%'
$$;

-- CreateTable of table idef_t (pk HASH, sk RANGE, on demand) with the
-- members of extra added or replaced
CREATE FUNCTION idef_create(extra jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT ddb.create_table(jsonb_build_object(
        'TableName', 'idef_t', 'BillingMode', 'PAY_PER_REQUEST',
        'KeySchema', '[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]'::jsonb,
        'AttributeDefinitions', '[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
                                  {"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "N"}]'::jsonb)
        || extra)
$$;

-- a GSI named name keyed on hash_keys (HASH) and range_keys (RANGE), all projected
CREATE FUNCTION idef_gsi(name text, hash_keys text[], range_keys text[] DEFAULT '{}') RETURNS jsonb
LANGUAGE sql AS $$
    SELECT jsonb_build_object('IndexName', name,
        'KeySchema', (SELECT coalesce(jsonb_agg(jsonb_build_object('AttributeName', k, 'KeyType', t) ORDER BY o), '[]')
                        FROM (SELECT k, 'HASH' AS t, o FROM unnest(hash_keys) WITH ORDINALITY AS h(k, o)
                              UNION ALL
                              SELECT k, 'RANGE', 100 + o FROM unnest(range_keys) WITH ORDINALITY AS r(k, o)) keys),
        'Projection', '{"ProjectionType": "ALL"}'::jsonb)
$$;

-- a GSI on "a" (and "b") with the given projection
CREATE FUNCTION idef_projected(name text, projection jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT idef_gsi(name, '{a}', '{b}') || jsonb_build_object('Projection', projection)
$$;

------------------------------------------------------------------------
-- Parameter constraints, reported together with the request's others
------------------------------------------------------------------------

-- Invalid input: an index without IndexName, KeySchema and Projection
SELECT idef_create('{"GlobalSecondaryIndexes": [{}]}');
SELECT idef_create('{"LocalSecondaryIndexes": [{}]}');
-- Invalid input: index names: pattern, at least 3 and at most 255 characters
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(
    idef_gsi('h;', '{a}'), idef_gsi('ab', '{a}'), idef_gsi(repeat('x', 256), '{a}'))));
-- an index name of 255 characters, and the characters [a-zA-Z0-9_.-], are fine
-- (this request fails later, on an undefined attribute)
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(
    idef_gsi(repeat('x', 255), '{a}'), idef_gsi('Az09_.-', '{zz}'))));
-- Invalid input: an empty KeySchema, elements without members, an unknown KeyType
SELECT idef_create('{"GlobalSecondaryIndexes": [{"IndexName": "gsi1", "KeySchema": [], "Projection": {"ProjectionType": "ALL"}},
    {"IndexName": "gsi2", "KeySchema": [{}, {"AttributeName": "a", "KeyType": "SORT"}], "Projection": {"ProjectionType": "ALL"}}]}');
-- Invalid input: key attribute names of 0 and 256 characters
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(
    idef_gsi('gsi1', '{""}'), idef_gsi('gsi2', ARRAY[repeat('k', 256)]))));
-- Invalid input: an LSI KeySchema of three elements
SELECT idef_create('{"LocalSecondaryIndexes": [{"IndexName": "lsi1", "Projection": {"ProjectionType": "ALL"},
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "a", "KeyType": "RANGE"},
                  {"AttributeName": "b", "KeyType": "RANGE"}]}]}');
-- Invalid input: an unknown ProjectionType, empty NonKeyAttributes
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(
    idef_projected('gsi1', '{"ProjectionType": "all"}'),
    idef_projected('gsi2', '{"ProjectionType": "INCLUDE", "NonKeyAttributes": []}'))));
-- Invalid input: 21 NonKeyAttributes, and an empty one
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(
    idef_projected('gsi1', jsonb_build_object('ProjectionType', 'INCLUDE',
        'NonKeyAttributes', (SELECT jsonb_agg('n' || i) FROM generate_series(1, 21) i))),
    idef_projected('gsi2', '{"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x", ""]}'))));
-- Invalid input: a GSI's ProvisionedThroughput without units, and with 0
SELECT idef_create(jsonb_build_object('BillingMode', 'PROVISIONED',
    'ProvisionedThroughput', '{"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}'::jsonb,
    'GlobalSecondaryIndexes', jsonb_build_array(
        idef_gsi('gsi1', '{a}') || '{"ProvisionedThroughput": {}}',
        idef_gsi('gsi2', '{b}') || '{"ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 1}}')));
-- Invalid input: the constraints of indexes are reported with the others of the request
SELECT idef_create(jsonb_build_object('TableName', 'x;', 'BillingMode', 'FREE',
    'GlobalSecondaryIndexes', jsonb_build_array(idef_gsi('g', '{a}'))));
-- Invalid input: members an index does not define
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(
    idef_gsi('gsi1', '{a}') || '{"Colour": "red"}')));
SELECT idef_create('{"LocalSecondaryIndexes": [{"IndexName": "lsi1", "Projection": {"ProjectionType": "ALL"},
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "a", "KeyType": "RANGE"}],
    "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}]}');
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(
    idef_projected('gsi1', '{"ProjectionType": "ALL", "Other": 1}'))));
-- Invalid input: members of the wrong JSON type are a SerializationException
SELECT idef_create('{"GlobalSecondaryIndexes": {"IndexName": "gsi1"}}');
SELECT idef_create('{"GlobalSecondaryIndexes": ["gsi1"]}');
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(
    idef_gsi('gsi1', '{a}') || '{"IndexName": 7}')));
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(
    idef_projected('gsi1', '{"ProjectionType": "INCLUDE", "NonKeyAttributes": "x"}'))));

------------------------------------------------------------------------
-- Semantic errors, the first one raised
------------------------------------------------------------------------

-- Invalid input: empty lists of indexes
SELECT idef_create('{"GlobalSecondaryIndexes": []}');
SELECT idef_create('{"LocalSecondaryIndexes": []}');
-- null is absent
SELECT idef_create('{"GlobalSecondaryIndexes": null, "LocalSecondaryIndexes": null,
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}]}')
    -> 'TableDescription' ->> 'TableStatus' AS status;
SELECT ddb.delete_table('{"TableName": "idef_t"}') -> 'TableDescription' ->> 'TableStatus' AS status;

-- AttributeDefinitions must define exactly the key attributes of the table and the indexes
-- Invalid input: an index key attribute without a definition (the index's keys are listed)
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(idef_gsi('gsi1', '{a}', '{c}')),
    'AttributeDefinitions', '[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
                              {"AttributeName": "a", "AttributeType": "S"}]'::jsonb));
-- Invalid input: a definition no key uses, with indexes
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(idef_gsi('gsi1', '{a}'))));
-- Invalid input: the same without indexes keeps DynamoDB's other message
SELECT idef_create('{}');
-- Invalid input: a table key attribute without a definition is reported first
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(idef_gsi('gsi1', '{a}', '{b}')),
    'AttributeDefinitions', '[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "N"}]'::jsonb));
-- Invalid input: an unused definition hides the later errors (here an unknown ProjectionType)
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(idef_projected('gsi1', '{}')),
    'AttributeDefinitions', '[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
                              {"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "N"},
                              {"AttributeName": "c", "AttributeType": "S"}]'::jsonb));
-- Invalid input: the table's key schema is checked before the indexes
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(idef_projected('gsi1', '{}')),
    'KeySchema', '[{"AttributeName": "pk", "KeyType": "RANGE"}, {"AttributeName": "sk", "KeyType": "HASH"}]'::jsonb));

-- Local secondary indexes
-- Invalid input: a table without a sort key
SELECT idef_create('{"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "a", "AttributeType": "S"}],
    "LocalSecondaryIndexes": [{"IndexName": "lsi1", "Projection": {"ProjectionType": "ALL"},
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "a", "KeyType": "RANGE"}]}]}');
-- Invalid input: no RANGE attribute
SELECT idef_create('{"AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
    "LocalSecondaryIndexes": [{"IndexName": "lsi1", "Projection": {"ProjectionType": "ALL"},
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}]}');
-- Invalid input: a partition key other than the table's
SELECT idef_create('{"LocalSecondaryIndexes": [{"IndexName": "lsi1", "Projection": {"ProjectionType": "ALL"},
    "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "pk", "KeyType": "RANGE"}]}],
    "GlobalSecondaryIndexes": [{"IndexName": "gsi1", "Projection": {"ProjectionType": "ALL"},
    "KeySchema": [{"AttributeName": "b", "KeyType": "HASH"}]}]}');
-- Invalid input: twice the same attribute, RANGE first, two HASH
SELECT idef_create('{"LocalSecondaryIndexes": [{"IndexName": "lsi1", "Projection": {"ProjectionType": "ALL"},
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "pk", "KeyType": "RANGE"}]}],
    "GlobalSecondaryIndexes": [{"IndexName": "gsi1", "Projection": {"ProjectionType": "ALL"},
    "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "RANGE"}]}]}');
SELECT idef_create('{"LocalSecondaryIndexes": [{"IndexName": "lsi1", "Projection": {"ProjectionType": "ALL"},
    "KeySchema": [{"AttributeName": "a", "KeyType": "RANGE"}, {"AttributeName": "pk", "KeyType": "HASH"}]}],
    "GlobalSecondaryIndexes": [{"IndexName": "gsi1", "Projection": {"ProjectionType": "ALL"},
    "KeySchema": [{"AttributeName": "b", "KeyType": "HASH"}]}]}');
SELECT idef_create('{"LocalSecondaryIndexes": [{"IndexName": "lsi1", "Projection": {"ProjectionType": "ALL"},
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "a", "KeyType": "HASH"}]}],
    "GlobalSecondaryIndexes": [{"IndexName": "gsi1", "Projection": {"ProjectionType": "ALL"},
    "KeySchema": [{"AttributeName": "b", "KeyType": "HASH"}]}]}');
-- Invalid input: six LSIs
SELECT idef_create(jsonb_build_object('AttributeDefinitions',
    '[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
      {"AttributeName": "a", "AttributeType": "S"}]'::jsonb,
    'LocalSecondaryIndexes', (SELECT jsonb_agg(jsonb_build_object('IndexName', 'lsi' || i,
        'KeySchema', '[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "a", "KeyType": "RANGE"}]'::jsonb,
        'Projection', '{"ProjectionType": "KEYS_ONLY"}'::jsonb)) FROM generate_series(1, 6) i)));

-- Global secondary indexes: 1 to 4 HASH attributes, then 0 to 4 RANGE attributes
-- Invalid input: RANGE first
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(idef_gsi('gsi1', '{}', '{a,b}'))));
-- Invalid input: HASH after RANGE
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(
    idef_gsi('gsi1', '{a}', '{b}') || '{"KeySchema": [{"AttributeName": "a", "KeyType": "HASH"},
        {"AttributeName": "b", "KeyType": "RANGE"}, {"AttributeName": "pk", "KeyType": "HASH"}]}')));
-- Invalid input: five HASH attributes, five RANGE attributes
SELECT idef_create(jsonb_build_object('AttributeDefinitions',
    (SELECT jsonb_agg(jsonb_build_object('AttributeName', n, 'AttributeType', 'S'))
       FROM unnest('{pk,sk,h1,h2,h3,h4,h5}'::text[]) n),
    'GlobalSecondaryIndexes', jsonb_build_array(idef_gsi('gsi1', '{h1,h2,h3,h4,h5}'))));
SELECT idef_create(jsonb_build_object('AttributeDefinitions',
    (SELECT jsonb_agg(jsonb_build_object('AttributeName', n, 'AttributeType', 'S'))
       FROM unnest('{pk,sk,h1,r1,r2,r3,r4,r5}'::text[]) n),
    'GlobalSecondaryIndexes', jsonb_build_array(idef_gsi('gsi1', '{h1}', '{r1,r2,r3,r4,r5}'))));
-- Invalid input: one attribute as HASH and RANGE; one attribute twice among more
SELECT idef_create(jsonb_build_object('AttributeDefinitions',
    '[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
      {"AttributeName": "a", "AttributeType": "S"}]'::jsonb,
    'GlobalSecondaryIndexes', jsonb_build_array(idef_gsi('gsi1', '{a}', '{a}'))));
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(idef_gsi('gsi1', '{a,b}', '{a}'))));
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(idef_gsi('gsi1', '{a,b,a}'))));
-- Invalid input: 21 GSIs
SELECT idef_create(jsonb_build_object('AttributeDefinitions',
    '[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
      {"AttributeName": "a", "AttributeType": "S"}]'::jsonb,
    'GlobalSecondaryIndexes', (SELECT jsonb_agg(idef_gsi('gsi' || i, '{a}')) FROM generate_series(1, 21) i)));

-- Projections
-- Invalid input: no ProjectionType
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(idef_projected('gsi1', '{}'))));
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(
    idef_projected('gsi1', '{"NonKeyAttributes": ["x"]}'))));
-- Invalid input: NonKeyAttributes with ALL or KEYS_ONLY
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(
    idef_projected('gsi1', '{"ProjectionType": "ALL", "NonKeyAttributes": ["x"]}'))));
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(
    idef_projected('gsi1', '{"ProjectionType": "KEYS_ONLY", "NonKeyAttributes": ["x"]}'))));
-- Invalid input: INCLUDE without NonKeyAttributes
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(
    idef_projected('gsi1', '{"ProjectionType": "INCLUDE"}'))));
-- Invalid input: a NonKeyAttribute twice
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(
    idef_projected('gsi1', '{"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x", "y", "x"]}'))));
-- Invalid input: more than 100 NonKeyAttributes over all indexes (6 indexes of 17;
-- the same names in every index count each time)
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', (SELECT jsonb_agg(
    idef_projected('gsi' || i, jsonb_build_object('ProjectionType', 'INCLUDE',
        'NonKeyAttributes', (SELECT jsonb_agg('n' || j) FROM generate_series(1, 17) j))))
    FROM generate_series(1, 6) i)));
-- Invalid input: an LSI's projection is checked as a GSI's
SELECT idef_create('{"AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
                                               {"AttributeName": "a", "AttributeType": "S"}],
    "LocalSecondaryIndexes": [{"IndexName": "lsi1", "Projection": {"ProjectionType": "KEYS_ONLY", "NonKeyAttributes": ["x"]},
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "a", "KeyType": "RANGE"}]}]}');

-- Index names
-- Invalid input: two GSIs of one name, a GSI named like an LSI
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(
    idef_gsi('same', '{a}'), idef_gsi('same', '{b}'))));
SELECT idef_create('{"LocalSecondaryIndexes": [{"IndexName": "same", "Projection": {"ProjectionType": "ALL"},
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "a", "KeyType": "RANGE"}]}],
    "GlobalSecondaryIndexes": [{"IndexName": "same", "Projection": {"ProjectionType": "ALL"},
        "KeySchema": [{"AttributeName": "b", "KeyType": "HASH"}]}]}');

-- Throughput of GSIs follows the table's billing mode
-- Invalid input: a provisioned table's GSI without ProvisionedThroughput
SELECT idef_create(jsonb_build_object('BillingMode', 'PROVISIONED',
    'ProvisionedThroughput', '{"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}'::jsonb,
    'GlobalSecondaryIndexes', jsonb_build_array(idef_gsi('gsi1', '{a}', '{b}'))));
SELECT idef_create(jsonb_build_object('BillingMode', NULL,
    'ProvisionedThroughput', '{"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}'::jsonb,
    'GlobalSecondaryIndexes', jsonb_build_array(idef_gsi('gsi1', '{a}', '{b}'))));
-- Invalid input: an on-demand table's GSI with ProvisionedThroughput
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(
    idef_gsi('gsi1', '{a}', '{b}') || '{"ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}')));
-- Invalid input: a GSI's OnDemandThroughput and WarmThroughput are not supported yet
SELECT idef_create(jsonb_build_object('GlobalSecondaryIndexes', jsonb_build_array(
    idef_gsi('gsi1', '{a}', '{b}') || '{"OnDemandThroughput": {"MaxReadRequestUnits": 5}}')));

-- none of the refused requests left a table or a relation behind
SELECT idef_tables() AS tables_after_refused_creates;
SELECT count(*) AS idef_relations FROM pg_class WHERE relname LIKE 'idef%';

------------------------------------------------------------------------
-- Tables with indexes
------------------------------------------------------------------------

-- GSIs with a single-attribute and a multi-attribute key (4 HASH and 4 RANGE
-- attributes of their own types), LSIs on the table's sort key and another
-- attribute, each projection type, on a provisioned table; AttributeDefinitions
-- come back sorted by name
SELECT jsonb_pretty((ddb.create_table('{"TableName": "idef_orders", "BillingMode": "PROVISIONED",
    "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 6},
    "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "placed", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "status", "AttributeType": "S"},
        {"AttributeName": "customer", "AttributeType": "S"}, {"AttributeName": "placed", "AttributeType": "N"},
        {"AttributeName": "h1", "AttributeType": "S"}, {"AttributeName": "h2", "AttributeType": "N"},
        {"AttributeName": "h3", "AttributeType": "B"}, {"AttributeName": "h4", "AttributeType": "S"},
        {"AttributeName": "r1", "AttributeType": "N"}, {"AttributeName": "r2", "AttributeType": "S"},
        {"AttributeName": "r3", "AttributeType": "B"}, {"AttributeName": "r4", "AttributeType": "S"},
        {"AttributeName": "total", "AttributeType": "N"}],
    "GlobalSecondaryIndexes": [
        {"IndexName": "byStatus", "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
         "Projection": {"ProjectionType": "KEYS_ONLY"},
         "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 2}},
        {"IndexName": "wide", "KeySchema": [
            {"AttributeName": "h1", "KeyType": "HASH"}, {"AttributeName": "h2", "KeyType": "HASH"},
            {"AttributeName": "h3", "KeyType": "HASH"}, {"AttributeName": "h4", "KeyType": "HASH"},
            {"AttributeName": "r1", "KeyType": "RANGE"}, {"AttributeName": "r2", "KeyType": "RANGE"},
            {"AttributeName": "r3", "KeyType": "RANGE"}, {"AttributeName": "r4", "KeyType": "RANGE"}],
         "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note", "items"]},
         "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 4}}],
    "LocalSecondaryIndexes": [
        {"IndexName": "byPlaced", "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"},
            {"AttributeName": "placed", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "ALL"}},
        {"IndexName": "byTotal", "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"},
            {"AttributeName": "total", "KeyType": "RANGE"}],
         "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["status"]}}]}')
    -> 'TableDescription') - 'CreationDateTime' - 'TableId');
-- DescribeTable describes them as CreateTable did
SELECT k AS kind, i ->> 'IndexName' AS index_name, i ->> 'IndexStatus' AS status,
       jsonb_array_length(i -> 'KeySchema') AS keys, i -> 'Projection' AS projection
  FROM jsonb_each(ddb.describe_table('{"TableName": "idef_orders"}') -> 'Table') AS t(k, v),
       jsonb_array_elements(v) AS i
 WHERE k IN ('GlobalSecondaryIndexes', 'LocalSecondaryIndexes')
 ORDER BY 1, 2;
-- their catalog rows: key attributes with their types, HASH count, projection, index table
SELECT index_name, kind, key_attributes, key_types, hash_count, projection_type, non_key_attributes, index_table
  FROM ddb.indexes WHERE table_name = 'idef_orders' ORDER BY index_name;

-- an on-demand table: a GSI keyed on the table's own partition key and named
-- like the table, a GSI of two HASH attributes; its GSIs report 0 capacity units;
-- exactly 100 NonKeyAttributes over all indexes
SELECT ddb.create_table(jsonb_build_object('TableName', 'idef_users', 'BillingMode', 'PAY_PER_REQUEST',
    'KeySchema', '[{"AttributeName": "id", "KeyType": "HASH"}]'::jsonb,
    'AttributeDefinitions', '[{"AttributeName": "id", "AttributeType": "S"}, {"AttributeName": "a", "AttributeType": "S"},
                              {"AttributeName": "b", "AttributeType": "S"}]'::jsonb,
    'GlobalSecondaryIndexes', jsonb_build_array(
        jsonb_build_object('IndexName', 'idef_users', 'KeySchema', '[{"AttributeName": "id", "KeyType": "HASH"}]'::jsonb,
            'Projection', jsonb_build_object('ProjectionType', 'INCLUDE',
                'NonKeyAttributes', (SELECT jsonb_agg('n' || j) FROM generate_series(1, 20) j))),
        jsonb_build_object('IndexName', 'byAB', 'KeySchema',
            '[{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "HASH"}]'::jsonb,
            'Projection', '{"ProjectionType": "ALL"}'::jsonb)) ||
        (SELECT jsonb_agg(jsonb_build_object('IndexName', 'inc' || i,
            'KeySchema', '[{"AttributeName": "a", "KeyType": "HASH"}]'::jsonb,
            'Projection', jsonb_build_object('ProjectionType', 'INCLUDE',
                'NonKeyAttributes', (SELECT jsonb_agg('n' || j) FROM generate_series(1, 20) j))))
           FROM generate_series(1, 4) i)))
    #> '{TableDescription, AttributeDefinitions}' AS definitions;
SELECT i ->> 'IndexName' AS index_name, i -> 'KeySchema' AS key_schema,
       jsonb_array_length(i #> '{Projection, NonKeyAttributes}') AS non_key, i -> 'ProvisionedThroughput' AS throughput
  FROM jsonb_array_elements(ddb.describe_table('{"TableName": "idef_users"}') #> '{Table, GlobalSecondaryIndexes}') i;

-- Invalid input: a second table of the same name, with indexes; nothing changes
SELECT idef_create(jsonb_build_object('TableName', 'idef_users',
    'GlobalSecondaryIndexes', jsonb_build_array(idef_gsi('other', '{a}', '{b}'))));
SELECT count(*) AS idef_users_indexes FROM ddb.indexes WHERE table_name = 'idef_users';

-- DeleteTable removes the index tables with the table
SELECT ddb.delete_table('{"TableName": "idef_orders"}') -> 'TableDescription' ->> 'TableStatus' AS status;
SELECT ddb.delete_table('{"TableName": "idef_users"}') -> 'TableDescription' ->> 'TableStatus' AS status;
SELECT idef_tables() AS tables_left, (SELECT count(*) FROM ddb.indexes WHERE table_name LIKE 'idef%') AS indexes_left,
       (SELECT count(*) FROM pg_class WHERE relname LIKE 'idef%') AS relations_left;
