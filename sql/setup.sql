-- setup: the extension, and a helper that masks values that change per run
CREATE EXTENSION ddb;

-- Replace timestamps and ids (which differ on every run) with "*" so that
-- expected output is stable while still showing which members are present.
CREATE FUNCTION mask(j jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE jsonb_typeof(j)
        WHEN 'object' THEN (
            SELECT coalesce(jsonb_object_agg(key,
                CASE WHEN key IN ('CreationDateTime', 'TableId', 'LastIncreaseDateTime',
                                  'LastDecreaseDateTime', 'LastUpdateToPayPerRequestDateTime')
                     THEN '"*"'::jsonb ELSE mask(value) END), '{}')
            FROM jsonb_each(j))
        WHEN 'array' THEN (
            SELECT coalesce(jsonb_agg(mask(value) ORDER BY n), '[]')
            FROM jsonb_array_elements(j) WITH ORDINALITY AS e(value, n))
        ELSE j END
$$;

SELECT extname, extversion FROM pg_extension WHERE extname = 'ddb';
SELECT nspname FROM pg_namespace WHERE nspname IN ('ddb', 'ddb_data') ORDER BY 1;
