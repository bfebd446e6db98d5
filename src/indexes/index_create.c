/*-------------------------------------------------------------------------
 *
 * index_create.c
 *	  UpdateTable's GlobalSecondaryIndexUpdates Create: a global secondary
 *	  index added to an existing table, online.
 *
 * The request is checked as DynamoDB checks it (the Create entry, the
 * AttributeDefinitions its key needs, the index limit, the billing mode's
 * throughput rules); then the index table, the upkeep triggers and the
 * catalog row (IndexStatus CREATING) are made in the caller's transaction
 * and UpdateTable returns. From the commit on, every write keeps the new
 * index; the background worker (index_backfill.c) writes the rows of the
 * items already there and makes the index ACTIVE.
 *
 * ReadCreateEntry parses one Create entry into a DdbIndexSpec; it is the
 * GSI part of CreateTable's index definitions, written for one entry.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "catalog.h"
#include "errors.h"
#include "index.h"
#include "json_util.h"
#include "request.h"
#include "worker/worker.h"

/* One entry of AttributeDefinitions */
typedef struct AttributeDefinition
{
	char	   *name;
	char		type;			/* 'S', 'N' or 'B' */
} AttributeDefinition;

/*
 * Whether an index name has only the characters DynamoDB allows.
 */
static bool
IndexNameCharactersValid(const char *name)
{
	for (const char *p = name; *p; p++)
	{
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			return false;
	}
	return true;
}

/*
 * Read one Create entry (at position, from 1) into spec, with DynamoDB's
 * constraint errors first and then its semantic checks. Key types are set
 * later, from AttributeDefinitions.
 */
