#!/usr/bin/env bash
# export_layout: ExportTableToPointInTime writes DynamoDB's documented
# export layout, and the items of the table as of ExportTime. A table with
# point-in-time recovery holds 1,500 items (more than one batch of the
# worker's cursor) of every type: strings with U+0000 (in values, set
# members, map keys and attribute names), binaries, SS/NS/BS sets, numbers
# of full precision, nested maps and lists, BOOL and NULL. Its state is
# scanned and the instant noted; then items are updated, deleted and added.
# An export at that instant, one at the latest time, and an incremental
# export of the changes since that instant are checked with python3: the manifests' fields, the checksum files, each data file's MD5
# against manifest-files.json, every data line an {"Item": ...} object,
# the item counts, and the items equal to the scans (the incremental
# export: one line per changed item, with its keys, old and new images). A bucket that is a
# symlink out of ddb.export_directory makes the export FAILED and writes
# nothing outside it.
# Needs PGHOST, PGPORT, PGUSER and PGBIN (the server's bin directory), a
# TMPDIR the server can write, and track_commit_timestamp = on.
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
db=ddb_export_layout
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/exports
mkdir -p "$root" "$work/outside"
ln -s "$work/outside" "$root/escape"

psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
fail() { echo "export_layout: $*" >&2; exit 1; }
arn_prefix="arn:aws:dynamodb:us-east-1:000000000000:table/ex_layout"

"$bin/dropdb" --if-exists "$db" 2>/dev/null
"$bin/createdb" "$db"

psql -o /dev/null <<'SQL'
CREATE EXTENSION ddb;
SELECT ddb.create_table('ex_layout', partition_key => 'pk', sort_key => 'sk', sort_key_type => 'N');
SELECT ddb.update_continuous_backups('{"TableName": "ex_layout",
    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}');
SELECT ddb.put_item(jsonb_build_object('TableName', 'ex_layout', 'Item', jsonb_build_object(
    'pk', jsonb_build_object('S', 'item#' || (i % 50)),
    'sk', jsonb_build_object('N', i::text),
    'n', jsonb_build_object('N', '-12345678901234567890123456789012.' || i),
    'small', jsonb_build_object('N', '1E-130'),
    'b', jsonb_build_object('B', encode(sha256(i::text::bytea), 'base64')),
    'ss', jsonb_build_object('SS', jsonb_build_array('x' || i, 'y' || i)),
    'ns', jsonb_build_object('NS', jsonb_build_array(i::text, (i * 1000)::text, '0.5')),
    'bs', jsonb_build_object('BS', jsonb_build_array('AAE=', encode(int4send(i), 'base64'))),
    'm', jsonb_build_object('M', jsonb_build_object('l', jsonb_build_object('L', jsonb_build_array(
        jsonb_build_object('BOOL', i % 2 = 0), jsonb_build_object('NULL', true),
        jsonb_build_object('S', 'é ü 日本 ' || repeat('z', i % 30))))))
    )))
  FROM generate_series(1, 1500) i;
SQL
# strings with U+0000 and U+0001, through the text entry
psql -o /dev/null <<'SQL'
SELECT ddb.call_text('PutItem', '{"TableName": "ex_layout", "Item": {"pk": {"S": "nul\u0000key"}, "sk": {"N": "0"},
    "v\u0000name": {"S": "a\u0000b\u0001c"}, "ss": {"SS": ["\u0000", "\u0000\u0000", "\u0001"]},
    "m": {"M": {"k\u0000": {"L": [{"S": "\u0000"}]}}}}}');
SELECT ddb.call_text('PutItem', '{"TableName": "ex_layout", "Item": {"pk": {"S": "\u0000"}, "sk": {"N": "-1"}, "e": {"S": ""}}}');
SQL

scan() {
    psql -At -c "SELECT ddb.call_text('Scan', '{\"TableName\": \"ex_layout\"}')" >"$1"
}

# the state at the first instant, then later writes
scan "$work/scan1.json"
t1=$(psql -At -c "SELECT round(extract(epoch FROM clock_timestamp()), 3)")
sleep 1.2
psql -o /dev/null <<'SQL'
SELECT ddb.update('ex_layout', jsonb_build_object('pk', 'item#' || (i % 50), 'sk', i), 'SET v = :v', '{":v": "changed"}')
  FROM generate_series(1, 1500, 7) i;
