#!/usr/bin/python3
"""Robustness of ddb's HTTP endpoint: mutated, truncated and oversized
requests, slow and idle clients, clients that disconnect, statement
timeouts and cancels, memory per request.

Run by test/http_fuzz.sh, which passes DDB_HTTP_PORT, DDB_KEY/DDB_SECRET (a
key of a role that owns table fuzz_items), DDB_PSQL (psql as superuser in
the endpoint's database) and DDB_FUZZ_SEED. The shell test checks the
server log for crashes and that the workers never restarted. Prints one
line per check and 'N passed, N failed'.
"""
import gzip
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

PORT = int(os.environ["DDB_HTTP_PORT"])
KEY, SECRET = os.environ["DDB_KEY"], os.environ["DDB_SECRET"]
SEED = int(os.environ.get("DDB_FUZZ_SEED", "1"))
rng = random.Random(SEED)
passed = 0
failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print("ok     %s" % name)
    else:
        failed += 1
        print("FAILED %s %s" % (name, detail))


def sql(statement):
    return subprocess.run(os.environ["DDB_PSQL"].split() + ["-At", "-c", statement], check=True,
                          capture_output=True, text=True).stdout.strip()


def signed_request(target, body, extra=None):
    """Raw bytes of a signed HTTP/1.1 request."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target}
    if extra:
        headers.update(extra)
    request = AWSRequest(method="POST", url="http://localhost:%d/" % PORT, data=data, headers=headers)
    SigV4Auth(Credentials(KEY, SECRET), "dynamodb", "us-east-1").add_auth(request)
    head = "POST / HTTP/1.1\r\nHost: localhost:%d\r\nContent-Length: %d\r\n" % (PORT, len(data))
    for k, v in request.headers.items():
        if k.lower() not in ("host", "content-length"):
            head += "%s: %s\r\n" % (k, v)
    return head.encode() + b"\r\n" + data


def exchange(raw, timeout=10, shutdown=True):
    """Send raw bytes, read until the server closes or stops; returns bytes."""
    s = socket.create_connection(("localhost", PORT), timeout=timeout)
    try:
        s.sendall(raw)
        if shutdown:
            s.shutdown(socket.SHUT_WR)
        received = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            received += chunk
        return received
    finally:
        s.close()


def status_of(response):
    try:
        return int(response.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def healthy():
    """A signed GetItem answered correctly on a fresh connection."""
    response = exchange(signed_request("DynamoDB_20120810.GetItem",
                                       {"TableName": "fuzz_items", "Key": {"pk": {"S": "anchor"}}}))
    return status_of(response) == 200 and b'"anchor"' in response


BASE_BODIES = [
    ("PutItem", {"TableName": "fuzz_items", "Item": {"pk": {"S": "p1"}, "n": {"N": "1"},
                                                     "l": {"L": [{"S": "a"}, {"M": {"x": {"BOOL": True}}}]}}}),
    ("GetItem", {"TableName": "fuzz_items", "Key": {"pk": {"S": "p1"}}, "ProjectionExpression": "n, l[1].x"}),
    ("UpdateItem", {"TableName": "fuzz_items", "Key": {"pk": {"S": "p1"}},
                    "UpdateExpression": "SET n = n + :one, m.#a = :v", "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeNames": {"#a": "a"},
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":v": {"SS": ["x", "y"]}}}),
    ("Query", {"TableName": "fuzz_items", "KeyConditionExpression": "pk = :p",
               "ExpressionAttributeValues": {":p": {"S": "p1"}}, "Limit": 3}),
    ("Scan", {"TableName": "fuzz_items", "FilterExpression": "n > :z", "ExpressionAttributeValues": {":z": {"N": "0"}}}),
    ("BatchWriteItem", {"RequestItems": {"fuzz_items": [{"PutRequest": {"Item": {"pk": {"S": "b1"}}}},
                                                        {"DeleteRequest": {"Key": {"pk": {"S": "b2"}}}}]}}),
    ("TransactWriteItems", {"TransactItems": [{"Put": {"TableName": "fuzz_items", "Item": {"pk": {"S": "t1"}}}},
                                              {"ConditionCheck": {"TableName": "fuzz_items",
                                                                  "Key": {"pk": {"S": "anchor"}},
                                                                  "ConditionExpression": "attribute_exists(pk)"}}]}),
    ("DescribeTable", {"TableName": "fuzz_items"}),
]


def mutate(data):
    """A random mutation of bytes: flips, inserts, deletes, cuts, repeats."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not data:
            break
        kind = rng.randrange(6)
        i = rng.randrange(len(data))
        if kind == 0:
            data[i] = rng.randrange(256)
        elif kind == 1:
            data[i:i] = bytes(rng.choice([b"{", b"}", b"[", b"]", b'"', b":", b",", b"\\", b"\x00",
                                          b"\r\n", b"\xff", b"\\u0000", b"9" * 50, b" "]))
        elif kind == 2:
            del data[i:i + rng.randint(1, 16)]
        elif kind == 3:
            data = data[:i]
        elif kind == 4:
            j = rng.randrange(len(data))
            data[i:i] = data[min(i, j):max(i, j)][:200]
        else:
            data[i] = data[i] ^ (1 << rng.randrange(8))
    return bytes(data)


