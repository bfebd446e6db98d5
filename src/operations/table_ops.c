/*-------------------------------------------------------------------------
 *
 * table_ops.c
 *	  The control plane: CreateTable, DescribeTable, ListTables,
 *	  DeleteTable and UpdateTable.
 *
 * A DynamoDB table is a row in ddb.tables plus an item table in schema
 * ddb_data. DDL on the item table runs as the calling role, so PostgreSQL
 * decides who may create (CREATE on schema ddb_data) and drop (ownership)
 * tables; the catalog row is then written as the extension owner. Table
 * changes happen synchronously inside the caller's transaction, so a new
 * table is ACTIVE at once; DeleteTable reports DELETING, as DynamoDB does.
 *
 * StreamSpecification enables and disables a table's stream with
 * DynamoDB's rules (streams/stream_catalog.c keeps the streams); a table's
 * description shows its live stream and its latest stream's ARN and label
 * (DynamoDB keeps describing a disabled stream's). Encryption at rest is
 * the business of PostgreSQL's storage and the disk, so SSESpecification
 * only records what the table asked for: a KMS key ARN in the catalog,
 * described as DynamoDB's SSEDescription.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/heap.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"

#include "backups/backups.h"
#include "catalog.h"
#include "errors.h"
#include "guc.h"
#include "indexes/index.h"
#include "item.h"
#include "json_util.h"
#include "operations.h"
#include "request.h"
#include "streams/streams.h"
#include "scaleout/scaleout.h"
#include "tags.h"

#define MAX_COLUMN_NAME (NAMEDATALEN - 1)

/* A validated key schema */
typedef struct KeySchema
{
	int			nkeys;
	char	   *names[2];		/* partition key, sort key */
	char		types[2];		/* 'S', 'N' or 'B' */
} KeySchema;

/* StreamSpecification of a request */
typedef struct StreamSpec
{
	bool		given;			/* StreamSpecification present */
	bool		enabled;		/* StreamEnabled */
	char	   *view_type;		/* StreamViewType, NULL if absent */
} StreamSpec;

/* SSESpecification of a request */
typedef struct SseSpec
{
	bool		given;			/* SSESpecification present */
	bool		enabled;		/* Enabled (absent: false) */
	char	   *sse_type;		/* SSEType, NULL if absent */
	char	   *kms_key_id;		/* KMSMasterKeyId, NULL if absent */
} SseSpec;

/* Billing settings of a request */
typedef struct Billing
{
	char	   *mode;			/* PROVISIONED or PAY_PER_REQUEST, NULL if absent */
	bool		has_throughput; /* ProvisionedThroughput given */
	int64		read_units;
	int64		write_units;
} Billing;

/*
 * The statement that renders a table's description as DynamoDB's
 * TableDescription; $1 is the table name, $2 the status to report.
 */
static const char *const describe_sql =
"SELECT pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object("
"  'TableName', t.table_name,"
"  'TableStatus', $2::pg_catalog.text,"
"  'KeySchema', t.key_schema,"
"  'AttributeDefinitions', t.attribute_definitions,"
"  'CreationDateTime', pg_catalog.round(EXTRACT(epoch FROM t.created_at), 3),"
"  'ProvisionedThroughput', pg_catalog.jsonb_build_object("
"      'NumberOfDecreasesToday', CASE WHEN t.last_decrease_time::pg_catalog.date OPERATOR(pg_catalog.=) pg_catalog.now()::pg_catalog.date"
"                                     THEN t.decreases_today ELSE 0 END,"
"      'ReadCapacityUnits', t.read_capacity_units,"
"      'WriteCapacityUnits', t.write_capacity_units,"
"      'LastIncreaseDateTime', pg_catalog.round(EXTRACT(epoch FROM t.last_increase_time), 3),"
"      'LastDecreaseDateTime', pg_catalog.round(EXTRACT(epoch FROM t.last_decrease_time), 3)),"
"  'BillingModeSummary', CASE WHEN t.billing_mode_updated_at IS NOT NULL THEN"
"      pg_catalog.jsonb_build_object('BillingMode', t.billing_mode,"
"        'LastUpdateToPayPerRequestDateTime',"
"        pg_catalog.round(EXTRACT(epoch FROM t.billing_mode_updated_at), 3)) END,"
"  'TableClassSummary', CASE WHEN t.table_class IS NOT NULL THEN"
"      pg_catalog.jsonb_build_object('TableClass', t.table_class) END,"
"  'DeletionProtectionEnabled', t.deletion_protection,"
"  'SSEDescription', CASE WHEN t.sse_kms_master_key_arn IS NOT NULL THEN"
"      pg_catalog.jsonb_build_object('Status', 'ENABLED', 'SSEType', 'KMS',"
"        'KMSMasterKeyArn', t.sse_kms_master_key_arn) END,"
"  'StreamSpecification', (SELECT pg_catalog.jsonb_build_object('StreamEnabled', true,"
"        'StreamViewType', s.view_type) FROM ddb.streams s"
"      WHERE s.table_id OPERATOR(pg_catalog.=) t.table_id AND s.status IN ('ENABLING', 'ENABLED')),"
"  'LatestStreamLabel', (SELECT s.stream_label FROM ddb.streams s"
"      WHERE s.table_id OPERATOR(pg_catalog.=) t.table_id ORDER BY s.created_at DESC LIMIT 1),"
"  'LatestStreamArn', (SELECT pg_catalog.format('arn:aws:dynamodb:%s:%s:table/%s/stream/%s',"
"        pg_catalog.current_setting('ddb.region'), pg_catalog.current_setting('ddb.account_id'),"
"        t.table_name, s.stream_label) FROM ddb.streams s"
"      WHERE s.table_id OPERATOR(pg_catalog.=) t.table_id ORDER BY s.created_at DESC LIMIT 1),"
"  'ItemCount', ddb.relation_item_count(t.item_table),"
"  'TableSizeBytes', ddb.relation_size(t.item_table),"
"  'TableArn', pg_catalog.format('arn:aws:dynamodb:%s:%s:table/%s',"
"      pg_catalog.current_setting('ddb.region'), pg_catalog.current_setting('ddb.account_id'),"
"      t.table_name),"
"  'TableId', t.table_id::pg_catalog.text,"
"  'GlobalSecondaryIndexes', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object("
"      'IndexName', i.index_name, 'KeySchema', i.key_schema,"
"      'Projection', pg_catalog.jsonb_build_object('ProjectionType', i.projection_type,"
"          'NonKeyAttributes', (SELECT pg_catalog.jsonb_agg(a ORDER BY a COLLATE pg_catalog.\"C\")"
"              FROM pg_catalog.unnest(i.non_key_attributes) a)),"
"      'IndexStatus', i.status, 'Backfilling', i.backfilling,"
"      'ProvisionedThroughput', pg_catalog.jsonb_build_object('NumberOfDecreasesToday', 0,"
"          'ReadCapacityUnits', i.read_capacity_units, 'WriteCapacityUnits', i.write_capacity_units),"
"      'IndexSizeBytes', ddb.relation_size(i.index_table),"
"      'ItemCount', ddb.relation_item_count(i.index_table),"
"      'IndexArn', pg_catalog.format('arn:aws:dynamodb:%s:%s:table/%s/index/%s',"
"          pg_catalog.current_setting('ddb.region'), pg_catalog.current_setting('ddb.account_id'),"
"          t.table_name, i.index_name)) ORDER BY i.ordinal, i.created_at, i.index_name)"
"     FROM ddb.indexes i"
"    WHERE i.table_name OPERATOR(pg_catalog.=) t.table_name AND i.kind OPERATOR(pg_catalog.=) 'GLOBAL'),"
"  'LocalSecondaryIndexes', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object("
"      'IndexName', i.index_name, 'KeySchema', i.key_schema,"
"      'Projection', pg_catalog.jsonb_build_object('ProjectionType', i.projection_type,"
"          'NonKeyAttributes', (SELECT pg_catalog.jsonb_agg(a ORDER BY a COLLATE pg_catalog.\"C\")"
"              FROM pg_catalog.unnest(i.non_key_attributes) a)),"
"      'IndexSizeBytes', ddb.relation_size(i.index_table),"
"      'ItemCount', ddb.relation_item_count(i.index_table),"
"      'IndexArn', pg_catalog.format('arn:aws:dynamodb:%s:%s:table/%s/index/%s',"
"          pg_catalog.current_setting('ddb.region'), pg_catalog.current_setting('ddb.account_id'),"
"          t.table_name, i.index_name)) ORDER BY i.ordinal, i.created_at, i.index_name)"
"     FROM ddb.indexes i"
"    WHERE i.table_name OPERATOR(pg_catalog.=) t.table_name AND i.kind OPERATOR(pg_catalog.=) 'LOCAL')))"
" FROM ddb.tables t"
" WHERE t.table_name OPERATOR(pg_catalog.=) $1";

