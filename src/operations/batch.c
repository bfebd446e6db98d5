/*-------------------------------------------------------------------------
 *
 * batch.c
 *	  BatchGetItem and BatchWriteItem, and the helpers that every
 *	  multi-item operation shares (batch.h).
 *
 * Both operations validate the whole request before touching an item, in
 * DynamoDB's order: parameter constraints (collected into one "N
 * validation errors detected" message), the attribute values and limits,
 * the tables (ResourceNotFoundException), the key schemas, and duplicate
 * targets. Any failure rejects the whole batch, and nothing is read or
 * written.
 *
 * BatchGetItem reads every key under one snapshot, taken when it starts,
 * so a batch sees one consistent state of the database. Its
 * response is capped at 16 MB of items: once the next item would pass the
 * cap, that key and every key after it come back in UnprocessedKeys, in
 * the shape of RequestItems, for the caller to ask for again. Missing
 * items are left out; a table all of whose keys are missing is [].
 * The items' stored form (jsonb) is capped too, at 32 MB, which bounds the
 * memory a batch uses: DynamoDB sizes count a NULL as 1 byte where jsonb
 * stores 16, so 16 MB of items of tiny values can take ten times as much
 * memory. Items of strings, numbers and binaries reach the 16 MB cap
 * first; DynamoDB itself may leave keys unprocessed for any reason, so
 * clients already ask again for whatever comes back.
 *
 * Memory: each key of BatchGetItem is read, checked and projected in a
 * memory context that is reset after it, so only the items returned (and
 * the response built from them) are held; each write of BatchWriteItem
 * likewise runs in a context of its own.
 *
 * BatchWriteItem performs each write with the single-item protocol
 * (write.c): each write is atomic, none is conditional, and because the
 * call runs in the caller's transaction, the batch as a whole commits or
 * rolls back with it. The writes run in the order of their tables and
 * keys rather than the request's, each after taking its item's key lock
 * (DdbBatchLockTarget), so batches and transactions that touch the same
 * items lock them in the same order and cannot deadlock each other. ddb
 * does not throttle, so UnprocessedItems is always {}: a write that meets
 * a row lock waits for it, as PutItem does. With ReturnItemCollectionMetrics
 * SIZE, ItemCollectionMetrics lists each item collection written (of tables
 * with local secondary indexes), once, with its size after the batch.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "batch.h"
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

/* DynamoDB's limits */
#define BATCH_GET_MAX_TABLES		100
#define BATCH_GET_MAX_KEYS			100
#define BATCH_GET_MAX_RESPONSE		(16 * 1024 * 1024)
/* ddb's own cap on the stored (jsonb) bytes of the items returned */
#define BATCH_GET_MAX_STORED		(32 * 1024 * 1024)
#define BATCH_WRITE_MAX_REQUESTS	25

/* ---- helpers shared with transact.c ---- */

/*
 * DdbCapacityTotalsAdd adds units consumed in a table.
 */
void
DdbCapacityTotalsAdd(DdbCapacityTotals *totals, const char *table_name, double units)
{
	for (int i = 0; i < totals->ntables; i++)
	{
		if (strcmp(totals->tables[i], table_name) == 0)
		{
			totals->units[i] += units;
			return;
		}
	}
	if (totals->ntables == totals->allocated)
	{
		totals->allocated = Max(4, totals->allocated * 2);
		if (totals->tables == NULL)
		{
			totals->tables = palloc(sizeof(char *) * totals->allocated);
			totals->units = palloc(sizeof(double) * totals->allocated);
			totals->written = palloc(sizeof(DdbTable *) * totals->allocated);
			totals->index_units = palloc(sizeof(double *) * totals->allocated);
		}
		else
		{
			totals->tables = repalloc(totals->tables, sizeof(char *) * totals->allocated);
			totals->units = repalloc(totals->units, sizeof(double) * totals->allocated);
			totals->written = repalloc(totals->written, sizeof(DdbTable *) * totals->allocated);
			totals->index_units = repalloc(totals->index_units, sizeof(double *) * totals->allocated);
		}
	}
	totals->tables[totals->ntables] = pstrdup(table_name);
	totals->units[totals->ntables] = units;
	totals->written[totals->ntables] = NULL;
	totals->index_units[totals->ntables] = NULL;
	totals->ntables++;
}

