/*-------------------------------------------------------------------------
 *
 * export.c
 *	  DynamoDB's table export: ExportTableToPointInTime, DescribeExport and
 *	  ListExports, and the background worker's unit of work that writes an
 *	  export's files.
 *
 * An export is a row of ddb.exports and a directory on the database
 * server, in DynamoDB's export layout, under the directory the superuser
 * setting ddb.export_directory names (the root):
 *
 *	  <root>/<S3Bucket>[/<S3Prefix>]/AWSDynamoDB/<ExportId>/
 *		  _started						empty, written first
 *		  data/<26 random [a-z0-9]>.json.gz
 *										gzip of one line per item:
 *										{"Item": {<DynamoDB JSON>}}
 *		  manifest-files.json			one line per data file: itemCount,
 *										md5Checksum (base64), etag (hex MD5),
 *										dataFileS3Key
 *		  manifest-files.checksum		hex MD5 of manifest-files.json
 *		  manifest-summary.json			version, exportArn, times, table,
 *										bucket, prefix, counts, format, type
 *		  manifest-summary.checksum		hex MD5 of manifest-summary.json
 *
 * S3 keys (dataFileS3Key, manifestFilesS3Key, ExportManifest) are relative
 * to the bucket, as in DynamoDB: "[<S3Prefix>/]AWSDynamoDB/<ExportId>/...".
 * An INCREMENTAL_EXPORT has the same files; its lines are one per item
 * changed in [ExportFromTime, ExportToTime):
 * {"Metadata":{"WriteTimeMicros":{"N":..}},"Keys":{..},"OldImage":{..},"NewImage":{..}}
 * (DdbPitrChangesQuery), and its summary is of version 2023-08-01.
 *
 * The request checks everything it can (parameters, the setting, the
 * table, privileges, point-in-time recovery, ExportTime within the window)
 * and records the export IN_PROGRESS; the worker then writes it in one
 * transaction: it reads the state of the table at ExportTime from the
 * point-in-time recovery base and history (DdbPitrStateQuery, the same
 * query a point-in-time restore fills a table from) through a cursor, a
 * batch of rows at a time, compressing each data file as it goes, so its
 * memory stays bounded whatever the table's size. Any error marks the
 * export FAILED with a FailureCode and FailureMessage (a shutdown instead
 * leaves it IN_PROGRESS, to be written again from the start).
 *
 * Paths never leave the root: the bucket has DynamoDB's pattern (letters,
 * digits, '.', '-', '_'), the prefix is refused when absolute or holding
 * an empty, "." or ".." name or a control character (U+0000 included),
 * directories are made one name at a time (0750, less the server's umask:
 * 0700 by default), files are created with O_EXCL (0640 less the umask,
 * never through a symlink), and the real path of the
 * export's directory must be under the real path of the root.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <zlib.h>

#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "common/base64.h"
#include "common/cryptohash.h"
#include "common/pg_prng.h"
#include "common/md5.h"
#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "postmaster/interrupt.h"
#include "storage/fd.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "backups/backups.h"
#include "catalog.h"
#include "errors.h"
#include "guc.h"
#include "item.h"
#include "json_util.h"
#include "operations.h"
#include "request.h"
#include "string_escape.h"
#include "worker/worker.h"

/* A ClientToken names the same export for this long after its request */
#define EXPORT_TOKEN_WINDOW "8 hours"

/* Uncompressed bytes after which a data file is closed and another begun */
#define EXPORT_FILE_BYTES ((int64) 256 * 1024 * 1024)

/* Rows the cursor fetches at a time */
#define EXPORT_BATCH_ROWS 1000

/* Bytes of compressed output buffered before a write */
#define EXPORT_ZBUF_SIZE 65536

/* ExportDescription of the export $1 */
static const char *const describe_sql =
"SELECT pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object("
"  'ExportArn', e.export_arn,"
"  'ExportStatus', e.status,"
"  'StartTime', pg_catalog.round(EXTRACT(epoch FROM e.start_time), 3),"
"  'EndTime', pg_catalog.round(EXTRACT(epoch FROM e.end_time), 3),"
"  'ExportManifest', CASE WHEN e.status OPERATOR(pg_catalog.=) 'COMPLETED' THEN"
"      pg_catalog.concat_ws('/', e.s3_prefix, 'AWSDynamoDB',"
"          pg_catalog.split_part(e.export_arn, '/export/', 2), 'manifest-summary.json') END,"
"  'TableArn', e.table_arn,"
"  'TableId', e.table_id::pg_catalog.text,"
"  'ExportTime', CASE WHEN e.export_type OPERATOR(pg_catalog.=) 'FULL_EXPORT' THEN"
"      pg_catalog.trunc(EXTRACT(epoch FROM e.export_time), 3) END,"
"  'IncrementalExportSpecification', CASE WHEN e.export_type OPERATOR(pg_catalog.=) 'INCREMENTAL_EXPORT' THEN"
"      pg_catalog.jsonb_build_object("
"          'ExportFromTime', pg_catalog.trunc(EXTRACT(epoch FROM e.export_from_time), 3),"
"          'ExportToTime', pg_catalog.trunc(EXTRACT(epoch FROM e.export_time), 3),"
"          'ExportViewType', e.export_view_type) END,"
"  'ClientToken', e.client_token,"
"  'S3Bucket', e.s3_bucket,"
"  'S3BucketOwner', e.s3_bucket_owner,"
"  'S3Prefix', e.s3_prefix,"
"  'S3SseAlgorithm', e.s3_sse_algorithm,"
"  'S3SseKmsKeyId', e.s3_sse_kms_key_id,"
"  'FailureCode', e.failure_code,"
"  'FailureMessage', e.failure_message,"
"  'ExportFormat', e.export_format,"
"  'BilledSizeBytes', e.billed_size_bytes,"
"  'ItemCount', e.item_count,"
"  'ExportType', e.export_type))"
" FROM ddb.exports e WHERE e.export_arn OPERATOR(pg_catalog.=) $1";

/*
 * {"ExportDescription": <the export's description>}, or NULL when the
 * export does not exist. The catalog is read as its owner: it names
 * directories on the server, which the API does not show.
 */
static Jsonb *
DescribeExportRow(const char *export_arn)
{
	const char *args[1] = {export_arn};
	DdbOwnerAccess owner_access;
	Jsonb	   *description;
	JsonbParseState *st = NULL;

	DdbCatalogBeginOwnerAccess(&owner_access);
	DdbExecuteText(describe_sql, 1, args, SPI_OK_SELECT);
	DdbCatalogEndOwnerAccess(&owner_access);
	description = DdbFirstJsonb();
	if (description == NULL)
		return NULL;
	DdbPushBeginObject(&st);
	DdbPushKey(&st, "ExportDescription");
	DdbPushContainer(&st, WJB_VALUE, &description->root);
	return JsonbValueToJsonb(DdbPushEndObject(&st));
}