/*
 * Render a table's TableDescription, or NULL when it does not exist.
 */
static Jsonb *
DescribeTableRow(const char *table_name, const char *status)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		args[2];
	bool		isnull;
	Datum		d;
	int			rc;

	args[0] = CStringGetTextDatum(table_name);
	args[1] = CStringGetTextDatum(status);
	rc = SPI_execute_with_args(describe_sql, 2, argtypes, args, NULL, false, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "describing table failed: %s", SPI_result_code_string(rc));
	if (SPI_processed == 0)
		return NULL;
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	/* a restored table has a RestoreSummary, and is CREATING until restored */
	return DdbRestoreDescribe(table_name, DatumGetJsonbPCopy(d));
}

/*
 * Build {"<member>": description}.
 */
static Jsonb *
WrapDescription(const char *member, Jsonb *description)
{
	JsonbParseState *st = NULL;

	DdbPushBeginObject(&st);
	DdbPushKey(&st, member);
	DdbPushContainer(&st, WJB_VALUE, &description->root);
	return JsonbValueToJsonb(DdbPushEndObject(&st));
}

/*
 * Raise the ResourceNotFoundException of the control plane.
 */
static void
TableNotFound(const char *table_name)
{
	DdbRaise(DDB_RESOURCE_NOT_FOUND, "Requested resource not found: Table: %s not found",
			 table_name);
}

/*
 * Run one SQL statement with parameters, checking the result code.
 */
static void
ExecuteWithArgs(const char *sql, int nargs, Oid *argtypes, Datum *args,
				const char *nulls, int expected)
{
	int			rc = SPI_execute_with_args(sql, nargs, argtypes, args, nulls, false, 0);

	if (rc != expected)
		elog(ERROR, "statement failed (%s): %s", SPI_result_code_string(rc), sql);
}

/*
 * Run one SQL statement whose only parameter ($1) is a table name,
 * checking the result code; the rows are in SPI_tuptable.
 */
static void
ExecuteForTable(const char *sql, const char *table_name, int expected)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];

	args[0] = CStringGetTextDatum(table_name);
	ExecuteWithArgs(sql, 1, argtypes, args, NULL, expected);
}

/*
 * Validate KeySchema, AttributeDefinitions and the secondary indexes of
 * CreateTable (*specs, *nspecs), collecting constraint errors first and
 * then, when there are none, raising DynamoDB's semantic ones: the table's
 * key schema, then the indexes (indexes/index_spec.c), then, for a table
 * without indexes, that every definition is a key attribute.
 */
