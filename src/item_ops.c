/*-------------------------------------------------------------------------
 *
 * item_ops.c
 *	  PutItem, GetItem, UpdateItem and DeleteItem: request validation, the
 *	  write protocol against the access layer, and the responses.
 *
 * The write protocol. A write that needs the current item (a condition,
 * an update, or ReturnValues asking for old values) reads it under a row
 * lock (SELECT ... FOR UPDATE), so the condition is evaluated against the
 * committed current item with no window for a concurrent writer. A key that
 * does not exist yet is inserted with ON CONFLICT DO NOTHING; if a
 * concurrent transaction inserted the same key meanwhile, the insert waits
 * for it and finds the conflict, and the loop goes round again, now finding
 * and locking that writer's row. So two writers never both believe they
 * created an item, and a condition such as attribute_not_exists(pk) admits
 * exactly one of them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/jsonb.h"

#include "catalog.h"
#include "errors.h"
#include "expr.h"
#include "expressions.h"
#include "item.h"
#include "json_util.h"
#include "key.h"
#include "operations.h"
#include "request.h"
#include "storage.h"

/* how often a write retries after losing a race to create the same key */
#define MAX_WRITE_ATTEMPTS 100

/* ReturnValues */
typedef enum ReturnValues
{
	RETURN_NONE,
	RETURN_ALL_OLD,
	RETURN_UPDATED_OLD,
	RETURN_ALL_NEW,
	RETURN_UPDATED_NEW
} ReturnValues;

/* What a write is to do to the current item */
typedef enum WriteKind
{
	WRITE_PUT,					/* replace with new_item */
	WRITE_DELETE,				/* delete */
	WRITE_UPDATE				/* apply update */
} WriteKind;

/* One single-item write */
typedef struct ItemWrite
{
	WriteKind	kind;
	DdbTable   *table;
	DdbKey		key;
	Jsonb	   *key_item;		/* the key as an attribute map (UPDATE) */
	Jsonb	   *new_item;		/* PUT */
	DdbUpdate  *update;			/* UPDATE */
	DdbCondition *condition;	/* NULL: unconditional */
	bool		need_old;		/* the old item is wanted back */
	bool		old_on_failure; /* ReturnValuesOnConditionCheckFailure ALL_OLD */

	/* results */
	Jsonb	   *old_item;		/* the item before the write, or NULL */
	Jsonb	   *result_item;	/* the item after the write, or NULL */
	DdbPath    *updated_paths;	/* UPDATE: the paths it wrote */
	int			nupdated;
} ItemWrite;

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
 * Read ReturnValues, ReturnValuesOnConditionCheckFailure and the other
 * common write parameters, collecting constraint errors.
 */
static ReturnValues
ReadReturnValues(JsonbContainer *request, DdbConstraintErrors *errors, bool *old_on_failure)
{
	static const char *const names[] = {
		"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW", NULL
	};
	char	   *value = DdbRequestEnum(request, "ReturnValues", "returnValues", names,
									   "[ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]", errors);
	char	   *on_failure = DdbJsonGetString(request, "ReturnValuesOnConditionCheckFailure");

	DdbRequestCommonWriteParameters(request, errors);
	*old_on_failure = on_failure != NULL && strcmp(on_failure, "ALL_OLD") == 0;
	if (value == NULL)
		return RETURN_NONE;
	for (int i = 0; names[i]; i++)
	{
		if (strcmp(names[i], value) == 0)
			return (ReturnValues) i;
	}
	return RETURN_NONE;
}

/*
 * Raise ConditionalCheckFailedException; with ALL_OLD, the current item
 * goes in the error's DETAIL as {"Item": ...}.
 */
static void
ConditionFailed(ItemWrite *write, Jsonb *current)
{
	if (write->old_on_failure && current != NULL)
	{
		JsonbParseState *st = NULL;

		DdbPushBeginObject(&st);
		DdbPushKey(&st, "Item");
		DdbPushContainer(&st, WJB_VALUE, &current->root);
		DdbRaiseWithDetail(DDB_CONDITIONAL_CHECK_FAILED,
						   JsonbToCString(NULL, &JsonbValueToJsonb(DdbPushEndObject(&st))->root, 0),
						   "The conditional request failed");
	}
	DdbRaise(DDB_CONDITIONAL_CHECK_FAILED, "The conditional request failed");
}

/*
 * Perform one write following the protocol at the top of the file.
 */