/*
 * DdbCapacityTotalsAddWrite adds the units a write consumed in a table and
 * its indexes.
 */
void
DdbCapacityTotalsAddWrite(DdbCapacityTotals *totals, DdbTable *table, double units,
						  const double *index_units)
{
	int			t;

	for (int i = 0; index_units != NULL && i < table->nindexes; i++)
		units += index_units[i];
	DdbCapacityTotalsAdd(totals, table->name, units);
	if (index_units == NULL)
		return;
	for (t = 0; strcmp(totals->tables[t], table->name) != 0; t++)
		;
	if (totals->index_units[t] == NULL)
	{
		totals->written[t] = table;
		totals->index_units[t] = palloc0(sizeof(double) * table->nindexes);
	}
	for (int i = 0; i < table->nindexes && totals->written[t] == table; i++)
		totals->index_units[t][i] += index_units[i];
}

/*
 * DdbCapacityTotalsPush pushes "ConsumedCapacity": [one per table], unless
 * the request did not ask for it.
 */
void
DdbCapacityTotalsPush(JsonbParseState **state, DdbCapacityTotals *totals, DdbCapacityMode mode)
{
	if (mode == DDB_CAPACITY_NONE)
		return;
	DdbPushKey(state, "ConsumedCapacity");
	DdbPushBeginArray(state);
	for (int i = 0; i < totals->ntables; i++)
	{
		if (totals->index_units[i] != NULL)
		{
			double		table_units = totals->units[i];

			/* units holds the indexes' too; DdbPushWriteCapacity adds them */
			for (int k = 0; k < totals->written[i]->nindexes; k++)
				table_units -= totals->index_units[i][k];
			DdbPushWriteCapacity(state, totals->written[i], table_units,
								 totals->index_units[i], mode);
		}
		else
			DdbPushConsumedCapacity(state, totals->tables[i], totals->units[i], mode);
	}
	DdbPushEndArray(state);
}

/*
 * DdbBatchKeyText renders the key attributes of a normalized item or key
 * map as text. Normalized values are canonical (numbers in canonical form,
 * binaries in canonical base64), so two keys are the same item exactly
 * when their texts are equal. The attribute texts are JSON, in which a
 * control character never appears raw, so \x01 separates them safely.
 */
char *
DdbBatchKeyText(DdbTable *table, JsonbContainer *map)
{
	StringInfoData text;

	initStringInfo(&text);
	for (int i = 0; i < table->nkeys; i++)
	{
		JsonbValue	value;

		if (i > 0)
			appendStringInfoChar(&text, '\x01');
		if (DdbJsonGet(map, table->keys[i].name, &value) && value.type == jbvBinary)
			appendStringInfoString(&text, DdbJsonContainerText(value.val.binary.data));
	}
	return text.data;
}

/*
 * DdbBatchKeyMatchesSchema tells whether a normalized map holds each key
 * attribute of the table with the schema's type (and, when exact, no other
 * attribute).
 */
bool
DdbBatchKeyMatchesSchema(DdbTable *table, JsonbContainer *map, bool exact)
{
	if (exact && JsonContainerSize(map) != table->nkeys)
		return false;
	for (int i = 0; i < table->nkeys; i++)
	{
		JsonbValue	value;
		DdbAttributeType type;

		if (!DdbJsonGet(map, table->keys[i].name, &value))
			return false;
		type = DdbAttributeValueType(&value, NULL);
		if (!((type == DDB_TYPE_S && table->keys[i].type == 'S') ||
			  (type == DDB_TYPE_N && table->keys[i].type == 'N') ||
			  (type == DDB_TYPE_B && table->keys[i].type == 'B')))
			return false;
	}
	return true;
}