/*
 * Check S3Bucket: at most 255 characters matching DynamoDB's pattern
 * (DdbS3BucketNameValid).
 */
static void
CheckBucket(const char *bucket, DdbConstraintErrors *errors)
{
	DdbRequestCheckString(errors, bucket, "s3Bucket", 0, 255, NULL, NULL);
	if (bucket != NULL && !DdbS3BucketNameValid(bucket))
		DdbConstraintAdd(errors, psprintf("'%s'", bucket), "s3Bucket",
						 "Member must satisfy regular expression pattern: ^[a-z0-9A-Z]+[\\.\\-\\w]*[a-z0-9A-Z]+$");
}

/*
 * Check that an S3Prefix makes a relative path below the bucket's
 * directory: not absolute, no empty, "." or ".." name, no control
 * character (U+0000, in its stored form, included). One trailing '/' is
 * allowed and dropped. Returns the prefix to use (NULL for none).
 */
static char *
CheckPrefix(char *prefix)
{
	int			len;
	const char *problem;

	if (prefix == NULL)
		return NULL;
	len = strlen(prefix);
	if (len > 0 && prefix[len - 1] == '/')
		prefix[--len] = '\0';
	if (len == 0)
		return NULL;
	problem = DdbS3PrefixProblem(prefix, true);
	if (problem != NULL)
		DdbValidationError("S3Prefix %s", problem);
	return prefix;
}

/*
 * Raise unless the current role may export a table: read all of it (as a
 * backup does) and write files on the server (pg_write_server_files, as
 * COPY TO a file needs).
 */
static void
CheckExportPrivileges(Oid relid, const char *table_name)
{
	DdbBackupCheckReadable(relid, table_name);
	if (!has_privs_of_role(GetUserId(), ROLE_PG_WRITE_SERVER_FILES))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to export table \"%s\"", table_name),
				 errdetail("An export writes files on the database server: only roles with the privileges of pg_write_server_files may export, as for COPY to a file."),
				 errhint("Grant pg_write_server_files to the role, and SELECT on the table.")));
}

/*
 * A TimestampTz from a number of seconds since 1970 given as member;
 * InvalidExportTimeException when no timestamp can hold it.
 */
static TimestampTz
EpochToTimestamp(Numeric seconds, const char *member)
{
	float8		s = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(seconds)));

	/* PostgreSQL's range of timestamps, 4713 BC to 294276 AD */
	if (isnan(s) || s < -210866803200.0 || s > 9224318015999.0)
		DdbRaise(DDB_INVALID_EXPORT_TIME, "%s is out of range", member);
	return DatumGetTimestampTz(DirectFunctionCall1(float8_timestamptz, Float8GetDatum(s)));
}

/*
 * DdbExportTableToPointInTime implements ExportTableToPointInTime.
 */
