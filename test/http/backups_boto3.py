#!/usr/bin/python3
"""Backups and point-in-time recovery through ddb's HTTP endpoint with boto3.

Run by test/http_backups_boto3.sh, which creates the role and access key
and passes them in the environment:
  DDB_HTTP_PORT          the endpoint's port (localhost)
  DDB_KEY, DDB_SECRET    key of role http_backups (may create tables)
  DDB_PSQL               psql command line for the endpoint's database
The flows of AWS's boto3 documentation: create_backup, describe_backup,
list_backups (filters and the paginator), restore_table_from_backup with
the table_exists waiter, delete_backup; update_continuous_backups,
describe_continuous_backups, restore_table_to_point_in_time by time (a
datetime) and at the latest time; small restores within the call and
large ones by the background worker (CREATING until done, which the waiter
waits out); and the errors the SDK maps to its exception classes.
Prints one line per check and 'N passed, N failed' at the end.
"""
import datetime
import os
import subprocess
import sys
import time

import boto3
import botocore
from botocore.config import Config

PORT = int(os.environ["DDB_HTTP_PORT"])
ENDPOINT = "http://localhost:%d" % PORT
KEY, SECRET = os.environ["DDB_KEY"], os.environ["DDB_SECRET"]

passed = 0
failed = 0


def sql(statement):
    """Run SQL in the endpoint's database as the superuser (DDB_PSQL)."""
    return subprocess.run(os.environ["DDB_PSQL"].split() + ["-At", "-c", statement],
                          check=True, capture_output=True, text=True).stdout.strip()


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print("ok     %s" % name)
    else:
        failed += 1
        print("FAILED %s %s" % (name, detail))


def error_code(fn, *args, **kwargs):
    """The ClientError's code of a call, or None."""
    try:
        fn(*args, **kwargs)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    return None


session = boto3.session.Session(aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                                region_name="us-east-1")
config = Config(retries={"max_attempts": 1})
client = session.client("dynamodb", endpoint_url=ENDPOINT, config=config)
dynamodb = session.resource("dynamodb", endpoint_url=ENDPOINT, config=config)
FAST = {"Delay": 1, "MaxAttempts": 120}


def scan_all(table_name):
    items = []
    for page in client.get_paginator("scan").paginate(TableName=table_name):
        items.extend(page["Items"])
    return sorted(items, key=lambda i: i["id"]["S"])


def cleanup():
    for name in client.list_tables()["TableNames"]:
        if name.startswith("TaskApp"):
            client.delete_table(TableName=name)
    for page in client.get_paginator("list_backups").paginate():
        for b in page["BackupSummaries"]:
            if b["TableName"].startswith("TaskApp") and b["BackupStatus"] == "AVAILABLE":
                client.delete_backup(BackupArn=b["BackupArn"])


cleanup()

# the table of the lab, with a GSI, as the boto3 resource makes it
table = dynamodb.create_table(
    TableName="TaskApp",
    KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                          {"AttributeName": "owner", "AttributeType": "S"}],
    GlobalSecondaryIndexes=[{"IndexName": "by_owner",
                             "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
                             "Projection": {"ProjectionType": "ALL"}}],
    BillingMode="PAY_PER_REQUEST")
table.wait_until_exists(WaiterConfig=FAST)
with table.batch_writer() as batch:
    for i in range(20):
        batch.put_item(Item={"id": "task%02d" % i, "owner": "u%d" % (i % 3), "done": i % 2 == 0})
original = scan_all("TaskApp")
check("table filled", len(original) == 20, len(original))