/*
 * Order two targets by item table, table name and key text.
 */
static int
CompareTargets(const void *a, const void *b)
{
	const DdbBatchTarget *x = (const DdbBatchTarget *) a;
	const DdbBatchTarget *y = (const DdbBatchTarget *) b;
	int			cmp;

	if (x->relid != y->relid)
		return x->relid < y->relid ? -1 : 1;
	cmp = strcmp(x->table_name, y->table_name);
	if (cmp != 0)
		return cmp;
	return strcmp(x->key_text, y->key_text);
}

/*
 * DdbBatchSortTargets sorts targets into the order in which their items are
 * locked and tells whether two targets are the same item.
 */
bool
DdbBatchSortTargets(DdbBatchTarget *targets, int ntargets)
{
	if (ntargets > 1)
		qsort(targets, ntargets, sizeof(DdbBatchTarget), CompareTargets);
	for (int i = 1; i < ntargets; i++)
	{
		if (CompareTargets(&targets[i - 1], &targets[i]) == 0)
			return true;
	}
	return false;
}

/*
 * DdbBatchLockTarget takes the key lock of a target's item, until the
 * transaction ends. A row lock (SELECT ... FOR UPDATE) locks only an item
 * that exists; the key lock (an advisory lock on the item table and a hash
 * of the key, in a lock space of ddb's own) also covers an item that does
 * not exist yet. Multi-item writes take the key locks of their items, in
 * target order, before anything else, so that two transactions each of
 * whose conditions depends on an item the other creates are serialized
 * (no write skew), and a transaction and a batch that create items the
 * other locks cannot deadlock.
 */
void
DdbBatchLockTarget(const DdbBatchTarget *target)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, target->relid,
						 hash_bytes((const unsigned char *) target->key_text, strlen(target->key_text)),
						 DDB_KEY_LOCK_SPACE);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
}

/*
 * DdbBatchConstraintValue quotes a request value for a constraint message
 * ('{"a": [...]}'), cut after DDB_ECHO_MAX bytes so that a message about
 * a 16 MB request stays readable.
 */
char *
DdbBatchConstraintValue(JsonbValue *value)
{
	char	   *text;

	if (value->type == jbvBinary)
		text = DdbJsonContainerText(value->val.binary.data);
	else if (value->type == jbvString)
		text = pnstrdup(value->val.string.val, value->val.string.len);
	else
		text = pstrdup("");
	return psprintf("'%s'", DdbEchoText(text, strlen(text)));
}

/*
 * DdbBatchTableNameKey validates a table name used as a member name of
 * RequestItems. DynamoDB reports bad names once for the whole map, listing
 * every constraint on map keys.
 */
char *
DdbBatchTableNameKey(const char *name, JsonbContainer *map, bool *reported,
					 DdbConstraintErrors *errors)
{
	DdbConstraintErrors name_errors;
	char	   *bare;

	DdbConstraintInit(&name_errors);
	bare = DdbValidateTableName(name, "requestItems", &name_errors);
	if (name_errors.count > 0 && !*reported)
	{
		JsonbValue	value;

		value.type = jbvBinary;
		value.val.binary.data = map;
		value.val.binary.len = 0;
		DdbConstraintAdd(errors, DdbBatchConstraintValue(&value), "requestItems",
						 "Map keys must satisfy constraint: [Member must have length less than or equal to 255, "
						 "Member must have length greater than or equal to 3, "
						 "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]");
		*reported = true;
	}
	return bare;
}

/*
 * Read the members of RequestItems, checking that there are between 1 and
 * max_tables of them.
 */