Jsonb *
DdbExportTableToPointInTime(JsonbContainer *request)
{
	static const char *const allowed[] = {
		"TableArn", "ExportTime", "ClientToken", "S3Bucket", "S3BucketOwner", "S3Prefix",
		"S3SseAlgorithm", "S3SseKmsKeyId", "ExportFormat", "ExportType",
		"IncrementalExportSpecification", NULL
	};
	static const char *const sse_algorithms[] = {"AES256", "KMS", NULL};
	static const char *const formats[] = {"DYNAMODB_JSON", "ION", NULL};
	static const char *const types[] = {"FULL_EXPORT", "INCREMENTAL_EXPORT", NULL};
	static const char *const spec_allowed[] = {"ExportFromTime", "ExportToTime", "ExportViewType", NULL};
	static const char *const views[] = {"NEW_IMAGE", "NEW_AND_OLD_IMAGES", NULL};
	DdbConstraintErrors errors;
	char	   *table_arn;
	char	   *table_name;
	char	   *bucket;
	char	   *bucket_owner;
	char	   *prefix;
	char	   *sse_algorithm;
	char	   *kms_key;
	char	   *format;
	char	   *type;
	char	   *token;
	JsonbValue	time_value;
	bool		has_time;
	JsonbContainer *spec;
	bool		incremental;
	JsonbValue	from_value;
	JsonbValue	to_value;
	bool		has_from = false;
	bool		has_to = false;
	char	   *view = NULL;
	TimestampTz from_time = 0;
	char	   *root;
	DdbTable   *table;
	DdbPitrState state;
	TimestampTz export_time = 0;
	TimestampTz now;
	int64		unix_ms;
	char	   *export_id;
	char	   *export_arn;
	DdbOwnerAccess owner_access;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	table_arn = DdbJsonGetString(request, "TableArn");
	DdbRequestCheckString(&errors, table_arn, "tableArn", 1, 1024, NULL, NULL);
	bucket = DdbJsonGetString(request, "S3Bucket");
	CheckBucket(bucket, &errors);
	bucket_owner = DdbJsonGetString(request, "S3BucketOwner");
	if (bucket_owner != NULL)
	{
		bool		ok = strlen(bucket_owner) == 12;

		for (int i = 0; ok && i < 12; i++)
			ok = bucket_owner[i] >= '0' && bucket_owner[i] <= '9';
		if (!ok)
			DdbConstraintAdd(&errors, psprintf("'%s'", bucket_owner), "s3BucketOwner",
							 "Member must satisfy regular expression pattern: [0-9]{12}");
	}
	prefix = DdbJsonGetString(request, "S3Prefix");
	if (prefix != NULL)
		DdbRequestCheckString(&errors, prefix, "s3Prefix", 0, 1024, NULL, NULL);
	sse_algorithm = DdbRequestEnum(request, "S3SseAlgorithm", "s3SseAlgorithm", sse_algorithms,
								   "[AES256, KMS]", &errors);
	kms_key = DdbJsonGetString(request, "S3SseKmsKeyId");
	if (kms_key != NULL)
		DdbRequestCheckString(&errors, kms_key, "s3SseKmsKeyId", 1, 2048, NULL, NULL);
	format = DdbRequestEnum(request, "ExportFormat", "exportFormat", formats,
							"[DYNAMODB_JSON, ION]", &errors);
	type = DdbRequestEnum(request, "ExportType", "exportType", types,
						  "[FULL_EXPORT, INCREMENTAL_EXPORT]", &errors);
	token = DdbJsonGetString(request, "ClientToken");
	if (token != NULL && (token[0] == '\0' || strchr(token, '$') != NULL))
		DdbConstraintAdd(&errors, psprintf("'%s'", token), "clientToken",
						 "Member must satisfy regular expression pattern: ^[^\\$]+$");
	spec = DdbJsonGetObject(request, "IncrementalExportSpecification");
	if (spec != NULL)
	{
		DdbJsonCheckMembers(spec, spec_allowed);
		view = DdbRequestEnum(spec, "ExportViewType", "incrementalExportSpecification.exportViewType",
							  views, "[NEW_IMAGE, NEW_AND_OLD_IMAGES]", &errors);
		has_from = DdbJsonGet(spec, "ExportFromTime", &from_value);
		has_to = DdbJsonGet(spec, "ExportToTime", &to_value);
	}
	has_time = DdbJsonGet(request, "ExportTime", &time_value);
	DdbConstraintRaise(&errors);
	if (has_time && time_value.type != jbvNumeric)
		DdbSerializationError("%s cannot be converted to Timestamp", DdbJsonTypeName(&time_value));
	if (has_from && from_value.type != jbvNumeric)
		DdbSerializationError("%s cannot be converted to Timestamp", DdbJsonTypeName(&from_value));
	if (has_to && to_value.type != jbvNumeric)
		DdbSerializationError("%s cannot be converted to Timestamp", DdbJsonTypeName(&to_value));
	if (format != NULL && strcmp(format, "ION") == 0)
		DdbValidationError("ExportFormat ION is not supported: ddb exports DYNAMODB_JSON only");
	incremental = type != NULL && strcmp(type, "INCREMENTAL_EXPORT") == 0;
	if (incremental && spec == NULL)
		DdbValidationError("IncrementalExportSpecification must be provided when ExportType is INCREMENTAL_EXPORT");
	if (!incremental && spec != NULL)
		DdbValidationError("IncrementalExportSpecification can only be provided when ExportType is INCREMENTAL_EXPORT");
	if (incremental && has_time)
		DdbValidationError("ExportTime cannot be provided when ExportType is INCREMENTAL_EXPORT");
	if (incremental && !has_from)
		DdbValidationError("ExportFromTime must be provided for an INCREMENTAL_EXPORT");
	if (incremental && view == NULL)
		view = "NEW_AND_OLD_IMAGES";
	now = GetCurrentStatementStartTimestamp();
	if (incremental)
	{
		/* [ExportFromTime, ExportToTime): export_time is the exclusive end */
		from_time = EpochToTimestamp(from_value.val.numeric, "ExportFromTime");
		export_time = has_to ? EpochToTimestamp(to_value.val.numeric, "ExportToTime") : now;
		if (from_time >= export_time)
			DdbValidationError("ExportFromTime must be before ExportToTime");
		if (export_time - from_time > USECS_PER_DAY)
			DdbValidationError("The period between ExportFromTime and ExportToTime cannot exceed 24 hours");
	}
	prefix = CheckPrefix(prefix);
	root = DdbExportDirectoryRoot("Exports are not enabled on this server");

	/* the table, by its ARN */
	table_name = DdbTableNameFromArn(table_arn);
	table = table_name != NULL ? DdbTableLookupOptional(table_name) : NULL;
	if (table == NULL || strcmp(DdbTableArn(table_name), table_arn) != 0)
		DdbRaise(DDB_TABLE_NOT_FOUND, "Table not found: %s", table_arn);
	CheckExportPrivileges(table->relid, table_name);

	/* a ClientToken used within its window names the same export */
	if (token != NULL)
	{
		Oid			argtypes[2] = {TEXTOID, JSONBOID};
		Datum		args[2];
		bool		isnull;

		args[0] = CStringGetTextDatum(token);
		args[1] = JsonbPGetDatum(DdbContainerToJsonb(request));
		DdbCatalogBeginOwnerAccess(&owner_access);
		DdbExecute("SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('ddb export ' OPERATOR(pg_catalog.||) $1))",
				   1, argtypes, args, NULL, SPI_OK_SELECT);
		DdbExecute("SELECT e.export_arn, e.parameters OPERATOR(pg_catalog.=) ($2 OPERATOR(pg_catalog.-) 'ClientToken')"
				   "  FROM ddb.exports e WHERE e.client_token OPERATOR(pg_catalog.=) $1"
				   "   AND e.start_time OPERATOR(pg_catalog.>) (pg_catalog.now() OPERATOR(pg_catalog.-) interval '" EXPORT_TOKEN_WINDOW "')"
				   " ORDER BY e.start_time DESC LIMIT 1", 2, argtypes, args, NULL, SPI_OK_SELECT);
		DdbCatalogEndOwnerAccess(&owner_access);
		if (SPI_processed == 1)
		{
			char	   *previous = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

			if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull)))
				DdbRaise(DDB_EXPORT_CONFLICT,
						 "ClientToken %s was used by another export request with different parameters: %s",
						 token, previous);
			return DescribeExportRow(previous);
		}
	}

	/* point-in-time recovery, held FOR SHARE: its base is not rolled meanwhile */
	DdbPitrReadState(table_name, " FOR SHARE OF p", &state);
	if (!state.enabled || !state.earliest_known)
		DdbRaise(DDB_POINT_IN_TIME_RECOVERY_UNAVAILABLE,
				 "Point in time recovery is not enabled for table '%s'", table_name);

	if (!incremental)
	{
		export_time = has_time ? EpochToTimestamp(time_value.val.numeric, "ExportTime") : now;
		if (export_time < state.earliest)
			DdbRaise(DDB_INVALID_EXPORT_TIME,
					 "ExportTime is before the table's EarliestRestorableDateTime");
		if (export_time > now)
			DdbRaise(DDB_INVALID_EXPORT_TIME, "ExportTime cannot be in the future");
	}
	else
	{
		if (from_time < state.earliest)
			DdbRaise(DDB_INVALID_EXPORT_TIME,
					 "ExportFromTime is before the table's EarliestRestorableDateTime");
		if (export_time > now)
			DdbRaise(DDB_INVALID_EXPORT_TIME, "ExportToTime cannot be in the future");
	}

	/* the ARN: the request's time in whole milliseconds, and a random part */
	unix_ms = now / 1000 + UNIX_TO_POSTGRES_EPOCH_MS;
	now = (unix_ms - UNIX_TO_POSTGRES_EPOCH_MS) * 1000;
	export_id = psprintf("%014lld-%08x", (long long) unix_ms, pg_prng_uint32(&pg_global_prng_state));
	export_arn = psprintf("%s/export/%s", table_arn, export_id);

	{
		static const char *const insert_sql =
		"INSERT INTO ddb.exports (export_arn, table_name, table_id, table_arn, status, export_type,"
		"  export_format, export_time, start_time, client_token, parameters, s3_bucket, s3_prefix,"
		"  s3_bucket_owner, s3_sse_algorithm, s3_sse_kms_key_id, export_root, requested_by,"
		"  export_from_time, export_view_type)"
		" SELECT $1, t.table_name, t.table_id, $2, 'IN_PROGRESS', $15, 'DYNAMODB_JSON',"
		"   $3, $4, COALESCE($5, pg_catalog.gen_random_uuid()::pg_catalog.text),"
		"   $6 OPERATOR(pg_catalog.-) 'ClientToken', $7, $8, $9, $10, $11, $12, $13, $16, $17"
		"   FROM ddb.tables t WHERE t.table_name OPERATOR(pg_catalog.=) $14";
		Oid			argtypes[17] = {TEXTOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID,
			JSONBOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
		TEXTOID, TIMESTAMPTZOID, TEXTOID};
		Datum		args[17];
		char		nulls[18] = "                 ";
		const char *optional[5] = {prefix, bucket_owner, sse_algorithm, kms_key, token};
		int			optional_at[5] = {7, 8, 9, 10, 4};

		args[0] = CStringGetTextDatum(export_arn);
		args[1] = CStringGetTextDatum(table_arn);
		args[2] = TimestampTzGetDatum(export_time);
		args[3] = TimestampTzGetDatum(now);
		args[5] = JsonbPGetDatum(DdbContainerToJsonb(request));
		args[6] = CStringGetTextDatum(bucket);
		for (int i = 0; i < 5; i++)
		{
			if (optional[i] != NULL)
				args[optional_at[i]] = CStringGetTextDatum(optional[i]);
			else
			{
				args[optional_at[i]] = (Datum) 0;
				nulls[optional_at[i]] = 'n';
			}
		}
		args[11] = CStringGetTextDatum(root);
		args[12] = CStringGetTextDatum(GetUserNameFromId(GetUserId(), false));
		args[13] = CStringGetTextDatum(table_name);
		args[14] = CStringGetTextDatum(incremental ? "INCREMENTAL_EXPORT" : "FULL_EXPORT");
		args[15] = TimestampTzGetDatum(from_time);
		args[16] = incremental ? CStringGetTextDatum(view) : (Datum) 0;
		if (!incremental)
			nulls[15] = nulls[16] = 'n';
		DdbCatalogBeginOwnerAccess(&owner_access);
		DdbExecute(insert_sql, 17, argtypes, args, nulls, SPI_OK_INSERT);
		DdbCatalogEndOwnerAccess(&owner_access);
		if (SPI_processed != 1)
			elog(ERROR, "could not record export %s", export_arn);
	}
	DdbWorkerWakeOnCommit();
	return DescribeExportRow(export_arn);
}