# --- on-demand backups ---
before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=2)
resp = client.create_backup(TableName="TaskApp", BackupName="TaskApp-before-migration")
details = resp["BackupDetails"]
arn = details["BackupArn"]
check("create_backup: AVAILABLE", details["BackupStatus"] == "AVAILABLE", details)
check("create_backup: BackupCreationDateTime parses as a datetime",
      isinstance(details["BackupCreationDateTime"], datetime.datetime) and
      abs((details["BackupCreationDateTime"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) < 60,
      details.get("BackupCreationDateTime"))
check("create_backup: BackupType USER, a size", details["BackupType"] == "USER" and
      isinstance(details["BackupSizeBytes"], int), details)
check("create_backup: the ARN names the table", ":table/TaskApp/backup/" in arn, arn)

desc = client.describe_backup(BackupArn=arn)["BackupDescription"]
source = desc["SourceTableDetails"]
check("describe_backup: SourceTableDetails", source["TableName"] == "TaskApp" and
      source["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}] and
      source["ItemCount"] == 20 and source["BillingMode"] == "PAY_PER_REQUEST" and
      isinstance(source["TableCreationDateTime"], datetime.datetime), source)
features = desc["SourceTableFeatureDetails"]
check("describe_backup: the GSI in SourceTableFeatureDetails",
      [g["IndexName"] for g in features.get("GlobalSecondaryIndexes", [])] == ["by_owner"], features)

listed = client.list_backups(TableName="TaskApp")["BackupSummaries"]
check("list_backups by table", [b["BackupArn"] for b in listed] == [arn] and
      listed[0]["BackupName"] == "TaskApp-before-migration" and
      isinstance(listed[0]["BackupCreationDateTime"], datetime.datetime) and
      listed[0]["TableArn"].endswith(":table/TaskApp"), listed)
after = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=2)
ranged = client.list_backups(TimeRangeLowerBound=before, TimeRangeUpperBound=after,
                             BackupType="USER")["BackupSummaries"]
check("list_backups with a time range of datetimes", arn in [b["BackupArn"] for b in ranged], ranged)
check("list_backups with a range before it", client.list_backups(
    TableName="TaskApp", TimeRangeUpperBound=before)["BackupSummaries"] == [])
second = client.create_backup(TableName="TaskApp", BackupName="TaskApp-second")["BackupDetails"]["BackupArn"]
pages = list(client.get_paginator("list_backups").paginate(
    TableName="TaskApp", PaginationConfig={"PageSize": 1}))
check("the list_backups paginator, a page per backup",
      [b["BackupArn"] for p in pages for b in p["BackupSummaries"]] == [arn, second], pages)

# the change goes wrong; restore under a new name, and wait for it
client.delete_item(TableName="TaskApp", Key={"id": {"S": "task00"}})
client.update_item(TableName="TaskApp", Key={"id": {"S": "task01"}},
                   UpdateExpression="SET done = :t", ExpressionAttributeValues={":t": {"BOOL": True}})
resp = client.restore_table_from_backup(TargetTableName="TaskApp-restored", BackupArn=arn)
td = resp["TableDescription"]
check("restore_table_from_backup: TableDescription with RestoreSummary",
      td["TableName"] == "TaskApp-restored" and td["RestoreSummary"]["SourceBackupArn"] == arn and
      isinstance(td["RestoreSummary"]["RestoreDateTime"], datetime.datetime) and
      td["RestoreSummary"]["RestoreInProgress"] in (True, False), td.get("RestoreSummary"))
client.get_waiter("table_exists").wait(TableName="TaskApp-restored", WaiterConfig=FAST)
check("the restored table: ACTIVE, RestoreInProgress false",
      client.describe_table(TableName="TaskApp-restored")["Table"]["RestoreSummary"]["RestoreInProgress"] is False)
check("the restored table holds the backup's items", scan_all("TaskApp-restored") == original)
by_owner = client.query(TableName="TaskApp-restored", IndexName="by_owner",
                        KeyConditionExpression="#o = :o", ExpressionAttributeNames={"#o": "owner"},
                        ExpressionAttributeValues={":o": {"S": "u0"}})
check("the restored table's GSI", by_owner["Count"] == 7, by_owner["Count"])

resp = client.restore_table_from_backup(
    TargetTableName="TaskApp-provisioned", BackupArn=arn, BillingModeOverride="PROVISIONED",
    ProvisionedThroughputOverride={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    GlobalSecondaryIndexOverride=[])
client.get_waiter("table_exists").wait(TableName="TaskApp-provisioned", WaiterConfig=FAST)
t = client.describe_table(TableName="TaskApp-provisioned")["Table"]
check("a restore with overrides", t["ProvisionedThroughput"]["ReadCapacityUnits"] == 5 and
      "GlobalSecondaryIndexes" not in t, t)

check("a restore onto an existing table: TableAlreadyExistsException",
      error_code(client.restore_table_from_backup, TargetTableName="TaskApp", BackupArn=arn)
      == "TableAlreadyExistsException")
missing = arn[:-8] + "00000000"
try:
    client.describe_backup(BackupArn=missing)
    check("describe_backup of an unknown backup: client.exceptions.BackupNotFoundException", False)
except client.exceptions.BackupNotFoundException:
    check("describe_backup of an unknown backup: client.exceptions.BackupNotFoundException", True)
check("create_backup of an unknown table: TableNotFoundException",
      error_code(client.create_backup, TableName="TaskApp-none", BackupName="x-y-z")
      == "TableNotFoundException")

deleted = client.delete_backup(BackupArn=second)["BackupDescription"]["BackupDetails"]
check("delete_backup: DELETED", deleted["BackupStatus"] == "DELETED", deleted)
check("describe_backup after delete_backup: BackupNotFoundException",
      error_code(client.describe_backup, BackupArn=second) == "BackupNotFoundException")

# --- a large table: backed up and restored by the background worker ---
client.create_table(TableName="TaskAppLarge", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                    BillingMode="PAY_PER_REQUEST")
client.get_waiter("table_exists").wait(TableName="TaskAppLarge", WaiterConfig=FAST)
sql("SELECT count(ddb.put_item(jsonb_build_object('TableName', 'TaskAppLarge', 'Item',"
    " jsonb_build_object('id', jsonb_build_object('S', 'big' || lpad(i::text, 5, '0')),"
    "                    'n', jsonb_build_object('N', i::text)))))"
    " FROM generate_series(1, 10001) i")
large = client.create_backup(TableName="TaskAppLarge", BackupName="TaskAppLarge-nightly")["BackupDetails"]
check("create_backup of a large table: CREATING", large["BackupStatus"] == "CREATING", large)
for _ in range(600):
    status = client.describe_backup(BackupArn=large["BackupArn"])["BackupDescription"]["BackupDetails"]["BackupStatus"]
    if status == "AVAILABLE":
        break
    time.sleep(0.1)
check("the large backup becomes AVAILABLE", status == "AVAILABLE", status)
td = client.restore_table_from_backup(TargetTableName="TaskAppLarge-restored",
                                      BackupArn=large["BackupArn"])["TableDescription"]
check("restore of the large backup: CREATING, RestoreInProgress",
      td["TableStatus"] == "CREATING" and td["RestoreSummary"]["RestoreInProgress"] is True, td.get("TableStatus"))
code = error_code(client.get_item, TableName="TaskAppLarge-restored", Key={"id": {"S": "big00001"}})
check("get_item while it is CREATING: ResourceNotFoundException (or done already)",
      code in ("ResourceNotFoundException", None), code)
client.get_waiter("table_exists").wait(TableName="TaskAppLarge-restored", WaiterConfig=FAST)
check("the table_exists waiter waits out the restore",
      client.describe_table(TableName="TaskAppLarge-restored")["Table"]["RestoreSummary"]["RestoreInProgress"] is False)
check("the large restore's items", client.scan(TableName="TaskAppLarge-restored", Select="COUNT")["Count"] == 10001)

# --- point-in-time recovery ---
resp = client.update_continuous_backups(
    TableName="TaskApp", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
pitr = resp["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
check("update_continuous_backups: ENABLED", pitr["PointInTimeRecoveryStatus"] == "ENABLED" and
      resp["ContinuousBackupsDescription"]["ContinuousBackupsStatus"] == "ENABLED", resp)
check("EarliestRestorableDateTime parses as a datetime",
      isinstance(pitr["EarliestRestorableDateTime"], datetime.datetime), pitr)
time.sleep(1.1)
client.put_item(TableName="TaskApp", Item={"id": {"S": "task20"}, "owner": {"S": "u2"}})
time.sleep(1.2)
# the mistake: after a whole second (boto3 sends RestoreDateTime in whole seconds)
before_mistake = datetime.datetime.now(datetime.timezone.utc)
time.sleep(1.1)
good = scan_all("TaskApp")
for item in good[:5]:
    client.delete_item(TableName="TaskApp", Key={"id": item["id"]})
time.sleep(1.2)
desc = client.describe_continuous_backups(TableName="TaskApp")["ContinuousBackupsDescription"]
pitr = desc["PointInTimeRecoveryDescription"]
check("describe_continuous_backups: the window", pitr["PointInTimeRecoveryStatus"] == "ENABLED" and
      pitr["EarliestRestorableDateTime"] <= before_mistake <= pitr["LatestRestorableDateTime"], pitr)

td = client.restore_table_to_point_in_time(SourceTableName="TaskApp", TargetTableName="TaskApp-before-mistake",
                                           RestoreDateTime=before_mistake)["TableDescription"]
check("restore_table_to_point_in_time by a datetime: RestoreSummary",
      td["RestoreSummary"]["SourceTableArn"].endswith(":table/TaskApp") and
      "SourceBackupArn" not in td["RestoreSummary"] and
      int(td["RestoreSummary"]["RestoreDateTime"].timestamp()) == int(before_mistake.timestamp()), td["RestoreSummary"])
client.get_waiter("table_exists").wait(TableName="TaskApp-before-mistake", WaiterConfig=FAST)
check("the table as it was before the mistake", scan_all("TaskApp-before-mistake") == good)

td = client.restore_table_to_point_in_time(SourceTableArn=client.describe_table(TableName="TaskApp")["Table"]["TableArn"],
                                           TargetTableName="TaskApp-latest",
                                           UseLatestRestorableTime=True)["TableDescription"]
dynamodb.Table("TaskApp-latest").wait_until_exists(WaiterConfig=FAST)
check("restore_table_to_point_in_time at the latest time, by ARN", scan_all("TaskApp-latest") == scan_all("TaskApp"))

check("a time before the window: InvalidRestoreTimeException",
      error_code(client.restore_table_to_point_in_time, SourceTableName="TaskApp", TargetTableName="TaskApp-x",
                 RestoreDateTime=datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc))
      == "InvalidRestoreTimeException")
check("a table without point-in-time recovery: PointInTimeRecoveryUnavailableException",
      error_code(client.restore_table_to_point_in_time, SourceTableName="TaskApp-restored",
                 TargetTableName="TaskApp-x", UseLatestRestorableTime=True)
      == "PointInTimeRecoveryUnavailableException")
check("an unknown source: TableNotFoundException",
      error_code(client.restore_table_to_point_in_time, SourceTableName="TaskApp-none",
                 TargetTableName="TaskApp-x", UseLatestRestorableTime=True) == "TableNotFoundException")

# a large source: restored by the worker, CREATING until then
client.update_continuous_backups(TableName="TaskAppLarge",
                                 PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
time.sleep(1.2)
td = client.restore_table_to_point_in_time(SourceTableName="TaskAppLarge", TargetTableName="TaskAppLarge-pitr",
                                           UseLatestRestorableTime=True)["TableDescription"]
check("a large point-in-time restore: CREATING, RestoreInProgress",
      td["TableStatus"] == "CREATING" and td["RestoreSummary"]["RestoreInProgress"] is True, td.get("TableStatus"))
client.put_item(TableName="TaskAppLarge", Item={"id": {"S": "later"}})
client.get_waiter("table_exists").wait(TableName="TaskAppLarge-pitr", WaiterConfig=FAST)
check("the large point-in-time restore, without the later write",
      client.scan(TableName="TaskAppLarge-pitr", Select="COUNT")["Count"] == 10001 and
      "Item" not in client.get_item(TableName="TaskAppLarge-pitr", Key={"id": {"S": "later"}}))

resp = client.update_continuous_backups(
    TableName="TaskApp", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False})
check("update_continuous_backups: DISABLED",
      resp["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "DISABLED")

client.delete_backup(BackupArn=arn)
client.delete_backup(BackupArn=large["BackupArn"])
cleanup()
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
