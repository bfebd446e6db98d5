/*-------------------------------------------------------------------------
 *
 * index_spec.c
 *	  Reading and validating the secondary index definitions of a
 *	  CreateTable request: GlobalSecondaryIndexes and LocalSecondaryIndexes.
 *
 * Validation runs in DynamoDB's two stages. DdbIndexSpecsRead checks the
 * shape of every definition (members present, lengths, enumerations,
 * capacity units), adding failures to the request's collected constraint
 * errors ("Value 'x' at 'globalSecondaryIndexes.1.member.indexName' failed
 * to satisfy constraint: ..."). Once those are raised and the table's own
 * key schema is checked, DdbIndexSpecsCheck applies the semantic rules and
 * raises the first failure, in this order:
 *
 *	  - a GSI's OnDemandThroughput or WarmThroughput (not supported yet);
 *	  - an empty list of either kind;
 *	  - index key attributes missing from AttributeDefinitions, then
 *		definitions that no key of the table or of an index uses (an
 *		over-declared AttributeDefinitions hides every later error, as in
 *		DynamoDB);
 *	  - LSIs: the table needs a sort key; then each LSI in request order:
 *		its key is the table's partition key as HASH and one RANGE
 *		attribute, its Projection is ALL, KEYS_ONLY, or INCLUDE with
 *		NonKeyAttributes (each name once), its name is unique; at most 5;
 *	  - GSIs, each in request order: 1 to 4 HASH attributes followed by 0
 *		to 4 RANGE attributes (DynamoDB's multi-attribute keys), no
 *		attribute twice; ProvisionedThroughput required on a PROVISIONED
 *		table and refused on an on-demand one; Projection and name as for
 *		LSIs; at most 20;
 *	  - at most 100 NonKeyAttributes summed over all indexes (the same name
 *		in two indexes counts twice).
 *
 * Index key types come from AttributeDefinitions.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "errors.h"
#include "indexes/index.h"
#include "json_util.h"
#include "request.h"

#define INVALID_PARAMETERS "One or more parameter values were invalid: "

/* The request's two lists, as their members and constraint paths name them */
typedef struct IndexList
{
	const char *member;			/* GlobalSecondaryIndexes */
	const char *path;			/* globalSecondaryIndexes */
	const char *element;		/* GlobalSecondaryIndex, for type errors */
	DdbIndexKind kind;
} IndexList;

static const IndexList index_lists[2] = {
	{"GlobalSecondaryIndexes", "globalSecondaryIndexes", "GlobalSecondaryIndex", DDB_INDEX_GLOBAL},
	{"LocalSecondaryIndexes", "localSecondaryIndexes", "LocalSecondaryIndex", DDB_INDEX_LOCAL}
};

/*
 * A list of strings as DynamoDB prints one in a constraint message:
 * '[a, b]'.
 */
static char *
StringListValue(char **strings, int n)
{
	StringInfoData text;

	initStringInfo(&text);
	appendStringInfoChar(&text, '[');
	for (int i = 0; i < n; i++)
		appendStringInfo(&text, "%s%s", i > 0 ? ", " : "", strings[i]);
	appendStringInfoChar(&text, ']');
	return psprintf("'%s'", DdbEchoText(text.data, text.len));
}

/*
 * Check an IndexName as DynamoDB checks table and index names: the pattern
 * [a-zA-Z0-9_.-]+ and 3 to 255 characters.
 */