/*
 * DdbDescribeExport implements DescribeExport.
 */
Jsonb *
DdbDescribeExport(JsonbContainer *request)
{
	static const char *const allowed[] = {"ExportArn", NULL};
	DdbConstraintErrors errors;
	char	   *export_arn;
	Jsonb	   *response;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	export_arn = DdbJsonGetString(request, "ExportArn");
	DdbRequestCheckString(&errors, export_arn, "exportArn", 37, 1024, NULL, NULL);
	DdbConstraintRaise(&errors);
	response = DescribeExportRow(export_arn);
	if (response == NULL)
		DdbRaise(DDB_EXPORT_NOT_FOUND, "Export not found: %s", export_arn);
	return response;
}

/*
 * DdbListExports implements ListExports: the exports of every table, or of
 * one (TableArn: a table that may be gone), in the order they were asked
 * for, MaxResults (1-25, default 25) at a time. NextToken is the ARN of the
 * last export of the page.
 */
Jsonb *
DdbListExports(JsonbContainer *request)
{
	static const char *const allowed[] = {"TableArn", "MaxResults", "NextToken", NULL};
	static const char *const list_sql =
	"SELECT pg_catalog.jsonb_build_object('ExportArn', e.export_arn, 'ExportStatus', e.status,"
	"         'ExportType', e.export_type), e.export_arn"
	"  FROM ddb.exports e"
	" WHERE ($1 IS NULL OR e.table_arn OPERATOR(pg_catalog.=) $1)"
	"   AND ($2 IS NULL OR (e.start_time, e.export_arn) OPERATOR(pg_catalog.>) ($2, $3::pg_catalog.text))"
	" ORDER BY e.start_time, e.export_arn LIMIT $4";
	DdbConstraintErrors errors;
	char	   *table_arn;
	char	   *next;
	int64		limit = 25;
	Oid			argtypes[4] = {TEXTOID, TIMESTAMPTZOID, TEXTOID, INT8OID};
	Datum		args[4];
	char		nulls[5] = "    ";
	DdbOwnerAccess owner_access;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	table_arn = DdbJsonGetString(request, "TableArn");
	if (table_arn != NULL)
		DdbRequestCheckString(&errors, table_arn, "tableArn", 1, 1024, NULL, NULL);
	if (DdbJsonGetInt64(request, "MaxResults", &limit) && (limit < 1 || limit > 25))
		DdbConstraintAdd(&errors, psprintf("'" INT64_FORMAT "'", limit), "maxResults",
						 limit < 1 ? "Member must have value greater than or equal to 1"
						 : "Member must have value less than or equal to 25");
	next = DdbJsonGetString(request, "NextToken");
	DdbConstraintRaise(&errors);

	if (table_arn != NULL)
		args[0] = CStringGetTextDatum(table_arn);
	else
		nulls[0] = 'n';
	if (next != NULL)
	{
		args[1] = TimestampTzGetDatum(DdbArnIdTime(next, "/export/", "NextToken"));
		args[2] = CStringGetTextDatum(next);
	}
	else
		nulls[1] = nulls[2] = 'n';
	args[3] = Int64GetDatum(limit + 1);
	DdbCatalogBeginOwnerAccess(&owner_access);
	DdbExecute(list_sql, 4, argtypes, args, nulls, SPI_OK_SELECT);
	DdbCatalogEndOwnerAccess(&owner_access);

	return DdbListPage("ExportSummaries", (uint64) limit, "NextToken", NULL);
}

/* ------------------------------------------------------------------------
 * Writing an export (the background worker)
 * ------------------------------------------------------------------------
 */

