/*-------------------------------------------------------------------------
 *
 * tags.c
 *	  Table tags: validation, storage in ddb.table_tags, and the
 *	  TagResource / UntagResource / ListTagsOfResource operations.
 *
 * Tags follow DynamoDB's rules: keys of 1-128 and values of 0-256 Unicode
 * characters drawn from letters, digits, white space and + - = . _ : / @;
 * the aws: prefix is reserved; at most 50 tags per table (more is a
 * ValidationException, as in DynamoDB, not a LimitExceededException); a tag
 * with an existing key replaces its value. Resources are named by table ARN.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "catalog.h"
#include "errors.h"
#include "json_util.h"
#include "operations.h"
#include "request.h"
#include "tags.h"

/*
 * Return true when every character of a tag key or value is allowed:
 * Unicode letters and digits (approximated as any non-ASCII character),
 * ASCII letters and digits, white space and + - = . _ : / @.
 */
static bool
TagTextAllowed(const char *s)
{
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if (*p >= 0x80 || isalnum(*p) || *p == ' ' || *p == '\t' ||
			strchr("+-=._:/@", *p) != NULL)
			continue;
		return false;
	}
	return true;
}

/*
 * Validate one tag key or value, adding constraint errors.
 */
static void
CheckTagText(const char *text, const char *member, int min, int max, DdbConstraintErrors *errors)
{
	int			chars = pg_mbstrlen(text);
	char	   *quoted = psprintf("'%s'", text);

	if (chars < min)
		DdbConstraintAdd(errors, quoted, member,
						 psprintf("Member must have length greater than or equal to %d", min));
	if (chars > max)
		DdbConstraintAdd(errors, quoted, member,
						 psprintf("Member must have length less than or equal to %d", max));
	if (!TagTextAllowed(text))
		DdbConstraintAdd(errors, quoted, member,
						 "Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$");
}

/*
 * Raise DynamoDB's error for a table that would have more than 50 tags.
 */
static void
TooManyTags(void)
{
	DdbValidationError("One or more parameter values were invalid: Number of Tags exceed the current limit for the provided ResourceArn");
}

/*
 * DdbTagsRead validates a Tags parameter.
 */
void
DdbTagsRead(JsonbContainer *tags, DdbTagList *list, bool required)
{
	DdbConstraintErrors errors;
	JsonbValue *elements;
	int			n;
	int			repeat;

	memset(list, 0, sizeof(*list));
	DdbConstraintInit(&errors);
	if (tags == NULL)
	{
		if (required)
		{
			DdbConstraintAdd(&errors, "null", "tags", "Member must not be null");
			DdbConstraintRaise(&errors);
		}
		return;
	}
	n = DdbJsonArrayElements(tags, &elements);
	list->keys = palloc0(sizeof(char *) * Max(n, 1));
	list->values = palloc0(sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		JsonbContainer *tag = DdbJsonValueObject(&elements[i], "Tag");
		char	   *key = DdbJsonGetString(tag, "Key");
		char	   *value = DdbJsonGetString(tag, "Value");

		if (key == NULL)
			DdbConstraintAdd(&errors, "null", psprintf("tags.%d.member.key", i + 1),
							 "Member must not be null");
		else
			CheckTagText(key, psprintf("tags.%d.member.key", i + 1), 1, 128, &errors);
		if (value == NULL)
			DdbConstraintAdd(&errors, "null", psprintf("tags.%d.member.value", i + 1),
							 "Member must not be null");
		else
			CheckTagText(value, psprintf("tags.%d.member.value", i + 1), 0, 256, &errors);
		list->keys[i] = key;
		list->values[i] = value;
	}
	DdbConstraintRaise(&errors);

	for (int i = 0; i < n; i++)
	{
		if (pg_strncasecmp(list->keys[i], "aws:", 4) == 0)
			DdbValidationError("One or more parameter values were invalid: Tag keys starting with 'aws:' are reserved for system use");
	}
	repeat = DdbRequestFirstRepeat(list->keys, n);
	if (repeat >= 0)
		DdbValidationError("One or more parameter values were invalid: Duplicate tag keys found: %s",
						   list->keys[repeat]);
	/* more distinct keys than a table may have: no need to store them first */
	if (n > DDB_MAX_TAGS)
		TooManyTags();
	list->count = n;
}