static void
ReadCreateEntry(JsonbContainer *create, int position, bool provisioned, DdbIndexSpec *spec)
{
	static const char *const allowed[] = {
		"IndexName", "KeySchema", "Projection", "ProvisionedThroughput",
		"OnDemandThroughput", "WarmThroughput", NULL
	};
	static const char *const key_types[] = {"HASH", "RANGE", NULL};
	static const char *const projection_types[] = {"ALL", "KEYS_ONLY", "INCLUDE", NULL};
	char	   *prefix = psprintf("globalSecondaryIndexUpdates.%d.member.create", position);
	DdbConstraintErrors errors;
	JsonbContainer *key_schema = DdbJsonGetArray(create, "KeySchema");
	JsonbContainer *projection = DdbJsonGetObject(create, "Projection");
	JsonbContainer *throughput = DdbJsonGetObject(create, "ProvisionedThroughput");
	JsonbContainer *non_key = NULL;
	JsonbValue *elements = NULL;
	int			nelements = 0;
	char	   *projection_type = NULL;
	char	   *types[DDB_MAX_INDEX_KEYS];

	DdbJsonCheckMembers(create, allowed);
	memset(spec, 0, sizeof(*spec));
	spec->kind = DDB_INDEX_GLOBAL;
	DdbConstraintInit(&errors);

	spec->name = DdbJsonGetString(create, "IndexName");
	DdbRequestCheckString(&errors, spec->name, psprintf("%s.indexName", prefix), 3, 255, NULL, NULL);
	if (spec->name != NULL && !IndexNameCharactersValid(spec->name))
		DdbConstraintAdd(&errors, psprintf("'%s'", spec->name), psprintf("%s.indexName", prefix),
						 "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");

	if (key_schema == NULL)
		DdbConstraintAdd(&errors, "null", psprintf("%s.keySchema", prefix), "Member must not be null");
	else
	{
		nelements = DdbJsonArrayElements(key_schema, &elements);
		if (nelements < 1 || nelements > DDB_MAX_INDEX_KEYS)
			DdbConstraintAdd(&errors, psprintf("'%s'", DdbJsonContainerText(key_schema)),
							 psprintf("%s.keySchema", prefix),
							 nelements < 1 ? "Member must have length greater than or equal to 1"
							 : "Member must have length less than or equal to 8");
		nelements = Min(nelements, DDB_MAX_INDEX_KEYS);
		for (int i = 0; i < nelements; i++)
		{
			JsonbContainer *element = DdbJsonValueObject(&elements[i], "KeySchemaElement");

			spec->key_names[i] = DdbJsonGetString(element, "AttributeName");
			types[i] = DdbJsonGetString(element, "KeyType");
			DdbRequestCheckString(&errors, spec->key_names[i],
								  psprintf("%s.keySchema.%d.member.attributeName", prefix, i + 1),
								  1, 255, NULL, NULL);
			DdbRequestCheckString(&errors, types[i],
								  psprintf("%s.keySchema.%d.member.keyType", prefix, i + 1),
								  0, INT_MAX, key_types, "[HASH, RANGE]");
		}
	}

	if (projection == NULL)
		DdbConstraintAdd(&errors, "null", psprintf("%s.projection", prefix), "Member must not be null");
	else
	{
		projection_type = DdbRequestEnum(projection, "ProjectionType",
										 psprintf("%s.projection.projectionType", prefix),
										 projection_types, "[ALL, KEYS_ONLY, INCLUDE]", &errors);
		non_key = DdbJsonGetArray(projection, "NonKeyAttributes");
		if (non_key != NULL && (JsonContainerSize(non_key) < 1 || JsonContainerSize(non_key) > 20))
			DdbConstraintAdd(&errors, psprintf("'%s'", DdbJsonContainerText(non_key)),
							 psprintf("%s.projection.nonKeyAttributes", prefix),
							 JsonContainerSize(non_key) < 1 ?
							 "Member must have length greater than or equal to 1" :
							 "Member must have length less than or equal to 20");
	}
	DdbConstraintRaise(&errors);

	/* the key: 1 to 4 HASH attributes, then 0 to 4 RANGE attributes */
	if (strcmp(types[0], "HASH") != 0)
		DdbValidationError("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
	spec->nkeys = nelements;
	for (int i = 0; i < nelements; i++)
	{
		bool		hash = strcmp(types[i], "HASH") == 0;

		if (hash && i > spec->nhash)
			DdbValidationError("Invalid KeySchema: HASH key attributes must come before RANGE key attributes");
		if (hash)
			spec->nhash++;
		for (int j = 0; j < i; j++)
		{
			if (strcmp(spec->key_names[i], spec->key_names[j]) == 0)
				DdbValidationError("Invalid KeySchema: Some index key attributes are given more than once: %s",
								   spec->key_names[i]);
		}
	}
	if (spec->nhash > DDB_MAX_INDEX_HASH_KEYS || nelements - spec->nhash > DDB_MAX_INDEX_RANGE_KEYS)
		DdbValidationError("Invalid KeySchema: A global secondary index key has at most %d HASH and %d RANGE attributes",
						   DDB_MAX_INDEX_HASH_KEYS, DDB_MAX_INDEX_RANGE_KEYS);

	/* the projection */
	if (projection_type == NULL)
		DdbValidationError("One or more parameter values were invalid: Unknown ProjectionType: null");
	spec->projection = strcmp(projection_type, "ALL") == 0 ? DDB_PROJECT_ALL :
		strcmp(projection_type, "KEYS_ONLY") == 0 ? DDB_PROJECT_KEYS_ONLY : DDB_PROJECT_INCLUDE;
	if (spec->projection != DDB_PROJECT_INCLUDE && non_key != NULL)
		DdbValidationError("One or more parameter values were invalid: ProjectionType is %s, but NonKeyAttributes is specified",
						   projection_type);
	if (spec->projection == DDB_PROJECT_INCLUDE)
	{
		JsonbValue *names;

		if (non_key == NULL)
			DdbValidationError("One or more parameter values were invalid: NonKeyAttributes must be specified when ProjectionType is INCLUDE");
		spec->nnon_key = DdbJsonArrayElements(non_key, &names);
		spec->non_key_attributes = palloc(sizeof(char *) * spec->nnon_key);
		for (int i = 0; i < spec->nnon_key; i++)
		{
			spec->non_key_attributes[i] = DdbJsonValueString(&names[i], "NonKeyAttributes");
			if (strlen(spec->non_key_attributes[i]) == 0 || strlen(spec->non_key_attributes[i]) > 255)
				DdbValidationError("One or more parameter values were invalid: NonKeyAttributes names must be 1 to 255 bytes long");
		}
		if (DdbRequestFirstRepeat(spec->non_key_attributes, spec->nnon_key) >= 0)
			DdbValidationError("One or more parameter values were invalid: Duplicate NonKeyAttributes: %s",
							   spec->non_key_attributes[DdbRequestFirstRepeat(spec->non_key_attributes,
																			  spec->nnon_key)]);
	}

	/* throughput: required on a provisioned table, refused on an on-demand one */
	if (!provisioned)
	{
		if (throughput != NULL)
			DdbValidationError("One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: %s when BillingMode is PAY_PER_REQUEST",
							   spec->name);
	}
	else
	{
		if (throughput == NULL)
			DdbValidationError("One or more parameter values were invalid: ProvisionedThroughput must be specified for index: %s",
							   spec->name);
		if (!DdbJsonGetInt64(throughput, "ReadCapacityUnits", &spec->read_capacity_units) ||
			!DdbJsonGetInt64(throughput, "WriteCapacityUnits", &spec->write_capacity_units))
			DdbValidationError("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified for index: %s",
							   spec->name);
		if (spec->read_capacity_units < 1 || spec->write_capacity_units < 1)
			DdbValidationError("One or more parameter values were invalid: The provisioned throughput of index %s must be at least 1 read and 1 write capacity unit",
							   spec->name);
	}
}

/*
 * Read AttributeDefinitions (NULL: none given), with DynamoDB's
 * constraint errors.
 */
static int
ReadDefinitions(JsonbContainer *definitions, AttributeDefinition **out)
{
	static const char *const attribute_types[] = {"B", "N", "S", NULL};
	DdbConstraintErrors errors;
	JsonbValue *defs;
	int			n;

	*out = NULL;
	if (definitions == NULL)
		return 0;
	DdbConstraintInit(&errors);
	n = DdbJsonArrayElements(definitions, &defs);
	*out = palloc0(sizeof(AttributeDefinition) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		JsonbContainer *def = DdbJsonValueObject(&defs[i], "AttributeDefinition");
		char	   *name = DdbJsonGetString(def, "AttributeName");
		char	   *type = DdbJsonGetString(def, "AttributeType");

		DdbRequestCheckString(&errors, name, psprintf("attributeDefinitions.%d.member.attributeName", i + 1),
							  1, 255, NULL, NULL);
		DdbRequestCheckString(&errors, type, psprintf("attributeDefinitions.%d.member.attributeType", i + 1),
							  0, INT_MAX, attribute_types, "[B, N, S]");
		(*out)[i].name = name;
		(*out)[i].type = type != NULL ? type[0] : '\0';
	}
	DdbConstraintRaise(&errors);
	for (int i = 0; i < n; i++)
	{
		for (int j = 0; j < i; j++)
		{
			if (strcmp((*out)[i].name, (*out)[j].name) == 0)
				DdbValidationError("Attribute Name is duplicated: %s", (*out)[i].name);
		}
	}
	return n;
}

/*
 * The table's AttributeDefinitions as its catalog row holds them.
 */
static Jsonb *
TableDefinitions(DdbTable *table)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		arg = CStringGetTextDatum(table->name);
	bool		isnull;
	Datum		d;

	if (SPI_execute_with_args("SELECT attribute_definitions FROM ddb.tables"
							  " WHERE table_name OPERATOR(pg_catalog.=) $1",
							  1, argtypes, &arg, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "table lookup failed");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return DatumGetJsonbPCopy(d);
}

/*
 * The type a table's AttributeDefinitions give an attribute, or '\0'.
 */
static char
DefinedType(Jsonb *table_definitions, const char *name)
{
	JsonbValue *defs;
	int			n = DdbJsonArrayElements(&table_definitions->root, &defs);

	for (int i = 0; i < n; i++)
	{
		JsonbContainer *def = defs[i].val.binary.data;
		char	   *def_name = DdbJsonGetString(def, "AttributeName");

		if (def_name != NULL && strcmp(def_name, name) == 0)
			return DdbJsonGetString(def, "AttributeType")[0];
	}
	return '\0';
}

/*
 * Whether an attribute is a key attribute of the table, of one of its
 * indexes or of the new index.
 */
static bool
KeyAttributeInUse(DdbTable *table, DdbIndexSpec *spec, const char *name)
{
	for (int i = 0; i < table->nkeys; i++)
	{
		if (strcmp(table->keys[i].name, name) == 0)
			return true;
	}
	for (int i = 0; i < table->nindexes; i++)
	{
		for (int k = 0; k < table->indexes[i].nkeys; k++)
		{
			if (strcmp(table->indexes[i].key_names[k], name) == 0)
				return true;
		}
	}
	for (int k = 0; k < spec->nkeys; k++)
	{
		if (strcmp(spec->key_names[k], name) == 0)
			return true;
	}
	return false;
}

/*
 * Check AttributeDefinitions against the new index and the table, set the
 * new index's key types, and return the table's AttributeDefinitions with
 * the new attributes added.
 */
static Jsonb *
MergeDefinitions(DdbTable *table, DdbIndexSpec *spec, AttributeDefinition *defs, int ndefs)
{
	Jsonb	   *current = TableDefinitions(table);
	JsonbParseState *st = NULL;
	JsonbValue *existing;
	int			nexisting;

	for (int k = 0; k < spec->nkeys; k++)
	{
		spec->key_types[k] = '\0';
		for (int i = 0; i < ndefs; i++)
		{
			if (strcmp(defs[i].name, spec->key_names[k]) == 0)
				spec->key_types[k] = defs[i].type;
		}
		if (spec->key_types[k] == '\0')
		{
			StringInfoData keys;
			StringInfoData names;

			initStringInfo(&keys);
			initStringInfo(&names);
			for (int j = 0; j < spec->nkeys; j++)
				appendStringInfo(&keys, "%s%s", j > 0 ? ", " : "", spec->key_names[j]);
			for (int i = 0; i < ndefs; i++)
				appendStringInfo(&names, "%s%s", i > 0 ? ", " : "", defs[i].name);
			DdbValidationError("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]",
							   keys.data, names.data);
		}
	}
	for (int i = 0; i < ndefs; i++)
	{
		char		old_type = DefinedType(current, defs[i].name);

		if (old_type != '\0' && old_type != defs[i].type)
			DdbValidationError("One or more parameter values were invalid: Attributes cannot be redefined with a different type: %s is defined as %c, not %c",
							   defs[i].name, old_type, defs[i].type);
		if (!KeyAttributeInUse(table, spec, defs[i].name))
			DdbValidationError("One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [%s], keys used: [%s]",
							   defs[i].name, spec->key_names[0]);
	}

	DdbPushBeginArray(&st);
	nexisting = DdbJsonArrayElements(&current->root, &existing);
	for (int i = 0; i < nexisting; i++)
		DdbPushValue(&st, WJB_ELEM, &existing[i]);
	for (int i = 0; i < ndefs; i++)
	{
		if (DefinedType(current, defs[i].name) != '\0')
			continue;
		DdbPushBeginObject(&st);
		DdbPushKey(&st, "AttributeName");
		DdbPushString(&st, WJB_VALUE, defs[i].name);
		DdbPushKey(&st, "AttributeType");
		DdbPushString(&st, WJB_VALUE, psprintf("%c", defs[i].type));
		DdbPushEndObject(&st);
	}
	return JsonbValueToJsonb(DdbPushEndArray(&st));
}

/*
 * DdbIndexCreateFromRequest checks one Create entry of UpdateTable's
 * GlobalSecondaryIndexUpdates and the AttributeDefinitions it needs, then
 * creates the index online: CREATING until the background worker has
 * backfilled it.
 */
void
DdbIndexCreateFromRequest(DdbTable *table, JsonbContainer *create, int position,
						  JsonbContainer *definitions, bool provisioned)
{
	DdbIndexSpec spec;
	AttributeDefinition *defs;
	int			ndefs;
	int			nglobal = 0;
	Jsonb	   *merged;
	DdbOwnerAccess owner_access;

	ReadCreateEntry(create, position, provisioned, &spec);
	ndefs = ReadDefinitions(definitions, &defs);

	if (DdbIndexLookup(table, spec.name) != NULL)
		DdbValidationError("One or more parameter values were invalid: Index %s already exists on table %s",
						   spec.name, table->name);
	for (int i = 0; i < table->nindexes; i++)
	{
		if (table->indexes[i].kind != DDB_INDEX_GLOBAL)
			continue;
		nglobal++;
		if (!table->indexes[i].active)
			DdbRaise(DDB_LIMIT_EXCEEDED,
					 "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table");
	}
	if (nglobal >= DDB_MAX_GLOBAL_INDEXES)
		DdbRaise(DDB_LIMIT_EXCEEDED,
				 "Subscriber limit exceeded: A table can have at most %d global secondary indexes: %s",
				 DDB_MAX_GLOBAL_INDEXES, table->name);
	merged = MergeDefinitions(table, &spec, defs, ndefs);

	/* INCLUDE: at most 100 non-key attributes over all the table's indexes */
	if (spec.projection == DDB_PROJECT_INCLUDE)
	{
		int			total = spec.nnon_key;

		for (int i = 0; i < table->nindexes; i++)
			total += table->indexes[i].nnon_key;
		if (total > DDB_MAX_NON_KEY_ATTRIBUTES)
			DdbRaise(DDB_LIMIT_EXCEEDED,
					 "Subscriber limit exceeded: The sum of NonKeyAttributes over all indexes of a table cannot exceed %d",
					 DDB_MAX_NON_KEY_ATTRIBUTES);
	}

	DdbIndexCreateOnline(table, &spec);
	{
		Oid			argtypes[2] = {TEXTOID, JSONBOID};
		Datum		args[2];

		args[0] = CStringGetTextDatum(table->name);
		args[1] = JsonbPGetDatum(merged);
		DdbCatalogBeginOwnerAccess(&owner_access);
		if (SPI_execute_with_args("UPDATE ddb.tables SET attribute_definitions = $2"
								  " WHERE table_name OPERATOR(pg_catalog.=) $1",
								  2, argtypes, args, NULL, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "could not record the attribute definitions");
		DdbCatalogEndOwnerAccess(&owner_access);
	}
	/* the worker starts the backfill as soon as this transaction commits */
	DdbWorkerWakeOnCommit();
}
