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
 * A Create entry is read and checked by the code that reads CreateTable's
 * GSI definitions (index_spec.c), so both follow one set of rules.
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
 * Read one Create entry (at position, from 1) into spec: DynamoDB's
 * constraint errors first, then the rules of a GSI definition, both as
 * CreateTable applies them (index_spec.c). Key types are set later, from
 * AttributeDefinitions.
 */
static void
ReadCreateEntry(JsonbContainer *create, int position, bool provisioned, DdbIndexSpec *spec)
{
	DdbConstraintErrors errors;

	DdbConstraintInit(&errors);
	DdbIndexSpecRead(create, DDB_INDEX_GLOBAL,
					 psprintf("globalSecondaryIndexUpdates.%d.member.create", position),
					 spec, &errors);
	DdbConstraintRaise(&errors);
	DdbIndexSpecCheckGlobal(create, spec, provisioned);
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
