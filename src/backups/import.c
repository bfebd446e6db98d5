/*-------------------------------------------------------------------------
 *
 * import.c
 *	  ImportTable, DescribeImport and ListImports, and the background
 *	  worker's unit of work that runs an import (DdbImportWork).
 *
 * S3 is a directory of the server: ddb.export_directory (superuser only)
 * is the root, S3Bucket a directory under it, and S3KeyPrefix a prefix of
 * the paths of the files under the bucket (their "keys"), as DynamoDB
 * imports every object whose key starts with the prefix. import_read.c
 * reads them; nothing outside the root is read.
 *
 * ImportTable checks the request, then makes the table with CreateTable
 * (as the caller, who owns it) from TableCreationParameters, and records
 * the import in ddb.imports, IN_PROGRESS. Until the import ends the table
 * is CREATING: data-plane calls find no table, and DeleteTable, UpdateTable
 * and CreateBackup refuse it, as for a table being restored
 * (backup_restore.c). Importing reads server files, as COPY FROM a file
 * does: the caller needs the privileges of pg_read_server_files, besides
 * what CreateTable needs.
 *
 * The background worker runs each import in one transaction (the table
 * appears whole): it empties the table (plain SQL may have written to it),
 * reads the files in key order, line by line, and inserts the valid items
 * in batches of at most IMPORT_BATCH_ITEMS items or IMPORT_BATCH_BYTES
 * through the restore's fill (DdbRestoreFillFromArray), as the table's
 * owner: the upkeep triggers write the index rows. Of items of one key the
 * last read wins (files in key order, lines in order; DynamoDB documents
 * no order). A batch that fails (an index key of the wrong type, say) is
 * inserted again item by item, each in a subtransaction, and the items
 * that fail count as errors. The import is then COMPLETED and the table
 * ACTIVE. When the import cannot run (no bucket, no files, the owner lost
 * pg_read_server_files, an I/O error), it is FAILED with a FailureCode and
 * FailureMessage and the table is deleted.
 *
 * Counts: ProcessedItemCount is the lines (records) that stood for an
 * item, ErrorCount those of them not imported, ImportedItemCount the rest
 * (an item overwritten by a later one of the same key included), and
 * ProcessedSizeBytes the bytes read, uncompressed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "backups/backups.h"
#include "backups/import_private.h"
#include "catalog.h"
#include "errors.h"
#include "guc.h"
#include "json_util.h"
#include "operations.h"
#include "request.h"
#include "string_escape.h"
#include "worker/worker.h"

/* imports that may be IN_PROGRESS at once, as in DynamoDB */
#define IMPORT_MAX_IN_PROGRESS 50

/* a ClientToken makes ImportTable idempotent for this long */
#define IMPORT_CLIENT_TOKEN_HOURS 8

/* a batch of items inserted with one statement, at most */
#define IMPORT_BATCH_ITEMS 1000
#define IMPORT_BATCH_BYTES (4 * 1024 * 1024)

/* ListImports' PageSize, at most (and its default) */
#define IMPORT_MAX_PAGE_SIZE 25

/* the shortest NextToken DynamoDB's pattern allows */
#define IMPORT_NEXT_TOKEN_MIN 112

/* ImportTableDescription of the import row i */
#define IMPORT_DESCRIPTION_SQL \
	"pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(" \
	"  'ImportArn', i.import_arn, 'ImportStatus', i.status, 'TableArn', i.table_arn," \
	"  'TableId', i.table_id::pg_catalog.text, 'ClientToken', i.client_token," \
	"  'S3BucketSource', i.parameters OPERATOR(pg_catalog.->) 'S3BucketSource'," \
	"  'ErrorCount', i.error_count," \
	"  'InputFormat', i.parameters OPERATOR(pg_catalog.->) 'InputFormat'," \
	"  'InputFormatOptions', i.parameters OPERATOR(pg_catalog.->) 'InputFormatOptions'," \
	"  'InputCompressionType', i.parameters OPERATOR(pg_catalog.->) 'InputCompressionType'," \
	"  'TableCreationParameters', i.parameters OPERATOR(pg_catalog.->) 'TableCreationParameters'," \
	"  'StartTime', pg_catalog.round(EXTRACT(epoch FROM i.start_time), 3)," \
	"  'EndTime', pg_catalog.round(EXTRACT(epoch FROM i.end_time), 3)," \
	"  'ProcessedSizeBytes', i.processed_size_bytes," \
	"  'ProcessedItemCount', i.processed_item_count," \
	"  'ImportedItemCount', i.imported_item_count," \
	"  'FailureCode', i.failure_code, 'FailureMessage', i.failure_message))"