/* An export to write, from its catalog row */
typedef struct ExportJob
{
	char	   *export_arn;
	char	   *export_id;
	char	   *table_name;
	char	   *table_id;
	char	   *table_arn;
	TimestampTz export_time;	/* ExportTime, or ExportToTime (exclusive) */
	bool		incremental;	/* an INCREMENTAL_EXPORT */
	TimestampTz from_time;		/* its ExportFromTime (inclusive) */
	bool		old_images;		/* its ExportViewType is NEW_AND_OLD_IMAGES */
	TimestampTz start_time;
	char	   *bucket;
	char	   *prefix;			/* or NULL */
	char	   *sse_algorithm;	/* or NULL */
	char	   *kms_key;		/* or NULL */
	char	   *root;
	char	   *requested_by;
	char	   *directory;		/* <root>/<bucket>[/<prefix>]/AWSDynamoDB/<id> */
	char	   *key_prefix;		/* [<prefix>/]AWSDynamoDB/<id>/ */
	const char *failure_code;	/* set before a check that may fail */
} ExportJob;

/* A data file being written: gzip of item lines, and the MD5 of the gzip */
typedef struct DataFile
{
	int			fd;
	char	   *path;
	char	   *key;			/* dataFileS3Key */
	z_stream	zs;
	pg_cryptohash_ctx *md5;
	int64		items;
	int64		bytes_in;		/* uncompressed bytes so far */
	unsigned char out[EXPORT_ZBUF_SIZE];
} DataFile;

/* zlib's allocations, in the current (the export's) memory context */
static voidpf
ZAlloc(voidpf opaque, uInt items, uInt size)
{
	return MemoryContextAllocZero((MemoryContext) opaque, (Size) items * size);
}

static void
ZFree(voidpf opaque, voidpf address)
{
	pfree(address);
}

/*
 * Create a new file for writing (never through an existing name or a
 * symlink), mode 0640; closed at transaction end if an error intervenes.
 */
static int
CreateExportFile(const char *path)
{
	int			fd = OpenTransientFilePerm(path, O_WRONLY | O_CREAT | O_EXCL | PG_BINARY, 0640);

	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create export file \"%s\": %m", path)));
	return fd;
}

/* write all of len bytes, or raise */
static void
WriteAll(int fd, const char *path, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0)
	{
		ssize_t		written = write(fd, p, len);

		if (written < 0 && errno == EINTR)
			continue;
		if (written <= 0)
		{
			if (written == 0)
				errno = ENOSPC;
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not write export file \"%s\": %m", path)));
		}
		p += written;
		len -= written;
	}
}

/* fsync and close a file, or raise */
static void
FinishFile(int fd, const char *path)
{
	if (pg_fsync(fd) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not fsync export file \"%s\": %m", path)));
	if (CloseTransientFile(fd) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not close export file \"%s\": %m", path)));
}

/* lowercase hex of len bytes */
static char *
Hex(const uint8 *bytes, int len)
{
	char	   *hex = palloc(len * 2 + 1);

	for (int i = 0; i < len; i++)
		sprintf(hex + i * 2, "%02x", bytes[i]);
	return hex;
}

/*
 * The MD5 of len bytes. MD5s go through PostgreSQL's cryptohash API, which
 * is OpenSSL's libcrypto in a server built with OpenSSL, and whose contexts
 * belong to the resource owner, so an error never leaks one.
 */
static void
Md5(const char *data, size_t len, uint8 *digest)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_MD5);

	if (pg_cryptohash_init(ctx) < 0 || pg_cryptohash_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_cryptohash_final(ctx, digest, MD5_DIGEST_LENGTH) < 0)
		elog(ERROR, "could not compute an MD5 checksum: %s", pg_cryptohash_error(ctx));
	pg_cryptohash_free(ctx);
}

/*
 * Write a small file at once, with its checksum file beside it when
 * checksum_path is not NULL (the hex MD5 of the file).
 */
static void
WriteSmallFile(const char *path, const char *data, size_t len, const char *checksum_path)
{
	int			fd = CreateExportFile(path);

	WriteAll(fd, path, data, len);
	FinishFile(fd, path);
	if (checksum_path != NULL)
	{
		uint8		digest[MD5_DIGEST_LENGTH];
		char	   *hex;

		Md5(data, len, digest);
		hex = Hex(digest, MD5_DIGEST_LENGTH);
		WriteSmallFile(checksum_path, hex, strlen(hex), NULL);
	}
}

/* 26 random characters of [a-z0-9], as DynamoDB names its data files */
static char *
RandomFileName(void)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	char	   *name = palloc(27);

	for (int i = 0; i < 26; i++)
		name[i] = alphabet[pg_prng_uint32(&pg_global_prng_state) % 36];
	name[26] = '\0';
	return name;
}

/*
 * Begin a new data file of an export.
 */
static DataFile *
DataFileOpen(ExportJob *job)
{
	DataFile   *df = palloc0(sizeof(DataFile));
	char	   *name = RandomFileName();

	df->path = psprintf("%s/data/%s.json.gz", job->directory, name);
	df->key = psprintf("%sdata/%s.json.gz", job->key_prefix, name);
	df->fd = CreateExportFile(df->path);
	df->zs.zalloc = ZAlloc;
	df->zs.zfree = ZFree;
	df->zs.opaque = (voidpf) CurrentMemoryContext;
	/* windowBits 15 + 16: a gzip stream */
	if (deflateInit2(&df->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		elog(ERROR, "could not start compressing export file \"%s\"", df->path);
	df->md5 = pg_cryptohash_create(PG_MD5);
	if (pg_cryptohash_init(df->md5) < 0)
		elog(ERROR, "could not compute an MD5 checksum: %s", pg_cryptohash_error(df->md5));
	return df;
}

/*
 * Compress len bytes (or finish the stream) into the file, and add what is
 * written to its MD5.
 */
static void
DataFileDeflate(DataFile *df, const char *data, size_t len, int flush)
{
	int			rc;

	df->zs.next_in = (Bytef *) data;
	df->zs.avail_in = len;
	do
	{
		size_t		produced;

		df->zs.next_out = df->out;
		df->zs.avail_out = EXPORT_ZBUF_SIZE;
		rc = deflate(&df->zs, flush);
		if (rc == Z_STREAM_ERROR)
			elog(ERROR, "could not compress export file \"%s\"", df->path);
		produced = EXPORT_ZBUF_SIZE - df->zs.avail_out;
		if (produced > 0)
		{
			WriteAll(df->fd, df->path, df->out, produced);
			if (pg_cryptohash_update(df->md5, df->out, produced) < 0)
				elog(ERROR, "could not compute an MD5 checksum: %s", pg_cryptohash_error(df->md5));
		}
	} while (df->zs.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
}

/*
 * Finish a data file and append its line to manifest-files.json.
 */
static void
DataFileClose(DataFile *df, StringInfo manifest_files)
{
	uint8		digest[MD5_DIGEST_LENGTH];
	char		b64[64];
	int			b64_len;

	DataFileDeflate(df, NULL, 0, Z_FINISH);
	(void) deflateEnd(&df->zs);
	FinishFile(df->fd, df->path);
	if (pg_cryptohash_final(df->md5, digest, MD5_DIGEST_LENGTH) < 0)
		elog(ERROR, "could not compute an MD5 checksum: %s", pg_cryptohash_error(df->md5));
	pg_cryptohash_free(df->md5);
	b64_len = pg_b64_encode((const char *) digest, MD5_DIGEST_LENGTH, b64, sizeof(b64) - 1);
	if (b64_len < 0)
		elog(ERROR, "could not encode an MD5 checksum");
	b64[b64_len] = '\0';
	appendStringInfo(manifest_files, "{\"itemCount\":" INT64_FORMAT ",\"md5Checksum\":", df->items);
	escape_json(manifest_files, b64);
	appendStringInfoString(manifest_files, ",\"etag\":");
	escape_json(manifest_files, Hex(digest, MD5_DIGEST_LENGTH));
	appendStringInfoString(manifest_files, ",\"dataFileS3Key\":");
	escape_json(manifest_files, df->key);
	appendStringInfoString(manifest_files, "}\n");
}

/* ISO 8601 in UTC with milliseconds: 2020-11-04T07:28:34.028Z */
static char *
IsoTime(TimestampTz t)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(t, NULL, &tm, &fsec, NULL, NULL) != 0)
		elog(ERROR, "timestamp out of range");
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec, (int) (fsec / 1000));
}