/*
 * DdbTagsStore adds or replaces tags of a table. Must run with catalog
 * write access (as the extension owner).
 */
void
DdbTagsStore(const char *table_name, DdbTagList *list)
{
	Oid			argtypes[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		args[3];
	bool		isnull;

	if (list->count == 0)
		return;
	args[0] = CStringGetTextDatum(table_name);
	for (int i = 0; i < list->count; i++)
	{
		args[1] = CStringGetTextDatum(list->keys[i]);
		args[2] = CStringGetTextDatum(list->values[i]);
		if (SPI_execute_with_args("INSERT INTO ddb.table_tags (table_name, tag_key, tag_value)"
								  " VALUES ($1, $2, $3) ON CONFLICT (table_name, tag_key)"
								  " DO UPDATE SET tag_value = EXCLUDED.tag_value",
								  3, argtypes, args, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not store tag");
	}
	if (SPI_execute_with_args("SELECT pg_catalog.count(*) FROM ddb.table_tags WHERE table_name OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not count tags");
	if (DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) > DDB_MAX_TAGS)
		TooManyTags();
}

/*
 * Resolve a ResourceArn to an existing table, raising DynamoDB's errors.
 * When for_change, the caller must own the table.
 */
static DdbTable *
ResourceTable(JsonbContainer *request, char **table_name, bool for_change)
{
	DdbConstraintErrors errors;
	char	   *arn = DdbJsonGetString(request, "ResourceArn");
	char	   *expected_prefix;
	DdbTable   *table;

	DdbConstraintInit(&errors);
	if (arn == NULL)
		DdbConstraintAdd(&errors, "null", "resourceArn", "Member must not be null");
	else if (strlen(arn) < 1 || strlen(arn) > 1283)
		DdbConstraintAdd(&errors, psprintf("'%s'", arn), "resourceArn",
						 strlen(arn) < 1 ? "Member must have length greater than or equal to 1"
						 : "Member must have length less than or equal to 1283");
	DdbConstraintRaise(&errors);

	expected_prefix = DdbTableArn("");
	if (strncmp(arn, "arn:", 4) != 0)
		DdbValidationError("One or more parameter values were invalid: ARNs must start with 'arn:': %s", arn);
	if (strstr(arn, ":table/") == NULL)
		DdbValidationError("Invalid TableArn: Invalid ResourceArn provided as input %s", arn);
	if (strncmp(arn, expected_prefix, strlen(expected_prefix)) != 0)
		DdbRaise(DDB_RESOURCE_NOT_FOUND, "Requested resource not found: ResourcArn: %s not found", arn);

	*table_name = pstrdup(arn + strlen(expected_prefix));
	DdbConstraintInit(&errors);
	*table_name = DdbValidateTableName(*table_name, "resourceArn", &errors);
	if (errors.count > 0)
		DdbValidationError("Invalid TableArn: Invalid ResourceArn provided as input %s", arn);
	table = DdbTableLookupOptional(*table_name);
	if (table == NULL)
		DdbRaise(DDB_RESOURCE_NOT_FOUND, "Requested resource not found: ResourcArn: %s not found", arn);
	if (for_change && !pg_class_ownercheck(table->relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, table->relation_name);
	return table;
}

/*
 * DdbTagResource implements TagResource; its response has no body.
 */
Jsonb *
DdbTagResource(JsonbContainer *request)
{
	static const char *const allowed[] = {"ResourceArn", "Tags", NULL};
	char	   *table_name;
	DdbTagList	tags;
	DdbOwnerAccess owner_access;

	DdbJsonCheckMembers(request, allowed);
	DdbTagsRead(DdbJsonGetArray(request, "Tags"), &tags, true);
	ResourceTable(request, &table_name, true);
	DdbCatalogBeginOwnerAccess(&owner_access);
	DdbTagsStore(table_name, &tags);
	DdbCatalogEndOwnerAccess(&owner_access);
	return NULL;
}

/*
 * DdbUntagResource implements UntagResource; its response has no body.
 */
Jsonb *
DdbUntagResource(JsonbContainer *request)
{
	static const char *const allowed[] = {"ResourceArn", "TagKeys", NULL};
	JsonbContainer *keys_param;
	JsonbValue *keys;
	int			n;
	char	   *table_name;
	Datum	   *key_datums;
	Oid			argtypes[2] = {TEXTOID, TEXTARRAYOID};
	Datum		args[2];
	DdbOwnerAccess owner_access;
	DdbConstraintErrors errors;

	DdbJsonCheckMembers(request, allowed);
	keys_param = DdbJsonGetArray(request, "TagKeys");
	DdbConstraintInit(&errors);
	if (keys_param == NULL)
		DdbConstraintAdd(&errors, "null", "tagKeys", "Member must not be null");
	DdbConstraintRaise(&errors);
	n = DdbJsonArrayElements(keys_param, &keys);
	for (int i = 0; i < n; i++)
		CheckTagText(DdbJsonValueString(&keys[i], "TagKeys"),
					 psprintf("tagKeys.%d.member", i + 1), 1, 128, &errors);
	DdbConstraintRaise(&errors);

	ResourceTable(request, &table_name, true);
	key_datums = palloc(sizeof(Datum) * Max(n, 1));
	for (int i = 0; i < n; i++)
		key_datums[i] = CStringGetTextDatum(DdbJsonValueString(&keys[i], "TagKeys"));
	args[0] = CStringGetTextDatum(table_name);
	args[1] = PointerGetDatum(construct_array(key_datums, n, TEXTOID, -1, false, TYPALIGN_INT));
	DdbCatalogBeginOwnerAccess(&owner_access);
	if (SPI_execute_with_args("DELETE FROM ddb.table_tags WHERE table_name OPERATOR(pg_catalog.=) $1"
							  " AND tag_key OPERATOR(pg_catalog.=) ANY ($2)",
							  2, argtypes, args, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not remove tags");
	DdbCatalogEndOwnerAccess(&owner_access);
	return NULL;
}

/*
 * DdbListTagsOfResource implements ListTagsOfResource. All tags (at most
 * 50) fit in one page, so NextToken is never returned.
 */
Jsonb *
DdbListTagsOfResource(JsonbContainer *request)
{
	static const char *const allowed[] = {"ResourceArn", "NextToken", NULL};
	char	   *table_name;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	JsonbParseState *st = NULL;

	DdbJsonCheckMembers(request, allowed);
	(void) DdbJsonGetString(request, "NextToken");
	ResourceTable(request, &table_name, false);
	args[0] = CStringGetTextDatum(table_name);
	if (SPI_execute_with_args("SELECT tag_key, tag_value FROM ddb.table_tags"
							  " WHERE table_name OPERATOR(pg_catalog.=) $1 ORDER BY tag_key",
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list tags");

	DdbPushBeginObject(&st);
	DdbPushKey(&st, "Tags");
	DdbPushBeginArray(&st);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		DdbPushBeginObject(&st);
		DdbPushKey(&st, "Key");
		DdbPushString(&st, WJB_VALUE, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
		DdbPushKey(&st, "Value");
		DdbPushString(&st, WJB_VALUE, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2));
		DdbPushEndObject(&st);
	}
	DdbPushEndArray(&st);
	return JsonbValueToJsonb(DdbPushEndObject(&st));
}