SELECT ddb.delete('ex_layout', jsonb_build_object('pk', 'item#' || (i % 50), 'sk', i))
  FROM generate_series(2, 1500, 11) i;
SELECT ddb.put('ex_layout', jsonb_build_object('pk', 'new', 'sk', i)) FROM generate_series(1, 20) i;
SELECT ddb.call_text('DeleteItem', '{"TableName": "ex_layout", "Key": {"pk": {"S": "\u0000"}, "sk": {"N": "-1"}}}');
SQL
scan "$work/scan2.json"

# export: prints the ExportArn
export_at() {
    local body=$1
    psql -At <<SQL
SET ddb.export_directory = '$root';
SELECT ddb.export_table_to_point_in_time('$body') -> 'ExportDescription' ->> 'ExportArn';
SQL
}
# the description once the worker is done
wait_export() {
    local i status
    for i in $(seq 1 300); do
        status=$(psql -At -c "SELECT ddb.describe_export(jsonb_build_object('ExportArn', '$1')) -> 'ExportDescription' ->> 'ExportStatus'")
        [ "$status" != IN_PROGRESS ] && break
        sleep 0.2
    done
    psql -At -c "SELECT ddb.describe_export(jsonb_build_object('ExportArn', '$1'))"
}

arn1=$(export_at "{\"TableArn\": \"$arn_prefix\", \"S3Bucket\": \"layout-bucket\", \"S3Prefix\": \"exports/at-t1\", \"ExportTime\": $t1}")
sleep 1.2
arn2=$(export_at "{\"TableArn\": \"$arn_prefix\", \"S3Bucket\": \"layout-bucket\"}")
arn3=$(export_at "{\"TableArn\": \"$arn_prefix\", \"S3Bucket\": \"escape\"}")
arn4=$(export_at "{\"TableArn\": \"$arn_prefix\", \"S3Bucket\": \"layout-bucket\", \"S3Prefix\": \"incremental\",
    \"ExportType\": \"INCREMENTAL_EXPORT\", \"IncrementalExportSpecification\": {\"ExportFromTime\": $t1}}")
wait_export "$arn1" >"$work/describe1.json"
wait_export "$arn2" >"$work/describe2.json"
wait_export "$arn3" >"$work/describe3.json"
wait_export "$arn4" >"$work/describe4.json"

python3 - "$root" "$work" "$t1" <<'PY' || fail "the export's layout or items are wrong (above)"
import base64, gzip, hashlib, json, os, re, stat, sys

root, work, t1 = sys.argv[1], sys.argv[2], float(sys.argv[3])
errors = []

def check(cond, what):
    if not cond:
        errors.append(what)

def canonical(item):
    return json.dumps(item, sort_keys=True, ensure_ascii=False)

def scan_items(path):
    page = json.load(open(path, encoding="utf-8"))
    check("LastEvaluatedKey" not in page, f"{path}: the scan has more than one page")
    return sorted(canonical(i) for i in page["Items"])

iso = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

def keyof(item):
    return (item["pk"]["S"], item["sk"]["N"])

