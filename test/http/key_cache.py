#!/usr/bin/python3
"""The HTTP workers' cache of access keys, end to end (run by
test/http_key_cache.sh, with DDB_HTTP_PORT and DDB_PSQL set).

Every check is made on 16 keep-alive connections at once, which the kernel
spreads over the workers (SO_REUSEPORT), each having served the key just
before the change, so that every worker has it cached. Prints one line per
check and 'N passed, N failed' at the end.
"""
import http.client
import json
import os
import subprocess
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

PORT = int(os.environ["DDB_HTTP_PORT"])
ENDPOINT = "http://localhost:%d" % PORT
CONNECTIONS = 16

passed = 0
failed = 0


def sql(statement):
    """Run SQL in the endpoint's database as the superuser; its output."""
    return subprocess.run(os.environ["DDB_PSQL"].split() + ["-c", statement], check=True,
                          capture_output=True, text=True).stdout.strip()


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print("ok     %s" % name)
    else:
        failed += 1
        print("FAILED %s %s" % (name, detail))


def new_key(role):
    key, secret = sql("SELECT access_key_id || ' ' || secret_access_key FROM ddb.create_access_key('%s')"
                      % role).split()
    return key, secret


def send(conn, key, secret, target="GetItem", body=None, region="us-east-1"):
    """One signed request on a keep-alive connection: (status, error type or None)."""
    if body is None:
        body = {"TableName": "key_cache_items", "Key": {"pk": {"S": "a"}}}
    data = json.dumps(body).encode()
    request = AWSRequest(method="POST", url=ENDPOINT + "/", data=data,
                         headers={"Content-Type": "application/x-amz-json-1.0",
                                  "X-Amz-Target": "DynamoDB_20120810." + target})
    SigV4Auth(Credentials(key, secret), "dynamodb", region).add_auth(request)
    conn.request("POST", "/", body=data, headers=dict(request.headers.items()))
    response = conn.getresponse()
    payload = json.loads(response.read() or b"{}")
    return response.status, payload.get("__type", "").split("#")[-1] or None


def on_all(conns, key, secret, **kwargs):
    """The distinct outcomes of one request on each connection."""
    return sorted({send(c, key, secret, **kwargs) for c in conns}, key=str)


def connections():
    return [http.client.HTTPConnection("localhost", PORT, timeout=30) for _ in range(CONNECTIONS)]


OK = [(200, None)]
UNRECOGNIZED = [(400, "UnrecognizedClientException")]

sql("""DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'key_cache_app') THEN CREATE ROLE key_cache_app; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'key_cache_other') THEN CREATE ROLE key_cache_other; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'key_cache_doomed') THEN CREATE ROLE key_cache_doomed; END IF;
END $$""")
sql("DELETE FROM ddb.access_keys WHERE role::text LIKE 'key_cache_%'")
if sql("SELECT count(*) FROM ddb.tables WHERE table_name = 'key_cache_items'") == "1":
    sql("SELECT ddb.delete_table('{\"TableName\": \"key_cache_items\"}')")
sql("""SELECT ddb.create_table('{"TableName": "key_cache_items",
         "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
         "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
         "BillingMode": "PAY_PER_REQUEST"}')""")
sql("""SELECT ddb.put_item('{"TableName": "key_cache_items", "Item": {"pk": {"S": "a"}}}')""")
sql("GRANT SELECT ON ddb_data.key_cache_items TO key_cache_app, key_cache_doomed")

conns = connections()

# ---- revoked ----------------------------------------------------------------
key, secret = new_key("key_cache_app")
check("a new key works on every connection", on_all(conns, key, secret) == OK)
check("and again, from the caches", on_all(conns, key, secret) == OK)
sql("SELECT ddb.revoke_access_key('%s')" % key)
check("a revoked key is refused at once on every connection", on_all(conns, key, secret) == UNRECOGNIZED,
      on_all(conns, key, secret))
check("and on a new connection", on_all(connections()[:1], key, secret) == UNRECOGNIZED)

# ---- a revoke rolled back -------------------------------------------------------
key, secret = new_key("key_cache_app")
on_all(conns, key, secret)
sql("BEGIN; SELECT ddb.revoke_access_key('%s'); ROLLBACK" % key)
check("a revoke rolled back leaves the key working", on_all(conns, key, secret) == OK)

# ---- deleted by hand, given another role, another secret ----------------------------
sql("DELETE FROM ddb.access_keys WHERE access_key_id = '%s'" % key)
check("a key deleted from ddb.access_keys is refused at once", on_all(conns, key, secret) == UNRECOGNIZED)

key, secret = new_key("key_cache_app")
check("a key of a role that may read", on_all(conns, key, secret) == OK)
sql("UPDATE ddb.access_keys SET role = 'key_cache_other' WHERE access_key_id = '%s'" % key)
check("given a role that may not read, it is refused at once",
      on_all(conns, key, secret) == [(400, "AccessDeniedException")], on_all(conns, key, secret))
sql("UPDATE ddb.access_keys SET role = 'key_cache_app' WHERE access_key_id = '%s'" % key)
check("given its role back, it reads again", on_all(conns, key, secret) == OK)

sql("UPDATE ddb.access_keys SET secret_access_key = 'another secret' WHERE access_key_id = '%s'" % key)
check("after its secret changed, the old secret is refused",
      on_all(conns, key, secret) == [(400, "InvalidSignatureException")])
check("and the new secret works", on_all(conns, key, "another secret") == OK)

# ---- the key's role dropped ---------------------------------------------------------
doomed, doomed_secret = new_key("key_cache_doomed")
check("a key of another role", on_all(conns, doomed, doomed_secret) == OK)
sql("REVOKE SELECT ON ddb_data.key_cache_items FROM key_cache_doomed; DROP ROLE key_cache_doomed")
check("once its role is dropped, it is refused at once", on_all(conns, doomed, doomed_secret) == UNRECOGNIZED)
sql("DELETE FROM ddb.access_keys WHERE access_key_id = '%s'" % doomed)

# ---- several keys, signing scopes and a wrong secret side by side -------------------------
keys = [new_key("key_cache_app") for _ in range(3)]
outcomes = set()
for round_ in range(3):
    for k, s in keys:
        for region in ("us-east-1", "eu-west-1"):
            outcomes.update(on_all(conns, k, s, region=region))
check("three keys, two regions, in turns", sorted(outcomes, key=str) == OK, outcomes)
check("a cached key with a wrong secret is InvalidSignatureException",
      on_all(conns, keys[0][0], "not the secret") == [(400, "InvalidSignatureException")])
check("an unknown key id is UnrecognizedClientException",
      on_all(conns, "AKDDNOSUCHKEY0000000", "x") == UNRECOGNIZED)

for c in conns:
    c.close()
sql("DELETE FROM ddb.access_keys WHERE role::text LIKE 'key_cache_%'")
sql("SELECT ddb.delete_table('{\"TableName\": \"key_cache_items\"}')")
sql("DROP ROLE key_cache_app; DROP ROLE key_cache_other")

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