static int
RequestItemsMembers(JsonbContainer *request, int max_tables, JsonbContainer **map,
					DdbJsonMember **members, DdbConstraintErrors *errors)
{
	int			n;

	*map = DdbJsonGetObject(request, "RequestItems");
	*members = NULL;
	if (*map == NULL)
	{
		DdbConstraintAdd(errors, "null", "requestItems", "Member must not be null");
		return 0;
	}
	n = DdbJsonObjectMembers(*map, members);
	if (n == 0)
		DdbConstraintAdd(errors, "'{}'", "requestItems",
						 "Member must have length greater than or equal to 1");
	else if (max_tables > 0 && n > max_tables)
	{
		JsonbValue	value;

		value.type = jbvBinary;
		value.val.binary.data = *map;
		value.val.binary.len = 0;
		DdbConstraintAdd(errors, DdbBatchConstraintValue(&value), "requestItems",
						 psprintf("Member must have length less than or equal to %d", max_tables));
	}
	return n;
}

/* ---- BatchGetItem ---- */

/* One table of a BatchGetItem request */
typedef struct GetTable
{
	char	   *request_name;	/* its RequestItems member name */
	char	   *table_name;		/* the bare table name */
	JsonbContainer *spec;		/* its KeysAndAttributes */
	int			nkeys;
	JsonbValue *keys;			/* Keys, as given */
	Jsonb	  **key_maps;		/* Keys, normalized */
	DdbKey	   *key_values;		/* Keys, as key column datums */
	bool		consistent;		/* ConsistentRead */
	DdbRequestExpressions expressions;
	DdbTable   *table;
	int			nitems;			/* items found */
	Jsonb	  **items;			/* (projected) */
	int			processed;		/* keys read; the rest are unprocessed */
} GetTable;

/*
 * Read the constraints of one table's KeysAndAttributes.
 */
static void
ReadGetTable(GetTable *t, DdbJsonMember *member, DdbConstraintErrors *errors)
{
	static const char *const allowed[] = {
		"Keys", "AttributesToGet", "ConsistentRead", "ProjectionExpression",
		"ExpressionAttributeNames", NULL
	};
	JsonbContainer *keys;
	char	   *prefix = psprintf("requestItems.%s.member", member->key);

	t->request_name = member->key;
	t->spec = DdbJsonValueObject(&member->value, "KeysAndAttributes");
	DdbJsonCheckMembers(t->spec, allowed);
	(void) DdbJsonGetBool(t->spec, "ConsistentRead", &t->consistent);
	keys = DdbJsonGetArray(t->spec, "Keys");
	if (keys == NULL)
	{
		DdbConstraintAdd(errors, "null", psprintf("%s.keys", prefix), "Member must not be null");
		return;
	}
	t->nkeys = DdbJsonArrayElements(keys, &t->keys);
	if (t->nkeys == 0)
		DdbConstraintAdd(errors, "'[]'", psprintf("%s.keys", prefix),
						 "Member must have length greater than or equal to 1");
	else if (t->nkeys > BATCH_GET_MAX_KEYS)
	{
		JsonbValue	value;

		value.type = jbvBinary;
		value.val.binary.data = keys;
		value.val.binary.len = 0;
		DdbConstraintAdd(errors, DdbBatchConstraintValue(&value), psprintf("%s.keys", prefix),
						 psprintf("Member must have length less than or equal to %d", BATCH_GET_MAX_KEYS));
	}
}

/*
 * Validate a table's expressions and keys: attribute values, duplicates
 * and the total number of keys.
 */