static void
CheckIndexName(const char *name, const char *path, DdbConstraintErrors *errors)
{
	size_t		len;
	char	   *quoted;

	if (name == NULL)
	{
		DdbConstraintAdd(errors, "null", path, "Member must not be null");
		return;
	}
	len = strlen(name);
	quoted = psprintf("'%s'", name);
	for (const char *p = name; *p; p++)
	{
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
		{
			DdbConstraintAdd(errors, quoted, path,
							 "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
			break;
		}
	}
	if (len < 3)
		DdbConstraintAdd(errors, quoted, path,
						 "Member must have length greater than or equal to 3");
	if (len > 255)
		DdbConstraintAdd(errors, quoted, path,
						 "Member must have length less than or equal to 255");
}

/*
 * Read an index's KeySchema: every element's AttributeName (1 to 255
 * characters) and KeyType (HASH or RANGE). An LSI has at most two
 * elements; a GSI's count is checked semantically (4 HASH, 4 RANGE). The
 * first DDB_MAX_INDEX_KEYS names go to the spec.
 */
static void
ReadIndexKeySchema(JsonbContainer *index, const char *path, DdbIndexSpec *spec,
				   DdbConstraintErrors *errors)
{
	static const char *const key_types_allowed[] = {"HASH", "RANGE", NULL};
	JsonbContainer *key_schema = DdbJsonGetArray(index, "KeySchema");
	char	   *member = psprintf("%s.keySchema", path);
	JsonbValue *elements;
	int			nelements;

	if (key_schema == NULL)
	{
		DdbConstraintAdd(errors, "null", member, "Member must not be null");
		return;
	}
	nelements = DdbJsonArrayElements(key_schema, &elements);
	if (nelements < 1)
		DdbConstraintAdd(errors, "'[]'", member,
						 "Member must have length greater than or equal to 1");
	else if (spec->kind == DDB_INDEX_LOCAL && nelements > 2)
		DdbConstraintAdd(errors, psprintf("'%s'", DdbJsonContainerText(key_schema)), member,
						 "Member must have length less than or equal to 2");
	for (int i = 0; i < nelements; i++)
	{
		JsonbContainer *element = DdbJsonValueObject(&elements[i], "KeySchemaElement");
		char	   *name = DdbJsonGetString(element, "AttributeName");
		char	   *type = DdbJsonGetString(element, "KeyType");

		DdbRequestCheckString(errors, name, psprintf("%s.%d.member.attributeName", member, i + 1),
							  1, 255, NULL, NULL);
		DdbRequestCheckString(errors, type, psprintf("%s.%d.member.keyType", member, i + 1),
							  0, INT_MAX, key_types_allowed, "[HASH, RANGE]");
		if (i < DDB_MAX_INDEX_KEYS)
			spec->key_names[i] = name;
	}
	spec->nkeys = Min(nelements, DDB_MAX_INDEX_KEYS);
}

/*
 * Read an index's Projection: ProjectionType (ALL, INCLUDE or KEYS_ONLY)
 * and NonKeyAttributes (1 to 20 names of 1 to 255 characters). Sets
 * *type_name to the ProjectionType given (NULL when absent) and
 * *non_key_given when NonKeyAttributes is present.
 */
static void
ReadProjection(JsonbContainer *index, const char *path, DdbIndexSpec *spec,
			   char **type_name, bool *non_key_given, DdbConstraintErrors *errors)
{
	static const char *const members[] = {"ProjectionType", "NonKeyAttributes", NULL};
	static const char *const types[] = {"ALL", "INCLUDE", "KEYS_ONLY", NULL};
	JsonbContainer *projection = DdbJsonGetObject(index, "Projection");
	char	   *member = psprintf("%s.projection", path);
	JsonbContainer *non_key;

	*type_name = NULL;
	*non_key_given = false;
	if (projection == NULL)
	{
		DdbConstraintAdd(errors, "null", member, "Member must not be null");
		return;
	}
	DdbJsonCheckMembers(projection, members);
	*type_name = DdbRequestEnum(projection, "ProjectionType", psprintf("%s.projectionType", member),
								types, "[ALL, INCLUDE, KEYS_ONLY]", errors);
	non_key = DdbJsonGetArray(projection, "NonKeyAttributes");
	if (non_key == NULL)
		return;
	*non_key_given = true;
	{
		JsonbValue *elements;
		int			n = DdbJsonArrayElements(non_key, &elements);
		char	   *list_member = psprintf("%s.nonKeyAttributes", member);

		spec->non_key_attributes = palloc(sizeof(char *) * Max(n, 1));
		for (int i = 0; i < n; i++)
		{
			char	   *name = DdbJsonValueString(&elements[i], "NonKeyAttributes");

			DdbRequestCheckString(errors, name, psprintf("%s.%d.member", list_member, i + 1),
								  1, 255, NULL, NULL);
			spec->non_key_attributes[i] = name;
		}
		spec->nnon_key = n;
		if (n < 1)
			DdbConstraintAdd(errors, "'[]'", list_member,
							 "Member must have length greater than or equal to 1");
		else if (n > 20)
			DdbConstraintAdd(errors, StringListValue(spec->non_key_attributes, n), list_member,
							 "Member must have length less than or equal to 20");
	}
}

/*
 * Read one required capacity unit count (at least 1) of a GSI's
 * ProvisionedThroughput.
 */
static int64
ReadIndexCapacityUnits(JsonbContainer *throughput, const char *member, const char *path,
					   DdbConstraintErrors *errors)
{
	int64		units = 0;

	if (!DdbJsonGetInt64(throughput, member, &units))
		DdbConstraintAdd(errors, "null", path, "Member must not be null");
	else if (units < 1)
		DdbConstraintAdd(errors, psprintf("'" INT64_FORMAT "'", units), path,
						 "Member must have value greater than or equal to 1");
	return units;
}

/*
 * DdbIndexSpecRead reads one index definition of this kind (an element of
 * CreateTable's lists, or an UpdateTable Create entry) into spec, adding
 * every constraint failure to errors under path (e.g.
 * "globalSecondaryIndexes.1.member"). Key types are set by the semantic
 * checks, from AttributeDefinitions.
 */
void
DdbIndexSpecRead(JsonbContainer *index, DdbIndexKind kind, const char *path, DdbIndexSpec *spec,
				 DdbConstraintErrors *errors)
{
	static const char *const global_members[] = {
		"IndexName", "KeySchema", "Projection", "ProvisionedThroughput",
		"OnDemandThroughput", "WarmThroughput", NULL
	};
	static const char *const local_members[] = {"IndexName", "KeySchema", "Projection", NULL};
	char	   *projection_type;
	bool		non_key_given;
	JsonbContainer *throughput;

	DdbJsonCheckMembers(index, kind == DDB_INDEX_GLOBAL ? global_members : local_members);
	memset(spec, 0, sizeof(*spec));
	spec->kind = kind;
	spec->name = DdbJsonGetString(index, "IndexName");
	CheckIndexName(spec->name, psprintf("%s.indexName", path), errors);

	ReadIndexKeySchema(index, path, spec, errors);
	ReadProjection(index, path, spec, &projection_type, &non_key_given, errors);
	if (projection_type != NULL && strcmp(projection_type, "ALL") == 0)
		spec->projection = DDB_PROJECT_ALL;
	else if (projection_type != NULL && strcmp(projection_type, "KEYS_ONLY") == 0)
		spec->projection = DDB_PROJECT_KEYS_ONLY;
	else
		spec->projection = DDB_PROJECT_INCLUDE;

	throughput = kind == DDB_INDEX_GLOBAL ? DdbJsonGetObject(index, "ProvisionedThroughput") : NULL;
	if (throughput != NULL)
		DdbIndexThroughputRead(throughput, path, &spec->read_capacity_units,
							   &spec->write_capacity_units, errors);
}

/*
 * DdbIndexThroughputRead reads a GSI's ProvisionedThroughput (of the
 * definition or Update entry at path): both unit counts are required and
 * at least 1, failures added to errors.
 */
void
DdbIndexThroughputRead(JsonbContainer *throughput, const char *path, int64 *read_units,
					   int64 *write_units, DdbConstraintErrors *errors)
{
	*read_units = ReadIndexCapacityUnits(throughput, "ReadCapacityUnits",
										 psprintf("%s.provisionedThroughput.readCapacityUnits", path),
										 errors);
	*write_units = ReadIndexCapacityUnits(throughput, "WriteCapacityUnits",
										  psprintf("%s.provisionedThroughput.writeCapacityUnits", path),
										  errors);
}

/*
 * DdbIndexSpecsRead reads CreateTable's GlobalSecondaryIndexes and
 * LocalSecondaryIndexes (GSIs first, each list in request order), adding
 * every constraint failure to errors. A member of the wrong JSON type is
 * DynamoDB's SerializationException, and a member no index defines is a
 * ValidationException, both raised at once.
 */
int
DdbIndexSpecsRead(JsonbContainer *request, DdbIndexSpec **specs, DdbConstraintErrors *errors)
{
	JsonbValue *elements[2] = {NULL, NULL};
	int			nelements[2] = {0, 0};
	int			nspecs = 0;
	DdbIndexSpec *result;

	for (int l = 0; l < 2; l++)
	{
		JsonbContainer *list = DdbJsonGetArray(request, index_lists[l].member);

		if (list != NULL)
			nelements[l] = DdbJsonArrayElements(list, &elements[l]);
	}
	result = palloc0(sizeof(DdbIndexSpec) * Max(nelements[0] + nelements[1], 1));

	for (int l = 0; l < 2; l++)
	{
		const IndexList *list = &index_lists[l];

		for (int i = 0; i < nelements[l]; i++)
			DdbIndexSpecRead(DdbJsonValueObject(&elements[l][i], list->element), list->kind,
							 psprintf("%s.%d.member", list->path, i + 1),
							 &result[nspecs++], errors);
	}
	*specs = result;
	return nspecs;
}

/* ---- semantic checks ---- */

/*
 * An index of the request as the semantic checks see it: its spec, its
 * JSON element, and its whole KeySchema (the spec keeps at most
 * DDB_MAX_INDEX_KEYS attributes).
 */
typedef struct IndexUnderCheck
{
	DdbIndexSpec *spec;
	JsonbContainer *element;
	int			nkeys;
	char	  **key_names;
	char	  **key_types;		/* HASH or RANGE */
} IndexUnderCheck;

/*
 * One index definition as the semantic checks see it.
 */
static void
IndexUnderCheckOf(JsonbContainer *element, DdbIndexSpec *spec, IndexUnderCheck *index)
{
	JsonbValue *keys;

	index->spec = spec;
	index->element = element;
	index->nkeys = DdbJsonArrayElements(DdbJsonGetArray(element, "KeySchema"), &keys);
	index->key_names = palloc(sizeof(char *) * Max(index->nkeys, 1));
	index->key_types = palloc(sizeof(char *) * Max(index->nkeys, 1));
	for (int k = 0; k < index->nkeys; k++)
	{
		index->key_names[k] = DdbJsonGetString(keys[k].val.binary.data, "AttributeName");
		index->key_types[k] = DdbJsonGetString(keys[k].val.binary.data, "KeyType");
	}
}

/*
 * Collect the indexes of the request (GSIs first, as DdbIndexSpecsRead
 * read them) with their KeySchemas.
 */
static IndexUnderCheck *
IndexesUnderCheck(JsonbContainer *request, DdbIndexSpec *specs, int nspecs)
{
	IndexUnderCheck *indexes = palloc0(sizeof(IndexUnderCheck) * Max(nspecs, 1));
	int			n = 0;

	for (int l = 0; l < 2; l++)
	{
		JsonbContainer *list = DdbJsonGetArray(request, index_lists[l].member);
		JsonbValue *elements;
		int			nelements;

		if (list == NULL)
			continue;
		nelements = DdbJsonArrayElements(list, &elements);
		for (int i = 0; i < nelements && n < nspecs; i++, n++)
			IndexUnderCheckOf(elements[i].val.binary.data, &specs[n], &indexes[n]);
	}
	return indexes;
}

/*
 * Names as DynamoDB lists them in messages: "a, b".
 */
static char *
NameList(char **names, int n)
{
	StringInfoData text;

	initStringInfo(&text);
	for (int i = 0; i < n; i++)
		appendStringInfo(&text, "%s%s", i > 0 ? ", " : "", names[i]);
	return text.data;
}

/*
 * Position of a name in a list, or -1.
 */
static int
NamePosition(char **names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
	{
		if (strcmp(names[i], name) == 0)
			return i;
	}
	return -1;
}

/*
 * Check that every index key attribute is defined (and take its type from
 * the definition) and that every definition is used by a key of the table
 * or of an index.
 */
static void
CheckDefinitions(JsonbContainer *request, char **table_key_names, IndexUnderCheck *indexes,
				 int nindexes)
{
	JsonbValue *defs;
	int			ndefs = DdbJsonArrayElements(DdbJsonGetArray(request, "AttributeDefinitions"), &defs);
	char	  **defined = palloc(sizeof(char *) * Max(ndefs, 1));
	char	   *types = palloc(Max(ndefs, 1));
	char	  **used;
	int			nused = 0;
	int			max_used = 2;

	for (int i = 0; i < ndefs; i++)
	{
		defined[i] = DdbJsonGetString(defs[i].val.binary.data, "AttributeName");
		types[i] = DdbJsonGetString(defs[i].val.binary.data, "AttributeType")[0];
	}
	for (int s = 0; s < nindexes; s++)
		max_used += indexes[s].nkeys;
	used = palloc(sizeof(char *) * max_used);
	for (int k = 0; k < 2 && table_key_names[k] != NULL; k++)
		used[nused++] = table_key_names[k];

	for (int s = 0; s < nindexes; s++)
	{
		IndexUnderCheck *index = &indexes[s];

		for (int k = 0; k < index->nkeys; k++)
		{
			if (NamePosition(defined, ndefs, index->key_names[k]) < 0)
				DdbValidationError(INVALID_PARAMETERS "Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]",
								   NameList(index->key_names, index->nkeys),
								   NameList(defined, ndefs));
		}
		for (int k = 0; k < index->nkeys; k++)
		{
			if (k < index->spec->nkeys)
				index->spec->key_types[k] = types[NamePosition(defined, ndefs, index->key_names[k])];
			if (NamePosition(used, nused, index->key_names[k]) < 0)
				used[nused++] = index->key_names[k];
		}
	}

	if (ndefs > nused)
		DdbValidationError(INVALID_PARAMETERS "Some AttributeDefinitions are not used. AttributeDefinitions: [%s], keys used: [%s]",
						   NameList(defined, ndefs), NameList(used, nused));
}

/*
 * Check the key schema of an LSI: the table's partition key as HASH, then
 * one RANGE attribute.
 */
static void
CheckLocalKeySchema(IndexUnderCheck *index, char **table_key_names)
{
	char	  **names = index->key_names;
	char	  **key_types = index->key_types;
	int			n = index->nkeys;

	if (n == 2 && strcmp(names[0], names[1]) == 0)
		DdbValidationError("Both the Hash Key and the Range Key element in the KeySchema have the same name");
	if (strcmp(key_types[0], "HASH") != 0)
		DdbValidationError("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
	if (n == 2 && strcmp(key_types[1], "RANGE") != 0)
		DdbValidationError("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
	if (n != 2)
		DdbValidationError(INVALID_PARAMETERS "Index KeySchema does not have a range key for index: %s",
						   index->spec->name);
	if (strcmp(names[0], table_key_names[0]) != 0)
		DdbValidationError(INVALID_PARAMETERS "Index KeySchema does not have the same leading hash key as table KeySchema for index: %s. index hash key: %s, table hash key: %s",
						   index->spec->name, names[0], table_key_names[0]);
	index->spec->nhash = 1;
}

/*
 * Check the key schema of a GSI: 1 to 4 HASH attributes, then 0 to 4
 * RANGE attributes, no attribute twice.
 */
static void
CheckGlobalKeySchema(IndexUnderCheck *index)
{
	char	  **names = index->key_names;
	char	  **key_types = index->key_types;
	int			n = index->nkeys;
	int			nhash = 0;
	int			nrange = 0;

	if (n == 2 && strcmp(names[0], names[1]) == 0 &&
		strcmp(key_types[0], "HASH") == 0 && strcmp(key_types[1], "RANGE") == 0)
		DdbValidationError("Both the Hash Key and the Range Key element in the KeySchema have the same name");
	if (strcmp(key_types[0], "HASH") != 0)
		DdbValidationError("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
	for (int i = 0; i < n; i++)
	{
		if (strcmp(key_types[i], "HASH") == 0)
		{
			if (nrange > 0)
				DdbValidationError(INVALID_PARAMETERS "All HASH key attributes must precede RANGE key attributes in the KeySchema");
			nhash++;
		}
		else
			nrange++;
	}
	if (nhash > DDB_MAX_INDEX_HASH_KEYS)
		DdbValidationError(INVALID_PARAMETERS "The KeySchema exceeds the maximum allowed number of HASH key attributes");
	if (nrange > DDB_MAX_INDEX_RANGE_KEYS)
		DdbValidationError(INVALID_PARAMETERS "The KeySchema exceeds the maximum allowed number of RANGE key attributes");
	if (DdbRequestFirstRepeat(names, n) >= 0)
		DdbValidationError("The KeySchema contains multiple key attributes with the same name");
	index->spec->nhash = nhash;
}

/*
 * Check an index's Projection: a ProjectionType, and NonKeyAttributes
 * exactly when it is INCLUDE, each name once.
 */
static void
CheckProjection(IndexUnderCheck *index)
{
	DdbIndexSpec *spec = index->spec;
	JsonbContainer *projection = DdbJsonGetObject(index->element, "Projection");
	char	   *type = DdbJsonGetString(projection, "ProjectionType");
	bool		non_key_given = DdbJsonGetArray(projection, "NonKeyAttributes") != NULL;
	int			repeat;

	if (type == NULL)
		DdbValidationError(INVALID_PARAMETERS "Unknown ProjectionType: null");
	if (strcmp(type, "INCLUDE") != 0)
	{
		if (non_key_given)
			DdbValidationError(INVALID_PARAMETERS "ProjectionType is %s, but NonKeyAttributes is specified",
							   type);
		return;
	}
	if (!non_key_given)
		DdbValidationError(INVALID_PARAMETERS "ProjectionType is INCLUDE, but NonKeyAttributes is not specified");
	repeat = DdbRequestFirstRepeat(spec->non_key_attributes, spec->nnon_key);
	if (repeat >= 0)
		DdbValidationError(INVALID_PARAMETERS "Duplicate element in NonKeyAttributes: %s",
						   spec->non_key_attributes[repeat]);
}

/*
 * Check a GSI's ProvisionedThroughput against the table's billing mode.
 */
static void
CheckIndexThroughput(IndexUnderCheck *index, bool provisioned)
{
	bool		given = DdbJsonGetObject(index->element, "ProvisionedThroughput") != NULL;

	if (provisioned && !given)
		DdbValidationError(INVALID_PARAMETERS "ProvisionedThroughput is not specified for index: %s",
						   index->spec->name);
	if (!provisioned && given)
		DdbValidationError(INVALID_PARAMETERS "ProvisionedThroughput should not be specified for index: %s when BillingMode is PAY_PER_REQUEST",
						   index->spec->name);
}

/*
 * Refuse the settings of a GSI that this version does not implement.
 */
static void
CheckGlobalSettingsSupported(IndexUnderCheck *index)
{
	static const char *const unsupported[] = {"OnDemandThroughput", "WarmThroughput", NULL};

	for (const char *const *m = unsupported; *m; m++)
	{
		JsonbValue	v;

		if (DdbJsonGet(index->element, *m, &v))
			DdbValidationError("%s of a global secondary index is not supported by this version of ddb",
							   *m);
	}
}

/*
 * The rules of one GSI definition: its key schema, its throughput against
 * the table's billing mode, its projection.
 */
static void
CheckGlobalIndex(IndexUnderCheck *index, bool provisioned)
{
	CheckGlobalKeySchema(index);
	CheckIndexThroughput(index, provisioned);
	CheckProjection(index);
}

/*
 * DdbIndexSpecCheckGlobal applies the semantic rules of one GSI definition
 * that DdbIndexSpecRead read without constraint failures (an UpdateTable
 * Create entry), as DdbIndexSpecsCheck applies them to CreateTable's.
 * Key types and the rules that involve other indexes or
 * AttributeDefinitions are the caller's.
 */
void
DdbIndexSpecCheckGlobal(JsonbContainer *index, DdbIndexSpec *spec, bool provisioned)
{
	IndexUnderCheck under_check;

	IndexUnderCheckOf(index, spec, &under_check);
	CheckGlobalSettingsSupported(&under_check);
	CheckGlobalIndex(&under_check, provisioned);
}

/*
 * DdbIndexSpecsCheck applies DynamoDB's semantic rules to the indexes
 * DdbIndexSpecsRead read (see the top of this file for the order), raising
 * the first failure, and completes the specs: key types, HASH counts, and
 * no capacity units on an on-demand table.
 */
void
DdbIndexSpecsCheck(JsonbContainer *request, char **table_key_names, bool provisioned,
				   DdbIndexSpec *specs, int nspecs)
{
	IndexUnderCheck *indexes = IndexesUnderCheck(request, specs, nspecs);
	char	  **checked_names = palloc(sizeof(char *) * Max(nspecs, 1));
	int			nchecked = 0;
	int			counts[2] = {0, 0};	/* GSIs, LSIs */
	int			non_key_total = 0;

	for (int s = 0; s < nspecs; s++)
		counts[specs[s].kind == DDB_INDEX_GLOBAL ? 0 : 1]++;

	for (int s = 0; s < nspecs; s++)
	{
		if (specs[s].kind == DDB_INDEX_GLOBAL)
			CheckGlobalSettingsSupported(&indexes[s]);
	}

	for (int l = 0; l < 2; l++)
	{
		if (DdbJsonGetArray(request, index_lists[l].member) != NULL && counts[l] == 0)
			DdbValidationError(INVALID_PARAMETERS "List of %s is empty", index_lists[l].member);
	}

	CheckDefinitions(request, table_key_names, indexes, nspecs);

	/* LSIs, then GSIs, as DynamoDB checks them */
	if (counts[1] > 0 && table_key_names[1] == NULL)
		DdbValidationError(INVALID_PARAMETERS "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex");
	for (int l = 1; l >= 0; l--)
	{
		for (int s = 0; s < nspecs; s++)
		{
			IndexUnderCheck *index = &indexes[s];
			DdbIndexSpec *spec = index->spec;

			if (spec->kind != index_lists[l].kind)
				continue;
			if (spec->kind == DDB_INDEX_LOCAL)
			{
				CheckLocalKeySchema(index, table_key_names);
				CheckProjection(index);
			}
			else
				CheckGlobalIndex(index, provisioned);
			if (NamePosition(checked_names, nchecked, spec->name) >= 0)
				DdbValidationError(INVALID_PARAMETERS "Duplicate index name: %s", spec->name);
			checked_names[nchecked++] = spec->name;
			if (spec->projection == DDB_PROJECT_INCLUDE)
				non_key_total += spec->nnon_key;
		}
		if (l == 1 && counts[1] > DDB_MAX_LOCAL_INDEXES)
			DdbValidationError(INVALID_PARAMETERS "Number of LocalSecondaryIndexes exceeds per-table limit of %d",
							   DDB_MAX_LOCAL_INDEXES);
		if (l == 0 && counts[0] > DDB_MAX_GLOBAL_INDEXES)
			DdbValidationError(INVALID_PARAMETERS "GlobalSecondaryIndex count exceeds the per-table limit of %d",
							   DDB_MAX_GLOBAL_INDEXES);
	}

	if (non_key_total > DDB_MAX_NON_KEY_ATTRIBUTES)
		DdbValidationError(INVALID_PARAMETERS "Number of projected attributes in all indexes exceeds limit of %d",
						   DDB_MAX_NON_KEY_ATTRIBUTES);

	/* an on-demand table's GSIs have no throughput of their own */
	if (!provisioned)
	{
		for (int s = 0; s < nspecs; s++)
			specs[s].read_capacity_units = specs[s].write_capacity_units = 0;
	}
}