static void
ValidateKeySchema(JsonbContainer *request, bool provisioned, KeySchema *schema,
				  DdbIndexSpec **specs, int *nspecs, DdbConstraintErrors *errors)
{
	static const char *const key_types_allowed[] = {"HASH", "RANGE", NULL};
	static const char *const attribute_types_allowed[] = {"B", "N", "S", NULL};
	JsonbContainer *key_schema = DdbJsonGetArray(request, "KeySchema");
	JsonbContainer *definitions = DdbJsonGetArray(request, "AttributeDefinitions");
	JsonbValue *elements;
	JsonbValue *defs = NULL;
	int			nelements = 0;
	int			ndefs = 0;
	char	   *key_types[2] = {NULL, NULL};

	memset(schema, 0, sizeof(*schema));
	if (key_schema == NULL)
		DdbConstraintAdd(errors, "null", "keySchema", "Member must not be null");
	else
	{
		nelements = DdbJsonArrayElements(key_schema, &elements);
		if (nelements < 1 || nelements > 2)
			DdbConstraintAdd(errors, psprintf("'%s'", DdbJsonContainerText(key_schema)), "keySchema",
							 nelements < 1 ? "Member must have length greater than or equal to 1"
							 : "Member must have length less than or equal to 2");
		for (int i = 0; i < nelements && i < 2; i++)
		{
			JsonbContainer *element = DdbJsonValueObject(&elements[i], "KeySchemaElement");
			char	   *name = DdbJsonGetString(element, "AttributeName");
			char	   *type = DdbJsonGetString(element, "KeyType");

			DdbRequestCheckString(errors, name, psprintf("keySchema.%d.member.attributeName", i + 1),
								  1, 255, NULL, NULL);
			DdbRequestCheckString(errors, type, psprintf("keySchema.%d.member.keyType", i + 1),
								  0, INT_MAX, key_types_allowed, "[HASH, RANGE]");
			schema->names[i] = name;
			key_types[i] = type;
		}
		schema->nkeys = Min(nelements, 2);
	}

	if (definitions == NULL)
		DdbConstraintAdd(errors, "null", "attributeDefinitions", "Member must not be null");
	else
	{
		ndefs = DdbJsonArrayElements(definitions, &defs);
		for (int i = 0; i < ndefs; i++)
		{
			JsonbContainer *def = DdbJsonValueObject(&defs[i], "AttributeDefinition");
			char	   *name = DdbJsonGetString(def, "AttributeName");
			char	   *type = DdbJsonGetString(def, "AttributeType");

			DdbRequestCheckString(errors, name, psprintf("attributeDefinitions.%d.member.attributeName", i + 1),
								  1, 255, NULL, NULL);
			DdbRequestCheckString(errors, type, psprintf("attributeDefinitions.%d.member.attributeType", i + 1),
								  0, INT_MAX, attribute_types_allowed, "[B, N, S]");
		}
	}
	*nspecs = DdbIndexSpecsRead(request, specs, errors);
	if (errors->count > 0 || key_schema == NULL || definitions == NULL)
		return;

	/* DynamoDB's semantic checks, in its order */
	if (strcmp(key_types[0], "HASH") != 0)
		DdbValidationError("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
	if (schema->nkeys == 2)
	{
		if (strcmp(key_types[1], "RANGE") != 0)
			DdbValidationError("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
		if (strcmp(schema->names[0], schema->names[1]) == 0)
			DdbValidationError("Both the Hash Key and the Range Key element in the KeySchema have the same name");
	}
	for (int i = 0; i < ndefs; i++)
	{
		char	   *name = DdbJsonGetString(defs[i].val.binary.data, "AttributeName");

		for (int j = 0; j < i; j++)
		{
			if (strcmp(name, DdbJsonGetString(defs[j].val.binary.data, "AttributeName")) == 0)
				DdbValidationError("Attribute Name is duplicated: %s", name);
		}
	}
	for (int k = 0; k < schema->nkeys; k++)
	{
		bool		defined = false;

		for (int i = 0; i < ndefs; i++)
		{
			JsonbContainer *def = defs[i].val.binary.data;

			if (strcmp(DdbJsonGetString(def, "AttributeName"), schema->names[k]) == 0)
			{
				schema->types[k] = DdbJsonGetString(def, "AttributeType")[0];
				defined = true;
			}
		}
		if (!defined)
		{
			StringInfoData keys;
			StringInfoData defined_names;

			initStringInfo(&keys);
			initStringInfo(&defined_names);
			for (int j = 0; j < schema->nkeys; j++)
				appendStringInfo(&keys, "%s%s", j > 0 ? ", " : "", schema->names[j]);
			for (int i = 0; i < ndefs; i++)
				appendStringInfo(&defined_names, "%s%s", i > 0 ? ", " : "",
								 DdbJsonGetString(defs[i].val.binary.data, "AttributeName"));
			DdbValidationError("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]",
							   keys.data, defined_names.data);
		}
	}
	if (*nspecs > 0 || DdbJsonGetArray(request, "GlobalSecondaryIndexes") != NULL ||
		DdbJsonGetArray(request, "LocalSecondaryIndexes") != NULL)
		DdbIndexSpecsCheck(request, schema->names, provisioned, *specs, *nspecs);
	else if (ndefs != schema->nkeys)
		DdbValidationError("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions");
}

/*
 * Render a validated key schema as DynamoDB's KeySchema.
 */
static Jsonb *
KeySchemaJson(KeySchema *schema)
{
	JsonbParseState *st = NULL;

	DdbPushBeginArray(&st);
	for (int i = 0; i < schema->nkeys; i++)
	{
		DdbPushBeginObject(&st);
		DdbPushKey(&st, "AttributeName");
		DdbPushString(&st, WJB_VALUE, schema->names[i]);
		DdbPushKey(&st, "KeyType");
		DdbPushString(&st, WJB_VALUE, i == 0 ? "HASH" : "RANGE");
		DdbPushEndObject(&st);
	}
	return JsonbValueToJsonb(DdbPushEndArray(&st));
}

/* An attribute definition, for sorting */
typedef struct AttributeDefinition
{
	char	   *name;
	char	   *type;
} AttributeDefinition;

static int
CompareDefinitions(const void *a, const void *b)
{
	return strcmp(((const AttributeDefinition *) a)->name,
				  ((const AttributeDefinition *) b)->name);
}

/*
 * Render the validated AttributeDefinitions of a request (those of the
 * table's and the indexes' key attributes) sorted by name, as DynamoDB
 * describes them.
 */
static Jsonb *
AttributeDefinitionsJson(JsonbContainer *request)
{
	JsonbParseState *st = NULL;
	JsonbValue *defs;
	int			ndefs = DdbJsonArrayElements(DdbJsonGetArray(request, "AttributeDefinitions"), &defs);
	AttributeDefinition *sorted = palloc(sizeof(AttributeDefinition) * Max(ndefs, 1));

	for (int i = 0; i < ndefs; i++)
	{
		sorted[i].name = DdbJsonGetString(defs[i].val.binary.data, "AttributeName");
		sorted[i].type = DdbJsonGetString(defs[i].val.binary.data, "AttributeType");
	}
	qsort(sorted, ndefs, sizeof(AttributeDefinition), CompareDefinitions);
	DdbPushBeginArray(&st);
	for (int i = 0; i < ndefs; i++)
	{
		DdbPushBeginObject(&st);
		DdbPushKey(&st, "AttributeName");
		DdbPushString(&st, WJB_VALUE, sorted[i].name);
		DdbPushKey(&st, "AttributeType");
		DdbPushString(&st, WJB_VALUE, sorted[i].type);
		DdbPushEndObject(&st);
	}
	return JsonbValueToJsonb(DdbPushEndArray(&st));
}

/*
 * Read one required, positive capacity unit count of ProvisionedThroughput.
 */
static void
ReadCapacityUnits(JsonbContainer *throughput, const char *member, const char *constraint_member,
				  int64 *units, DdbConstraintErrors *errors)
{
	if (!DdbJsonGetInt64(throughput, member, units))
		DdbConstraintAdd(errors, "null", constraint_member, "Member must not be null");
	else if (*units < 1)
		DdbConstraintAdd(errors, psprintf("'" INT64_FORMAT "'", *units), constraint_member,
						 "Member must have value greater than or equal to 1");
}

/*
 * Read BillingMode and ProvisionedThroughput, collecting constraint errors.
 */
static void
ReadBilling(JsonbContainer *request, Billing *billing, DdbConstraintErrors *errors)
{
	static const char *const modes[] = {"PROVISIONED", "PAY_PER_REQUEST", NULL};
	JsonbContainer *throughput;

	memset(billing, 0, sizeof(*billing));
	billing->mode = DdbRequestEnum(request, "BillingMode", "billingMode", modes,
								   "[PROVISIONED, PAY_PER_REQUEST]", errors);
	throughput = DdbJsonGetObject(request, "ProvisionedThroughput");
	if (throughput == NULL)
		return;
	billing->has_throughput = true;
	ReadCapacityUnits(throughput, "ReadCapacityUnits", "provisionedThroughput.readCapacityUnits",
					  &billing->read_units, errors);
	ReadCapacityUnits(throughput, "WriteCapacityUnits", "provisionedThroughput.writeCapacityUnits",
					  &billing->write_units, errors);
}

/*
 * Read StreamSpecification, collecting constraint errors.
 */
static void
ReadStreamSpec(JsonbContainer *request, StreamSpec *stream, DdbConstraintErrors *errors)
{
	static const char *const members[] = {"StreamEnabled", "StreamViewType", NULL};
	static const char *const view_types[] = {
		"NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY", NULL
	};
	JsonbContainer *spec = DdbJsonGetObject(request, "StreamSpecification");

	memset(stream, 0, sizeof(*stream));
	if (spec == NULL)
		return;
	stream->given = true;
	DdbJsonCheckMembers(spec, members);
	if (!DdbJsonGetBool(spec, "StreamEnabled", &stream->enabled))
		DdbConstraintAdd(errors, "null", "streamSpecification.streamEnabled",
						 "Member must not be null");
	stream->view_type = DdbRequestEnum(spec, "StreamViewType", "streamSpecification.streamViewType",
									   view_types,
									   "[NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]",
									   errors);
}

/*
 * Check that a StreamSpecification names a view type exactly when it
 * enables a stream, with the texts of CreateTable (creating) or
 * UpdateTable.
 */
static void
CheckStreamViewType(StreamSpec *stream, bool creating)
{
	if (!stream->given)
		return;
	if (stream->enabled && stream->view_type == NULL)
		DdbValidationError(creating
						   ? "One or more parameter values were invalid: Table is being created with a stream enabled, UpdateViewType is required"
						   : "One or more parameter values were invalid: If stream is being enabled then UpdateViewType is required");
	if (!stream->enabled && stream->view_type != NULL)
		DdbValidationError(creating
						   ? "One or more parameter values were invalid: Table is being created with a stream disabled, UpdateViewType should not be specified"
						   : "One or more parameter values were invalid: If stream is being disabled, then UpdateViewType must not be specified");
}

/*
 * Read SSESpecification, collecting constraint errors.
 */
static void
ReadSseSpec(JsonbContainer *request, SseSpec *sse, DdbConstraintErrors *errors)
{
	static const char *const members[] = {"Enabled", "SSEType", "KMSMasterKeyId", NULL};
	static const char *const sse_types[] = {"AES256", "KMS", NULL};
	JsonbContainer *spec = DdbJsonGetObject(request, "SSESpecification");

	memset(sse, 0, sizeof(*sse));
	if (spec == NULL)
		return;
	sse->given = true;
	DdbJsonCheckMembers(spec, members);
	(void) DdbJsonGetBool(spec, "Enabled", &sse->enabled);
	sse->sse_type = DdbRequestEnum(spec, "SSEType", "sSESpecification.sSEType", sse_types,
								   "[AES256, KMS]", errors);
	sse->kms_key_id = DdbJsonGetString(spec, "KMSMasterKeyId");
}

/*
 * Check an SSESpecification as DynamoDB does and return the KMS key ARN it
 * asks for, or NULL for the default encryption (an AWS owned key). Without
 * KMSMasterKeyId the key is the AWS managed key alias/aws/dynamodb; a key
 * id or alias becomes an ARN of the configured region and account.
 */
static char *
SseKeyArn(SseSpec *sse)
{
	const char *prefix = "One or more parameter values were invalid: ";

	if (!sse->enabled)
	{
		if (sse->sse_type != NULL)
			DdbValidationError("%sSSEType can not be specified if Enabled is false", prefix);
		if (sse->kms_key_id != NULL)
			DdbValidationError("%sKMSMasterKeyId can not be specified if Enabled is false", prefix);
		return NULL;
	}
	if (sse->sse_type != NULL && strcmp(sse->sse_type, "AES256") == 0)
		DdbValidationError("%sSSEType AES256 is not supported", prefix);
	if (sse->kms_key_id == NULL)
		return psprintf("arn:aws:kms:%s:%s:alias/aws/dynamodb", DdbRegion, DdbAccountId);
	if (sse->sse_type == NULL)
		DdbValidationError("%sSSEType KMS is required if KMSMasterKeyId is specified", prefix);
	if (strncmp(sse->kms_key_id, "arn:", 4) == 0)
		return sse->kms_key_id;
	if (strncmp(sse->kms_key_id, "alias/", 6) == 0)
		return psprintf("arn:aws:kms:%s:%s:%s", DdbRegion, DdbAccountId, sse->kms_key_id);
	return psprintf("arn:aws:kms:%s:%s:key/%s", DdbRegion, DdbAccountId, sse->kms_key_id);
}

/*
 * Read TableClass, collecting constraint errors.
 */
static char *
ReadTableClass(JsonbContainer *request, DdbConstraintErrors *errors)
{
	static const char *const classes[] = {"STANDARD", "STANDARD_INFREQUENT_ACCESS", NULL};

	return DdbRequestEnum(request, "TableClass", "tableClass", classes,
						  "[STANDARD, STANDARD_INFREQUENT_ACCESS]", errors);
}

/*
 * The column of the item table that holds a key attribute: the attribute
 * name itself when it is a usable column name (not too long, not "item",
 * not a system column such as ctid), else a fixed name.
 */
static char *
KeyColumnName(const char *attribute, const char *fallback, const char *other_column)
{
	const char *name = attribute;

	if (strlen(attribute) > MAX_COLUMN_NAME || strcmp(attribute, "item") == 0 ||
		SystemAttributeByName(attribute) != NULL)
		name = fallback;
	if (other_column != NULL && strcmp(name, other_column) == 0)
		name = psprintf("ddb_%s", fallback);
	return pstrdup(name);
}

/*
 * DdbRelationName returns a free relation name in schema ddb_data for a
 * DynamoDB name (a table name, or "<table>:<index>" for an index table):
 * the name itself when it fits in an identifier and no relation of schema
 * ddb_data has it yet (the primary key index of another table may:
 * "t_pkey"), else a prefix plus a hash, plus a counter if even that is
 * taken ("~" cannot occur in a table or index name, so these forms never
 * collide with the plain one).
 */
char *
DdbRelationName(const char *table_name)
{
	Oid			nspid = get_namespace_oid(DDB_DATA_SCHEMA, false);
	uint32		hash = DatumGetUInt32(hash_any((const unsigned char *) table_name,
											   strlen(table_name)));
	char	   *name;

	if (strlen(table_name) <= MAX_COLUMN_NAME &&
		!OidIsValid(get_relname_relid(table_name, nspid)))
		return pstrdup(table_name);
	name = psprintf("%.54s~%08x", table_name, hash);
	for (int n = 2; OidIsValid(get_relname_relid(name, nspid)); n++)
		name = psprintf("%.48s~%08x~%d", table_name, hash, n);
	return name;
}

/*
 * Create the item table of a new DynamoDB table, as the calling role:
 * plain key columns, the item, the primary key and the item check
 * (item_check.c), with attribute names as quoted literals.
 *
 *	  CREATE TABLE ddb_data."t" ("pk" text COLLATE "C", ..., item jsonb NOT NULL,
 *		  PRIMARY KEY ("pk", ...),
 *		  CONSTRAINT ddb_item_is_valid CHECK (ddb.is_valid_item(item, 'pk', "pk", ...)))
 */
static void
CreateItemTable(const char *relation_name, KeySchema *schema, char **columns)
{
	StringInfoData sql;
	static const char *const column_types[] = {
		"pg_catalog.text COLLATE pg_catalog.\"C\"", "pg_catalog.numeric", "pg_catalog.bytea"
	};

	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE TABLE %s (",
					 quote_qualified_identifier(DDB_DATA_SCHEMA, relation_name));
	for (int i = 0; i < schema->nkeys; i++)
	{
		int			t = schema->types[i] == 'S' ? 0 : schema->types[i] == 'N' ? 1 : 2;

		appendStringInfo(&sql, "%s %s, ", quote_identifier(columns[i]), column_types[t]);
	}
	appendStringInfoString(&sql, "item pg_catalog.jsonb NOT NULL, PRIMARY KEY (");
	for (int i = 0; i < schema->nkeys; i++)
		appendStringInfo(&sql, "%s%s", i > 0 ? ", " : "", quote_identifier(columns[i]));
	appendStringInfoString(&sql, "), CONSTRAINT ddb_item_is_valid CHECK (ddb.is_valid_item(item");
	for (int i = 0; i < schema->nkeys; i++)
		appendStringInfo(&sql, ", %s::pg_catalog.text, %s", quote_literal_cstr(schema->names[i]),
						 quote_identifier(columns[i]));
	appendStringInfoString(&sql, ")))");
	if (SPI_execute(sql.data, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not create item table: %s", sql.data);
}

/*
 * Return true when a table of this name exists.
 */
static bool
TableExists(const char *table_name)
{
	ExecuteForTable("SELECT 1 FROM ddb.tables WHERE table_name OPERATOR(pg_catalog.=) $1",
					table_name, SPI_OK_SELECT);
	return SPI_processed > 0;
}

/*
 * DdbLockTableName takes a transaction-level advisory lock on a table name,
 * so concurrent CreateTable/DeleteTable/UpdateTable/UpdateTimeToLive calls
 * on one name queue up.
 */
void
DdbLockTableName(const char *table_name)
{
	ExecuteForTable("SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('ddb.table:' OPERATOR(pg_catalog.||) $1, 0))",
					table_name, SPI_OK_SELECT);
}

/*
 * DdbCreateTable implements CreateTable.
 */
Jsonb *
DdbCreateTable(JsonbContainer *request)
{
	static const char *const allowed[] = {
		"TableName", "AttributeDefinitions", "KeySchema", "LocalSecondaryIndexes",
		"GlobalSecondaryIndexes", "BillingMode", "ProvisionedThroughput",
		"StreamSpecification", "SSESpecification", "Tags", "TableClass",
		"DeletionProtectionEnabled", "OnDemandThroughput", "WarmThroughput",
		"ResourcePolicy", NULL
	};
	static const char *const unsupported[] = {
		"OnDemandThroughput", "WarmThroughput", "ResourcePolicy", NULL
	};
	DdbConstraintErrors errors;
	char	   *table_name;
	KeySchema	schema;
	Billing		billing;
	StreamSpec	stream;
	SseSpec		sse;
	char	   *sse_key_arn;
	char	   *table_class;
	bool		deletion_protection = false;
	DdbTagList	tags;
	DdbIndexSpec *index_specs = NULL;
	int			nindexes = 0;
	bool		provisioned;
	char	   *relation_name;
	Oid			item_table;
	char	   *columns[2] = {NULL, NULL};
	DdbOwnerAccess owner_access;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	table_name = DdbValidateTableName(DdbJsonGetString(request, "TableName"), "tableName", &errors);
	ReadBilling(request, &billing, &errors);
	table_class = ReadTableClass(request, &errors);
	ReadStreamSpec(request, &stream, &errors);
	ReadSseSpec(request, &sse, &errors);
	provisioned = billing.mode == NULL || strcmp(billing.mode, "PROVISIONED") == 0;
	ValidateKeySchema(request, provisioned, &schema, &index_specs, &nindexes, &errors);
	DdbConstraintRaise(&errors);
	(void) DdbJsonGetBool(request, "DeletionProtectionEnabled", &deletion_protection);
	DdbRequestRejectUnsupported(request, unsupported);
	CheckStreamViewType(&stream, true);
	sse_key_arn = SseKeyArn(&sse);

	if (provisioned)
	{
		if (!billing.has_throughput)
			DdbValidationError("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
	}
	else if (billing.has_throughput)
		DdbValidationError("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
	DdbTagsRead(DdbJsonGetArray(request, "Tags"), &tags, false);

	DdbLockTableName(table_name);
	if (TableExists(table_name))
		DdbRaise(DDB_RESOURCE_IN_USE, "Table already exists: %s", table_name);

	relation_name = DdbRelationName(table_name);
	columns[0] = KeyColumnName(schema.names[0], "pk", NULL);
	if (schema.nkeys == 2)
		columns[1] = KeyColumnName(schema.names[1], "sk", columns[0]);
	CreateItemTable(relation_name, &schema, columns);
	item_table = get_relname_relid(relation_name, get_namespace_oid(DDB_DATA_SCHEMA, false));

	/* the catalog row, written as the extension owner */
	{
		static const char *const insert_sql =
		"INSERT INTO ddb.tables (table_name, table_id, item_table,"
		"  hash_key, hash_key_type, hash_key_column,"
		"  range_key, range_key_type, range_key_column,"
		"  key_schema, attribute_definitions, billing_mode,"
		"  read_capacity_units, write_capacity_units, billing_mode_updated_at,"
		"  table_class, deletion_protection, sse_kms_master_key_arn)"
		" VALUES ($1, pg_catalog.gen_random_uuid(), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
		"  $12, $13, CASE WHEN $11 OPERATOR(pg_catalog.=) 'PAY_PER_REQUEST' THEN pg_catalog.now() END,"
		"  $14, $15, $16)"
		" ON CONFLICT (table_name) DO NOTHING";
		Oid			argtypes[16] = {TEXTOID, REGCLASSOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
			TEXTOID, TEXTOID, JSONBOID, JSONBOID, TEXTOID, INT8OID, INT8OID, TEXTOID, BOOLOID,
		TEXTOID};
		Datum		args[16];
		char		nulls[17] = "                ";
		bool		pay_per_request = billing.mode != NULL &&
			strcmp(billing.mode, "PAY_PER_REQUEST") == 0;
		char		type0[2] = {schema.types[0], '\0'};
		char		type1[2] = {schema.types[1], '\0'};

		args[0] = CStringGetTextDatum(table_name);
		args[1] = ObjectIdGetDatum(item_table);
		args[2] = CStringGetTextDatum(schema.names[0]);
		args[3] = CStringGetTextDatum(type0);
		args[4] = CStringGetTextDatum(columns[0]);
		if (schema.nkeys == 2)
		{
			args[5] = CStringGetTextDatum(schema.names[1]);
			args[6] = CStringGetTextDatum(type1);
			args[7] = CStringGetTextDatum(columns[1]);
		}
		else
			nulls[5] = nulls[6] = nulls[7] = 'n';
		args[8] = JsonbPGetDatum(KeySchemaJson(&schema));
		args[9] = JsonbPGetDatum(AttributeDefinitionsJson(request));
		args[10] = CStringGetTextDatum(pay_per_request ? "PAY_PER_REQUEST" : "PROVISIONED");
		args[11] = Int64GetDatum(pay_per_request ? 0 : billing.read_units);
		args[12] = Int64GetDatum(pay_per_request ? 0 : billing.write_units);
		if (table_class != NULL)
			args[13] = CStringGetTextDatum(table_class);
		else
			nulls[13] = 'n';
		args[14] = BoolGetDatum(deletion_protection);
		if (sse_key_arn != NULL)
			args[15] = CStringGetTextDatum(sse_key_arn);
		else
			nulls[15] = 'n';

		DdbCatalogBeginOwnerAccess(&owner_access);
		ExecuteWithArgs(insert_sql, 16, argtypes, args, nulls, SPI_OK_INSERT);
		/* created meanwhile by a session this snapshot does not see (REPEATABLE READ) */
		if (SPI_processed == 0)
			DdbRaise(DDB_RESOURCE_IN_USE, "Table already exists: %s", table_name);
		DdbTagsStore(table_name, &tags);
		DdbCatalogEndOwnerAccess(&owner_access);
	}
	if (nindexes > 0)
		DdbIndexesCreate(table_name, item_table, index_specs, nindexes);
	if (DdbDistributeNewTables && DdbCitusLoaded())
		DdbDistributeTable(table_name, 0);
	if (stream.given && stream.enabled)
		DdbStreamEnable(table_name, stream.view_type, DdbDistributeNewTables && DdbCitusLoaded());

	return WrapDescription("TableDescription", DescribeTableRow(table_name, "ACTIVE"));
}

/*
 * Read and validate the TableName of a control-plane request.
 */
static char *
RequiredTableName(JsonbContainer *request)
{
	DdbConstraintErrors errors;
	char	   *table_name;

	DdbConstraintInit(&errors);
	table_name = DdbValidateTableName(DdbJsonGetString(request, "TableName"), "tableName", &errors);
	DdbConstraintRaise(&errors);
	return table_name;
}

/*
 * DdbDescribeTable implements DescribeTable.
 */
Jsonb *
DdbDescribeTable(JsonbContainer *request)
{
	static const char *const allowed[] = {"TableName", NULL};
	char	   *table_name;
	Jsonb	   *description;

	DdbJsonCheckMembers(request, allowed);
	table_name = RequiredTableName(request);
	description = DescribeTableRow(table_name, "ACTIVE");
	if (description == NULL)
		TableNotFound(table_name);
	return WrapDescription("Table", description);
}

/*
 * DdbListTables implements ListTables: names in ascending (byte) order.
 */
Jsonb *
DdbListTables(JsonbContainer *request)
{
	static const char *const allowed[] = {"ExclusiveStartTableName", "Limit", NULL};
	DdbConstraintErrors errors;
	char	   *start;
	int64		limit = 100;
	Oid			argtypes[2] = {TEXTOID, INT8OID};
	Datum		args[2];
	char		nulls[3] = "  ";
	JsonbParseState *st = NULL;
	uint64		count;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	start = DdbJsonGetString(request, "ExclusiveStartTableName");
	if (start != NULL)
		start = DdbValidateTableName(start, "exclusiveStartTableName", &errors);
	if (DdbJsonGetInt64(request, "Limit", &limit) && (limit < 1 || limit > 100))
		DdbConstraintAdd(&errors, psprintf("'" INT64_FORMAT "'", limit), "limit",
						 limit < 1 ? "Member must have value greater than or equal to 1"
						 : "Member must have value less than or equal to 100");
	DdbConstraintRaise(&errors);

	if (start != NULL)
		args[0] = CStringGetTextDatum(start);
	else
		nulls[0] = 'n';
	args[1] = Int64GetDatum(limit + 1);
	if (SPI_execute_with_args("SELECT table_name FROM ddb.tables"
							  " WHERE $1 IS NULL OR table_name OPERATOR(pg_catalog.>) $1"
							  " ORDER BY table_name LIMIT $2",
							  2, argtypes, args, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "listing tables failed");

	count = Min(SPI_processed, (uint64) limit);
	DdbPushBeginObject(&st);
	DdbPushKey(&st, "TableNames");
	DdbPushBeginArray(&st);
	for (uint64 i = 0; i < count; i++)
		DdbPushString(&st, WJB_ELEM, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	DdbPushEndArray(&st);
	if (SPI_processed > (uint64) limit)
	{
		DdbPushKey(&st, "LastEvaluatedTableName");
		DdbPushString(&st, WJB_VALUE,
					  SPI_getvalue(SPI_tuptable->vals[count - 1], SPI_tuptable->tupdesc, 1));
	}
	return JsonbValueToJsonb(DdbPushEndObject(&st));
}

/*
 * Raise permission denied unless the caller owns the item table.
 */
static void
RequireTableOwner(DdbTable *table)
{
	if (!pg_class_ownercheck(table->relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, table->relation_name);
}

/*
 * Raise ResourceInUseException for a table being restored from a backup:
 * it is CREATING, and cannot be deleted or updated yet.
 */
static void
RejectRestoring(DdbTable *table)
{
	if (table->restoring)
		DdbRaise(DDB_RESOURCE_IN_USE,
				 "Attempt to change a resource which is still in use: Table is being created: %s",
				 table->name);
}

/*
 * Return true when a statement of this session still uses the item table (a
 * trigger on it deleting its own table, say), which PostgreSQL would refuse
 * to drop.
 */
static bool
ItemTableInUse(Oid relid)
{
	Relation	rel = RelationIdGetRelation(relid);
	bool		in_use;

	if (rel == NULL)
		return false;
	in_use = rel->rd_refcnt > 1;
	RelationClose(rel);
	return in_use || AfterTriggerPendingOnRel(relid);
}

/*
 * The TableDescription DeleteTable returns: DynamoDB's has the table's
 * identity, status, billing, throughput and size, but not its creation
 * time, key schema, attribute definitions or settings.
 */
static Jsonb *
DeletingDescription(Jsonb *description)
{
	static const char *const kept[] = {
		"TableName", "TableStatus", "TableId", "TableArn", "BillingModeSummary",
		"ProvisionedThroughput", "ItemCount", "TableSizeBytes", NULL
	};
	DdbJsonMember *members;
	int			nmembers = DdbJsonObjectMembers(&description->root, &members);
	JsonbParseState *st = NULL;

	DdbPushBeginObject(&st);
	for (int i = 0; i < nmembers; i++)
	{
		for (const char *const *k = kept; *k; k++)
		{
			if (strcmp(members[i].key, *k) == 0)
			{
				DdbPushKey(&st, members[i].key);
				DdbPushValue(&st, WJB_VALUE, &members[i].value);
				break;
			}
		}
	}
	return JsonbValueToJsonb(DdbPushEndObject(&st));
}

/*
 * DdbDeleteTable implements DeleteTable.
 */
Jsonb *
DdbDeleteTable(JsonbContainer *request)
{
	static const char *const allowed[] = {"TableName", NULL};
	char	   *table_name;
	DdbTable   *table;
	Jsonb	   *description;
	char	   *sql;
	DdbOwnerAccess owner_access;
	bool		isnull;

	DdbJsonCheckMembers(request, allowed);
	table_name = RequiredTableName(request);
	DdbLockTableName(table_name);
	table = DdbTableLookupOptional(table_name);
	if (table == NULL)
		TableNotFound(table_name);
	RejectRestoring(table);
	DdbBackupsCheckTableDeletable(table_name);

	ExecuteForTable("SELECT deletion_protection FROM ddb.tables WHERE table_name OPERATOR(pg_catalog.=) $1",
					table_name, SPI_OK_SELECT);
	if (SPI_processed == 1 && DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
		DdbValidationError("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.");

	if (ItemTableInUse(table->relid) || DdbTableUsedByOuterCall(table))
		DdbRaise(DDB_RESOURCE_IN_USE,
				 "Attempt to change a resource which is still in use: Table is being used by an active statement in this session: %s",
				 table_name);
	description = DeletingDescription(DescribeTableRow(table_name, "DELETING"));

	/* dropped as the caller: PostgreSQL checks ownership */
	DdbItemCollectionsDrop(table);
	sql = psprintf("DROP TABLE %s", quote_qualified_identifier(DDB_DATA_SCHEMA, table->relation_name));
	DdbCatalogDropping(table->relid);
	PG_TRY();
	{
		if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "could not drop item table");
	}
	PG_FINALLY();
	{
		DdbCatalogDropping(InvalidOid);
	}
	PG_END_TRY();

	DdbCatalogBeginOwnerAccess(&owner_access);
	ExecuteForTable("DELETE FROM ddb.tables WHERE table_name OPERATOR(pg_catalog.=) $1",
					table_name, SPI_OK_DELETE);
	/* and the copies of the catalog rows on the other nodes (scaleout/) */
	if (table->distributed)
		ExecuteForTable("DELETE FROM ddb.distributed_tables WHERE table_name OPERATOR(pg_catalog.=) $1",
						table_name, SPI_OK_DELETE);
	DdbCatalogEndOwnerAccess(&owner_access);
	DdbCatalogInvalidateAll();

	return WrapDescription("TableDescription", description);
}

/*
 * DdbUpdateTable implements UpdateTable for billing mode, provisioned
 * throughput, table class, deletion protection, streams
 * (StreamSpecification), global secondary indexes and server-side
 * encryption (SSESpecification, which must come alone, as in DynamoDB).
 */
Jsonb *
DdbUpdateTable(JsonbContainer *request)
{
	static const char *const allowed[] = {
		"TableName", "AttributeDefinitions", "BillingMode", "ProvisionedThroughput",
		"GlobalSecondaryIndexUpdates", "StreamSpecification", "SSESpecification",
		"ReplicaUpdates", "TableClass", "DeletionProtectionEnabled",
		"OnDemandThroughput", "WarmThroughput", "MultiRegionConsistency",
		"GlobalTableWitnessUpdates", NULL
	};
	static const char *const unsupported[] = {
		"ReplicaUpdates",
		"OnDemandThroughput", "WarmThroughput", "MultiRegionConsistency",
		"GlobalTableWitnessUpdates", NULL
	};
	DdbConstraintErrors errors;
	char	   *table_name;
	Billing		billing;
	StreamSpec	stream;
	SseSpec		sse;
	char	   *sse_key_arn = NULL;
	char	   *current_sse_key_arn;
	char	   *table_class;
	bool		deletion_protection;
	bool		has_deletion_protection;
	DdbTable   *table;
	JsonbContainer *index_updates;
	char	   *current_mode;
	int64		current_read;
	int64		current_write;
	char	   *new_mode;
	bool		isnull;
	DdbOwnerAccess owner_access;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	table_name = DdbValidateTableName(DdbJsonGetString(request, "TableName"), "tableName", &errors);
	ReadBilling(request, &billing, &errors);
	table_class = ReadTableClass(request, &errors);
	ReadStreamSpec(request, &stream, &errors);
	ReadSseSpec(request, &sse, &errors);
	DdbConstraintRaise(&errors);
	has_deletion_protection = DdbJsonGetBool(request, "DeletionProtectionEnabled",
											 &deletion_protection);
	index_updates = DdbJsonGetArray(request, "GlobalSecondaryIndexUpdates");
	if (index_updates != NULL && JsonContainerSize(index_updates) == 0)
		index_updates = NULL;	/* an empty list is no list */
	DdbRequestRejectUnsupported(request, unsupported);
	if (billing.mode == NULL && !billing.has_throughput && table_class == NULL &&
		!has_deletion_protection && !stream.given && !sse.given && index_updates == NULL)
		DdbValidationError("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
	CheckStreamViewType(&stream, false);
	if (sse.given)
	{
		if (billing.mode != NULL || billing.has_throughput || table_class != NULL ||
			has_deletion_protection || stream.given || index_updates != NULL)
			DdbValidationError("One or more parameter values were invalid: Server-Side Encryption modification must be the only operation in the request");
		sse_key_arn = SseKeyArn(&sse);
	}

	DdbLockTableName(table_name);
	table = DdbTableLookupOptional(table_name);
	if (table == NULL)
		TableNotFound(table_name);
	RequireTableOwner(table);
	RejectRestoring(table);

	ExecuteForTable("SELECT billing_mode, read_capacity_units, write_capacity_units,"
					" sse_kms_master_key_arn"
					" FROM ddb.tables WHERE table_name OPERATOR(pg_catalog.=) $1",
					table_name, SPI_OK_SELECT);
	if (SPI_processed != 1)
		elog(ERROR, "table lookup failed");
	current_mode = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	current_read = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	current_write = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
	current_sse_key_arn = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4);

	/* a stream is enabled when there is none, disabled when there is one */
	if (stream.given)
	{
		bool		live = DdbStreamLiveViewType(table_name) != NULL;

		if (stream.enabled && live)
			DdbValidationError("Table already has an enabled stream: TableName: %s", table_name);
		if (!stream.enabled && !live)
			DdbValidationError("Table has no stream to disable: TableName: %s", table_name);
	}

	/* encryption changes come alone (checked above) */
	if (sse.given)
	{
		static const char *const sse_sql =
		"UPDATE ddb.tables SET sse_kms_master_key_arn = $2"
		" WHERE table_name OPERATOR(pg_catalog.=) $1";
		Oid			types[2] = {TEXTOID, TEXTOID};
		Datum		values[2];
		char		nulls[3] = "  ";

		if (sse_key_arn == NULL && current_sse_key_arn == NULL)
			DdbValidationError("One or more parameter values were invalid: Table is already encrypted by default");
		if (sse_key_arn != NULL && current_sse_key_arn != NULL &&
			strcmp(sse_key_arn, current_sse_key_arn) == 0)
			DdbValidationError("One or more parameter values were invalid: Table is already encrypted with given KMSMasterKeyId. Use KMSMasterKeyId parameter if you want to change Master Key");
		values[0] = CStringGetTextDatum(table_name);
		if (sse_key_arn != NULL)
			values[1] = CStringGetTextDatum(sse_key_arn);
		else
			nulls[1] = 'n';
		DdbCatalogBeginOwnerAccess(&owner_access);
		ExecuteWithArgs(sse_sql, 2, types, values, nulls, SPI_OK_UPDATE);
		DdbCatalogEndOwnerAccess(&owner_access);
		return WrapDescription("TableDescription", DescribeTableRow(table_name, "ACTIVE"));
	}

	new_mode = billing.mode ? billing.mode : current_mode;
	if (strcmp(new_mode, "PAY_PER_REQUEST") == 0 && billing.has_throughput)
		DdbValidationError("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
	if (strcmp(new_mode, "PROVISIONED") == 0 && strcmp(current_mode, "PAY_PER_REQUEST") == 0 &&
		!billing.has_throughput)
		DdbValidationError("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
	if (billing.has_throughput && strcmp(current_mode, "PROVISIONED") == 0 &&
		billing.read_units == current_read && billing.write_units == current_write)
		DdbValidationError("The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: " INT64_FORMAT ". Requested ReadCapacityUnits: " INT64_FORMAT ". Current WriteCapacityUnits provisioned for the table: " INT64_FORMAT ". Requested WriteCapacityUnits: " INT64_FORMAT ". Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.",
						   current_read, billing.read_units, current_write, billing.write_units);

	{
		/*
		 * One UPDATE covers every change; the throughput timestamps follow
		 * DynamoDB: an increase or decrease of either unit is recorded, and
		 * decreases are counted per day.
		 */
		static const char *const update_sql =
		"UPDATE ddb.tables SET"
		"  billing_mode_updated_at = CASE WHEN $2 OPERATOR(pg_catalog.<>) billing_mode"
		"    THEN pg_catalog.now() ELSE billing_mode_updated_at END,"
		"  billing_mode = $2,"
		"  last_increase_time = CASE WHEN $2 OPERATOR(pg_catalog.=) 'PROVISIONED' AND $3 AND"
		"    ($4 OPERATOR(pg_catalog.>) read_capacity_units OR $5 OPERATOR(pg_catalog.>) write_capacity_units)"
		"    THEN pg_catalog.now() ELSE last_increase_time END,"
		"  decreases_today = CASE WHEN $2 OPERATOR(pg_catalog.=) 'PROVISIONED' AND $3 AND"
		"    ($4 OPERATOR(pg_catalog.<) read_capacity_units OR $5 OPERATOR(pg_catalog.<) write_capacity_units)"
		"    THEN (CASE WHEN last_decrease_time::pg_catalog.date OPERATOR(pg_catalog.=) pg_catalog.now()::pg_catalog.date"
		"      THEN decreases_today ELSE 0 END) OPERATOR(pg_catalog.+) 1 ELSE decreases_today END,"
		"  last_decrease_time = CASE WHEN $2 OPERATOR(pg_catalog.=) 'PROVISIONED' AND $3 AND"
		"    ($4 OPERATOR(pg_catalog.<) read_capacity_units OR $5 OPERATOR(pg_catalog.<) write_capacity_units)"
		"    THEN pg_catalog.now() ELSE last_decrease_time END,"
		"  read_capacity_units = CASE WHEN $2 OPERATOR(pg_catalog.=) 'PAY_PER_REQUEST' THEN 0"
		"    WHEN $3 THEN $4 ELSE read_capacity_units END,"
		"  write_capacity_units = CASE WHEN $2 OPERATOR(pg_catalog.=) 'PAY_PER_REQUEST' THEN 0"
		"    WHEN $3 THEN $5 ELSE write_capacity_units END,"
		"  table_class = COALESCE($6, table_class),"
		"  deletion_protection = COALESCE($7, deletion_protection)"
		" WHERE table_name OPERATOR(pg_catalog.=) $1";
		Oid			types[7] = {TEXTOID, TEXTOID, BOOLOID, INT8OID, INT8OID, TEXTOID, BOOLOID};
		Datum		values[7];
		char		nulls[8] = "       ";

		values[0] = CStringGetTextDatum(table_name);
		values[1] = CStringGetTextDatum(new_mode);
		values[2] = BoolGetDatum(billing.has_throughput);
		values[3] = Int64GetDatum(billing.read_units);
		values[4] = Int64GetDatum(billing.write_units);
		if (table_class != NULL)
			values[5] = CStringGetTextDatum(table_class);
		else
			nulls[5] = 'n';
		if (has_deletion_protection)
			values[6] = BoolGetDatum(deletion_protection);
		else
			nulls[6] = 'n';

		DdbCatalogBeginOwnerAccess(&owner_access);
		ExecuteWithArgs(update_sql, 7, types, values, nulls, SPI_OK_UPDATE);
		DdbCatalogEndOwnerAccess(&owner_access);
	}

	if (stream.given && stream.enabled)
		DdbStreamEnable(table_name, stream.view_type, table->distributed);
	else if (stream.given)
		(void) DdbStreamDisable(table_name, false);

	if (index_updates != NULL)
	{
		Jsonb	   *description;
		int			guc_level = 0;

		/* on a distributed table, index tables and triggers reach the shards */
		if (table->distributed)
			guc_level = DdbCitusBeginDDL();
		/* a deleted index is described as DELETING, then dropped */
		DdbIndexesApplyUpdates(table, index_updates, DdbJsonGetArray(request, "AttributeDefinitions"),
							   strcmp(new_mode, "PROVISIONED") == 0);
		description = DescribeTableRow(table_name, "ACTIVE");
		DdbIndexesDropDeleting(table);
		if (table->distributed)
		{
			DdbPublishDistributedTable(table_name);
			DdbCitusEndDDL(guc_level);
		}
		return WrapDescription("TableDescription", description);
	}
	return WrapDescription("TableDescription", DescribeTableRow(table_name, "ACTIVE"));
}