static void
ValidateGetTable(GetTable *t, int *total_keys)
{
	DdbBatchTarget *targets = palloc(sizeof(DdbBatchTarget) * t->nkeys);

	DdbReadRequestExpressions(t->spec, DDB_REQUEST_PROJECTION, &t->expressions);
	t->key_maps = palloc(sizeof(Jsonb *) * t->nkeys);
	for (int i = 0; i < t->nkeys; i++)
	{
		JsonbContainer *key = DdbJsonValueObject(&t->keys[i], "Key");

		t->key_maps[i] = DdbAttributeMapNormalize(key, NULL);
		targets[i].relid = InvalidOid;
		targets[i].table_name = t->table_name;
		targets[i].key_text = DdbJsonContainerText(&t->key_maps[i]->root);
		targets[i].index = i;
		if (++(*total_keys) > BATCH_GET_MAX_KEYS)
			DdbValidationError("Too many items requested for the BatchGetItem call");
	}
	/* normalized maps are canonical: equal text, equal key */
	if (DdbBatchSortTargets(targets, t->nkeys))
		DdbValidationError("Provided list of item keys contains duplicates");
}

/*
 * Push a table's unprocessed keys, with the rest of its KeysAndAttributes.
 */
static void
PushUnprocessedKeys(JsonbParseState **state, GetTable *t)
{
	DdbJsonMember *members;
	int			n = DdbJsonObjectMembers(t->spec, &members);

	DdbPushKey(state, t->request_name);
	DdbPushBeginObject(state);
	for (int i = 0; i < n; i++)
	{
		if (strcmp(members[i].key, "Keys") == 0)
			continue;
		DdbPushKey(state, members[i].key);
		DdbPushStored(state, WJB_VALUE, &members[i].value);
	}
	DdbPushKey(state, "Keys");
	DdbPushBeginArray(state);
	for (int i = t->processed; i < t->nkeys; i++)
		DdbPushStored(state, WJB_ELEM, &t->keys[i]);
	DdbPushEndArray(state);
	DdbPushEndObject(state);
}

/*
 * DdbBatchGetItem implements BatchGetItem.
 */