# ---- set-up ----------------------------------------------------------------------------
response = exchange(signed_request("DynamoDB_20120810.PutItem",
                                   {"TableName": "fuzz_items", "Item": {"pk": {"S": "anchor"}}}))
check("set-up: the anchor item", status_of(response) == 200, response[:300])

# ---- mutated JSON bodies, properly signed (the handlers) ---------------------------------
statuses = {}
bad = []
deadline = time.time() + 25
count = 0
s = socket.create_connection(("localhost", PORT), timeout=30)
reader = s.makefile("rb")
while count < 3000 and time.time() < deadline:
    op, body = rng.choice(BASE_BODIES)
    data = mutate(json.dumps(body).encode()) if rng.random() < 0.9 else json.dumps(body).encode()
    s.sendall(signed_request("DynamoDB_20120810." + op, data))
    line = reader.readline()
    length = 0
    while True:
        header = reader.readline()
        if header in (b"\r\n", b""):
            break
        if header.lower().startswith(b"content-length:"):
            length = int(header.split(b":")[1])
    payload = reader.read(length)
    status = status_of(line)
    statuses[status] = statuses.get(status, 0) + 1
    if status not in (200, 400) or (status == 400 and b"__type" not in payload):
        bad.append((op, data[:200], line, payload[:300]))
    count += 1
s.close()
check("%d mutated bodies on one keep-alive connection: each 200 or a DynamoDB 400 (%s)"
      % (count, sorted(statuses.items(), key=str)), count >= 500 and not bad, bad[:3])
check("still healthy after mutated bodies", healthy())

# ---- mutated whole requests (the framing) ------------------------------------------------------
answers = {}
deadline = time.time() + 20
count = 0
while count < 1500 and time.time() < deadline:
    op, body = rng.choice(BASE_BODIES)
    raw = mutate(signed_request("DynamoDB_20120810." + op, body))
    if rng.random() < 0.3:
        raw = raw + signed_request("DynamoDB_20120810.GetItem",
                                   {"TableName": "fuzz_items", "Key": {"pk": {"S": "anchor"}}})
    response = exchange(raw, timeout=5)
    key = status_of(response)
    answers[key] = answers.get(key, 0) + 1
    count += 1
check("%d mutated requests (statuses %s)" % (count, sorted(answers.items(), key=str)), count >= 300)
check("still healthy after mutated requests", healthy())