/* ,"<key>":<string or null> */
static void
AppendMember(StringInfo buf, const char *key, const char *value)
{
	appendStringInfo(buf, ",\"%s\":", key);
	if (value == NULL)
		appendStringInfoString(buf, "null");
	else
		escape_json(buf, value);
}

/*
 * Make a directory below the root if missing (0750); raise on any other
 * failure.
 */
static void
MakeDirectory(const char *path)
{
	if (mkdir(path, 0750) != 0 && errno != EEXIST)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create export directory \"%s\": %m", path)));
}

/*
 * Raise unless the real path of a directory is below the root's.
 */
static void
CheckUnderRoot(const char *path, const char *root)
{
	char		resolved[PATH_MAX];
	struct stat st;

	if (realpath(path, resolved) == NULL)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not resolve export directory \"%s\": %m", path)));
	if (!DdbPathWithin(resolved, root) || strcmp(resolved, root) == 0 ||
		stat(resolved, &st) != 0 || !S_ISDIR(st.st_mode))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("export directory \"%s\" is not a directory under ddb.export_directory", path)));
}

/*
 * Make the export's directory: every name below the root, each checked to
 * stay under it; a directory left by an interrupted attempt is removed
 * first. Then its data directory.
 */
static void
MakeExportDirectories(ExportJob *job)
{
	StringInfoData path;
	char	   *relative;
	char	   *name;

	initStringInfo(&path);
	appendStringInfoString(&path, job->root);
	relative = psprintf("%s%s%s/AWSDynamoDB", job->bucket, job->prefix ? "/" : "",
						job->prefix ? job->prefix : "");
	name = relative;
	for (;;)
	{
		char	   *slash = strchr(name, '/');

		if (slash != NULL)
			*slash = '\0';
		appendStringInfo(&path, "/%s", name);
		MakeDirectory(path.data);
		CheckUnderRoot(path.data, job->root);
		if (slash == NULL)
			break;
		name = slash + 1;
	}
	if (mkdir(job->directory, 0750) != 0)
	{
		struct stat st;

		if (errno != EEXIST || lstat(job->directory, &st) != 0 || !S_ISDIR(st.st_mode))
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not create export directory \"%s\": %m", job->directory)));
		/* an earlier attempt's: start again */
		if (!rmtree(job->directory, true) || mkdir(job->directory, 0750) != 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not recreate export directory \"%s\"", job->directory)));
	}
	CheckUnderRoot(job->directory, job->root);
	MakeDirectory(psprintf("%s/data", job->directory));
	CheckUnderRoot(psprintf("%s/data", job->directory), job->root);
}

/*
 * Append a stored-form jsonb value as DynamoDB JSON text (U+0000 as
 * \u0000); returns its item size.
 */
static int64
AppendItemJson(StringInfo line, Datum d)
{
	Jsonb	   *item = DatumGetJsonbP(d);

	appendStringInfoString(line, DdbUnescapeJsonText(JsonbToCString(NULL, &item->root, VARSIZE(item))));
	return DdbItemSize(&item->root);
}

/*
 * The line of a full export's item: {"Item":{...}}; returns the item's
 * size.
 */
static int64
AppendItemLine(StringInfo line, TupleDesc desc, HeapTuple row)
{
	bool		isnull;
	Datum		d = SPI_getbinval(row, desc, 1, &isnull);
	int64		size;

	appendStringInfoString(line, "{\"Item\":");
	size = AppendItemJson(line, d);
	appendStringInfoString(line, "}\n");
	return size;
}

/*
 * The line of an incremental export's changed item:
 * {"Metadata":{"WriteTimeMicros":{"N":"..."}},"Keys":{...},"OldImage":{...},"NewImage":{...}},
 * OldImage only with NEW_AND_OLD_IMAGES and when the item existed at
 * ExportFromTime, NewImage only when it exists at ExportToTime; returns
 * the sizes of the images written.
 */
static int64
AppendChangeLine(StringInfo line, TupleDesc desc, HeapTuple row, bool old_images)
{
	bool		isnull;
	Datum		d;
	int64		size = 0;

	d = SPI_getbinval(row, desc, 4, &isnull);
	appendStringInfo(line, "{\"Metadata\":{\"WriteTimeMicros\":{\"N\":\"" INT64_FORMAT "\"}},\"Keys\":",
					 isnull ? (int64) 0 : DatumGetInt64(d));
	(void) AppendItemJson(line, SPI_getbinval(row, desc, 1, &isnull));
	d = SPI_getbinval(row, desc, 3, &isnull);
	if (old_images && !isnull)
	{
		appendStringInfoString(line, ",\"OldImage\":");
		size += AppendItemJson(line, d);
	}
	d = SPI_getbinval(row, desc, 2, &isnull);
	if (!isnull)
	{
		appendStringInfoString(line, ",\"NewImage\":");
		size += AppendItemJson(line, d);
	}
	appendStringInfoString(line, "}\n");
	return size;
}