Jsonb *
DdbBatchGetItem(JsonbContainer *request)
{
	static const char *const allowed[] = {"RequestItems", "ReturnConsumedCapacity", NULL};
	DdbConstraintErrors errors;
	DdbCapacityMode mode;
	JsonbContainer *request_items;
	DdbJsonMember *members;
	int			ntables;
	GetTable   *tables;
	bool		name_reported = false;
	int			total_keys = 0;
	Size		response_size = 0;
	Size		response_stored = 0;
	bool		full = false;
	DdbCapacityTotals capacity = {0};
	JsonbParseState *state = NULL;
	MemoryContext call_context = CurrentMemoryContext;
	MemoryContext item_context;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	mode = DdbReadCapacityMode(request, &errors);
	ntables = RequestItemsMembers(request, BATCH_GET_MAX_TABLES, &request_items, &members, &errors);
	tables = palloc0(sizeof(GetTable) * Max(ntables, 1));
	for (int i = 0; i < ntables; i++)
	{
		tables[i].table_name = DdbBatchTableNameKey(members[i].key, request_items,
													&name_reported, &errors);
		ReadGetTable(&tables[i], &members[i], &errors);
	}
	DdbConstraintRaise(&errors);

	for (int i = 0; i < ntables; i++)
		ValidateGetTable(&tables[i], &total_keys);
	for (int i = 0; i < ntables; i++)
		tables[i].table = DdbTableLookup(tables[i].table_name);

	/* keys of the schema's shape, then the reads */
	for (int i = 0; i < ntables; i++)
	{
		GetTable   *t = &tables[i];

		t->items = palloc(sizeof(Jsonb *) * t->nkeys);
		t->key_values = palloc(sizeof(DdbKey) * t->nkeys);
		for (int k = 0; k < t->nkeys; k++)
			DdbKeyFromKeyMap(t->table, &t->key_maps[k]->root, &t->key_values[k], NULL);
	}
	/* every read sees one snapshot: no write is half seen */
	item_context = AllocSetContextCreate(call_context, "ddb BatchGetItem item",
										 ALLOCSET_DEFAULT_SIZES);
	DdbStorageBeginSnapshot();
	for (int i = 0; i < ntables; i++)
	{
		GetTable   *t = &tables[i];

		for (t->processed = 0; !full && t->processed < t->nkeys; t->processed++)
		{
			Jsonb	   *item;
			Size		item_size = 0;

			CHECK_FOR_INTERRUPTS();
			MemoryContextReset(item_context);
			MemoryContextSwitchTo(item_context);
			item = DdbStorageGet(t->table, &t->key_values[t->processed], DDB_READ_IN_SNAPSHOT);
			if (item != NULL)
			{
				Size		returned_size;
				Size		stored_size;

				item_size = DdbItemSize(&item->root);
				if (t->expressions.projection != NULL)
					item = DdbProjectItem(&item->root, t->expressions.projection->paths,
										  t->expressions.projection->npaths);
				returned_size = t->expressions.projection != NULL ?
					DdbItemSize(&item->root) : item_size;
				stored_size = VARSIZE(item) - VARHDRSZ;
				if (response_size + returned_size > BATCH_GET_MAX_RESPONSE ||
					response_stored + stored_size > BATCH_GET_MAX_STORED)
				{
					MemoryContextSwitchTo(call_context);
					full = true;
					break;
				}
				response_size += returned_size;
				response_stored += stored_size;
				MemoryContextSwitchTo(call_context);
				t->items[t->nitems++] = DdbContainerToJsonb(&item->root);
			}
			MemoryContextSwitchTo(call_context);
			DdbCapacityTotalsAdd(&capacity, t->table->name,
								 DdbReadUnits(item_size, t->consistent));
		}
	}
	DdbStorageEndSnapshot();
	MemoryContextDelete(item_context);

	DdbPushBeginObject(&state);
	DdbPushKey(&state, "Responses");
	DdbPushBeginObject(&state);
	for (int i = 0; i < ntables; i++)
	{
		DdbPushKey(&state, tables[i].request_name);
		DdbPushBeginArray(&state);
		for (int k = 0; k < tables[i].nitems; k++)
			DdbPushStoredContainer(&state, WJB_ELEM, &tables[i].items[k]->root);
		DdbPushEndArray(&state);
	}
	DdbPushEndObject(&state);
	DdbPushKey(&state, "UnprocessedKeys");
	DdbPushBeginObject(&state);
	for (int i = 0; i < ntables; i++)
	{
		if (tables[i].processed < tables[i].nkeys)
			PushUnprocessedKeys(&state, &tables[i]);
	}
	DdbPushEndObject(&state);
	DdbCapacityTotalsPush(&state, &capacity, mode);
	return DdbBuildJsonbIn(DdbResponseContext(), DdbPushEndObject(&state));
}

/* ---- BatchWriteItem ---- */

/* One PutRequest or DeleteRequest */
typedef struct WriteRequest
{
	char	   *request_name;	/* its table's RequestItems member name */
	char	   *table_name;		/* the bare table name */
	JsonbContainer *item;		/* PutRequest: Item, as given */
	JsonbContainer *key;		/* DeleteRequest: Key, as given */
	Jsonb	   *normalized;		/* the item or key, normalized */
	Size		size;			/* PutRequest: the item's size */
	Size		old_size;		/* the size of the item it replaced or deleted */
	double	   *index_units;	/* write units on each index, for capacity */
	DdbItemWrite write;
} WriteRequest;

/*
 * Read one WriteRequest (element number of the table's list, 1-based in
 * messages), collecting constraint errors.
 */
