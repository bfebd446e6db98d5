/*-------------------------------------------------------------------------
 *
 * item_ops.c
 *	  PutItem, GetItem, UpdateItem and DeleteItem: request validation, the
 *	  write protocol against the access layer, and the responses.
 *
 * The write protocol itself (locking, conditions, retries) is in write.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/jsonb.h"

#include "capacity.h"
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
#include "write.h"
#include "indexes/index.h"

/* ReturnValues */
typedef enum ReturnValues
{
	RETURN_NONE,
	RETURN_ALL_OLD,
	RETURN_UPDATED_OLD,
	RETURN_ALL_NEW,
	RETURN_UPDATED_NEW
} ReturnValues;

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
 * Build the response: {"<member>": item} (left out when item is NULL or,
 * unless keep_empty, an empty map) and, when asked for, ConsumedCapacity.
 * The item's bytes are copied once, into the caller's context.
 */
static Jsonb *
ItemResponse(const char *member, Jsonb *item, bool keep_empty,
			 DdbTable *table, DdbCapacityMode capacity, double units, const double *index_units,
			 const DdbKey *key, JsonbContainer *collection_item)
{
	JsonbParseState *st = NULL;

	/* the item alone (GetItem's usual answer): its bytes under one key */
	if (item != NULL && capacity == DDB_CAPACITY_NONE && collection_item == NULL &&
		(keep_empty || JsonContainerSize(&item->root) > 0) && !JsonContainerIsScalar(&item->root))
		return DdbOneMemberObject(DdbResponseContext(), member, &item->root);

	DdbPushBeginObject(&st);
	if (item != NULL && (keep_empty || JsonContainerSize(&item->root) > 0))
	{
		DdbPushKey(&st, member);
		DdbPushStoredContainer(&st, WJB_VALUE, &item->root);
	}
	if (capacity != DDB_CAPACITY_NONE)
	{
		DdbPushKey(&st, "ConsumedCapacity");
		DdbPushWriteCapacity(&st, table, units, index_units, capacity);
	}
	if (collection_item != NULL)
		DdbPushItemCollectionMetrics(&st, table, key, collection_item);
	return DdbBuildJsonbIn(DdbResponseContext(), DdbPushEndObject(&st));
}

/*
 * The write units a write consumed: by the larger of the old and new item;
 * *index_units gets each index's (NULL without indexes). Measuring walks
 * the items, so it is done only when the capacity is asked for (0
 * otherwise).
 */
static double
WriteUnitsOf(DdbItemWrite *write, DdbCapacityMode capacity, double **index_units)
{
	Size		old_size;
	Size		new_size;

	*index_units = NULL;
	if (capacity == DDB_CAPACITY_NONE)
		return 0;
	if (write->table->nindexes > 0)
	{
		*index_units = palloc0(sizeof(double) * write->table->nindexes);
		DdbIndexesWriteUnits(write->table, write->old_item, write->result_item, *index_units);
	}
	old_size = write->old_item ? DdbItemSize(&write->old_item->root) : 0;
	new_size = write->result_item ? DdbItemSize(&write->result_item->root) : 0;
	return DdbWriteUnits(Max(old_size, new_size));
}

/*
 * An item or key map holding the partition key of a write's item
 * collection: the item written or replaced, or the request's Key.
 */
static JsonbContainer *
CollectionItem(DdbItemWrite *write, JsonbContainer *request_object)
{
	if (write->result_item != NULL)
		return &write->result_item->root;
	if (write->old_item != NULL)
		return &write->old_item->root;
	if (write->key_item != NULL)
		return &write->key_item->root;
	return request_object;
}

/*
 * The Attributes a write returns for its ReturnValues.
 */
static Jsonb *
ReturnedAttributes(DdbItemWrite *write, ReturnValues rv)
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

/* The parameters of one single-item write request, validated */
typedef struct WriteRequest
{
	char	   *table_name;
	JsonbContainer *object;		/* Item (PutItem) or Key */
	ReturnValues return_values;
	bool		old_on_failure; /* ReturnValuesOnConditionCheckFailure ALL_OLD */
	DdbCapacityMode capacity;
	bool		collection_metrics; /* ReturnItemCollectionMetrics SIZE */
	DdbRequestExpressions expressions;
} WriteRequest;

/*
 * Validate the parameters PutItem, UpdateItem and DeleteItem share, in
 * DynamoDB's order: unknown members, constraint errors collected together,
 * ReturnValues allowed for the operation, then the expressions.
 */
