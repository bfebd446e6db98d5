#!/usr/bin/python3
"""Exports to "S3" through ddb's HTTP endpoint with boto3.

Run by test/http_backups_boto3.sh, which creates the role and access key,
points ddb.export_directory at a scratch directory (the stand-in for S3)
and passes them in the environment:
  DDB_HTTP_PORT          the endpoint's port (localhost)
  DDB_KEY, DDB_SECRET    key of role http_backups (may create tables and
                         write server files)
  DDB_EXPORT_ROOT        the directory ddb.export_directory names
The flows of AWS's export documentation, as its Python examples write
them: update_continuous_backups to enable point-in-time recovery,
export_table_to_point_in_time (TableArn, ExportTime, S3Bucket, S3Prefix,
S3SseAlgorithm, ExportFormat='DYNAMODB_JSON'), describe_export polled
until COMPLETED, list_exports, an incremental export
(ExportType='INCREMENTAL_EXPORT' with IncrementalExportSpecification),
the files under <root>/<bucket>/<prefix>/AWSDynamoDB/<ExportId>/, and the
errors the SDK maps to its exception classes.
Prints one line per check and 'N passed, N failed' at the end.
"""
import datetime
import glob
import gzip
import json
import os
import sys
import time

import boto3
import botocore
from botocore.config import Config

PORT = int(os.environ["DDB_HTTP_PORT"])
ENDPOINT = "http://localhost:%d" % PORT
KEY, SECRET = os.environ["DDB_KEY"], os.environ["DDB_SECRET"]
ROOT = os.environ["DDB_EXPORT_ROOT"]
BUCKET, PREFIX = "taskapp-exports", "lab/2026"

passed = 0
failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print("ok     export: %s" % name)
    else:
        failed += 1
        print("FAILED export: %s %s" % (name, detail))


session = boto3.session.Session(aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                                region_name="us-east-1")
client = session.client("dynamodb", endpoint_url=ENDPOINT, config=Config(retries={"max_attempts": 1}))
UTC = datetime.timezone.utc
# botocore before September 2023 knows no ExportType nor incremental exports
SDK_HAS_INCREMENTAL = "ExportType" in client.meta.service_model.operation_model(
    "ExportTableToPointInTime").input_shape.members


def wait_for_export(export_arn):
    """Poll describe_export while the export is IN_PROGRESS, as the docs do."""
    for _ in range(600):
        description = client.describe_export(ExportArn=export_arn)["ExportDescription"]
        if description["ExportStatus"] != "IN_PROGRESS":
            return description
        time.sleep(0.1)
    return description