/* ImportSummary of the import row i */
#define IMPORT_SUMMARY_SQL \
	"pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(" \
	"  'ImportArn', i.import_arn, 'ImportStatus', i.status, 'TableArn', i.table_arn," \
	"  'S3BucketSource', i.parameters OPERATOR(pg_catalog.->) 'S3BucketSource'," \
	"  'InputFormat', i.parameters OPERATOR(pg_catalog.->) 'InputFormat'," \
	"  'StartTime', pg_catalog.round(EXTRACT(epoch FROM i.start_time), 3)," \
	"  'EndTime', pg_catalog.round(EXTRACT(epoch FROM i.end_time), 3)))"

/*
 * Whether the extension's catalog has imports yet (a database served by
 * this library before ALTER EXTENSION UPDATE may not).
 */
static bool
ImportsCatalogExists(void)
{
	Oid			nspid = get_namespace_oid(DDB_CATALOG_SCHEMA, true);

	return OidIsValid(nspid) && OidIsValid(get_relname_relid("imports", nspid));
}

/*
 * DdbTableImportInProgress tells whether a table is being imported into.
 */
bool
DdbTableImportInProgress(const char *table_name)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(table_name)};

	if (!ImportsCatalogExists())
		return false;
	DdbExecute("SELECT 1 FROM ddb.imports i JOIN ddb.tables t"
			"    ON t.table_id OPERATOR(pg_catalog.=) i.table_id"
			" WHERE t.table_name OPERATOR(pg_catalog.=) $1"
			"   AND i.status OPERATOR(pg_catalog.=) 'IN_PROGRESS'",
			1, argtypes, args, NULL, SPI_OK_SELECT);
	return SPI_processed > 0;
}

/* ---- checking ImportTable's request ---- */

/*
 * Check InputFormatOptions: Csv.Delimiter one of , ; : | tab space, and
 * Csv.HeaderList 1 to 255 names of 1 to 65536 printable ASCII characters
 * other than " and ,.
 */
static void
CheckFormatOptions(JsonbContainer *options, DdbConstraintErrors *errors)
{
	static const char *const allowed_options[] = {"Csv", NULL};
	static const char *const allowed_csv[] = {"Delimiter", "HeaderList", NULL};
	JsonbContainer *csv;
	char	   *delimiter;
	JsonbContainer *headers;

	DdbJsonCheckMembers(options, allowed_options);
	csv = DdbJsonGetObject(options, "Csv");
	if (csv == NULL)
		return;
	DdbJsonCheckMembers(csv, allowed_csv);
	delimiter = DdbJsonGetString(csv, "Delimiter");
	if (delimiter != NULL)
	{
		DdbRequestCheckString(errors, delimiter, "inputFormatOptions.csv.delimiter", 1, 1, NULL, NULL);
		if (strlen(delimiter) == 1 && strchr(",;:|\t ", delimiter[0]) == NULL)
			DdbConstraintAdd(errors, psprintf("'%s'", delimiter), "inputFormatOptions.csv.delimiter",
							 "Member must satisfy regular expression pattern: [,;:|\\t ]");
	}
	headers = DdbJsonGetArray(csv, "HeaderList");
	if (headers != NULL)
	{
		JsonbValue *elements;
		int			n = DdbJsonArrayElements(headers, &elements);

		if (n < 1 || n > 255)
			DdbConstraintAdd(errors, DdbJsonContainerText(headers), "inputFormatOptions.csv.headerList",
							 n < 1 ? "Member must have length greater than or equal to 1"
							 : "Member must have length less than or equal to 255");
		for (int i = 0; i < n; i++)
		{
			char	   *name = DdbJsonValueString(&elements[i], "HeaderList");
			size_t		len = strlen(name);
			bool		ok = len >= 1 && len <= 65536;

			for (size_t c = 0; ok && c < len; c++)
				ok = name[c] >= 0x20 && name[c] <= 0x7e && name[c] != '"' && name[c] != ',';
			if (!ok)
			{
				DdbConstraintAdd(errors, psprintf("'%s'", name), "inputFormatOptions.csv.headerList.member",
								 "Member must satisfy regular expression pattern: [\\x20-\\x21\\x23-\\x2B\\x2D-\\x7E]*");
				break;
			}
		}
	}
}

/*
 * The parameters of an import as ddb.imports keeps them (and ClientToken
 * compares them): the request without ClientToken, InputCompressionType
 * NONE when not given.
 */