# ---- oversized ----------------------------------------------------------------------------
response = exchange(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 17000000\r\n\r\n")
check("a Content-Length over 16 MB is 413", status_of(response) == 413, response[:200])
response = exchange(b"POST /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
check("a request target over 16 KB is 414", status_of(response) == 414, response[:200])
response = exchange(b"POST / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 90000 + b"\r\n\r\n")
check("a header section over 80 KB is 431", status_of(response) == 431, response[:200])
response = exchange(b"POST / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(150)) + b"\r\n")
check("150 header fields are 431", status_of(response) == 431, response[:200])
chunk = b"x" * 1000000
raw = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-amz-json-1.0\r\n\r\n"
raw += b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(17)) + b"0\r\n\r\n"
response = exchange(raw, timeout=20)
check("a chunked body over 16 MB is 413", status_of(response) == 413, response[:200])
bomb = gzip.compress(b'{"TableName": "' + b"a" * (17 * 1024 * 1024) + b'"}')
response = exchange(signed_request("DynamoDB_20120810.GetItem", bomb, {"Content-Encoding": "gzip"}), timeout=20)
check("a gzip body inflating past 16 MB is 413 (%d bytes compressed)" % len(bomb), status_of(response) == 413,
      response[:200])
body = {"TableName": "fuzz_items", "Item": {"pk": {"S": "big"}, "v": {"S": "x" * (15 * 1024 * 1024)}}}
response = exchange(signed_request("DynamoDB_20120810.PutItem", body), timeout=30)
check("a 15 MB item is ValidationException (400 KB limit)",
      status_of(response) == 400 and b"ValidationException" in response, response[:300])
response = exchange(b"GARBAGE\r\n\r\n")
check("garbage is 400", status_of(response) == 400, response[:200])
check("still healthy after oversized requests", healthy())

# ---- truncated requests, disconnects mid-request ----------------------------------------------
full = signed_request("DynamoDB_20120810.PutItem", {"TableName": "fuzz_items", "Item": {"pk": {"S": "cut"}}})
for cut in range(0, len(full), max(1, len(full) // 40)):
    s = socket.create_connection(("localhost", PORT), timeout=5)
    s.sendall(full[:cut])
    s.close()
check("40 requests cut short and abandoned", healthy())
response = exchange(full[:len(full) - 5], timeout=5)
check("a request cut short with the write side closed gets 400 or nothing, and makes no item",
      status_of(response) in (None, 400) and b'"cut"' not in exchange(signed_request(
          "DynamoDB_20120810.GetItem", {"TableName": "fuzz_items", "Key": {"pk": {"S": "cut"}}})), response[:200])

# ---- slow and idle clients -------------------------------------------------------------------
slow = signed_request("DynamoDB_20120810.GetItem", {"TableName": "fuzz_items", "Key": {"pk": {"S": "anchor"}}})
result = {}


def trickle():
    s = socket.create_connection(("localhost", PORT), timeout=20)
    for i in range(0, len(slow), 16):
        s.sendall(slow[i:i + 16])
        time.sleep(0.02)
    result["slow"] = s.recv(65536)
    s.close()


t = threading.Thread(target=trickle)
t.start()
fast_ok = all(healthy() for _ in range(20))
t.join()
check("a client trickling its request in 16-byte pieces is answered, and holds up no one",
      fast_ok and status_of(result.get("slow", b"")) == 200, result)

idle = []
try:
    for _ in range(1000):
        idle.append(socket.create_connection(("localhost", PORT), timeout=5))
    time.sleep(0.5)
    check("1000 idle connections open, requests still answered", all(healthy() for _ in range(10)))
finally:
    for s in idle:
        s.close()
check("1000 idle connections closed", healthy())

# ---- statement_timeout and cancel: a request stuck on a row lock ----------------------------------
locker = subprocess.Popen(os.environ["DDB_PSQL"].split() + ["-c",
                          "BEGIN; SELECT 1 FROM ddb_data.fuzz_items WHERE pk = 'anchor' FOR UPDATE; "
                          "SELECT pg_sleep(4); COMMIT;"], stdout=subprocess.DEVNULL)
time.sleep(0.7)
sql("ALTER SYSTEM SET statement_timeout = '300ms'")
sql("SELECT pg_reload_conf()")
time.sleep(0.5)
s = socket.create_connection(("localhost", PORT), timeout=10)
s.sendall(signed_request("DynamoDB_20120810.UpdateItem",
                         {"TableName": "fuzz_items", "Key": {"pk": {"S": "anchor"}}, "UpdateExpression": "SET x = :x",
                          "ExpressionAttributeValues": {":x": {"N": "1"}}}))
started = time.time()
response = s.recv(65536)
elapsed = time.time() - started
check("statement_timeout ends a request waiting on a lock: InternalServerError (500) in %.1fs" % elapsed,
      status_of(response) == 500 and b"InternalServerError" in response and elapsed < 3, response[:300])
s.sendall(signed_request("DynamoDB_20120810.DescribeTable", {"TableName": "fuzz_items"}))
response = s.recv(65536)
check("the connection is usable after the timeout", status_of(response) == 200, response[:200])
s.close()
sql("ALTER SYSTEM RESET statement_timeout")
sql("SELECT pg_reload_conf()")
time.sleep(0.3)

s = socket.create_connection(("localhost", PORT), timeout=10)
s.sendall(signed_request("DynamoDB_20120810.UpdateItem",
                         {"TableName": "fuzz_items", "Key": {"pk": {"S": "anchor"}}, "UpdateExpression": "SET x = :x",
                          "ExpressionAttributeValues": {":x": {"N": "2"}}}))
time.sleep(0.5)
cancelled = sql("SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity "
                "WHERE backend_type = 'ddb http' AND wait_event_type = 'Lock'")
response = s.recv(65536)
check("pg_cancel_backend cancels a request: InternalServerError (500)",
      cancelled == "1" and status_of(response) == 500, (cancelled, response[:300]))
s.close()
locker.wait()

# a client that disconnects while its request waits: the request still completes or rolls back
locker = subprocess.Popen(os.environ["DDB_PSQL"].split() + ["-c",
                          "BEGIN; SELECT 1 FROM ddb_data.fuzz_items WHERE pk = 'anchor' FOR UPDATE; "
                          "SELECT pg_sleep(1); COMMIT;"], stdout=subprocess.DEVNULL)
time.sleep(0.4)
s = socket.create_connection(("localhost", PORT), timeout=10)
s.sendall(signed_request("DynamoDB_20120810.UpdateItem",
                         {"TableName": "fuzz_items", "Key": {"pk": {"S": "anchor"}}, "UpdateExpression": "SET x = :x",
                          "ExpressionAttributeValues": {":x": {"N": "3"}}}))
s.close()
locker.wait()
time.sleep(0.3)
check("a client gone while its request waited: the request committed, the worker goes on",
      healthy() and sql("SELECT item->'x'->>'N' FROM ddb_data.fuzz_items WHERE pk = 'anchor'") == "3")

# ---- memory per request ------------------------------------------------------------------------
pids = sql("SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE backend_type = 'ddb http'").split()


def rss():
    total = 0
    for pid in pids:
        with open("/proc/%s/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def load(n):
    s = socket.create_connection(("localhost", PORT), timeout=30)
    reader = s.makefile("rb")
    for i in range(n):
        body = {"TableName": "fuzz_items", "Item": {"pk": {"S": "m%d" % (i % 50)}, "v": {"S": "y" * 300000}}}
        s.sendall(signed_request("DynamoDB_20120810.PutItem", body))
        reader.readline()
        length = 0
        while True:
            header = reader.readline()
            if header in (b"\r\n", b""):
                break
            if header.lower().startswith(b"content-length:"):
                length = int(header.split(b":")[1])
        reader.read(length)
    s.close()


load(100)
before = rss()
load(400)
after = rss()
check("400 requests of 300 KB each: the workers' memory grows by %d kB (< 20000)" % (after - before),
      after - before < 20000, (before, after))

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
