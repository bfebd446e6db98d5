/*-------------------------------------------------------------------------
 *
 * item_ops.c
 *	  PutItem, GetItem and DeleteItem: request validation, the write
 *	  protocol against the access layer, and the responses.
 *
 * Writes that need the old item (ReturnValues ALL_OLD) read it under a row
 * lock first; a key that does not exist yet is inserted with ON CONFLICT
 * DO NOTHING, and a concurrent insert of the same key sends the loop round
 * again, now finding (and locking) the other writer's row. So there is no
 * window in which two writers both believe they created an item.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/jsonb.h"

#include "catalog.h"
#include "errors.h"
#include "item.h"
#include "json_util.h"
#include "key.h"
#include "operations.h"
#include "request.h"
#include "storage.h"

/* how often a write retries after losing a race to create the same key */
#define MAX_WRITE_ATTEMPTS 100

/* Parameters of the expression language, implemented separately */
static const char *const unsupported_write_parameters[] = {
	"ConditionExpression", "Expected", "ConditionalOperator", NULL
};

/*
 * Reject ExpressionAttributeNames/Values given without any expression, as
 * DynamoDB does.
 */
static void
CheckExpressionAttributesUnused(JsonbContainer *request, const char *expressions)
{
	JsonbValue	v;

	if (DdbJsonGet(request, "ExpressionAttributeNames", &v))
		DdbValidationError("ExpressionAttributeNames can only be specified when using expressions");
	if (DdbJsonGet(request, "ExpressionAttributeValues", &v))
		DdbValidationError("ExpressionAttributeValues can only be specified when using expressions: %s",
						   expressions);
}

/*
 * Read TableName and one more required object member (Item or Key),
 * reporting both constraint failures together as DynamoDB does.
 */
static JsonbContainer *
RequiredTableAndObject(JsonbContainer *request, const char *member,
					   const char *constraint_member, char **table_name,
					   DdbConstraintErrors *errors)
{
	char	   *name = DdbJsonGetString(request, "TableName");
	JsonbContainer *object = DdbJsonGetObject(request, member);

	name = DdbValidateTableName(name, "tableName", errors);
	if (object == NULL)
		DdbConstraintAdd(errors, "null", constraint_member, "Member must not be null");
	*table_name = name;
	return object;
}

/*
 * Build {"<member>": item} or {} when item is NULL.
 */
static Jsonb *
ItemResponse(const char *member, Jsonb *item)
{
	JsonbParseState *st = NULL;

	DdbPushBeginObject(&st);
	if (item != NULL)
	{
		DdbPushKey(&st, member);
		DdbPushContainer(&st, WJB_VALUE, &item->root);
	}
	return JsonbValueToJsonb(DdbPushEndObject(&st));
}

/*
 * Write an item and return the item it replaced (when want_old), following
 * the locking protocol described at the top of the file.
 */
static Jsonb *
WriteItem(DdbTable *table, Jsonb *item, DdbKey *key, bool want_old)
{
	if (!want_old)
	{
		DdbStoragePut(table, item);
		return NULL;
	}

	for (int attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++)
	{
		Jsonb	   *old;

		CHECK_FOR_INTERRUPTS();
		old = DdbStorageGet(table, key, true);
		if (old != NULL)
		{
			if (DdbStorageUpdate(table, key, item))
				return old;
			continue;
		}
		if (DdbStorageInsertIfAbsent(table, item))
			return NULL;
	}
	DdbRaise(DDB_TRANSACTION_CONFLICT, "Transaction is ongoing for the item");
}

/*
 * Validate the parameters PutItem and DeleteItem share: TableName, the
 * item or key object, ReturnValues (NONE or ALL_OLD) and the common write
 * parameters. Returns whether the old item is wanted.
 */