static Jsonb *
ImportParameters(JsonbContainer *request)
{
	Oid			argtypes[1] = {JSONBOID};
	Datum		args[1] = {JsonbPGetDatum(DdbContainerToJsonb(request))};
	bool		isnull;

	DdbExecute("SELECT pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object("
			"  'S3BucketSource', $1 OPERATOR(pg_catalog.->) 'S3BucketSource',"
			"  'InputFormat', $1 OPERATOR(pg_catalog.->) 'InputFormat',"
			"  'InputFormatOptions', $1 OPERATOR(pg_catalog.->) 'InputFormatOptions',"
			"  'InputCompressionType', COALESCE($1 OPERATOR(pg_catalog.->) 'InputCompressionType',"
			"                                   '\"NONE\"'::pg_catalog.jsonb),"
			"  'TableCreationParameters', $1 OPERATOR(pg_catalog.->) 'TableCreationParameters'))",
			1, argtypes, args, NULL, SPI_OK_SELECT);
	return DatumGetJsonbPCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * {"ImportTableDescription": ...} of an import, or NULL when there is none.
 */
static Jsonb *
ImportDescription(const char *import_arn)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(import_arn)};
	bool		isnull;

	DdbExecute("SELECT pg_catalog.jsonb_build_object('ImportTableDescription', " IMPORT_DESCRIPTION_SQL ")"
			"  FROM ddb.imports i WHERE i.import_arn OPERATOR(pg_catalog.=) $1",
			1, argtypes, args, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return NULL;
	return DatumGetJsonbPCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * DdbImportTable implements ImportTable.
 */
Jsonb *
DdbImportTable(JsonbContainer *request)
{
	static const char *const allowed[] = {
		"ClientToken", "S3BucketSource", "InputFormat", "InputFormatOptions",
		"InputCompressionType", "TableCreationParameters", NULL
	};
	static const char *const allowed_source[] = {"S3Bucket", "S3KeyPrefix", "S3BucketOwner", NULL};
	static const char *const allowed_table[] = {
		"TableName", "AttributeDefinitions", "KeySchema", "BillingMode", "ProvisionedThroughput",
		"OnDemandThroughput", "SSESpecification", "GlobalSecondaryIndexes", NULL
	};
	static const char *const formats[] = {"DYNAMODB_JSON", "ION", "CSV", NULL};
	static const char *const compressions[] = {"GZIP", "ZSTD", "NONE", NULL};
	DdbConstraintErrors errors;
	char	   *client_token;
	JsonbContainer *source;
	JsonbContainer *options;
	JsonbContainer *creation;
	char	   *bucket = NULL;
	char	   *key_prefix = NULL;
	char	   *bucket_owner = NULL;
	char	   *format;
	char	   *root;
	Jsonb	   *parameters;
	Jsonb	   *created;
	JsonbValue	description;
	char	   *table_name;
	char	   *table_id;
	char	   *table_arn;
	char	   *import_arn;
	TimestampTz now;
	int64		unix_ms;
	DdbOwnerAccess owner_access;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	client_token = DdbJsonGetString(request, "ClientToken");
	if (client_token != NULL && (client_token[0] == '\0' || strchr(client_token, '$') != NULL))
		DdbConstraintAdd(&errors, psprintf("'%s'", client_token), "clientToken",
						 "Member must satisfy regular expression pattern: ^[^\\$]+$");
	source = DdbJsonGetObject(request, "S3BucketSource");
	if (source == NULL)
		DdbConstraintAdd(&errors, "null", "s3BucketSource", "Member must not be null");
	else
	{
		DdbJsonCheckMembers(source, allowed_source);
		bucket = DdbJsonGetString(source, "S3Bucket");
		DdbRequestCheckString(&errors, bucket, "s3BucketSource.s3Bucket", 0, 255, NULL, NULL);
		if (bucket != NULL && !DdbS3BucketNameValid(bucket))
			DdbConstraintAdd(&errors, psprintf("'%s'", bucket), "s3BucketSource.s3Bucket",
							 "Member must satisfy regular expression pattern: ^[a-z0-9A-Z]+[\\.\\-\\w]*[a-z0-9A-Z]+$");
		key_prefix = DdbJsonGetString(source, "S3KeyPrefix");
		if (key_prefix != NULL)
			DdbRequestCheckString(&errors, key_prefix, "s3BucketSource.s3KeyPrefix", 0, 1024, NULL, NULL);
		bucket_owner = DdbJsonGetString(source, "S3BucketOwner");
		if (bucket_owner != NULL &&
			(strlen(bucket_owner) != 12 || strspn(bucket_owner, "0123456789") != 12))
			DdbConstraintAdd(&errors, psprintf("'%s'", bucket_owner), "s3BucketSource.s3BucketOwner",
							 "Member must satisfy regular expression pattern: [0-9]{12}");
	}
	format = DdbRequestEnum(request, "InputFormat", "inputFormat", formats,
							"[DYNAMODB_JSON, ION, CSV]", &errors);
	if (format == NULL)
		DdbConstraintAdd(&errors, "null", "inputFormat", "Member must not be null");
	(void) DdbRequestEnum(request, "InputCompressionType", "inputCompressionType", compressions,
						  "[GZIP, ZSTD, NONE]", &errors);
	options = DdbJsonGetObject(request, "InputFormatOptions");
	if (options != NULL)
		CheckFormatOptions(options, &errors);
	creation = DdbJsonGetObject(request, "TableCreationParameters");
	if (creation == NULL)
		DdbConstraintAdd(&errors, "null", "tableCreationParameters", "Member must not be null");
	else
		DdbJsonCheckMembers(creation, allowed_table);
	DdbConstraintRaise(&errors);

	if (strcmp(format, "ION") == 0)
		DdbValidationError("InputFormat ION is not supported by ddb: import DYNAMODB_JSON or CSV");
	if (options != NULL && DdbJsonGetObject(options, "Csv") != NULL && strcmp(format, "CSV") != 0)
		DdbValidationError("InputFormatOptions Csv can only be given with InputFormat CSV");
	if (key_prefix != NULL && DdbS3PrefixProblem(key_prefix, false) != NULL)
		DdbValidationError("S3KeyPrefix must name files inside the bucket: it may not start with \"/\", hold a \"..\" component, or hold U+0000 or U+0001");

	/* S3 is a directory of the server, which only some roles may read */
	root = DdbExportDirectoryRoot("Imports are not enabled on this server");
	if (!has_privs_of_role(GetUserId(), ROLE_PG_READ_SERVER_FILES))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to import a table: ImportTable needs the privileges of the \"pg_read_server_files\" role"),
				 errdetail("ImportTable reads files of the database server, as COPY FROM a file does.")));

	parameters = ImportParameters(request);

	/* a ClientToken seen within 8 hours: the same import, or a conflict */
	if (client_token != NULL)
	{
		Oid			argtypes[2] = {TEXTOID, JSONBOID};
		Datum		args[2];

		args[0] = CStringGetTextDatum(client_token);
		args[1] = JsonbPGetDatum(parameters);
		DdbExecute("SELECT i.import_arn, i.parameters OPERATOR(pg_catalog.=) $2"
				"  FROM ddb.imports i"
				" WHERE i.client_token OPERATOR(pg_catalog.=) $1"
				"   AND COALESCE(i.end_time, pg_catalog.now()) OPERATOR(pg_catalog.>)"
				"       (pg_catalog.now() OPERATOR(pg_catalog.-) pg_catalog.make_interval(hours => " CppAsString2(IMPORT_CLIENT_TOKEN_HOURS) "))"
				" ORDER BY i.start_time DESC LIMIT 1",
				2, argtypes, args, NULL, SPI_OK_SELECT);
		if (SPI_processed > 0)
		{
			char	   *arn = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

			if (strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2), "t") != 0)
				DdbRaise(DDB_IMPORT_CONFLICT,
						 "There was a conflict when importing from the specified S3 source: an import with client token %s and other parameters exists",
						 client_token);
			return ImportDescription(arn);
		}
	}

	DdbExecute("SELECT pg_catalog.count(*) FROM ddb.imports WHERE status OPERATOR(pg_catalog.=) 'IN_PROGRESS'",
			0, NULL, NULL, NULL, SPI_OK_SELECT);
	{
		bool		isnull;

		if (DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) >=
			IMPORT_MAX_IN_PROGRESS)
			DdbRaise(DDB_LIMIT_EXCEEDED,
					 "Subscriber limit exceeded: Only %d concurrent import table operations are allowed",
					 IMPORT_MAX_IN_PROGRESS);
	}

	/* the table, made by CreateTable as the caller */
	created = DdbCreateTable(creation);
	if (!DdbJsonGet(&created->root, "TableDescription", &description) ||
		description.type != jbvBinary)
		elog(ERROR, "CreateTable gave no TableDescription");
	table_name = DdbJsonGetString(description.val.binary.data, "TableName");
	table_id = DdbJsonGetString(description.val.binary.data, "TableId");
	table_arn = DdbJsonGetString(description.val.binary.data, "TableArn");

	now = GetCurrentTimestamp();
	unix_ms = now / 1000 + UNIX_TO_POSTGRES_EPOCH_MS;
	now = (unix_ms - UNIX_TO_POSTGRES_EPOCH_MS) * 1000;
	import_arn = psprintf("%s/import/%014lld-%08x", table_arn, (long long) unix_ms,
						  pg_prng_uint32(&pg_global_prng_state));
	{
		static const char *const insert_sql =
		"INSERT INTO ddb.imports (import_arn, table_name, table_id, table_arn, owner,"
		"  client_token, status, root_directory, parameters, start_time)"
		" VALUES ($1, $2, $3::pg_catalog.uuid, $4, $5, $6, 'IN_PROGRESS', $7, $8, $9)";
		Oid			argtypes[9] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, REGROLEOID, TEXTOID,
		TEXTOID, JSONBOID, TIMESTAMPTZOID};
		Datum		args[9];
		char		nulls[10] = "         ";

		args[0] = CStringGetTextDatum(import_arn);
		args[1] = CStringGetTextDatum(table_name);
		args[2] = CStringGetTextDatum(table_id);
		args[3] = CStringGetTextDatum(table_arn);
		args[4] = ObjectIdGetDatum(GetUserId());
		if (client_token != NULL)
			args[5] = CStringGetTextDatum(client_token);
		else
			nulls[5] = 'n';
		args[6] = CStringGetTextDatum(root);
		args[7] = JsonbPGetDatum(parameters);
		args[8] = TimestampTzGetDatum(now);
		DdbCatalogBeginOwnerAccess(&owner_access);
		DdbExecute(insert_sql, 9, argtypes, args, nulls, SPI_OK_INSERT);
		DdbCatalogEndOwnerAccess(&owner_access);
	}

	/* this backend's metadata of the new table must say it is CREATING */
	DdbCatalogInvalidateAll();
	DdbWorkerWakeOnCommit();
	return ImportDescription(import_arn);
}