def export_files(export_arn):
    """The export's directory, its manifest-summary.json and its data lines."""
    export_id = export_arn.rsplit("/", 1)[1]
    directory = os.path.join(ROOT, BUCKET, PREFIX, "AWSDynamoDB", export_id)
    summary_path = os.path.join(directory, "manifest-summary.json")
    summary = json.load(open(summary_path)) if os.path.exists(summary_path) else {}
    lines = []
    for path in glob.glob(os.path.join(directory, "data", "*.json.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as data:
            lines.extend(json.loads(line) for line in data if line.strip())
    return directory, summary, lines


for name in client.list_tables()["TableNames"]:
    if name == "TaskAppExport":
        client.delete_table(TableName=name)
table = client.create_table(
    TableName="TaskAppExport", BillingMode="PAY_PER_REQUEST",
    KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])["TableDescription"]
client.get_waiter("table_exists").wait(TableName="TaskAppExport", WaiterConfig={"Delay": 1, "MaxAttempts": 60})
table_arn = table["TableArn"]
for i in range(1, 6):
    client.put_item(TableName="TaskAppExport",
                    Item={"id": {"S": "task%d" % i}, "title": {"S": "Task %d" % i}, "done": {"BOOL": i % 2 == 0}})

# A table without point-in-time recovery cannot be exported
try:
    client.export_table_to_point_in_time(TableArn=table_arn, S3Bucket=BUCKET, S3Prefix=PREFIX,
                                         ExportFormat="DYNAMODB_JSON")
    check("a table without point-in-time recovery: PointInTimeRecoveryUnavailableException", False)
except client.exceptions.PointInTimeRecoveryUnavailableException:
    check("a table without point-in-time recovery: PointInTimeRecoveryUnavailableException", True)

resp = client.update_continuous_backups(
    TableName="TaskAppExport", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
check("update_continuous_backups: ENABLED",
      resp["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED")
time.sleep(1.2)
export_time = datetime.datetime.now(UTC)
time.sleep(1.2)
# changed after the export time: not in the full export, in the incremental one
client.put_item(TableName="TaskAppExport", Item={"id": {"S": "task6"}, "title": {"S": "Task 6"}})
client.delete_item(TableName="TaskAppExport", Key={"id": {"S": "task1"}})
time.sleep(1.2)

# The full export, as the documentation writes it
resp = client.export_table_to_point_in_time(
    TableArn=table_arn,
    ExportTime=export_time,
    S3Bucket=BUCKET,
    S3Prefix=PREFIX,
    S3SseAlgorithm="AES256",
    ExportFormat="DYNAMODB_JSON")
started = resp["ExportDescription"]
export_arn = started["ExportArn"]
check("export_table_to_point_in_time: IN_PROGRESS, FULL_EXPORT",
      started["ExportStatus"] == "IN_PROGRESS" and started.get("ExportType", "FULL_EXPORT") == "FULL_EXPORT" and
      started["ExportArn"].startswith(table_arn + "/export/"), started)
# botocore sends a datetime as whole seconds
check("export_table_to_point_in_time: times parsed as datetimes",
      isinstance(started["StartTime"], datetime.datetime) and isinstance(started["ExportTime"], datetime.datetime) and
      abs((started["ExportTime"] - export_time).total_seconds()) < 1, started)

description = wait_for_export(export_arn)
check("describe_export: COMPLETED", description["ExportStatus"] == "COMPLETED", description)
check("describe_export: the request echoed",
      (description["TableArn"], description["S3Bucket"], description["S3Prefix"], description["S3SseAlgorithm"],
       description["ExportFormat"]) == (table_arn, BUCKET, PREFIX, "AES256", "DYNAMODB_JSON"), description)
check("describe_export: ItemCount, EndTime after StartTime",
      description.get("ItemCount") == 5 and description["EndTime"] >= description["StartTime"], description)
directory, summary, lines = export_files(export_arn)
check("describe_export: ExportManifest names manifest-summary.json",
      description.get("ExportManifest") ==
      "%s/AWSDynamoDB/%s/manifest-summary.json" % (PREFIX, export_arn.rsplit("/", 1)[1]), description)
check("the files landed under <root>/<bucket>/<prefix>/AWSDynamoDB/<id>/",
      os.path.isdir(os.path.join(directory, "data")) and
      os.path.exists(os.path.join(directory, "manifest-files.json")), directory)
check("manifest-summary.json: itemCount, exportArn, outputFormat",
      summary.get("itemCount") == 5 and summary.get("exportArn") == export_arn and
      summary.get("outputFormat") == "DYNAMODB_JSON", summary)
expected = {"task%d" % i: {"id": {"S": "task%d" % i}, "title": {"S": "Task %d" % i}, "done": {"BOOL": i % 2 == 0}}
            for i in range(1, 6)}
check("data/*.json.gz: an {\"Item\": ...} line per item as of ExportTime",
      {line["Item"]["id"]["S"]: line["Item"] for line in lines} == expected and len(lines) == 5, lines)

# (the ARN is the table's name: exports of an earlier table of that name are listed too)
summaries = client.list_exports(TableArn=table_arn)["ExportSummaries"]
check("list_exports: the export, COMPLETED",
      [(s["ExportStatus"], s.get("ExportType", "FULL_EXPORT")) for s in summaries if s["ExportArn"] == export_arn] ==
      [("COMPLETED", "FULL_EXPORT")], summaries)

# The incremental export of the changes since ExportTime
export_arns = [export_arn]
if not SDK_HAS_INCREMENTAL:
    print("skip   export: an incremental export (botocore %s predates them)" % botocore.__version__)
else:
    resp = client.export_table_to_point_in_time(
        TableArn=table_arn,
        IncrementalExportSpecification={
            "ExportFromTime": export_time,
            "ExportToTime": datetime.datetime.now(UTC),
            "ExportViewType": "NEW_AND_OLD_IMAGES"},
        S3Bucket=BUCKET,
        S3Prefix=PREFIX,
        S3SseAlgorithm="AES256",
        ExportFormat="DYNAMODB_JSON",
        ExportType="INCREMENTAL_EXPORT")
    incremental_arn = resp["ExportDescription"]["ExportArn"]
    description = wait_for_export(incremental_arn)
    spec = description.get("IncrementalExportSpecification", {})
    check("an incremental export: COMPLETED, its specification as datetimes",
          description["ExportStatus"] == "COMPLETED" and description["ExportType"] == "INCREMENTAL_EXPORT" and
          isinstance(spec.get("ExportFromTime"), datetime.datetime) and spec.get("ExportViewType") == "NEW_AND_OLD_IMAGES" and
          "ExportTime" not in description, description)
    directory, summary, lines = export_files(incremental_arn)
    changes = {line["Keys"]["id"]["S"]: line for line in lines}
    check("the incremental export's lines: task6 created, task1 deleted",
          sorted(changes) == ["task1", "task6"] and "OldImage" not in changes["task6"] and
          changes["task6"]["NewImage"]["title"] == {"S": "Task 6"} and "NewImage" not in changes["task1"] and
          changes["task1"]["OldImage"]["title"] == {"S": "Task 1"} and summary.get("itemCount") == 2, lines)
    export_arns.append(incremental_arn)

# boto3 has no paginator for list_exports: NextToken by hand
listed, kwargs = [], {"TableArn": table_arn, "MaxResults": 1}
while True:
    page = client.list_exports(**kwargs)
    listed.append(page["ExportSummaries"])
    if "NextToken" not in page:
        break
    kwargs["NextToken"] = page["NextToken"]
check("list_exports, a page at a time (MaxResults, NextToken)",
      all(len(p) <= 1 for p in listed) and
      set(export_arns) <= set(s["ExportArn"] for p in listed for s in p), listed)

try:
    client.describe_export(ExportArn=table_arn + "/export/01700000000000-00000000")
    check("an unknown export: ExportNotFoundException", False)
except client.exceptions.ExportNotFoundException:
    check("an unknown export: ExportNotFoundException", True)
try:
    client.export_table_to_point_in_time(TableArn=table_arn, S3Bucket=BUCKET,
                                         ExportTime=datetime.datetime(2020, 1, 1, tzinfo=UTC))
    check("an ExportTime before the window: InvalidExportTimeException", False)
except client.exceptions.InvalidExportTimeException:
    check("an ExportTime before the window: InvalidExportTimeException", True)
try:
    client.export_table_to_point_in_time(TableArn=table_arn.replace("TaskAppExport", "TaskAppNone"), S3Bucket=BUCKET)
    check("an unknown table: TableNotFoundException", False)
except client.exceptions.TableNotFoundException:
    check("an unknown table: TableNotFoundException", True)

client.delete_table(TableName="TaskAppExport")
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