static void
ReadWriteRequest(WriteRequest *w, JsonbValue *element, const char *prefix,
				 DdbConstraintErrors *errors)
{
	static const char *const allowed[] = {"PutRequest", "DeleteRequest", NULL};
	static const char *const put_allowed[] = {"Item", NULL};
	static const char *const delete_allowed[] = {"Key", NULL};
	JsonbContainer *spec = DdbJsonValueObject(element, "WriteRequest");
	JsonbContainer *put;
	JsonbContainer *delete;

	DdbJsonCheckMembers(spec, allowed);
	put = DdbJsonGetObject(spec, "PutRequest");
	delete = DdbJsonGetObject(spec, "DeleteRequest");
	if (delete != NULL)
	{
		DdbJsonCheckMembers(delete, delete_allowed);
		w->key = DdbJsonGetObject(delete, "Key");
		if (w->key == NULL)
			DdbConstraintAdd(errors, "null", psprintf("%s.deleteRequest.key", prefix),
							 "Member must not be null");
	}
	if (put != NULL)
	{
		DdbJsonCheckMembers(put, put_allowed);
		w->item = DdbJsonGetObject(put, "Item");
		if (w->item == NULL)
			DdbConstraintAdd(errors, "null", psprintf("%s.putRequest.item", prefix),
							 "Member must not be null");
	}
	if ((put == NULL) == (delete == NULL))
		w->item = w->key = NULL;	/* neither or both: rejected below */
}

/*
 * DdbBatchWriteItem implements BatchWriteItem.
 */