/*
 * DdbDescribeImport implements DescribeImport.
 */
Jsonb *
DdbDescribeImport(JsonbContainer *request)
{
	static const char *const allowed[] = {"ImportArn", NULL};
	DdbConstraintErrors errors;
	char	   *arn;
	Jsonb	   *description;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	arn = DdbJsonGetString(request, "ImportArn");
	DdbRequestCheckString(&errors, arn, "importArn", 37, 1024, NULL, NULL);
	DdbConstraintRaise(&errors);
	description = ImportsCatalogExists() ? ImportDescription(arn) : NULL;
	if (description == NULL)
		DdbRaise(DDB_IMPORT_NOT_FOUND, "Import not found: %s", arn);
	return description;
}

/*
 * The NextToken that continues after an import: the hex of its ARN,
 * padded with zeros to DynamoDB's pattern ([0-9a-f]{16})+ and at least
 * IMPORT_NEXT_TOKEN_MIN characters.
 */
static char *
EncodeNextToken(const char *arn)
{
	StringInfoData token;

	initStringInfo(&token);
	for (const char *p = arn; *p; p++)
		appendStringInfo(&token, "%02x", (unsigned char) *p);
	while (token.len < IMPORT_NEXT_TOKEN_MIN || token.len % 16 != 0)
		appendStringInfoChar(&token, '0');
	return token.data;
}