/*
 * Write an export: its checks, its files and its COMPLETED row. Runs in a
 * subtransaction of the worker's step; raises on any failure, with
 * job->failure_code telling what failed.
 */
static void
WriteExport(void *arg)
{
	ExportJob  *job = (ExportJob *) arg;
	MemoryContext export_context;
	MemoryContext batch_context;
	MemoryContext old;
	DdbTable   *table;
	DdbPitrState state;
	Oid			roleid;
	Portal		portal;
	Oid			argtypes[4] = {TEXTOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		args[4];
	char		nulls[5] = "    ";
	bool		isnull;
	char	   *query;
	StringInfoData manifest_files;
	StringInfoData summary;
	DataFile   *df;
	int64		item_count = 0;
	int64		billed_bytes = 0;
	TimestampTz end_time;

	/* the table, still the one asked for, with point-in-time recovery */
	job->failure_code = "TableNotFound";
	table = DdbTableLookupOptional(job->table_name);
	{
		const char *targs[2] = {job->table_name, job->table_id};

		DdbExecuteText("SELECT hash_key, range_key FROM ddb.tables"
					   " WHERE table_name OPERATOR(pg_catalog.=) $1"
					   "   AND table_id OPERATOR(pg_catalog.=) $2::pg_catalog.uuid", 2, targs, SPI_OK_SELECT);
	}
	if (table == NULL || SPI_processed != 1)
		DdbRaise(DDB_TABLE_NOT_FOUND, "Table not found: %s", job->table_arn);
	args[0] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	args[1] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	if (isnull)
		nulls[1] = 'n';
	if (!job->incremental)
		args[2] = TimestampTzGetDatum(job->export_time);
	else
	{
		/* committed in [ExportFromTime, ExportToTime): after from - 1 us, by to - 1 us */
		args[2] = TimestampTzGetDatum(job->export_time - 1);
		args[3] = TimestampTzGetDatum(job->from_time - 1);
	}

	job->failure_code = "AccessDenied";
	roleid = get_role_oid(job->requested_by, false);
	if (pg_class_aclcheck(table->relid, roleid, ACL_SELECT) != ACLCHECK_OK ||
		!has_privs_of_role(roleid, ROLE_PG_WRITE_SERVER_FILES))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role \"%s\" may no longer export table \"%s\"", job->requested_by, job->table_name)));

	job->failure_code = "PointInTimeRecoveryUnavailable";
	DdbPitrReadState(job->table_name, " FOR SHARE OF p", &state);
	if (!state.enabled || !state.earliest_known)
		DdbRaise(DDB_POINT_IN_TIME_RECOVERY_UNAVAILABLE,
				 "Point in time recovery is not enabled for table '%s'", job->table_name);
	job->failure_code = "InvalidExportTime";
	if ((job->incremental ? job->from_time : job->export_time) < state.earliest)
		DdbRaise(DDB_INVALID_EXPORT_TIME, "%s is before the table's EarliestRestorableDateTime",
				 job->incremental ? "ExportFromTime" : "ExportTime");

	job->failure_code = "ExportDirectoryError";
	export_context = AllocSetContextCreate(CurrentMemoryContext, "ddb export", ALLOCSET_DEFAULT_SIZES);
	batch_context = AllocSetContextCreate(export_context, "ddb export batch", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(export_context);
	MakeExportDirectories(job);
	WriteSmallFile(psprintf("%s/_started", job->directory), "", 0, NULL);

	/*
	 * The data, a batch at a time: the state of the table at ExportTime, or
	 * the items changed in [ExportFromTime, ExportToTime)
	 */
	initStringInfo(&manifest_files);
	job->failure_code = "UNKNOWN";
	if (!job->incremental)
		query = psprintf("SELECT s.item FROM %s s", DdbPitrStateQuery(table, state.base, state.history, 3));
	else
		query = psprintf("SELECT s.keys, s.new_item, s.old_item, s.write_micros FROM %s s",
						 DdbPitrChangesQuery(table, state.base, state.history));
	portal = SPI_cursor_open_with_args(NULL, query, job->incremental ? 4 : 3, argtypes, args, nulls,
									   false, 0);
	df = DataFileOpen(job);
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ShutdownRequestPending)
			ereport(ERROR,
					(errcode(ERRCODE_ADMIN_SHUTDOWN),
					 errmsg("export %s interrupted by a shutdown", job->export_arn)));
		SPI_cursor_fetch(portal, true, EXPORT_BATCH_ROWS);
		if (SPI_processed == 0)
			break;
		MemoryContextSwitchTo(batch_context);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			StringInfoData line;

			initStringInfo(&line);
			if (!job->incremental)
				billed_bytes += AppendItemLine(&line, SPI_tuptable->tupdesc, SPI_tuptable->vals[i]);
			else
				billed_bytes += AppendChangeLine(&line, SPI_tuptable->tupdesc, SPI_tuptable->vals[i],
												 job->old_images);
			if (df->items > 0 && df->bytes_in + line.len > EXPORT_FILE_BYTES)
			{
				MemoryContextSwitchTo(export_context);
				DataFileClose(df, &manifest_files);
				df = DataFileOpen(job);
				MemoryContextSwitchTo(batch_context);
			}
			DataFileDeflate(df, line.data, line.len, Z_NO_FLUSH);
			df->items++;
			df->bytes_in += line.len;
			item_count++;
		}
		MemoryContextSwitchTo(export_context);
		MemoryContextReset(batch_context);
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	job->failure_code = "ExportDirectoryError";
	DataFileClose(df, &manifest_files);

	/* the manifests: the files, then the summary that says it is complete */
	WriteSmallFile(psprintf("%s/manifest-files.json", job->directory),
				   manifest_files.data, manifest_files.len,
				   psprintf("%s/manifest-files.checksum", job->directory));
	end_time = GetCurrentTimestamp();
	end_time -= end_time % 1000;
	initStringInfo(&summary);
	/* an incremental export's summary is of a later version */
	appendStringInfo(&summary, "{\"version\":\"%s\"", job->incremental ? "2023-08-01" : "2020-06-30");
	AppendMember(&summary, "exportArn", job->export_arn);
	AppendMember(&summary, "startTime", IsoTime(job->start_time));
	AppendMember(&summary, "endTime", IsoTime(end_time));
	AppendMember(&summary, "tableArn", job->table_arn);
	AppendMember(&summary, "tableId", job->table_id);
	if (!job->incremental)
		AppendMember(&summary, "exportTime", IsoTime(job->export_time));
	else
	{
		AppendMember(&summary, "exportFromTime", IsoTime(job->from_time));
		AppendMember(&summary, "exportToTime", IsoTime(job->export_time));
	}
	AppendMember(&summary, "s3Bucket", job->bucket);
	AppendMember(&summary, "s3Prefix", job->prefix);
	AppendMember(&summary, "s3SseAlgorithm", job->sse_algorithm ? job->sse_algorithm : "AES256");
	AppendMember(&summary, "s3SseKmsKeyId", job->kms_key);
	AppendMember(&summary, "manifestFilesS3Key", psprintf("%smanifest-files.json", job->key_prefix));
	appendStringInfo(&summary, ",\"billedSizeBytes\":" INT64_FORMAT ",\"itemCount\":" INT64_FORMAT,
					 billed_bytes, item_count);
	AppendMember(&summary, "outputFormat", "DYNAMODB_JSON");
	if (job->incremental)
		AppendMember(&summary, "outputView", job->old_images ? "NEW_AND_OLD_IMAGES" : "NEW_IMAGE");
	AppendMember(&summary, "exportType", job->incremental ? "INCREMENTAL_EXPORT" : "FULL_EXPORT");
	appendStringInfoString(&summary, "}\n");
	WriteSmallFile(psprintf("%s/manifest-summary.json", job->directory), summary.data, summary.len,
				   psprintf("%s/manifest-summary.checksum", job->directory));
	MemoryContextSwitchTo(old);

	job->failure_code = "UNKNOWN";
	{
		Oid			uargtypes[4] = {TEXTOID, TIMESTAMPTZOID, INT8OID, INT8OID};
		Datum		uargs[4];

		uargs[0] = CStringGetTextDatum(job->export_arn);
		uargs[1] = TimestampTzGetDatum(end_time);
		uargs[2] = Int64GetDatum(item_count);
		uargs[3] = Int64GetDatum(billed_bytes);
		DdbExecute("UPDATE ddb.exports SET status = 'COMPLETED', end_time = $2, item_count = $3,"
				   "  billed_size_bytes = $4 WHERE export_arn OPERATOR(pg_catalog.=) $1",
				   4, uargtypes, uargs, NULL, SPI_OK_UPDATE);
	}
	MemoryContextDelete(export_context);
}