Jsonb *
DdbBatchWriteItem(JsonbContainer *request)
{
	static const char *const allowed[] = {
		"RequestItems", "ReturnConsumedCapacity", "ReturnItemCollectionMetrics", NULL
	};
	static const char *const metrics[] = {"SIZE", "NONE", NULL};
	DdbConstraintErrors errors;
	DdbCapacityMode mode;
	JsonbContainer *request_items;
	DdbJsonMember *members;
	int			ntables;
	bool		name_reported = false;
	bool		length_reported = false;
	WriteRequest *requests;
	int			nrequests = 0;
	DdbBatchTarget *targets;
	DdbCapacityTotals capacity = {0};
	DdbItemCollections collections = {0};
	char	   *metrics_mode;
	JsonbParseState *state = NULL;
	MemoryContext write_context;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	mode = DdbReadCapacityMode(request, &errors);
	metrics_mode = DdbRequestEnum(request, "ReturnItemCollectionMetrics", "returnItemCollectionMetrics",
								  metrics, "[SIZE, NONE]", &errors);
	ntables = RequestItemsMembers(request, 0, &request_items, &members, &errors);

	/* every request of every table, in the request's order */
	requests = palloc0(sizeof(WriteRequest) * BATCH_WRITE_MAX_REQUESTS);
	for (int i = 0; i < ntables; i++)
	{
		char	   *table_name = DdbBatchTableNameKey(members[i].key, request_items,
													  &name_reported, &errors);
		JsonbContainer *list = DdbJsonValueArray(&members[i].value, "WriteRequests");
		JsonbValue *elements;
		int			n = DdbJsonArrayElements(list, &elements);

		if ((n < 1 || n > BATCH_WRITE_MAX_REQUESTS) && !length_reported)
		{
			JsonbValue	value;

			value.type = jbvBinary;
			value.val.binary.data = request_items;
			value.val.binary.len = 0;
			DdbConstraintAdd(&errors, DdbBatchConstraintValue(&value), "requestItems",
							 "Map value must satisfy constraint: [Member must have length less than or equal to 25, "
							 "Member must have length greater than or equal to 1]");
			length_reported = true;
		}
		for (int j = 0; j < n; j++)
		{
			WriteRequest w = {0};

			w.request_name = members[i].key;
			w.table_name = table_name;
			ReadWriteRequest(&w, &elements[j],
							 psprintf("requestItems.%s.member.%d.member", members[i].key, j + 1),
							 &errors);
			if (nrequests < BATCH_WRITE_MAX_REQUESTS)
				requests[nrequests] = w;
			nrequests++;
		}
	}
	DdbConstraintRaise(&errors);
	if (nrequests > BATCH_WRITE_MAX_REQUESTS)
		DdbValidationError("Too many items requested for the BatchWriteItem call");

	/* the items and keys themselves */
	for (int i = 0; i < nrequests; i++)
	{
		WriteRequest *w = &requests[i];

		if (w->item == NULL && w->key == NULL)
			DdbValidationError("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
		if (w->item != NULL)
			w->normalized = DdbItemNormalize(w->item, &w->size);
		else
			w->normalized = DdbAttributeMapNormalize(w->key, NULL);
	}

	/* tables, key schemas, duplicates */
	for (int i = 0; i < nrequests; i++)
		requests[i].write.table = DdbTableLookup(requests[i].table_name);
	targets = palloc(sizeof(DdbBatchTarget) * Max(nrequests, 1));
	for (int i = 0; i < nrequests; i++)
	{
		WriteRequest *w = &requests[i];
		DdbItemWrite *write = &w->write;

		if (!DdbBatchKeyMatchesSchema(write->table, &w->normalized->root, w->item == NULL))
			DdbValidationError("The provided key element does not match the schema");
		if (w->item != NULL)
		{
			write->kind = DDB_WRITE_PUT;
			write->new_item = w->normalized;
			DdbKeyFromItem(write->table, &w->normalized->root, &write->key);
			/* the old item's size is needed only to report capacity */
			write->need_old = (mode != DDB_CAPACITY_NONE);
		}
		else
		{
			write->kind = DDB_WRITE_DELETE;
			DdbKeyFromKeyMap(write->table, &w->normalized->root, &write->key, NULL);
		}
		targets[i].relid = write->table->relid;
		targets[i].table_name = write->table->name;
		targets[i].key_text = DdbBatchKeyText(write->table, &w->normalized->root);
		targets[i].index = i;
	}
	if (DdbBatchSortTargets(targets, nrequests))
		DdbValidationError("Provided list of item keys contains duplicates");

	/* the writes, in lock order, each in a memory context of its own */
	write_context = AllocSetContextCreate(CurrentMemoryContext, "ddb BatchWriteItem write",
										  ALLOCSET_DEFAULT_SIZES);
	for (int i = 0; i < nrequests; i++)
	{
		WriteRequest *w = &requests[targets[i].index];
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		DdbBatchLockTarget(&targets[i]);
		old = MemoryContextSwitchTo(write_context);
		DdbWritePerform(&w->write, false);
		if (w->write.old_item != NULL && mode != DDB_CAPACITY_NONE)
			w->old_size = DdbItemSize(&w->write.old_item->root);
		if (mode != DDB_CAPACITY_NONE && w->write.table->nindexes > 0)
		{
			w->index_units = MemoryContextAllocZero(old, sizeof(double) * w->write.table->nindexes);
			DdbIndexesWriteUnits(w->write.table, w->write.old_item, w->write.result_item,
								 w->index_units);
		}
		MemoryContextSwitchTo(old);
		w->write.old_item = w->write.result_item = NULL;
		MemoryContextReset(write_context);
	}
	MemoryContextDelete(write_context);

	/* capacity, per table in the request's order */
	for (int i = 0; i < nrequests; i++)
	{
		DdbItemWrite *write = &requests[i].write;
		Size		size = Max(requests[i].size, requests[i].old_size);

		DdbCapacityTotalsAddWrite(&capacity, write->table, DdbWriteUnits(size),
								  requests[i].index_units);
	}

	/* the item collections written, each once, measured after every write */
	if (metrics_mode != NULL && strcmp(metrics_mode, "SIZE") == 0)
	{
		for (int i = 0; i < nrequests; i++)
			DdbItemCollectionsAdd(&collections, requests[i].write.table, &requests[i].write.key,
								  &requests[i].normalized->root);
	}

	DdbPushBeginObject(&state);
	DdbPushKey(&state, "UnprocessedItems");
	DdbPushBeginObject(&state);
	DdbPushEndObject(&state);
	DdbCapacityTotalsPush(&state, &capacity, mode);
	DdbItemCollectionsPush(&state, &collections);
	return DdbBuildJsonb(DdbPushEndObject(&state));
}
