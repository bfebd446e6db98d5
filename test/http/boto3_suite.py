#!/usr/bin/python3
"""End-to-end tests of ddb's HTTP endpoint with boto3 (Debian's python3-boto3).

Run by test/http_boto3.sh, which creates the roles and access keys and
passes them in the environment:
  DDB_HTTP_PORT      the endpoint's port (localhost)
  DDB_KEY, DDB_SECRET          key of role http_app (may create tables)
  DDB_RO_KEY, DDB_RO_SECRET    key of role http_reader (SELECT on one table)
Every request is signed with AWS Signature Version 4 by botocore.
Prints one line per check and 'N passed, N failed' at the end.
"""
import datetime
import gzip
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import zlib

import boto3
import botocore
import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

PORT = int(os.environ["DDB_HTTP_PORT"])
ENDPOINT = "http://localhost:%d" % PORT
KEY, SECRET = os.environ["DDB_KEY"], os.environ["DDB_SECRET"]
RO_KEY, RO_SECRET = os.environ["DDB_RO_KEY"], os.environ["DDB_RO_SECRET"]

passed = 0
failed = 0


def sql(statement):
    """Run SQL in the endpoint's database as the superuser (DDB_PSQL)."""
    subprocess.run(os.environ["DDB_PSQL"].split() + ["-c", statement], check=True)


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print("ok     %s" % name)
    else:
        failed += 1
        print("FAILED %s %s" % (name, detail))