/*
 * The ARN a NextToken continues after, or NULL when it is not one of ours.
 */
static char *
DecodeNextToken(const char *token)
{
	size_t		len = strlen(token);
	StringInfoData arn;

	initStringInfo(&arn);
	for (size_t i = 0; i + 1 < len; i += 2)
	{
		int			byte;

		if (sscanf(token + i, "%2x", &byte) != 1)
			return NULL;
		if (byte == 0)
			break;
		appendStringInfoChar(&arn, (char) byte);
	}
	return arn.len > 0 ? arn.data : NULL;
}

/*
 * DdbListImports implements ListImports: the imports of every table, or of
 * one (TableArn), in the order they were asked for, PageSize (1-25) at a
 * time.
 */
Jsonb *
DdbListImports(JsonbContainer *request)
{
	static const char *const allowed[] = {"TableArn", "PageSize", "NextToken", NULL};
	static const char *const list_sql =
	"SELECT " IMPORT_SUMMARY_SQL ", i.import_arn"
	"  FROM ddb.imports i"
	" WHERE ($1 IS NULL OR i.table_arn OPERATOR(pg_catalog.=) $1)"
	"   AND ($2 IS NULL OR (i.start_time, i.import_arn) OPERATOR(pg_catalog.>)"
	"        (SELECT s.start_time, s.import_arn FROM ddb.imports s"
	"          WHERE s.import_arn OPERATOR(pg_catalog.=) $2))"
	" ORDER BY i.start_time, i.import_arn LIMIT $3";
	DdbConstraintErrors errors;
	char	   *table_arn;
	char	   *token;
	char	   *after = NULL;
	int64		page_size = IMPORT_MAX_PAGE_SIZE;
	Oid			argtypes[3] = {TEXTOID, TEXTOID, INT8OID};
	Datum		args[3];
	char		nulls[4] = "   ";

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	table_arn = DdbJsonGetString(request, "TableArn");
	if (table_arn != NULL)
		DdbRequestCheckString(&errors, table_arn, "tableArn", 1, 1024, NULL, NULL);
	if (DdbJsonGetInt64(request, "PageSize", &page_size) &&
		(page_size < 1 || page_size > IMPORT_MAX_PAGE_SIZE))
		DdbConstraintAdd(&errors, psprintf("'" INT64_FORMAT "'", page_size), "pageSize",
						 page_size < 1 ? "Member must have value greater than or equal to 1"
						 : "Member must have value less than or equal to 25");
	token = DdbJsonGetString(request, "NextToken");
	if (token != NULL)
	{
		size_t		len = strlen(token);

		DdbRequestCheckString(&errors, token, "nextToken", IMPORT_NEXT_TOKEN_MIN, 1024, NULL, NULL);
		if (len % 16 != 0 || strspn(token, "0123456789abcdef") != len)
			DdbConstraintAdd(&errors, psprintf("'%s'", token), "nextToken",
							 "Member must satisfy regular expression pattern: ([0-9a-f]{16})+");
	}
	DdbConstraintRaise(&errors);
	if (!ImportsCatalogExists())
		DdbRaise(DDB_INTERNAL_SERVER_ERROR, "the extension's catalog has no imports: run ALTER EXTENSION ddb UPDATE");

	if (token != NULL)
	{
		Oid			arn_types[1] = {TEXTOID};
		Datum		arn_args[1];

		after = DecodeNextToken(token);
		if (after != NULL)
		{
			arn_args[0] = CStringGetTextDatum(after);
			DdbExecute("SELECT 1 FROM ddb.imports WHERE import_arn OPERATOR(pg_catalog.=) $1",
					1, arn_types, arn_args, NULL, SPI_OK_SELECT);
		}
		if (after == NULL || SPI_processed == 0)
			DdbValidationError("Invalid NextToken: %s", token);
	}

	if (table_arn != NULL)
		args[0] = CStringGetTextDatum(table_arn);
	else
		nulls[0] = 'n';
	if (after != NULL)
		args[1] = CStringGetTextDatum(after);
	else
		nulls[1] = 'n';
	args[2] = Int64GetDatum(page_size + 1);
	DdbExecute(list_sql, 3, argtypes, args, nulls, SPI_OK_SELECT);

	return DdbListPage("ImportSummaryList", (uint64) page_size, "NextToken", EncodeNextToken);
}