static void
PerformWrite(ItemWrite *write)
{
	DdbTable   *table = write->table;

	/* the fast path: nothing depends on the current item */
	if (write->kind == WRITE_PUT && write->condition == NULL && !write->need_old)
	{
		DdbStoragePut(table, write->new_item);
		write->result_item = write->new_item;
		return;
	}
	if (write->kind == WRITE_DELETE && write->condition == NULL)
	{
		write->old_item = DdbStorageDelete(table, &write->key);
		return;
	}

	for (int attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++)
	{
		Jsonb	   *current;
		Jsonb	   *next;

		CHECK_FOR_INTERRUPTS();
		current = DdbStorageGet(table, &write->key, true);
		if (write->condition != NULL &&
			!DdbEvaluateCondition(write->condition, current ? &current->root : NULL))
			ConditionFailed(write, current);

		switch (write->kind)
		{
			case WRITE_DELETE:
				write->old_item = current;
				if (current != NULL)
					DdbStorageDelete(table, &write->key);
				return;
			case WRITE_PUT:
				next = write->new_item;
				break;
			case WRITE_UPDATE:
				if (write->update->nactions == 0)
				{
					/* no update at all: make sure the (key-only) item exists */
					write->old_item = write->result_item = current;
					if (current != NULL)
						return;
					next = write->key_item;
					break;
				}
				next = DdbApplyUpdate(write->update, current ? &current->root : NULL,
									  &write->key_item->root,
									  &write->updated_paths, &write->nupdated);
				break;
			default:
				elog(ERROR, "unrecognized write kind %d", (int) write->kind);
		}

		write->old_item = current;
		write->result_item = next;
		if (next == NULL)
			return;				/* an update that creates nothing */
		if (current != NULL)
		{
			if (!DdbStorageUpdate(table, &write->key, next))
				elog(ERROR, "locked item vanished");
			return;
		}
		if (DdbStorageInsertIfAbsent(table, next))
			return;
		/* a concurrent writer created the item: look again */
	}
	DdbRaise(DDB_TRANSACTION_CONFLICT, "Transaction is ongoing for the item");
}

/*
 * Build {"<member>": item}, or {} when item is NULL or (unless
 * keep_empty) an empty map.
 */
static Jsonb *
ItemResponse(const char *member, Jsonb *item, bool keep_empty)
{
	JsonbParseState *st = NULL;

	DdbPushBeginObject(&st);
	if (item != NULL && (keep_empty || JsonContainerSize(&item->root) > 0))
	{
		DdbPushKey(&st, member);
		DdbPushContainer(&st, WJB_VALUE, &item->root);
	}
	return JsonbValueToJsonb(DdbPushEndObject(&st));
}

/*
 * The Attributes a write returns for its ReturnValues.
 */
static Jsonb *
ReturnedAttributes(ItemWrite *write, ReturnValues rv)
{
	switch (rv)
	{
		case RETURN_ALL_OLD:
			return write->old_item;
		case RETURN_ALL_NEW:
			return write->result_item;
		case RETURN_UPDATED_OLD:
			return write->old_item == NULL ? NULL :
				DdbProjectItem(&write->old_item->root, write->updated_paths, write->nupdated);
		case RETURN_UPDATED_NEW:
			return write->result_item == NULL ? NULL :
				DdbProjectItem(&write->result_item->root, write->updated_paths, write->nupdated);
		default:
			return NULL;
	}
}

/*
 * The key attribute names of a table, NULL-terminated.
 */
static const char **
KeyAttributeNames(DdbTable *table)
{
	const char **names = palloc0(sizeof(char *) * 3);

	for (int i = 0; i < table->nkeys; i++)
		names[i] = table->keys[i].name;
	return names;
}

/*
 * DdbPutItem implements PutItem.
 */
Jsonb *
DdbPutItem(JsonbContainer *request)
{
	static const char *const allowed[] = {
		"TableName", "Item", "ConditionExpression", "ExpressionAttributeNames",
		"ExpressionAttributeValues", "ReturnValues", "ReturnConsumedCapacity",
		"ReturnItemCollectionMetrics", "ReturnValuesOnConditionCheckFailure",
		"Expected", "ConditionalOperator", NULL
	};
	DdbConstraintErrors errors;
	char	   *table_name;
	JsonbContainer *item_param;
	ReturnValues rv;
	DdbRequestExpressions expressions;
	ItemWrite	write = {0};
	Size		size;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	item_param = RequiredTableAndObject(request, "Item", "item", &table_name, &errors);
	rv = ReadReturnValues(request, &errors, &write.old_on_failure);
	DdbConstraintRaise(&errors);
	if (rv != RETURN_NONE && rv != RETURN_ALL_OLD)
		DdbValidationError("ReturnValues can only be ALL_OLD or NONE");
	DdbReadRequestExpressions(request, DDB_REQUEST_CONDITION, &expressions);

	write.kind = WRITE_PUT;
	write.new_item = DdbItemNormalize(item_param, &size);
	write.table = DdbTableLookup(table_name);
	DdbKeyFromItem(write.table, &write.new_item->root, &write.key);
	write.condition = expressions.condition;
	write.need_old = (rv == RETURN_ALL_OLD);
	PerformWrite(&write);
	return ItemResponse("Attributes", ReturnedAttributes(&write, rv), true);
}

/*
 * DdbDeleteItem implements DeleteItem.
 */