def client(key=KEY, secret=SECRET, retries=0):
    return boto3.client(
        "dynamodb", endpoint_url=ENDPOINT, region_name="us-east-1",
        aws_access_key_id=key, aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": retries + 1}))


def error_of(fn, *args, **kwargs):
    """The ClientError's (code, message, response) of a call, or None."""
    try:
        fn(*args, **kwargs)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"].get("Message"), e.response
    return None


def raw(target, body, sign=True, key=KEY, secret=SECRET, compress=False,
        method="POST", path="/", content_type="application/x-amz-json-1.0", extra=None):
    """Send one request with http.client; returns (status, headers, body)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": content_type}
    if target is not None:
        headers["X-Amz-Target"] = target
    if compress:
        data = gzip.compress(data)
        headers["Content-Encoding"] = "gzip"
    if extra:
        headers.update(extra)
    request = AWSRequest(method=method, url=ENDPOINT + path, data=data, headers=headers)
    if sign:
        SigV4Auth(Credentials(key, secret), "dynamodb", "us-east-1").add_auth(request)
    conn = http.client.HTTPConnection("localhost", PORT, timeout=30)
    conn.request(method, path, body=data, headers=dict(request.headers.items()))
    response = conn.getresponse()
    payload = response.read()
    result = (response.status, {k.lower(): v for k, v in response.getheaders()}, payload)
    conn.close()
    return result


def crc_ok(headers, payload):
    return headers.get("x-amz-crc32") == str(zlib.crc32(payload) & 0xFFFFFFFF)


ddb = client()

# ---- every operation ------------------------------------------------------
for name in ("http_users", "http_orders"):
    if name in ddb.list_tables()["TableNames"]:
        ddb.delete_table(TableName=name)

r = ddb.create_table(
    TableName="http_users",
    KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}],
    AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"},
                          {"AttributeName": "email", "AttributeType": "S"}],
    GlobalSecondaryIndexes=[{"IndexName": "by_email",
                             "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
                             "Projection": {"ProjectionType": "ALL"}}],
    BillingMode="PAY_PER_REQUEST")
check("CreateTable", r["TableDescription"]["TableStatus"] == "ACTIVE")
# http_reader may read the items whose key starts with u, and nothing else
sql("GRANT SELECT ON ddb_data.http_users TO http_reader; "
    "ALTER TABLE ddb_data.http_users ENABLE ROW LEVEL SECURITY; "
    "CREATE POLICY reader_u ON ddb_data.http_users FOR SELECT TO http_reader USING (user_id LIKE 'u%')")
ddb.create_table(
    TableName="http_orders",
    KeySchema=[{"AttributeName": "customer_id", "KeyType": "HASH"},
               {"AttributeName": "order_date", "KeyType": "RANGE"}],
    AttributeDefinitions=[{"AttributeName": "customer_id", "AttributeType": "S"},
                          {"AttributeName": "order_date", "AttributeType": "S"}],
    ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
check("ListTables", {"http_users", "http_orders"} <= set(ddb.list_tables()["TableNames"]))
d = ddb.describe_table(TableName="http_orders")["Table"]
check("DescribeTable", d["TableName"] == "http_orders" and len(d["KeySchema"]) == 2
      and isinstance(d["CreationDateTime"], datetime.datetime))
r = ddb.update_table(TableName="http_orders", BillingMode="PAY_PER_REQUEST")
check("UpdateTable", r["TableDescription"]["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST")
arn = d["TableArn"]
ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "test"}])
ddb.untag_resource(ResourceArn=arn, TagKeys=["env"])
check("TagResource, UntagResource, ListTagsOfResource",
      ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "a"}])

ddb.put_item(TableName="http_users", Item={
    "user_id": {"S": "u1"}, "email": {"S": "a@example.com"}, "age": {"N": "28"},
    "tags": {"SS": ["admin", "dev"]}, "blob": {"B": b"\x00\x01\xff"},
    "nested": {"M": {"l": {"L": [{"BOOL": True}, {"NULL": True}]}}}})
r = ddb.get_item(TableName="http_users", Key={"user_id": {"S": "u1"}}, ConsistentRead=True)
check("PutItem and GetItem", r["Item"]["age"] == {"N": "28"} and r["Item"]["blob"] == {"B": b"\x00\x01\xff"}
      and r["Item"]["nested"]["M"]["l"]["L"][1] == {"NULL": True})
ddb.put_item(TableName="http_users", Item={"user_id": {"S": "nul\x00key"}, "v": {"S": "a\x00b"}})
r = ddb.get_item(TableName="http_users", Key={"user_id": {"S": "nul\x00key"}})
check("U+0000 round-trips in keys and values", r["Item"]["v"] == {"S": "a\x00b"}, r)
r = ddb.update_item(TableName="http_users", Key={"user_id": {"S": "u1"}},
                    UpdateExpression="SET age = age + :one ADD tags :t REMOVE nested",
                    ExpressionAttributeValues={":one": {"N": "1"}, ":t": {"SS": ["ops"]}},
                    ReturnValues="ALL_NEW")
check("UpdateItem", r["Attributes"]["age"] == {"N": "29"} and "nested" not in r["Attributes"]
      and sorted(r["Attributes"]["tags"]["SS"]) == ["admin", "dev", "ops"])
r = ddb.query(TableName="http_users", IndexName="by_email",
              KeyConditionExpression="email = :e", ExpressionAttributeValues={":e": {"S": "a@example.com"}})
check("Query on a GSI", r["Count"] == 1 and r["Items"][0]["user_id"] == {"S": "u1"})

r = ddb.batch_write_item(RequestItems={"http_orders": [
    {"PutRequest": {"Item": {"customer_id": {"S": "c1"}, "order_date": {"S": "2024-01-%02d" % i},
                             "amount": {"N": str(i * 10)}}}} for i in range(1, 21)]})
check("BatchWriteItem", r["UnprocessedItems"] == {})
r = ddb.query(TableName="http_orders", KeyConditionExpression="customer_id = :c AND order_date > :d",
              ExpressionAttributeValues={":c": {"S": "c1"}, ":d": {"S": "2024-01-10"}},
              ScanIndexForward=False, Limit=5)
check("Query with Limit, descending", r["Count"] == 5 and r["Items"][0]["order_date"] == {"S": "2024-01-20"}
      and "LastEvaluatedKey" in r)
paginator = ddb.get_paginator("scan")
items = [i for page in paginator.paginate(TableName="http_orders", PaginationConfig={"PageSize": 7})
         for i in page["Items"]]
check("Scan through the paginator", len(items) == 20)
r = ddb.scan(TableName="http_orders", FilterExpression="amount >= :t",
             ExpressionAttributeValues={":t": {"N": "150"}}, Select="COUNT")
check("Scan with a filter, Select COUNT", r["Count"] == 6 and r["ScannedCount"] == 20)
r = ddb.batch_get_item(RequestItems={"http_orders": {"Keys": [
    {"customer_id": {"S": "c1"}, "order_date": {"S": "2024-01-01"}},
    {"customer_id": {"S": "c1"}, "order_date": {"S": "2024-01-02"}}]}})
check("BatchGetItem", len(r["Responses"]["http_orders"]) == 2)
ddb.transact_write_items(TransactItems=[
    {"Put": {"TableName": "http_users", "Item": {"user_id": {"S": "u2"}, "email": {"S": "b@example.com"}}}},
    {"Update": {"TableName": "http_orders", "Key": {"customer_id": {"S": "c1"}, "order_date": {"S": "2024-01-01"}},
                "UpdateExpression": "SET shipped = :t", "ExpressionAttributeValues": {":t": {"BOOL": True}}}}])
r = ddb.transact_get_items(TransactItems=[
    {"Get": {"TableName": "http_users", "Key": {"user_id": {"S": "u2"}}}},
    {"Get": {"TableName": "http_orders", "Key": {"customer_id": {"S": "c1"}, "order_date": {"S": "2024-01-01"}}}}])
check("TransactWriteItems and TransactGetItems",
      r["Responses"][0]["Item"]["email"] == {"S": "b@example.com"}
      and r["Responses"][1]["Item"]["shipped"] == {"BOOL": True})
r = ddb.delete_item(TableName="http_users", Key={"user_id": {"S": "u2"}}, ReturnValues="ALL_OLD")
check("DeleteItem", r["Attributes"]["user_id"] == {"S": "u2"})
check("boto3's resource layer", boto3.resource(
    "dynamodb", endpoint_url=ENDPOINT, region_name="us-east-1", aws_access_key_id=KEY,
    aws_secret_access_key=SECRET).Table("http_users").get_item(Key={"user_id": "u1"})["Item"]["age"] == 29)

# ---- error mapping ----------------------------------------------------------
e = error_of(ddb.get_item, TableName="http_missing", Key={"k": {"S": "x"}})
check("ResourceNotFoundException", e and e[0] == "ResourceNotFoundException", e)
e = error_of(ddb.put_item, TableName="http_users", Item={"user_id": {"S": "u1"}},
             ConditionExpression="attribute_not_exists(user_id)")
check("ConditionalCheckFailedException", e and e[0] == "ConditionalCheckFailedException"
      and e[1] == "The conditional request failed", e)
e = error_of(ddb.get_item, TableName="http_users", Key={"nope": {"S": "x"}})
check("ValidationException", e and e[0] == "ValidationException", e)
e = error_of(ddb.transact_write_items, TransactItems=[
    {"ConditionCheck": {"TableName": "http_users", "Key": {"user_id": {"S": "u1"}},
                        "ConditionExpression": "attribute_not_exists(user_id)"}},
    {"Put": {"TableName": "http_users", "Item": {"user_id": {"S": "u3"}}}}])
check("TransactionCanceledException with CancellationReasons",
      e and e[0] == "TransactionCanceledException"
      and [c["Code"] for c in e[2]["CancellationReasons"]] == ["ConditionalCheckFailed", "None"], e)
check("a cancelled transaction changed nothing",
      "Item" not in ddb.get_item(TableName="http_users", Key={"user_id": {"S": "u3"}}))
e = error_of(ddb.create_table, TableName="http_users",
             KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}],
             AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"}],
             BillingMode="PAY_PER_REQUEST")
check("ResourceInUseException", e and e[0] == "ResourceInUseException", e)

status, headers, payload = raw("DynamoDB_20120810.GetItem", {"TableName": "http_users", "Key": {"nope": {"S": "x"}}})
body = json.loads(payload)
check("ValidationException's __type and message member",
      status == 400 and body["__type"] == "com.amazon.coral.validate#ValidationException" and "message" in body, payload)
check("x-amz-crc32 and x-amzn-RequestId on an error", crc_ok(headers, payload)
      and len(headers.get("x-amzn-requestid", "")) == 52)
status, headers, payload = raw("DynamoDB_20120810.GetItem", {"TableName": "http_missing", "Key": {"k": {"S": "x"}}})
check("ResourceNotFoundException's __type",
      json.loads(payload)["__type"] == "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", payload)
status, headers, payload = raw("DynamoDB_20120810.PutItem", b'{"TableName": "http_users", "Item": ')
body = json.loads(payload)
check("malformed JSON is SerializationException (Message)",
      status == 400 and body["__type"] == "com.amazon.coral.service#SerializationException" and "Message" in body, payload)
status, headers, payload = raw("DynamoDB_20120810.PutItem", b'{"TableName": "http_users"}\x00{}')
check("a body holding the byte 0 is SerializationException",
      status == 400 and b"SerializationException" in payload, payload)
status, headers, payload = raw("DynamoDB_20120810.PutItem", b'{"TableName": "\xff\xfe"}')
check("a body that is not UTF-8 is SerializationException",
      status == 400 and b"SerializationException" in payload, payload)
status, headers, payload = raw("DynamoDB_20120810.Frobnicate", {})
check("an unknown operation is UnknownOperationException",
      status == 400 and json.loads(payload)["__type"] == "com.amazon.coral.service#UnknownOperationException", payload)
status, headers, payload = raw("DynamoDB_20120810.GetRecords", {})
check("a Streams operation under DynamoDB's prefix is UnknownOperationException",
      status == 400 and b"UnknownOperationException" in payload, payload)
status, headers, payload = raw("DynamoDBStreams_20120810.PutItem", {})
check("a DynamoDB operation under the Streams prefix is UnknownOperationException",
      status == 400 and b"UnknownOperationException" in payload, payload)
status, headers, payload = raw("DynamoDBStreams_20120810.ListStreams", {})
check("the Streams prefix reaches the dispatch",
      status in (200, 400) and (status == 200 or b"UnknownOperationException" in payload
                                or b"ValidationException" in payload), payload)
status, headers, payload = raw(None, {}, method="GET", sign=False)
check("GET / is the health check", status == 200 and payload.startswith(b"healthy: dynamodb."), payload)
status, headers, payload = raw("DynamoDB_20120810.ListTables", {}, content_type="text/plain")
check("another content type is 404 UnknownOperationException",
      status == 404 and payload == b"<UnknownOperationException/>\n", (status, payload))
status, headers, payload = raw("DynamoDB_20120810.ListTables", {}, content_type="application/x-amz-json-1.1")
check("application/x-amz-json-1.1 is answered in kind",
      status == 200 and headers["content-type"] == "application/x-amz-json-1.1", headers)
status, headers, payload = raw("DynamoDB_20120810.ListTables", b"", sign=True)
check("an empty body is SerializationException", status == 400 and b"SerializationException" in payload, payload)

# ---- gzip -------------------------------------------------------------------
status, headers, payload = raw("DynamoDB_20120810.PutItem",
                               {"TableName": "http_users", "Item": {"user_id": {"S": "gz"}, "pad": {"S": "x" * 5000}}},
                               compress=True)
check("a gzip request body", status == 200 and crc_ok(headers, payload), (status, payload))
check("the gzip request's item", ddb.get_item(TableName="http_users", Key={"user_id": {"S": "gz"}})["Item"]["pad"]
      == {"S": "x" * 5000})
status, headers, payload = raw("DynamoDB_20120810.ListTables", b"\x1f\x8b\x08garbage",
                               extra={"Content-Encoding": "gzip"})
check("a malformed gzip body is SerializationException", status == 400 and b"SerializationException" in payload,
      payload)
status, headers, payload = raw("DynamoDB_20120810.ListTables", {}, extra={"Content-Encoding": "br"})
check("an unsupported Content-Encoding is refused", status == 400, payload)

# ---- authentication -------------------------------------------------------------
e = error_of(client(KEY, "not-the-secret").list_tables)
check("a wrong secret is InvalidSignatureException", e and e[0] == "InvalidSignatureException", e)
e = error_of(client("AKDDNOSUCHKEY0000000", SECRET).list_tables)
check("an unknown key is UnrecognizedClientException", e and e[0] == "UnrecognizedClientException", e)
status, headers, payload = raw("DynamoDB_20120810.ListTables", {}, sign=False)
check("an unsigned request is MissingAuthenticationTokenException",
      status == 400 and json.loads(payload)["__type"] ==
      "com.amazon.coral.service#MissingAuthenticationTokenException", payload)
status, headers, payload = raw("DynamoDB_20120810.ListTables", {}, sign=False,
                               extra={"Authorization": "AWS4-HMAC-SHA256 Credential=x",
                                      "X-Amz-Date": "20240101T000000Z"})
check("a malformed signature is IncompleteSignatureException",
      status == 400 and b"IncompleteSignatureException" in payload, payload)

# a body changed after signing: the payload hash no longer matches
request = AWSRequest(method="POST", url=ENDPOINT + "/", data=b"{}",
                     headers={"Content-Type": "application/x-amz-json-1.0",
                              "X-Amz-Target": "DynamoDB_20120810.ListTables"})
SigV4Auth(Credentials(KEY, SECRET), "dynamodb", "us-east-1").add_auth(request)
conn = http.client.HTTPConnection("localhost", PORT, timeout=30)
conn.request("POST", "/", body=b'{"Limit": 1}', headers=dict(request.headers.items()))
resp = conn.getresponse()
payload = resp.read()
conn.close()
check("a body changed after signing is InvalidSignatureException",
      resp.status == 400 and b"InvalidSignatureException" in payload, payload)


_RealDatetime = datetime.datetime


class _ShiftedDatetime(datetime.datetime):
    shift = datetime.timedelta(0)

    @classmethod
    def utcnow(cls):
        return _RealDatetime.utcnow() + cls.shift


def signed_at(shift):
    """Status and body of a ListTables signed with the clock moved by shift."""
    original = botocore.auth.datetime.datetime
    _ShiftedDatetime.shift = shift
    botocore.auth.datetime.datetime = _ShiftedDatetime
    try:
        return raw("DynamoDB_20120810.ListTables", {})
    finally:
        botocore.auth.datetime.datetime = original


status, headers, payload = signed_at(datetime.timedelta(minutes=-20))
check("a request signed 20 minutes ago is InvalidSignatureException (expired)",
      status == 400 and b"InvalidSignatureException" in payload and b"Signature expired" in payload, payload)
status, headers, payload = signed_at(datetime.timedelta(minutes=20))
check("a request signed 20 minutes ahead is InvalidSignatureException",
      status == 400 and b"Signature not yet current" in payload, payload)
status, headers, payload = signed_at(datetime.timedelta(minutes=-10))
check("a request signed 10 minutes ago is accepted", status == 200, payload)

ro = client(RO_KEY, RO_SECRET)
check("a role reads the table it may read",
      ro.get_item(TableName="http_users", Key={"user_id": {"S": "u1"}})["Item"]["age"] == {"N": "29"})
e = error_of(ro.put_item, TableName="http_users", Item={"user_id": {"S": "ro"}})
check("a role without INSERT gets AccessDeniedException", e and e[0] == "AccessDeniedException", e)
status, headers, payload = raw("DynamoDB_20120810.PutItem", {"TableName": "http_users", "Item": {"user_id": {"S": "ro"}}},
                               key=RO_KEY, secret=RO_SECRET)
check("AccessDeniedException's __type", json.loads(payload)["__type"] ==
      "com.amazon.coral.service#AccessDeniedException", payload)
check("row-level security applies to the key's role",
      ro.get_item(TableName="http_users", Key={"user_id": {"S": "gz"}}).get("Item") is None)

# ---- keep-alive, pipelining, concurrency ---------------------------------------
conn = http.client.HTTPConnection("localhost", PORT, timeout=30)
socks = set()
ok = True
for i in range(20):
    request = AWSRequest(method="POST", url=ENDPOINT + "/", data=b'{"Limit": 1}',
                         headers={"Content-Type": "application/x-amz-json-1.0",
                                  "X-Amz-Target": "DynamoDB_20120810.ListTables"})
    SigV4Auth(Credentials(KEY, SECRET), "dynamodb", "us-east-1").add_auth(request)
    conn.request("POST", "/", body=b'{"Limit": 1}', headers=dict(request.headers.items()))
    resp = conn.getresponse()
    resp.read()
    ok = ok and resp.status == 200 and resp.getheader("Connection") != "close"
    socks.add(id(conn.sock))
conn.close()
check("keep-alive: 20 requests on one connection", ok and len(socks) == 1)

# pipelining: three requests in one write, three responses in order
pipeline = b""
for limit in (1, 2, 3):
    data = json.dumps({"Limit": limit}).encode()
    request = AWSRequest(method="POST", url=ENDPOINT + "/", data=data,
                         headers={"Content-Type": "application/x-amz-json-1.0",
                                  "X-Amz-Target": "DynamoDB_20120810.ListTables"})
    SigV4Auth(Credentials(KEY, SECRET), "dynamodb", "us-east-1").add_auth(request)
    head = "POST / HTTP/1.1\r\nHost: localhost:%d\r\nContent-Length: %d\r\n" % (PORT, len(data))
    for k, v in request.headers.items():
        if k.lower() != "host":
            head += "%s: %s\r\n" % (k, v)
    pipeline += head.encode() + b"\r\n" + data
s = socket.create_connection(("localhost", PORT), timeout=30)
s.sendall(pipeline)
received = b""
deadline = time.time() + 30
while received.count(b"HTTP/1.1 200") < 3 or not received.endswith(b"}"):
    chunk = s.recv(65536)
    if not chunk or time.time() > deadline:
        break
    received += chunk
s.close()
bodies = [json.loads(part.split(b"\r\n\r\n", 1)[1]) for part in received.split(b"HTTP/1.1 ")[1:]]
check("pipelining: three requests answered in order",
      [len(b["TableNames"]) for b in bodies] == [1, 2, 2], bodies)

errors = []


def worker(n):
    try:
        c = client()
        for i in range(40):
            c.put_item(TableName="http_orders", Item={"customer_id": {"S": "w%d" % n},
                                                      "order_date": {"S": "%04d" % i}})
            got = c.get_item(TableName="http_orders", Key={"customer_id": {"S": "w%d" % n},
                                                           "order_date": {"S": "%04d" % i}})
            if "Item" not in got:
                errors.append("missing w%d/%d" % (n, i))
    except Exception as exc:  # noqa: BLE001 - reported as a failure
        errors.append(repr(exc))


threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
total = sum(ddb.query(TableName="http_orders", KeyConditionExpression="customer_id = :c",
                      ExpressionAttributeValues={":c": {"S": "w%d" % n}}, Select="COUNT")["Count"]
            for n in range(8))
check("8 concurrent clients, 320 writes and reads", not errors and total == 320, (errors[:3], total))

# an error deep in a handler leaves the connection usable
conn = http.client.HTTPConnection("localhost", PORT, timeout=30)
statuses = []
for target, body in (("DynamoDB_20120810.UpdateItem",
                      {"TableName": "http_users", "Key": {"user_id": {"S": "u1"}},
                       "UpdateExpression": "SET age = age + :s", "ExpressionAttributeValues": {":s": {"S": "x"}}}),
                     ("DynamoDB_20120810.GetItem", {"TableName": "http_users", "Key": {"user_id": {"S": "u1"}}})):
    data = json.dumps(body).encode()
    request = AWSRequest(method="POST", url=ENDPOINT + "/", data=data,
                         headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target})
    SigV4Auth(Credentials(KEY, SECRET), "dynamodb", "us-east-1").add_auth(request)
    conn.request("POST", "/", body=data, headers=dict(request.headers.items()))
    resp = conn.getresponse()
    statuses.append((resp.status, json.loads(resp.read()).get("Item", {}).get("age")))
conn.close()
check("an error in a handler rolls back and the connection goes on",
      statuses == [(400, None), (200, {"N": "29"})], statuses)

ddb.delete_table(TableName="http_orders")
check("DeleteTable", "http_orders" not in ddb.list_tables()["TableNames"])

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