static void
ReadWriteRequest(JsonbContainer *request, const char *const *allowed,
				 const char *object_member, const char *constraint_member,
				 bool all_return_values, int expressions, WriteRequest *out)
{
	DdbConstraintErrors errors;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	out->object = RequiredTableAndObject(request, object_member, constraint_member,
										 &out->table_name, &errors);
	out->return_values = ReadReturnValues(request, &errors, &out->old_on_failure);
	out->capacity = DdbReadCapacityMode(request, &errors);
	DdbConstraintRaise(&errors);
	{
		char	   *metrics = DdbJsonGetString(request, "ReturnItemCollectionMetrics");

		out->collection_metrics = metrics != NULL && strcmp(metrics, "SIZE") == 0;
	}
	if (!all_return_values && out->return_values != RETURN_NONE &&
		out->return_values != RETURN_ALL_OLD)
		DdbValidationError("ReturnValues can only be ALL_OLD or NONE");
	DdbReadRequestExpressions(request, expressions, &out->expressions);
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
	WriteRequest req;
	DdbItemWrite write = {0};
	double		units;
	double	   *index_units;
	Size		size;

	ReadWriteRequest(request, allowed, "Item", "item", false, DDB_REQUEST_CONDITION, &req);
	write.kind = DDB_WRITE_PUT;
	write.new_item = DdbItemNormalize(req.object, &size);
	write.table = DdbTableLookup(req.table_name);
	DdbKeyFromItem(write.table, &write.new_item->root, &write.key);
	write.condition = req.expressions.condition;
	write.need_old = (req.return_values == RETURN_ALL_OLD || req.capacity != DDB_CAPACITY_NONE);
	DdbWritePerform(&write, req.old_on_failure);
	units = WriteUnitsOf(&write, req.capacity, &index_units);
	return ItemResponse("Attributes", ReturnedAttributes(&write, req.return_values), true,
						write.table, req.capacity, units, index_units, &write.key,
						req.collection_metrics ? CollectionItem(&write, req.object) : NULL);
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
	WriteRequest req;
	DdbItemWrite write = {0};
	double		units;
	double	   *index_units;

	ReadWriteRequest(request, allowed, "Key", "key", false, DDB_REQUEST_CONDITION, &req);
	write.kind = DDB_WRITE_DELETE;
	write.table = DdbTableLookup(req.table_name);
	DdbKeyFromKeyMap(write.table, req.object, &write.key, NULL);
	write.condition = req.expressions.condition;
	write.need_old = (req.return_values == RETURN_ALL_OLD);
	DdbWritePerform(&write, req.old_on_failure);
	units = WriteUnitsOf(&write, req.capacity, &index_units);
	return ItemResponse("Attributes", ReturnedAttributes(&write, req.return_values), true,
						write.table, req.capacity, units, index_units, &write.key,
						req.collection_metrics ? CollectionItem(&write, req.object) : NULL);
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
	WriteRequest req;
	DdbItemWrite write = {0};
	double		units;
	double	   *index_units;
	const char **key_names;

	ReadWriteRequest(request, allowed, "Key", "key", true,
					 DDB_REQUEST_CONDITION | DDB_REQUEST_UPDATE, &req);
	write.kind = DDB_WRITE_UPDATE;
	write.table = DdbTableLookup(req.table_name);
	DdbKeyFromKeyMap(write.table, req.object, &write.key, &write.key_item);
	key_names = KeyAttributeNames(write.table);
	write.update = req.expressions.update;
	if (write.update == NULL)
		write.update = palloc0(sizeof(DdbUpdate));
	for (int i = 0; i < write.update->nactions; i++)
		DdbCheckNotKeyAttribute(&write.update->actions[i].path, key_names);
	write.condition = req.expressions.condition;
	write.need_old = true;
	DdbWritePerform(&write, req.old_on_failure);
	units = WriteUnitsOf(&write, req.capacity, &index_units);
	return ItemResponse("Attributes", ReturnedAttributes(&write, req.return_values), false,
						write.table, req.capacity, units, index_units, &write.key,
						req.collection_metrics ? CollectionItem(&write, req.object) : NULL);
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
	DdbConstraintErrors errors;
	char	   *table_name;
	JsonbContainer *key_param;
	bool		consistent;
	DdbRequestExpressions expressions;
	DdbTable   *table;
	DdbKey		key;
	Jsonb	   *item;
	DdbCapacityMode capacity;
	double		units;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	key_param = RequiredTableAndObject(request, "Key", "key", &table_name, &errors);
	capacity = DdbReadCapacityMode(request, &errors);
	DdbConstraintRaise(&errors);
	consistent = false;
	(void) DdbJsonGetBool(request, "ConsistentRead", &consistent);
	DdbReadRequestExpressions(request, DDB_REQUEST_PROJECTION, &expressions);

	table = DdbTableLookup(table_name);
	DdbKeyFromKeyMap(table, key_param, &key, NULL);
	item = DdbStorageGet(table, &key, DDB_READ_LATEST);
	/* measuring an item walks it: only when the capacity is asked for */
	units = (capacity == DDB_CAPACITY_NONE) ? 0 :
		DdbReadUnits(item ? DdbItemSize(&item->root) : 0, consistent);
	if (item != NULL && expressions.projection != NULL)
		item = DdbProjectItem(&item->root, expressions.projection->paths,
							  expressions.projection->npaths);
	return ItemResponse("Item", item, true, table, capacity, units, NULL, NULL, NULL);
}