Jsonb *
DdbDeleteItem(JsonbContainer *request)
{
	static const char *const allowed[] = {
		"TableName", "Key", "ConditionExpression", "ExpressionAttributeNames",
		"ExpressionAttributeValues", "ReturnValues", "ReturnConsumedCapacity",
		"ReturnItemCollectionMetrics", "ReturnValuesOnConditionCheckFailure",
		"Expected", "ConditionalOperator", NULL
	};
	DdbConstraintErrors errors;
	char	   *table_name;
	JsonbContainer *key_param;
	ReturnValues rv;
	DdbRequestExpressions expressions;
	ItemWrite	write = {0};

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	key_param = RequiredTableAndObject(request, "Key", "key", &table_name, &errors);
	rv = ReadReturnValues(request, &errors, &write.old_on_failure);
	DdbConstraintRaise(&errors);
	if (rv != RETURN_NONE && rv != RETURN_ALL_OLD)
		DdbValidationError("ReturnValues can only be ALL_OLD or NONE");
	DdbReadRequestExpressions(request, DDB_REQUEST_CONDITION, &expressions);

	write.kind = WRITE_DELETE;
	write.table = DdbTableLookup(table_name);
	DdbKeyFromKeyMap(write.table, key_param, &write.key, NULL);
	write.condition = expressions.condition;
	write.need_old = (rv == RETURN_ALL_OLD);
	PerformWrite(&write);
	return ItemResponse("Attributes", ReturnedAttributes(&write, rv), true);
}

/*
 * DdbUpdateItem implements UpdateItem. Without an update (no
 * UpdateExpression or AttributeUpdates) it creates a key-only item, as
 * DynamoDB does.
 */
Jsonb *
DdbUpdateItem(JsonbContainer *request)
{
	static const char *const allowed[] = {
		"TableName", "Key", "UpdateExpression", "ConditionExpression",
		"ExpressionAttributeNames", "ExpressionAttributeValues", "ReturnValues",
		"ReturnConsumedCapacity", "ReturnItemCollectionMetrics",
		"ReturnValuesOnConditionCheckFailure", "AttributeUpdates", "Expected",
		"ConditionalOperator", NULL
	};
	DdbConstraintErrors errors;
	char	   *table_name;
	JsonbContainer *key_param;
	ReturnValues rv;
	DdbRequestExpressions expressions;
	ItemWrite	write = {0};
	const char **key_names;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	key_param = RequiredTableAndObject(request, "Key", "key", &table_name, &errors);
	rv = ReadReturnValues(request, &errors, &write.old_on_failure);
	DdbConstraintRaise(&errors);
	DdbReadRequestExpressions(request, DDB_REQUEST_CONDITION | DDB_REQUEST_UPDATE, &expressions);

	write.kind = WRITE_UPDATE;
	write.table = DdbTableLookup(table_name);
	DdbKeyFromKeyMap(write.table, key_param, &write.key, &write.key_item);
	key_names = KeyAttributeNames(write.table);
	write.update = expressions.update;
	if (write.update == NULL)
		write.update = palloc0(sizeof(DdbUpdate));
	for (int i = 0; i < write.update->nactions; i++)
		DdbCheckNotKeyAttribute(&write.update->actions[i].path, key_names);
	write.condition = expressions.condition;
	write.need_old = true;
	PerformWrite(&write);
	return ItemResponse("Attributes", ReturnedAttributes(&write, rv), false);
}

/*
 * DdbGetItem implements GetItem. Every read is strongly consistent, so
 * ConsistentRead is accepted and changes nothing.
 */
Jsonb *
DdbGetItem(JsonbContainer *request)
{
	static const char *const allowed[] = {
		"TableName", "Key", "ConsistentRead", "ProjectionExpression",
		"ExpressionAttributeNames", "ReturnConsumedCapacity", "AttributesToGet", NULL
	};
	static const char *const capacity[] = {"INDEXES", "TOTAL", "NONE", NULL};
	DdbConstraintErrors errors;
	char	   *table_name;
	JsonbContainer *key_param;
	bool		consistent;
	DdbRequestExpressions expressions;
	DdbTable   *table;
	DdbKey		key;
	Jsonb	   *item;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	key_param = RequiredTableAndObject(request, "Key", "key", &table_name, &errors);
	DdbRequestEnum(request, "ReturnConsumedCapacity", "returnConsumedCapacity",
				   capacity, "[INDEXES, TOTAL, NONE]", &errors);
	DdbConstraintRaise(&errors);
	(void) DdbJsonGetBool(request, "ConsistentRead", &consistent);
	DdbReadRequestExpressions(request, DDB_REQUEST_PROJECTION, &expressions);

	table = DdbTableLookup(table_name);
	DdbKeyFromKeyMap(table, key_param, &key, NULL);
	item = DdbStorageGet(table, &key, false);
	if (item != NULL && expressions.projection != NULL)
		item = DdbProjectItem(&item->root, expressions.projection->paths,
							  expressions.projection->npaths);
	return ItemResponse("Item", item, true);
}