/* ---- the worker's share ---- */

/* One import to run */
typedef struct ImportUnit
{
	char	   *import_arn;
	char	   *table_name;
} ImportUnit;

/* The items read and not inserted yet */
typedef struct ImportBatch
{
	DdbImportSpec *spec;
	DdbImportCounts *counts;
	Oid			item_table;
	MemoryContext context;		/* holds the items; reset after each insert */
	Datum		items[IMPORT_BATCH_ITEMS];
	char	   *wheres[IMPORT_BATCH_ITEMS];
	int			nitems;
	Size		bytes;
} ImportBatch;

/* One import being run */
typedef struct ImportRun
{
	DdbImportSpec spec;
	DdbImportCounts counts;
	Oid			item_table;
	Oid			owner;
} ImportRun;

/* What one insert statement writes */
typedef struct InsertArgs
{
	Oid			item_table;
	Datum		array;
} InsertArgs;

/*
 * Insert an array of items (in a subtransaction).
 */
static void
InsertItems(void *arg)
{
	InsertArgs *insert = (InsertArgs *) arg;

	(void) DdbRestoreFillFromArray(insert->item_table, insert->array);
}

/*
 * Whether an error raised by inserting items is about the items (ddb's
 * errors, data, integrity, program limits) rather than about the server.
 */
static bool
IsInsertItemError(ErrorData *error)
{
	int			category = ERRCODE_TO_CATEGORY(error->sqlerrcode);

	return category == ERRCODE_TO_CATEGORY(MAKE_SQLSTATE('Y', 'D', '0', '0', '0')) ||
		category == ERRCODE_DATA_EXCEPTION ||
		category == ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION ||
		category == ERRCODE_PROGRAM_LIMIT_EXCEEDED;
}

/*
 * Insert the batch's items: in one statement, or, when that fails, one by
 * one, counting the items that fail as errors.
 */
static void
FlushBatch(ImportBatch *batch)
{
	InsertArgs	insert;
	ErrorData  *error;

	if (batch->nitems == 0)
		return;
	insert.item_table = batch->item_table;
	insert.array = PointerGetDatum(construct_array(batch->items, batch->nitems, JSONBOID, -1,
												   false, TYPALIGN_INT));
	error = DdbRunInSubtransaction(InsertItems, &insert);
	if (error != NULL)
	{
		if (!IsInsertItemError(error))
			ReThrowError(error);
		for (int i = 0; i < batch->nitems; i++)
		{
			CHECK_FOR_INTERRUPTS();
			insert.array = PointerGetDatum(construct_array(&batch->items[i], 1, JSONBOID, -1,
														   false, TYPALIGN_INT));
			error = DdbRunInSubtransaction(InsertItems, &insert);
			if (error == NULL)
				continue;
			if (!IsInsertItemError(error))
				ReThrowError(error);
			DdbImportItemError(batch->spec, batch->counts, batch->wheres[i], error->message);
		}
	}
	MemoryContextReset(batch->context);
	batch->nitems = 0;
	batch->bytes = 0;
}

/*
 * Take an item read (the sink of DdbImportReadFile).
 */
static void
TakeItem(Jsonb *item, const char *where, void *arg)
{
	ImportBatch *batch = (ImportBatch *) arg;
	MemoryContext old = MemoryContextSwitchTo(batch->context);

	batch->items[batch->nitems] = PointerGetDatum(DatumGetJsonbPCopy(PointerGetDatum(item)));
	batch->wheres[batch->nitems] = pstrdup(where);
	batch->nitems++;
	batch->bytes += VARSIZE(item);
	MemoryContextSwitchTo(old);
	if (batch->nitems == IMPORT_BATCH_ITEMS || batch->bytes >= IMPORT_BATCH_BYTES)
		FlushBatch(batch);
}

/*
 * Run an import: read its files into its table (in a subtransaction, so
 * that a failure leaves the table empty and can be recorded).
 */
