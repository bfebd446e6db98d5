/* ddb--0.2.0--0.3.0.sql */

\echo Use "ALTER EXTENSION ddb UPDATE TO '0.3.0'" to load this file. \quit

---------------------------------------------------------------------------
-- PartiQL: ExecuteStatement, BatchExecuteStatement and ExecuteTransaction
-- as per-operation functions, and ddb.partiql for psql
---------------------------------------------------------------------------

CREATE FUNCTION ddb.execute_statement(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_execute_statement' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.execute_statement(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_execute_statement_text' LANGUAGE C VOLATILE;

-- SELECT * FROM ddb.partiql($$SELECT * FROM "orders" WHERE customer_id = ?$$, '["c1"]')
-- runs one statement with plain-JSON parameters and returns its plain-JSON
-- items, following NextToken to the last page
CREATE FUNCTION ddb.partiql(statement text, parameters jsonb DEFAULT NULL)
RETURNS SETOF jsonb LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    request jsonb;
    page jsonb;
BEGIN
    IF parameters IS NOT NULL AND pg_catalog.jsonb_typeof(parameters) OPERATOR(pg_catalog.<>) 'array' THEN
        RAISE EXCEPTION 'ddb.partiql: parameters must be a JSON array'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    request := pg_catalog.jsonb_build_object('Statement', statement);
    IF parameters IS NOT NULL AND pg_catalog.jsonb_array_length(parameters) OPERATOR(pg_catalog.>) 0 THEN
        request := request OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('Parameters',
            (SELECT pg_catalog.jsonb_agg(CASE WHEN pg_catalog.jsonb_typeof(p) OPERATOR(pg_catalog.=) 'object'
                                              THEN pg_catalog.jsonb_build_object('M', ddb.marshal(p))
                                              ELSE ddb.marshal(p) END ORDER BY n)
               FROM pg_catalog.jsonb_array_elements(parameters) WITH ORDINALITY AS e(p, n)));
    END IF;
    LOOP
        page := ddb.execute_statement(request);
        RETURN QUERY SELECT ddb.unmarshal(i)
                       FROM pg_catalog.jsonb_array_elements(page -> 'Items') AS i;
        EXIT WHEN page -> 'NextToken' IS NULL;
        request := request OPERATOR(pg_catalog.||)
            pg_catalog.jsonb_build_object('NextToken', page -> 'NextToken');
    END LOOP;
END
$$;
COMMENT ON FUNCTION ddb.partiql(text, jsonb) IS
    'run a PartiQL statement with plain-JSON parameters and return its plain-JSON items, following every page';