/* The worker: the exports to write, in the order they were asked for */
static List *
FindExportWork(MemoryContext context)
{
	return DdbWorkUnitsFromQuery("ddb.exports",
								 "SELECT export_arn FROM ddb.exports WHERE status OPERATOR(pg_catalog.=) 'IN_PROGRESS'"
								 " ORDER BY start_time, export_arn",
								 "the exports in progress", context);
}

static char *
DescribeExportWork(void *arg, MemoryContext context)
{
	return MemoryContextStrdup(context, psprintf("ddb export: export %s", (char *) arg));
}

/* a column of the first row SPI returned, as text or NULL */
static char *
Column(int column)
{
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, column);
}

/*
 * Write an export in one transaction; a failure marks it FAILED (a
 * shutdown or cancel is re-thrown: the export is written again later).
 */
static bool
RunExportStep(void *arg)
{
	const char *export_arn = (const char *) arg;
	const char *args[1] = {export_arn};
	ExportJob	job;
	ErrorData  *error;
	bool		isnull;
	TimestampTz ready;

	DdbExecuteText("SELECT table_name, table_id::pg_catalog.text, table_arn, export_time, start_time,"
				   "  s3_bucket, s3_prefix, s3_sse_algorithm, s3_sse_kms_key_id, export_root, requested_by,"
				   "  export_type OPERATOR(pg_catalog.=) 'INCREMENTAL_EXPORT', export_from_time,"
				   "  export_view_type OPERATOR(pg_catalog.=) 'NEW_AND_OLD_IMAGES'"
				   "  FROM ddb.exports WHERE export_arn OPERATOR(pg_catalog.=) $1"
				   "   AND status OPERATOR(pg_catalog.=) 'IN_PROGRESS' FOR UPDATE", 1, args, SPI_OK_SELECT);
	if (SPI_processed != 1)
		return false;
	memset(&job, 0, sizeof(job));
	job.export_arn = pstrdup(export_arn);
	job.export_id = pstrdup(strstr(export_arn, "/export/") + strlen("/export/"));
	job.table_name = Column(1);
	job.table_id = Column(2);
	job.table_arn = Column(3);
	job.export_time = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull));
	job.start_time = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5, &isnull));
	job.bucket = Column(6);
	job.prefix = Column(7);
	job.sse_algorithm = Column(8);
	job.kms_key = Column(9);
	job.root = Column(10);
	job.requested_by = Column(11);
	job.incremental = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 12, &isnull));
	if (job.incremental)
	{
		job.from_time = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 13, &isnull));
		job.old_images = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 14, &isnull));
	}
	job.directory = psprintf("%s/%s%s%s/AWSDynamoDB/%s", job.root, job.bucket,
							 job.prefix ? "/" : "", job.prefix ? job.prefix : "", job.export_id);
	job.key_prefix = psprintf("%s%sAWSDynamoDB/%s/", job.prefix ? job.prefix : "",
							  job.prefix ? "/" : "", job.export_id);

	/*
	 * A transaction committed by ExportTime is visible to a snapshot taken
	 * a second later (as for LatestRestorableDateTime): wait until then
	 */
	ready = job.export_time + USECS_PER_SEC;
	while (GetCurrentTimestamp() < ready)
	{
		CHECK_FOR_INTERRUPTS();
		pg_usleep(Min(ready - GetCurrentTimestamp() + 1000, 100000));
	}

	error = DdbRunInSubtransaction(WriteExport, &job);
	if (error != NULL)
	{
		const char *uargs[3];

		if (error->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN || error->sqlerrcode == ERRCODE_QUERY_CANCELED)
			ReThrowError(error);
		ereport(LOG,
				(errmsg("ddb export %s failed: %s", export_arn, error->message)));
		uargs[0] = export_arn;
		uargs[1] = job.failure_code ? job.failure_code : "UNKNOWN";
		uargs[2] = error->message;
		DdbExecuteText("UPDATE ddb.exports SET status = 'FAILED', end_time = pg_catalog.date_trunc('milliseconds', pg_catalog.clock_timestamp()),"
					   "  failure_code = $2, failure_message = $3"
					   " WHERE export_arn OPERATOR(pg_catalog.=) $1", 3, uargs, SPI_OK_UPDATE);
	}
	return false;
}

const DdbWorkKind DdbExportWork = {
	.name = "export",
	.find_units = FindExportWork,
	.describe = DescribeExportWork,
	.run_step = RunExportStep,
	.max_sleep_ms = NULL,
};