static void
RunImport(void *arg)
{
	ImportRun  *run = (ImportRun *) arg;
	char		resolved_root[PATH_MAX];
	List	   *files;
	ListCell   *lc;
	ImportBatch *batch;

	if (!has_privs_of_role(run->owner, ROLE_PG_READ_SERVER_FILES))
		DdbImportFail("AccessDenied",
					  "The role that asked for the import no longer has the privileges of pg_read_server_files");
	if (realpath(run->spec.root, resolved_root) == NULL)
		DdbImportFail("S3NoSuchBucket", "The directory that stands for S3 is gone: %s", run->spec.root);
	run->spec.root = pstrdup(resolved_root);

	DdbRestoreEmptyTable(run->item_table);
	files = DdbImportListFiles(&run->spec);
	if (files == NIL)
		DdbImportFail("S3NoSuchKey", "No files of bucket %s have the key prefix \"%s\"",
					  run->spec.bucket, run->spec.key_prefix);

	batch = palloc0(sizeof(ImportBatch));
	batch->spec = &run->spec;
	batch->counts = &run->counts;
	batch->item_table = run->item_table;
	batch->context = AllocSetContextCreate(CurrentMemoryContext, "ddb import batch",
										   ALLOCSET_DEFAULT_SIZES);
	foreach(lc, files)
	{
		CHECK_FOR_INTERRUPTS();
		DdbImportReadFile(&run->spec, (DdbImportFile *) lfirst(lc), &run->counts, TakeItem, batch);
	}
	FlushBatch(batch);
	MemoryContextDelete(batch->context);
}

/*
 * Read an import's parameters into its spec.
 */
static void
ReadSpec(DdbImportSpec *spec, Jsonb *parameters)
{
	JsonbContainer *p = &parameters->root;
	JsonbContainer *source = DdbJsonGetObject(p, "S3BucketSource");
	JsonbContainer *options = DdbJsonGetObject(p, "InputFormatOptions");
	JsonbContainer *csv = options != NULL ? DdbJsonGetObject(options, "Csv") : NULL;
	JsonbContainer *creation = DdbJsonGetObject(p, "TableCreationParameters");
	JsonbContainer *definitions = DdbJsonGetArray(creation, "AttributeDefinitions");
	char	   *compression = DdbJsonGetString(p, "InputCompressionType");
	JsonbValue *elements;
	int			n;

	spec->bucket = DdbJsonGetString(source, "S3Bucket");
	spec->key_prefix = DdbJsonGetString(source, "S3KeyPrefix");
	if (spec->key_prefix == NULL)
		spec->key_prefix = "";
	spec->format = strcmp(DdbJsonGetString(p, "InputFormat"), "CSV") == 0 ?
		DDB_IMPORT_CSV : DDB_IMPORT_DYNAMODB_JSON;
	spec->compression = strcmp(compression, "GZIP") == 0 ? DDB_IMPORT_GZIP :
		strcmp(compression, "ZSTD") == 0 ? DDB_IMPORT_ZSTD : DDB_IMPORT_NONE;
	spec->delimiter = ',';
	if (csv != NULL)
	{
		char	   *delimiter = DdbJsonGetString(csv, "Delimiter");
		JsonbContainer *headers = DdbJsonGetArray(csv, "HeaderList");

		if (delimiter != NULL)
			spec->delimiter = delimiter[0];
		if (headers != NULL)
		{
			spec->nheaders = DdbJsonArrayElements(headers, &elements);
			spec->headers = palloc(sizeof(char *) * spec->nheaders);
			for (int i = 0; i < spec->nheaders; i++)
				spec->headers[i] = DdbJsonValueString(&elements[i], "HeaderList");
		}
	}
	n = definitions != NULL ? DdbJsonArrayElements(definitions, &elements) : 0;
	spec->ntyped = n;
	spec->typed_names = palloc(sizeof(char *) * Max(n, 1));
	spec->typed_types = palloc(Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		JsonbContainer *definition = DdbJsonValueObject(&elements[i], "AttributeDefinitions");

		spec->typed_names[i] = DdbJsonGetString(definition, "AttributeName");
		spec->typed_types[i] = DdbJsonGetString(definition, "AttributeType")[0];
	}
}

/*
 * Record how an import ended.
 */
static void
FinishImport(const char *import_arn, ImportRun *run, const char *status,
			 const char *failure_code, const char *failure_message)
{
	static const char *const update_sql =
	"UPDATE ddb.imports SET status = $2, end_time = pg_catalog.clock_timestamp(),"
	"  processed_size_bytes = $3, processed_item_count = $4, imported_item_count = $5,"
	"  error_count = $6, failure_code = $7, failure_message = $8"
	" WHERE import_arn OPERATOR(pg_catalog.=) $1";
	Oid			argtypes[8] = {TEXTOID, TEXTOID, INT8OID, INT8OID, INT8OID, INT8OID, TEXTOID, TEXTOID};
	Datum		args[8];
	char		nulls[9] = "        ";
	DdbImportCounts *counts = &run->counts;

	args[0] = CStringGetTextDatum(import_arn);
	args[1] = CStringGetTextDatum(status);
	args[2] = Int64GetDatum(counts->processed_bytes);
	args[3] = Int64GetDatum(counts->processed_items);
	args[4] = Int64GetDatum(failure_code != NULL ? 0 : counts->processed_items - counts->errors);
	args[5] = Int64GetDatum(counts->errors);
	if (failure_code != NULL)
	{
		args[6] = CStringGetTextDatum(failure_code);
		args[7] = CStringGetTextDatum(failure_message);
	}
	else
		nulls[6] = nulls[7] = 'n';
	DdbExecute(update_sql, 8, argtypes, args, nulls, SPI_OK_UPDATE);
}