static bool
ReadSingleWriteRequest(JsonbContainer *request, const char *object_member,
					   const char *constraint_member, char **table_name,
					   JsonbContainer **object)
{
	static const char *const allowed_put[] = {
		"TableName", "Item", "ConditionExpression", "ExpressionAttributeNames",
		"ExpressionAttributeValues", "ReturnValues", "ReturnConsumedCapacity",
		"ReturnItemCollectionMetrics", "ReturnValuesOnConditionCheckFailure",
		"Expected", "ConditionalOperator", NULL
	};
	static const char *const allowed_delete[] = {
		"TableName", "Key", "ConditionExpression", "ExpressionAttributeNames",
		"ExpressionAttributeValues", "ReturnValues", "ReturnConsumedCapacity",
		"ReturnItemCollectionMetrics", "ReturnValuesOnConditionCheckFailure",
		"Expected", "ConditionalOperator", NULL
	};
	static const char *const return_values[] = {
		"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW", NULL
	};
	DdbConstraintErrors errors;
	char	   *return_value;

	DdbJsonCheckMembers(request, strcmp(object_member, "Item") == 0 ? allowed_put : allowed_delete);
	DdbConstraintInit(&errors);
	*object = RequiredTableAndObject(request, object_member, constraint_member, table_name, &errors);
	return_value = DdbRequestEnum(request, "ReturnValues", "returnValues", return_values,
								  "[ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]", &errors);
	DdbRequestCommonWriteParameters(request, &errors);
	DdbConstraintRaise(&errors);

	DdbRequestRejectUnsupported(request, unsupported_write_parameters);
	CheckExpressionAttributesUnused(request, "ConditionExpression is null");
	if (return_value != NULL && strcmp(return_value, "NONE") != 0 &&
		strcmp(return_value, "ALL_OLD") != 0)
		DdbValidationError("ReturnValues can only be ALL_OLD or NONE");
	return return_value != NULL && strcmp(return_value, "ALL_OLD") == 0;
}

/*
 * DdbPutItem implements PutItem.
 */
Jsonb *
DdbPutItem(JsonbContainer *request)
{
	char	   *table_name;
	JsonbContainer *item_param;
	bool		want_old;
	Jsonb	   *item;
	Size		size;
	DdbTable   *table;
	DdbKey		key;

	want_old = ReadSingleWriteRequest(request, "Item", "item", &table_name, &item_param);
	item = DdbItemNormalize(item_param, &size);
	table = DdbTableLookup(table_name);
	DdbKeyFromItem(table, &item->root, &key);
	return ItemResponse("Attributes", WriteItem(table, item, &key, want_old));
}

/*
 * DdbGetItem implements GetItem.
 */
Jsonb *
DdbGetItem(JsonbContainer *request)
{
	static const char *const allowed[] = {
		"TableName", "Key", "ConsistentRead", "ProjectionExpression",
		"ExpressionAttributeNames", "ReturnConsumedCapacity", "AttributesToGet", NULL
	};
	static const char *const unsupported[] = {
		"ProjectionExpression", "AttributesToGet", NULL
	};
	static const char *const capacity[] = {"INDEXES", "TOTAL", "NONE", NULL};
	DdbConstraintErrors errors;
	char	   *table_name;
	JsonbContainer *key_param;
	bool		consistent;
	DdbTable   *table;
	DdbKey		key;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	key_param = RequiredTableAndObject(request, "Key", "key", &table_name, &errors);
	DdbRequestEnum(request, "ReturnConsumedCapacity", "returnConsumedCapacity",
				   capacity, "[INDEXES, TOTAL, NONE]", &errors);
	DdbConstraintRaise(&errors);
	(void) DdbJsonGetBool(request, "ConsistentRead", &consistent);

	DdbRequestRejectUnsupported(request, unsupported);
	{
		JsonbValue	v;

		if (DdbJsonGet(request, "ExpressionAttributeNames", &v))
			DdbValidationError("ExpressionAttributeNames can only be specified when using expressions");
	}

	table = DdbTableLookup(table_name);
	DdbKeyFromKeyMap(table, key_param, &key, NULL);
	return ItemResponse("Item", DdbStorageGet(table, &key, false));
}

/*
 * DdbDeleteItem implements DeleteItem.
 */
Jsonb *
DdbDeleteItem(JsonbContainer *request)
{
	char	   *table_name;
	JsonbContainer *key_param;
	bool		want_old;
	DdbTable   *table;
	DdbKey		key;
	Jsonb	   *old;

	want_old = ReadSingleWriteRequest(request, "Key", "key", &table_name, &key_param);
	table = DdbTableLookup(table_name);
	DdbKeyFromKeyMap(table, key_param, &key, NULL);
	old = DdbStorageDelete(table, &key);
	return ItemResponse("Attributes", want_old ? old : NULL);
}
