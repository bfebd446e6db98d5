-- Access keys of the HTTP endpoint: ddb.create_access_key, list, revoke,
-- and who may see and manage them. (Signed requests themselves are tested
-- end to end by test/http_boto3.sh.)
SET client_min_messages = warning;
CREATE ROLE keys_app;
CREATE ROLE keys_outsider;

-- a key: a 20-character id starting AKDD, a 40-character secret
CREATE TEMP TABLE new_key AS SELECT * FROM ddb.create_access_key('keys_app', 'regress');
SELECT length(access_key_id) AS id_length, access_key_id ~ '^AKDD[0-9A-F]{16}$' AS id_form,
       length(secret_access_key) AS secret_length FROM new_key;
-- two keys are different
SELECT count(DISTINCT access_key_id) = 2 AS distinct_ids, count(DISTINCT secret_access_key) = 2 AS distinct_secrets
  FROM (SELECT * FROM new_key UNION ALL SELECT * FROM ddb.create_access_key('keys_app')) k;

-- listed without secrets
SELECT role, description FROM ddb.list_access_keys() WHERE role = 'keys_app'::regrole ORDER BY created_at, description NULLS LAST;
SELECT pg_get_function_result('ddb.list_access_keys()'::regprocedure);

-- revoked: true once, false after
SELECT ddb.revoke_access_key((SELECT access_key_id FROM new_key));
SELECT ddb.revoke_access_key((SELECT access_key_id FROM new_key));
SELECT count(*) FROM ddb.list_access_keys() WHERE role = 'keys_app'::regrole;

-- Invalid input: a key needs a role that exists
SELECT * FROM ddb.create_access_key(NULL);
SELECT * FROM ddb.create_access_key('no_such_role');

-- Invalid input: no one but the owner reads the secrets or manages keys
SET ROLE keys_outsider;
SELECT * FROM ddb.access_keys;
SELECT * FROM ddb.create_access_key('keys_outsider');
SELECT * FROM ddb.list_access_keys();
SELECT ddb.revoke_access_key('AKDD0000000000000000');
RESET ROLE;

-- the endpoint's settings
SHOW ddb.http_auth;
SHOW ddb.http_max_connections;

DELETE FROM ddb.access_keys WHERE role = 'keys_app'::regrole;
DROP ROLE keys_app;
DROP ROLE keys_outsider;