/*
 * The imports in progress in this database, in the order they were asked
 * for; none when the extension's catalog predates imports.
 */
static List *
FindImportWork(MemoryContext context)
{
	List	   *units = NIL;

	if (!ImportsCatalogExists())
		return NIL;
	DdbExecute("SELECT import_arn, table_name FROM ddb.imports"
			" WHERE status OPERATOR(pg_catalog.=) 'IN_PROGRESS' ORDER BY start_time, import_arn",
			0, NULL, NULL, NULL, SPI_OK_SELECT);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		MemoryContext old = MemoryContextSwitchTo(context);
		ImportUnit *unit = palloc(sizeof(ImportUnit));

		unit->import_arn = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		unit->table_name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		units = lappend(units, unit);
		MemoryContextSwitchTo(old);
	}
	return units;
}

static char *
DescribeImportWork(void *arg, MemoryContext context)
{
	ImportUnit *unit = (ImportUnit *) arg;

	return MemoryContextStrdup(context, psprintf("ddb import: table %s, import %s",
												 unit->table_name, unit->import_arn));
}

/*
 * Run an import, at once, and record how it ended; a failed import's table
 * is deleted.
 */
static bool
RunImportStep(void *arg)
{
	ImportUnit *unit = (ImportUnit *) arg;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(unit->import_arn)};
	ImportRun	run = {0};
	bool		isnull;
	bool		table_null;
	char	   *table_name;
	Jsonb	   *parameters;
	ErrorData  *error;

	DdbExecute("SELECT i.table_name, i.owner::pg_catalog.oid, i.root_directory, i.parameters,"
			"       t.item_table::pg_catalog.oid"
			"  FROM ddb.imports i"
			"  LEFT JOIN ddb.tables t ON t.table_id OPERATOR(pg_catalog.=) i.table_id"
			" WHERE i.import_arn OPERATOR(pg_catalog.=) $1"
			"   AND i.status OPERATOR(pg_catalog.=) 'IN_PROGRESS' FOR UPDATE OF i",
			1, argtypes, args, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return false;
	table_name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	run.owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	run.spec.root = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	parameters = DatumGetJsonbPCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull));
	run.item_table = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5,
													&table_null));
	if (table_null)
	{
		/* the table was dropped with plain SQL */
		FinishImport(unit->import_arn, &run, "FAILED", "TableNotFound",
					 "The table imported into was deleted");
		return false;
	}
	run.spec.import_arn = unit->import_arn;
	ReadSpec(&run.spec, parameters);
	run.spec.table = DdbTableLookupOptional(table_name);
	if (run.spec.table == NULL)
		elog(ERROR, "table \"%s\" being imported into has no metadata", table_name);

	DdbImportFailureCode = NULL;
	error = DdbRunInSubtransaction(RunImport, &run);
	if (error != NULL)
	{
		JsonbParseState *st = NULL;
		Jsonb	   *request;

		/* a cancel or shutdown: the import is run again later */
		if (error->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			error->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN ||
			error->sqlerrcode == ERRCODE_OUT_OF_MEMORY)
			ReThrowError(error);
		FinishImport(unit->import_arn, &run, "FAILED",
					 DdbImportFailureCode != NULL ? DdbImportFailureCode : "InternalError",
					 error->message);
		ereport(LOG,
				(errmsg("ddb import %s failed: %s", unit->import_arn, error->message)));
		/* no longer CREATING: DeleteTable takes it */
		DdbCatalogInvalidateAll();
		DdbPushBeginObject(&st);
		DdbPushKey(&st, "TableName");
		DdbPushString(&st, WJB_VALUE, table_name);
		request = JsonbValueToJsonb(DdbPushEndObject(&st));
		(void) DdbDeleteTable(&request->root);
		return false;
	}
	FinishImport(unit->import_arn, &run, "COMPLETED", NULL, NULL);
	/* every backend reloads the table's metadata: no longer CREATING */
	CacheInvalidateRelcacheByRelid(run.item_table);
	return false;
}

const DdbWorkKind DdbImportWork = {
	.name = "import",
	.find_units = FindImportWork,
	.describe = DescribeImportWork,
	.run_step = RunImportStep,
	.max_sleep_ms = NULL,
};