def check_export(describe_path, scan_path, prefix, export_time=None, old_scan_path=None):
    incremental = old_scan_path is not None
    d = json.load(open(describe_path))["ExportDescription"]
    arn = d["ExportArn"]
    check(d["ExportStatus"] == "COMPLETED", f"{arn}: status {d['ExportStatus']}: {d.get('FailureMessage')}")
    if d["ExportStatus"] != "COMPLETED":
        return
    export_id = arn.split("/export/")[1]
    check(re.fullmatch(r"\d{14}-[0-9a-f]{8}", export_id) is not None, f"{arn}: ExportId {export_id}")
    key_prefix = (prefix + "/" if prefix else "") + "AWSDynamoDB/" + export_id + "/"
    bucket_dir = os.path.join(root, d["S3Bucket"])
    export_dir = os.path.join(bucket_dir, key_prefix)
    check(d["ExportManifest"] == key_prefix + "manifest-summary.json", f"{arn}: ExportManifest {d['ExportManifest']}")
    if export_time is not None and not incremental:
        check(abs(d["ExportTime"] - export_time) < 0.0015, f"{arn}: ExportTime {d['ExportTime']} is not {export_time}")
    if incremental:
        spec = d["IncrementalExportSpecification"]
        check(abs(spec["ExportFromTime"] - export_time) < 0.0015, f"{arn}: ExportFromTime {spec}")
        check(spec["ExportViewType"] == "NEW_AND_OLD_IMAGES" and "ExportTime" not in d, f"{arn}: {spec}")

    # the layout: these files and the data directory, nothing else
    names = sorted(os.listdir(export_dir))
    check(names == ["_started", "data", "manifest-files.checksum", "manifest-files.json",
                    "manifest-summary.checksum", "manifest-summary.json"], f"{arn}: files {names}")
    check(os.path.getsize(os.path.join(export_dir, "_started")) == 0, f"{arn}: _started is not empty")
    for dirpath, dirnames, filenames in os.walk(bucket_dir):
        for n in dirnames:
            mode = stat.S_IMODE(os.lstat(os.path.join(dirpath, n)).st_mode)
            check(mode & 0o027 == 0, f"{arn}: directory {n} has mode {oct(mode)}")
        for n in filenames:
            mode = stat.S_IMODE(os.lstat(os.path.join(dirpath, n)).st_mode)
            check(mode & 0o137 == 0, f"{arn}: file {n} has mode {oct(mode)}")

    # the checksum files: the hex MD5 of their manifests
    for m in ("manifest-summary", "manifest-files"):
        body = open(os.path.join(export_dir, m + ".json"), "rb").read()
        checksum = open(os.path.join(export_dir, m + ".checksum")).read().strip()
        check(checksum == hashlib.md5(body).hexdigest(), f"{arn}: {m}.checksum does not match")

    summary = json.load(open(os.path.join(export_dir, "manifest-summary.json")))
    expected_keys = {"version", "exportArn", "startTime", "endTime", "tableArn", "tableId",
                     "s3Bucket", "s3Prefix", "s3SseAlgorithm", "s3SseKmsKeyId", "manifestFilesS3Key",
                     "billedSizeBytes", "itemCount", "outputFormat", "exportType"}
    if incremental:
        expected_keys |= {"exportFromTime", "exportToTime", "outputView"}
    else:
        expected_keys |= {"exportTime"}
    check(set(summary) == expected_keys, f"{arn}: manifest-summary.json keys {sorted(summary)}")
    check(summary["version"] == ("2023-08-01" if incremental else "2020-06-30"), f"{arn}: version {summary['version']}")
    check(summary["exportArn"] == arn, f"{arn}: exportArn {summary['exportArn']}")
    check(summary["tableArn"] == d["TableArn"] and summary["tableId"] == d["TableId"], f"{arn}: table")
    check(summary["s3Bucket"] == d["S3Bucket"] and summary["s3Prefix"] == (prefix or None), f"{arn}: bucket/prefix")
    check(summary["outputFormat"] == "DYNAMODB_JSON"
          and summary["exportType"] == ("INCREMENTAL_EXPORT" if incremental else "FULL_EXPORT"), f"{arn}: format/type")
    if incremental:
        check(summary["outputView"] == "NEW_AND_OLD_IMAGES", f"{arn}: outputView")
    check(summary["manifestFilesS3Key"] == key_prefix + "manifest-files.json", f"{arn}: manifestFilesS3Key")
    for k in ("startTime", "endTime") + (("exportFromTime", "exportToTime") if incremental else ("exportTime",)):
        check(iso.match(summary[k]) is not None, f"{arn}: {k} {summary[k]}")
    check(summary["itemCount"] == d["ItemCount"], f"{arn}: itemCount {summary['itemCount']} vs ItemCount {d['ItemCount']}")
    check(summary["billedSizeBytes"] == d["BilledSizeBytes"] and summary["billedSizeBytes"] > 0, f"{arn}: billedSizeBytes")
    changes = []

    # each data file: its MD5, its lines, its count
    items = []
    files = [json.loads(line) for line in open(os.path.join(export_dir, "manifest-files.json"))]
    check(len(files) >= 1, f"{arn}: no data file")
    for f in files:
        check(set(f) == {"itemCount", "md5Checksum", "etag", "dataFileS3Key"}, f"{arn}: manifest-files line {f}")
        key = f["dataFileS3Key"]
        check(re.fullmatch(re.escape(key_prefix) + r"data/[a-z0-9]{26}\.json\.gz", key) is not None, f"{arn}: key {key}")
        raw = open(os.path.join(bucket_dir, key), "rb").read()
        md5 = hashlib.md5(raw)
        check(f["md5Checksum"] == base64.b64encode(md5.digest()).decode(), f"{arn}: md5Checksum of {key}")
        check(f["etag"] == md5.hexdigest(), f"{arn}: etag of {key}")
        lines = gzip.decompress(raw).decode("utf-8").splitlines()
        check(len(lines) == f["itemCount"], f"{arn}: {key} has {len(lines)} lines, itemCount {f['itemCount']}")
        for line in lines:
            record = json.loads(line)
            if incremental:
                check(list(record)[:2] == ["Metadata", "Keys"] and set(record) <= {"Metadata", "Keys", "OldImage", "NewImage"}
                      and re.fullmatch(r"\d{16}", record["Metadata"]["WriteTimeMicros"]["N"]) is not None,
                      f"{arn}: a line is not a change: {line[:120]}")
                changes.append(record)
                continue
            check(list(record) == ["Item"], f"{arn}: a line is not an Item: {line[:80]}")
            items.append(canonical(record["Item"]))
    check(sum(f["itemCount"] for f in files) == summary["itemCount"], f"{arn}: item counts")
    if incremental:
        # one change per item that differs between the two scans
        old = {keyof(i): i for i in json.load(open(old_scan_path, encoding="utf-8"))["Items"]}
        new = {keyof(i): i for i in json.load(open(scan_path, encoding="utf-8"))["Items"]}
        expected = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
        got = {}
        for c in changes:
            k = keyof(c["Keys"])
            check(k not in got, f"{arn}: two changes of {k}")
            got[k] = c
        check(set(got) == expected, f"{arn}: changed keys: {len(got)} exported, {len(expected)} expected")
        for k, c in got.items():
            check(c.get("OldImage") == old.get(k), f"{arn}: OldImage of {k}")
            check(c.get("NewImage") == new.get(k), f"{arn}: NewImage of {k}")
            check(c["Keys"] == {"pk": (new.get(k) or old.get(k))["pk"], "sk": (new.get(k) or old.get(k))["sk"]},
                  f"{arn}: Keys of {k}")
        check(any("OldImage" not in c for c in changes) and any("NewImage" not in c for c in changes)
              and any("OldImage" in c and "NewImage" in c for c in changes), f"{arn}: not every kind of change")
        return
    expected = scan_items(scan_path)
    items.sort()
    check(items == expected, f"{arn}: the items differ from the table's: {len(items)} exported, {len(expected)} expected, "
          f"missing {[i for i in expected if i not in set(items)][:2]}, extra {[i for i in items if i not in set(expected)][:2]}")
    # json.dumps writes U+0000 as \u0000
    check(any("\\u0000" in i for i in items), f"{arn}: no U+0000 string exported")

check_export(os.path.join(work, "describe1.json"), os.path.join(work, "scan1.json"), "exports/at-t1", t1)
check_export(os.path.join(work, "describe2.json"), os.path.join(work, "scan2.json"), None)
check_export(os.path.join(work, "describe4.json"), os.path.join(work, "scan2.json"), "incremental", t1,
             os.path.join(work, "scan1.json"))
check(len(scan_items(os.path.join(work, "scan1.json"))) != len(scan_items(os.path.join(work, "scan2.json"))),
      "the later writes changed nothing")

# a bucket that is a symlink out of the root: FAILED, nothing written there
d3 = json.load(open(os.path.join(work, "describe3.json")))["ExportDescription"]
check(d3["ExportStatus"] == "FAILED" and d3.get("FailureCode") == "ExportDirectoryError", f"escape: {d3}")
check(os.listdir(os.path.join(work, "outside")) == [], "escape: files were written outside the root")

if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)
print("export_layout: ok")
PY

"$bin/dropdb" "$db"
