/*-------------------------------------------------------------------------
 *
 * transact.c
 *	  TransactGetItems and TransactWriteItems: all-or-nothing reads and
 *	  writes of up to 100 items, with DynamoDB's CancellationReasons and
 *	  ClientRequestToken idempotency.
 *
 * TransactGetItems reads every item with the statement's snapshot, so the
 * items it returns are one committed state of the database, whatever
 * commits meanwhile.
 *
 * Memory: each item is read, checked and projected in a memory context
 * that is reset after it, so a call holds the items it returns (copied
 * out; at most 4 MB of DynamoDB data) and one item being read. Stages 3
 * and 4 of TransactWriteItems likewise run each action in a context of its
 * own: the items actions locked are kept for stage 4 up to 16 MB of them
 * (and for a cancellation that returns them); the others are dropped once
 * their condition held and read again when applied. An action's new item
 * is dropped once written. So a transaction holds at most 16 MB of locked
 * items plus one item, its new version and its write.
 *
 * TransactWriteItems goes through four stages:
 *
 * 1. Validation of the whole request. Malformed parameters, expressions,
 *	  attribute values, unknown tables, updates of key attributes, empty
 *	  key values, two actions on one item and the 4 MB limit are a
 *	  ValidationException (or ResourceNotFoundException) for the request.
 *	  A key that does not match its table's schema and an item over 400 KB
 *	  are found per action, as DynamoDB finds them while processing: the
 *	  first one cancels the transaction with ValidationError in its slot.
 *
 * 2. The ClientRequestToken, if any, is claimed in ddb.transaction_tokens
 *	  (as the extension owner; tokens expire after 10 minutes). A token
 *	  already used by the same request is a replay: the first response
 *	  comes back and nothing is written. Used by a different request, it is
 *	  IdempotentParameterMismatchException. A concurrent transaction with
 *	  the same token makes this one wait for it, as an insert of a
 *	  duplicate key does.
 *
 * 3. Lock and check: every target item's key lock is taken (batch.c
 *	  DdbBatchLockTarget, which also covers items that do not exist yet, so
 *	  that conditions on absent items hold until commit: no write skew),
 *	  then the item is read under a row lock and its action's condition
 *	  evaluated (write.c), in the order of tables and keys, so that two
 *	  transactions on the same items lock them in the same order and
 *	  cannot deadlock each other. Every condition is
 *	  evaluated; if any failed, the transaction is cancelled with
 *	  ConditionalCheckFailed in each failed slot (and the item when the
 *	  action asked for ALL_OLD) and None in the others.
 *
 * 4. Apply every action. An update whose result is invalid (an operand of
 *	  the wrong type, an item over 400 KB) cancels with ValidationError, a
 *	  write that makes an item collection too large (a table with local
 *	  secondary indexes) with ItemCollectionSizeLimitExceeded.
 *
 * Stages 2 to 4 are transact.h's, shared with PartiQL's ExecuteTransaction,
 * which sets up its writes from statements instead of TransactItems.
 *
 * Stages 3 and 4 run in an internal subtransaction, as PL/pgSQL runs an
 * exception block: the handler's SPI connection belongs to the outer
 * level, and an error rolls back only what the subtransaction did. A
 * deadlock, a serialization failure or a lock timeout there becomes
 * TransactionCanceledException with TransactionConflict in the slot of
 * the item being locked or written, as DynamoDB reports a conflict with
 * another transaction. When a concurrent writer creates an item this
 * transaction found missing, the stages start over in a new
 * subtransaction and find it. Any other error is re-thrown unchanged.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

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
#include "transact.h"
#include "write.h"
#include "indexes/index.h"

/* DynamoDB's limits */
#define TRANSACT_MAX_ACTIONS		DDB_TRANSACT_MAX_ACTIONS
#define TRANSACT_MAX_PAYLOAD		DDB_TRANSACT_MAX_PAYLOAD
#define TOKEN_MAX_LENGTH			DDB_TRANSACT_TOKEN_MAX_LENGTH

/*
 * Stage 3 keeps the items it locked, for stage 4, up to this many stored
 * bytes; the others are dropped and read again when applied
 */
#define TRANSACT_KEEP_LOCKED_BYTES	(16 * 1024 * 1024)

/* how often the transaction starts over after losing a race to create an item */
#define MAX_TRANSACTION_ATTEMPTS	10

/* The four kinds of TransactWriteItem */
typedef struct ActionKind
{
	const char *member;			/* "ConditionCheck", ... */
	const char *constraint;		/* "conditionCheck", ... in constraint messages */
	DdbWriteKind kind;
	const char *const *allowed; /* the members it accepts */
} ActionKind;

static const char *const condition_check_members[] = {
	"Key", "TableName", "ConditionExpression", "ExpressionAttributeNames",
	"ExpressionAttributeValues", "ReturnValuesOnConditionCheckFailure", NULL
};
static const char *const put_members[] = {
	"Item", "TableName", "ConditionExpression", "ExpressionAttributeNames",
	"ExpressionAttributeValues", "ReturnValuesOnConditionCheckFailure", NULL
};
static const char *const delete_members[] = {
	"Key", "TableName", "ConditionExpression", "ExpressionAttributeNames",
	"ExpressionAttributeValues", "ReturnValuesOnConditionCheckFailure", NULL
};
static const char *const update_members[] = {
	"Key", "UpdateExpression", "TableName", "ConditionExpression",
	"ExpressionAttributeNames", "ExpressionAttributeValues",
	"ReturnValuesOnConditionCheckFailure", NULL
};

static const ActionKind action_kinds[] = {
	{"ConditionCheck", "conditionCheck", DDB_WRITE_CHECK, condition_check_members},
	{"Put", "put", DDB_WRITE_PUT, put_members},
	{"Delete", "delete", DDB_WRITE_DELETE, delete_members},
	{"Update", "update", DDB_WRITE_UPDATE, update_members},
};

/* One action of TransactWriteItems */
typedef struct WriteAction
{
	const ActionKind *kind;		/* NULL: none or several given */
	JsonbContainer *spec;		/* the Put, Update, ... object */
	char	   *table_name;		/* bare table name */
	JsonbContainer *item;		/* Put: Item, as given */
	JsonbContainer *key;		/* the others: Key, as given */
	DdbRequestExpressions expressions;
	Jsonb	   *normalized;		/* the item or key, normalized */
	Size		size;			/* its size */
	DdbTransactWrite tw;		/* the write, and what it did */
} WriteAction;

/* The state of stages 3 and 4 */
typedef struct TransactionRun
{
	DdbTransactWrite **writes;
	int			nwrites;
	DdbBatchTarget *order;		/* the actions in lock order */
	int			current;		/* the action being locked or applied */
	bool		any_failed;		/* a condition failed */
	bool		want_sizes;		/* capacity is reported: measure items */
} TransactionRun;

/* A ClientRequestToken being claimed */
typedef struct TokenClaim
{
	const char *token;
	const char *hash;			/* of the role and TransactItems */
	bool		replay;			/* out: the request ran before */
	Jsonb	   *response;		/* out: its response, when replay */
} TokenClaim;

static void RaiseConditionsFailed(TransactionRun *run) pg_attribute_noreturn();

/* ---- common ---- */

/*
 * Read TransactItems: 1 to 100 elements, collecting constraint errors.
 */
static int
ReadTransactItems(JsonbContainer *request, JsonbValue **elements, DdbConstraintErrors *errors)
{
	JsonbContainer *items = DdbJsonGetArray(request, "TransactItems");
	int			n;

	*elements = NULL;
	if (items == NULL)
	{
		DdbConstraintAdd(errors, "null", "transactItems", "Member must not be null");
		return 0;
	}
	n = DdbJsonArrayElements(items, elements);
	if (n == 0)
		DdbConstraintAdd(errors, "'[]'", "transactItems",
						 "Member must have length greater than or equal to 1");
	else if (n > TRANSACT_MAX_ACTIONS)
	{
		JsonbValue	value;

		value.type = jbvBinary;
		value.val.binary.data = items;
		value.val.binary.len = 0;
		DdbConstraintAdd(errors, DdbBatchConstraintValue(&value), "transactItems",
						 psprintf("Member must have length less than or equal to %d",
								  TRANSACT_MAX_ACTIONS));
	}
	return n;
}

/*
 * Whether an error is PostgreSQL's way of saying that concurrent
 * transactions conflict: a deadlock, a serialization failure, or a lock
 * that could not be obtained in time.
 */
bool
DdbIsConflictError(ErrorData *error)
{
	return error->sqlerrcode == ERRCODE_T_R_DEADLOCK_DETECTED ||
		error->sqlerrcode == ERRCODE_T_R_SERIALIZATION_FAILURE ||
		error->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE;
}

/*
 * The text of a ddb error without its "<ErrorType>: " prefix.
 */
const char *
DdbErrorText(ErrorData *error, DdbErrorType type)
{
	const char *name = DdbErrorName(type);
	size_t		len = strlen(name);

	if (strncmp(error->message, name, len) == 0 && strncmp(error->message + len, ": ", 2) == 0)
		return error->message + len + 2;
	return error->message;
}

/*
 * Raise TransactionCanceledException with one reason per action, in the
 * message's bracketed list and as CancellationReasons in the DETAIL.
 */
void
DdbRaiseCanceled(DdbCancellationReason *reasons, int n)
{
	StringInfoData codes;
	JsonbParseState *state = NULL;
	Jsonb	   *detail;

	initStringInfo(&codes);
	DdbPushBeginObject(&state);
	DdbPushKey(&state, "CancellationReasons");
	DdbPushBeginArray(&state);
	for (int i = 0; i < n; i++)
	{
		appendStringInfo(&codes, "%s%s", i > 0 ? ", " : "", reasons[i].code);
		DdbPushBeginObject(&state);
		DdbPushKey(&state, "Code");
		DdbPushString(&state, WJB_VALUE, reasons[i].code);
		if (reasons[i].message != NULL)
		{
			DdbPushKey(&state, "Message");
			DdbPushString(&state, WJB_VALUE, reasons[i].message);
		}
		if (reasons[i].item != NULL)
		{
			DdbPushKey(&state, "Item");
			DdbPushStoredContainer(&state, WJB_VALUE, &reasons[i].item->root);
		}
		DdbPushEndObject(&state);
	}
	DdbPushEndArray(&state);
	detail = DdbBuildJsonb(DdbPushEndObject(&state));
	DdbRaiseWithDetail(DDB_TRANSACTION_CANCELED, JsonbToCString(NULL, &detail->root, 0),
					   "Transaction cancelled, please refer cancellation reasons for specific reasons [%s]",
					   codes.data);
}

/*
 * Cancel with one reason in one slot and None in every other.
 */
void
DdbRaiseCanceledAt(int nactions, int slot, const char *code, const char *message)
{
	DdbCancellationReason *reasons = palloc0(sizeof(DdbCancellationReason) * nactions);

	for (int i = 0; i < nactions; i++)
		reasons[i].code = "None";
	reasons[slot].code = code;
	reasons[slot].message = message;
	DdbRaiseCanceled(reasons, nactions);
}

/* ---- TransactGetItems ---- */

/*
 * DdbTransactGetItems implements TransactGetItems.
 */
Jsonb *
DdbTransactGetItems(JsonbContainer *request)
{
	static const char *const allowed[] = {"TransactItems", "ReturnConsumedCapacity", NULL};
	static const char *const wrapper_members[] = {"Get", NULL};
	static const char *const get_members[] = {
		"Key", "TableName", "ProjectionExpression", "ExpressionAttributeNames", NULL
	};
	DdbConstraintErrors errors;
	DdbCapacityMode mode;
	JsonbValue *elements;
	int			n;
	JsonbContainer **gets;
	char	  **table_names;
	JsonbContainer **keys;
	DdbRequestExpressions *expressions;
	DdbTable  **tables;
	DdbKey	   *key_values;
	Jsonb	  **items;
	Size		total_size = 0;
	DdbCapacityTotals capacity = {0};
	JsonbParseState *state = NULL;
	MemoryContext call_context = CurrentMemoryContext;
	MemoryContext item_context;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	mode = DdbReadCapacityMode(request, &errors);
	n = ReadTransactItems(request, &elements, &errors);
	gets = palloc0(sizeof(JsonbContainer *) * Max(n, 1));
	table_names = palloc0(sizeof(char *) * Max(n, 1));
	keys = palloc0(sizeof(JsonbContainer *) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		JsonbContainer *wrapper = DdbJsonValueObject(&elements[i], "TransactGetItem");
		char	   *prefix = psprintf("transactItems.%d.member.get", i + 1);

		DdbJsonCheckMembers(wrapper, wrapper_members);
		gets[i] = DdbJsonGetObject(wrapper, "Get");
		if (gets[i] == NULL)
		{
			DdbConstraintAdd(&errors, "null", prefix, "Member must not be null");
			continue;
		}
		DdbJsonCheckMembers(gets[i], get_members);
		keys[i] = DdbJsonGetObject(gets[i], "Key");
		if (keys[i] == NULL)
			DdbConstraintAdd(&errors, "null", psprintf("%s.key", prefix), "Member must not be null");
		table_names[i] = DdbValidateTableName(DdbJsonGetString(gets[i], "TableName"),
											  psprintf("%s.tableName", prefix), &errors);
	}
	DdbConstraintRaise(&errors);
	if (mode == DDB_CAPACITY_INDEXES)
		DdbValidationError("ReturnConsumedCapacity can only be TOTAL or NONE for TransactGetItems");

	expressions = palloc0(sizeof(DdbRequestExpressions) * n);
	for (int i = 0; i < n; i++)
		DdbReadRequestExpressions(gets[i], DDB_REQUEST_PROJECTION, &expressions[i]);
	tables = palloc(sizeof(DdbTable *) * n);
	for (int i = 0; i < n; i++)
		tables[i] = DdbTableLookup(table_names[i]);
	key_values = palloc(sizeof(DdbKey) * n);
	for (int i = 0; i < n; i++)
		DdbKeyFromKeyMap(tables[i], keys[i], &key_values[i], NULL);

	/* every read sees one snapshot: no other write is half seen */
	items = palloc0(sizeof(Jsonb *) * n);
	item_context = AllocSetContextCreate(call_context, "ddb TransactGetItems item",
										 ALLOCSET_DEFAULT_SIZES);
	DdbStorageBeginSnapshot();
	for (int i = 0; i < n; i++)
	{
		Size		size = 0;
		Jsonb	   *item;

		CHECK_FOR_INTERRUPTS();
		MemoryContextSwitchTo(item_context);
		item = DdbStorageGet(tables[i], &key_values[i], DDB_READ_IN_SNAPSHOT);
		if (item != NULL)
		{
			size = DdbItemSize(&item->root);
			total_size += size;
			if (total_size > TRANSACT_MAX_PAYLOAD)
				DdbValidationError("The aggregate size of the items in the transaction exceeded 4 MB");
			if (expressions[i].projection != NULL)
				item = DdbProjectItem(&item->root, expressions[i].projection->paths,
									  expressions[i].projection->npaths);
			MemoryContextSwitchTo(call_context);
			items[i] = DdbContainerToJsonb(&item->root);
		}
		MemoryContextSwitchTo(call_context);
		MemoryContextReset(item_context);
		/* transactional reads cost twice a consistent read */
		DdbCapacityTotalsAdd(&capacity, tables[i]->name, 2 * DdbReadUnits(size, true));
	}
	DdbStorageEndSnapshot();
	MemoryContextDelete(item_context);

	DdbPushBeginObject(&state);
	DdbPushKey(&state, "Responses");
	DdbPushBeginArray(&state);
	for (int i = 0; i < n; i++)
	{
		DdbPushBeginObject(&state);
		if (items[i] != NULL)
		{
			DdbPushKey(&state, "Item");
			DdbPushStoredContainer(&state, WJB_VALUE, &items[i]->root);
		}
		DdbPushEndObject(&state);
	}
	DdbPushEndArray(&state);
	DdbCapacityTotalsPush(&state, &capacity, mode);
	return DdbBuildJsonbIn(DdbResponseContext(), DdbPushEndObject(&state));
}

/* ---- TransactWriteItems: validation ---- */

/*
 * Read one TransactWriteItem (number in messages, 1-based), collecting
 * constraint errors. Its kind stays NULL when it names no action or more
 * than one; the caller rejects that once the constraints are reported.
 */
static void
ReadWriteAction(WriteAction *a, JsonbValue *element, int number, DdbConstraintErrors *errors)
{
	static const char *const wrapper_members[] = {
		"ConditionCheck", "Put", "Delete", "Update", NULL
	};
	static const char *const on_failure[] = {"ALL_OLD", "NONE", NULL};
	JsonbContainer *wrapper = DdbJsonValueObject(element, "TransactWriteItem");
	int			given = 0;

	DdbJsonCheckMembers(wrapper, wrapper_members);
	for (int k = 0; k < lengthof(action_kinds); k++)
	{
		const ActionKind *kind = &action_kinds[k];
		JsonbContainer *spec = DdbJsonGetObject(wrapper, kind->member);
		char	   *prefix;
		char	   *value;

		if (spec == NULL)
			continue;
		given++;
		a->kind = kind;
		a->spec = spec;
		prefix = psprintf("transactItems.%d.member.%s", number, kind->constraint);
		DdbJsonCheckMembers(spec, kind->allowed);
		if (kind->kind == DDB_WRITE_PUT)
		{
			a->item = DdbJsonGetObject(spec, "Item");
			if (a->item == NULL)
				DdbConstraintAdd(errors, "null", psprintf("%s.item", prefix), "Member must not be null");
		}
		else
		{
			a->key = DdbJsonGetObject(spec, "Key");
			if (a->key == NULL)
				DdbConstraintAdd(errors, "null", psprintf("%s.key", prefix), "Member must not be null");
		}
		a->table_name = DdbValidateTableName(DdbJsonGetString(spec, "TableName"),
											 psprintf("%s.tableName", prefix), errors);
		if (kind->kind == DDB_WRITE_CHECK && DdbJsonGetString(spec, "ConditionExpression") == NULL)
			DdbConstraintAdd(errors, "null", psprintf("%s.conditionExpression", prefix),
							 "Member must not be null");
		if (kind->kind == DDB_WRITE_UPDATE && DdbJsonGetString(spec, "UpdateExpression") == NULL)
			DdbConstraintAdd(errors, "null", psprintf("%s.updateExpression", prefix),
							 "Member must not be null");
		value = DdbRequestEnum(spec, "ReturnValuesOnConditionCheckFailure",
							   psprintf("%s.returnValuesOnConditionCheckFailure", prefix),
							   on_failure, "[ALL_OLD, NONE]", errors);
		a->tw.old_on_failure = (value != NULL && strcmp(value, "ALL_OLD") == 0);
	}
	if (given != 1)
		a->kind = NULL;
	if (given == 0)
		a->spec = NULL;
}

/*
 * Why a normalized item or key does not fit its table's key schema, in
 * the words of PutItem (an item) or of a Key parameter; NULL when it fits.
 */
const char *
DdbTransactKeySchemaProblem(DdbTable *table, JsonbContainer *map, bool is_item)
{
	if (!is_item)
		return DdbBatchKeyMatchesSchema(table, map, true) ? NULL :
			"The provided key element does not match the schema";
	for (int i = 0; i < table->nkeys; i++)
	{
		DdbKeyAttribute *attr = &table->keys[i];
		JsonbValue	value;
		const char *type;

		if (!DdbJsonGet(map, attr->name, &value))
			return psprintf("One or more parameter values were invalid: Missing the key %s in the item",
							attr->name);
		type = DdbAttributeTypeName(DdbAttributeValueType(&value, NULL));
		if (type == NULL || type[0] != attr->type || type[1] != '\0')
			return psprintf("One or more parameter values were invalid: Type mismatch for key %s expected: %c actual: %s",
							attr->name, attr->type, type ? type : "");
	}
	return NULL;
}

/*
 * Set up an action's write, once its table and key are known to be valid.
 */
static void
PrepareWrite(WriteAction *a)
{
	DdbItemWrite *write = &a->tw.write;

	write->kind = a->kind->kind;
	write->condition = a->expressions.condition;
	write->need_old = true;
	switch (write->kind)
	{
		case DDB_WRITE_PUT:
			write->new_item = a->normalized;
			DdbKeyFromItem(write->table, &a->normalized->root, &write->key);
			break;
		case DDB_WRITE_UPDATE:
			DdbKeyFromKeyMap(write->table, &a->normalized->root, &write->key, &write->key_item);
			write->update = a->expressions.update;
			break;
		case DDB_WRITE_DELETE:
		case DDB_WRITE_CHECK:
			DdbKeyFromKeyMap(write->table, &a->normalized->root, &write->key, NULL);
			break;
	}
}

/*
 * Reject an update of a table's key attributes, as UpdateItem does.
 */
static void
CheckUpdateKeys(WriteAction *a)
{
	DdbTable   *table = a->tw.write.table;
	const char *key_names[3] = {NULL, NULL, NULL};
	DdbUpdate  *update = a->expressions.update;

	for (int i = 0; i < table->nkeys; i++)
		key_names[i] = table->keys[i].name;
	for (int i = 0; update != NULL && i < update->nactions; i++)
		DdbCheckNotKeyAttribute(&update->actions[i].path, key_names);
}

/*
 * Look up the actions' tables and keys and return the actions in lock
 * order. Updates of key attributes, empty or oversized key values and two
 * actions on one item are errors of the request; the first key that does
 * not fit its table's schema, or item over 400 KB, cancels the transaction
 * with ValidationError in its slot.
 */
static DdbBatchTarget *
PrepareActions(WriteAction *actions, int n)
{
	DdbBatchTarget *order = palloc(sizeof(DdbBatchTarget) * n);
	int			ntargets = 0;
	int			invalid_slot = -1;
	const char *invalid_message = NULL;

	for (int i = 0; i < n; i++)
		actions[i].tw.write.table = DdbTableLookup(actions[i].table_name);
	for (int i = 0; i < n; i++)
	{
		if (actions[i].kind->kind == DDB_WRITE_UPDATE)
			CheckUpdateKeys(&actions[i]);
	}
	for (int i = 0; i < n; i++)
	{
		WriteAction *a = &actions[i];
		const char *problem = DdbTransactKeySchemaProblem(a->tw.write.table, &a->normalized->root,
											   a->item != NULL);

		if (problem == NULL && a->item != NULL && a->size > DDB_MAX_ITEM_SIZE)
			problem = "Item size has exceeded the maximum allowed size";
		if (problem != NULL)
		{
			if (invalid_slot < 0)
			{
				invalid_slot = i;
				invalid_message = problem;
			}
			continue;
		}
		PrepareWrite(a);
		order[ntargets].relid = a->tw.write.table->relid;
		order[ntargets].table_name = a->tw.write.table->name;
		order[ntargets].key_text = DdbBatchKeyText(a->tw.write.table, &a->normalized->root);
		order[ntargets].index = i;
		ntargets++;
	}
	if (DdbBatchSortTargets(order, ntargets))
		DdbValidationError("Transaction request cannot include multiple operations on one item");
	if (invalid_slot >= 0)
		DdbRaiseCanceledAt(n, invalid_slot, "ValidationError", invalid_message);
	return order;
}

/* ---- TransactWriteItems: ClientRequestToken ---- */

/*
 * DdbTransactRequestHash identifies a request for its ClientRequestToken:
 * SHA-256 of the calling role and of the canonical text of the request's
 * payload (TransactItems, TransactStatements). ReturnConsumedCapacity and
 * ReturnItemCollectionMetrics only shape the response, so a retry may
 * change them. A token reused by another role is a mismatch, never a
 * replay of someone else's request.
 */
char *
DdbTransactRequestHash(JsonbContainer *payload)
{
	JsonbContainer *items = payload;
	char	   *text;
	pg_cryptohash_ctx *ctx;
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	char	   *hex = palloc0(PG_SHA256_DIGEST_STRING_LENGTH);

	text = psprintf("%u:%s", GetUserId(), DdbJsonContainerText(items));
	ctx = pg_cryptohash_create(PG_SHA256);
	if (ctx == NULL)
		elog(ERROR, "could not create the request hash context");
	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) text, strlen(text)) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		elog(ERROR, "could not compute the request hash: %s", pg_cryptohash_error(ctx));
	pg_cryptohash_free(ctx);
	hex_encode((const char *) digest, PG_SHA256_DIGEST_LENGTH, hex);
	return hex;
}

/*
 * Run one statement on ddb.transaction_tokens with text parameters.
 */
static int
TokenStatement(const char *sql, int nargs, const char *arg1, const char *arg2)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	int			rc;

	if (nargs > 0)
		values[0] = CStringGetTextDatum(arg1);
	if (nargs > 1)
		values[1] = CStringGetTextDatum(arg2);
	rc = SPI_execute_with_args(sql, nargs, types, values, NULL, false, 0);
	if (rc < 0)
		elog(ERROR, "statement on ddb.transaction_tokens failed: %s", SPI_result_code_string(rc));
	return rc;
}

/*
 * Claim a token (a TokenClaim): forget expired tokens, then either insert
 * this one, or find it and tell a replay of the same request from a
 * mismatch. Runs as the extension owner, which alone may use the table.
 * An insert that meets the same token inserted by a transaction still in
 * progress waits for that transaction to finish.
 */
static void
ClaimToken(void *arg)
{
	TokenClaim *claim = (TokenClaim *) arg;
	DdbOwnerAccess owner_access;
	bool		mismatch = false;

	DdbCatalogBeginOwnerAccess(&owner_access);
	TokenStatement("DELETE FROM ddb.transaction_tokens WHERE token OPERATOR(pg_catalog.=) ANY ("
				   "  ARRAY(SELECT token FROM ddb.transaction_tokens"
				   "        WHERE created_at OPERATOR(pg_catalog.<) (pg_catalog.now() OPERATOR(pg_catalog.-) interval '10 minutes')"
				   "        FOR UPDATE SKIP LOCKED))",
				   0, NULL, NULL);
	for (;;)
	{
		bool		isnull;

		CHECK_FOR_INTERRUPTS();
		TokenStatement("INSERT INTO ddb.transaction_tokens (token, request_hash, response) "
					   "VALUES ($1, $2, '{}') ON CONFLICT (token) DO NOTHING",
					   2, claim->token, claim->hash);
		if (SPI_processed == 1)
			break;
		TokenStatement("SELECT request_hash, response, created_at OPERATOR(pg_catalog.<) "
					   "  (pg_catalog.now() OPERATOR(pg_catalog.-) interval '10 minutes') "
					   "FROM ddb.transaction_tokens WHERE token OPERATOR(pg_catalog.=) $1 FOR UPDATE",
					   1, claim->token, NULL);
		if (SPI_processed == 0)
			continue;			/* deleted meanwhile: insert again */
		if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull)))
		{
			/* expired, but still there: it is this request's now */
			TokenStatement("UPDATE ddb.transaction_tokens SET request_hash = $2, response = '{}', "
						   "created_at = pg_catalog.now() WHERE token OPERATOR(pg_catalog.=) $1",
						   2, claim->token, claim->hash);
			break;
		}
		if (strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), claim->hash) != 0)
			mismatch = true;
		else
		{
			claim->replay = true;
			claim->response = DatumGetJsonbPCopy(SPI_getbinval(SPI_tuptable->vals[0],
															   SPI_tuptable->tupdesc, 2, &isnull));
		}
		break;
	}
	DdbCatalogEndOwnerAccess(&owner_access);
	if (mismatch)
		DdbRaise(DDB_IDEMPOTENT_PARAMETER_MISMATCH,
				 "DynamoDB rejected the request because you retried a request with a different payload but with an idempotent token that was already used.");
}

/*
 * DdbTransactClaimToken claims a token for a request (its hash), in a
 * subtransaction: true when the same request ran before (*response gets
 * its response).
 */
bool
DdbTransactClaimToken(const char *token, const char *hash, Jsonb **response)
{
	TokenClaim	claim = {0};
	ErrorData  *error;

	claim.token = token;
	claim.hash = hash;
	error = DdbRunInSubtransaction(ClaimToken, &claim);
	if (error != NULL && DdbIsConflictError(error))
		DdbRaise(DDB_TRANSACTION_IN_PROGRESS,
				 "The transaction with the given request token is already in progress.");
	if (error != NULL)
		ReThrowError(error);
	*response = claim.response;
	return claim.replay;
}

/*
 * DdbTransactStoreToken stores the response of a transaction under its
 * token, for replays.
 */
void
DdbTransactStoreToken(const char *token, Jsonb *response)
{
	DdbOwnerAccess owner_access;

	DdbCatalogBeginOwnerAccess(&owner_access);
	TokenStatement("UPDATE ddb.transaction_tokens SET response = $2::pg_catalog.jsonb "
				   "WHERE token OPERATOR(pg_catalog.=) $1",
				   2, token, JsonbToCString(NULL, &response->root, 0));
	DdbCatalogEndOwnerAccess(&owner_access);
}

/* ---- Transactions: execution ---- */

/*
 * Stages 3 and 4: lock every item and check every condition, then, if all
 * held, apply every write; both in lock order.
 */
static void
LockAndApply(void *arg)
{
	TransactionRun *run = (TransactionRun *) arg;
	MemoryContext run_context = CurrentMemoryContext;
	MemoryContext action_context = AllocSetContextCreate(run_context, "ddb transaction action",
														 ALLOCSET_DEFAULT_SIZES);
	Size		kept_bytes = 0;

	run->any_failed = false;
	for (int i = 0; i < run->nwrites; i++)
	{
		DdbTransactWrite *a = run->writes[run->order[i].index];

		CHECK_FOR_INTERRUPTS();
		run->current = run->order[i].index;
		a->write.locked = false;
		a->write.old_exists = false;
		a->write.old_item = NULL;
		a->write.result_item = NULL;
		a->write.updated_paths = NULL;
		a->write.nupdated = 0;
		a->old_size = a->new_size = 0;
		DdbBatchLockTarget(&run->order[i]);
		MemoryContextSwitchTo(action_context);
		a->failed = !DdbWriteLockAndCheck(&a->write);
		if (a->write.old_item != NULL && run->want_sizes)
			a->old_size = DdbItemSize(&a->write.old_item->root);
		MemoryContextSwitchTo(run_context);
		if (a->failed)
			run->any_failed = true;
		if (a->write.old_item != NULL &&
			((a->failed && a->old_on_failure) ||
			 (!a->failed && kept_bytes + VARSIZE(a->write.old_item) <= TRANSACT_KEEP_LOCKED_BYTES)))
		{
			/* for stage 4, or for a cancellation that returns it */
			kept_bytes += VARSIZE(a->write.old_item);
			a->write.old_item = DdbContainerToJsonb(&a->write.old_item->root);
		}
		else
			DdbWriteForgetOld(&a->write);
		MemoryContextReset(action_context);
	}
	if (run->any_failed)
	{
		MemoryContextDelete(action_context);
		return;
	}
	for (int i = 0; i < run->nwrites; i++)
	{
		DdbTransactWrite *a;
		Jsonb	   *kept;

		CHECK_FOR_INTERRUPTS();
		run->current = run->order[i].index;
		a = run->writes[run->current];
		kept = a->write.old_item;
		MemoryContextSwitchTo(action_context);
		/* index units need the item before: read it again if forgotten */
		if (run->want_sizes && a->write.table->nindexes > 0 && a->write.old_exists &&
			a->write.old_item == NULL)
			a->write.old_item = DdbStorageGet(a->write.table, &a->write.key, DDB_READ_LOCKED);
		DdbWriteApply(&a->write);
		if (a->write.result_item != NULL && run->want_sizes)
			a->new_size = DdbItemSize(&a->write.result_item->root);
		if (run->want_sizes && a->write.table->nindexes > 0)
		{
			a->index_units = MemoryContextAllocZero(run_context,
													sizeof(double) * a->write.table->nindexes);
			DdbIndexesWriteUnits(a->write.table, a->write.old_item,
								 a->write.kind == DDB_WRITE_CHECK ? a->write.old_item :
								 a->write.result_item, a->index_units);
		}
		MemoryContextSwitchTo(run_context);
		if (kept != NULL)
			pfree(kept);
		a->write.old_item = a->write.result_item = NULL;
		a->write.updated_paths = NULL;
		MemoryContextReset(action_context);
	}
	MemoryContextDelete(action_context);
}

/*
 * Run stages 3 and 4 until they complete, turning conflicts and invalid
 * updates into cancellations.
 */
static void
RunTransaction(TransactionRun *run)
{
	for (int attempt = 1;; attempt++)
	{
		ErrorData  *error = DdbRunInSubtransaction(LockAndApply, run);

		if (error == NULL)
			return;
		if (DdbIsConflictError(error) ||
			(error->sqlerrcode == DdbErrorSqlState(DDB_TRANSACTION_CONFLICT) &&
			 attempt >= MAX_TRANSACTION_ATTEMPTS))
			DdbRaiseCanceledAt(run->nwrites, run->current, "TransactionConflict",
							   "Transaction is ongoing for the item.");
		if (error->sqlerrcode == DdbErrorSqlState(DDB_TRANSACTION_CONFLICT))
			continue;			/* an item was created meanwhile: look again */
		if (error->sqlerrcode == DdbErrorSqlState(DDB_VALIDATION))
			DdbRaiseCanceledAt(run->nwrites, run->current, "ValidationError",
							   DdbErrorText(error, DDB_VALIDATION));
		if (error->sqlerrcode == DdbErrorSqlState(DDB_ITEM_COLLECTION_SIZE_LIMIT_EXCEEDED))
			DdbRaiseCanceledAt(run->nwrites, run->current, "ItemCollectionSizeLimitExceeded",
							   DdbErrorText(error, DDB_ITEM_COLLECTION_SIZE_LIMIT_EXCEEDED));
		ReThrowError(error);
	}
}

/*
 * Cancel with ConditionalCheckFailed in every slot whose condition failed
 * (DuplicateItem for a write that must create its item: PartiQL's INSERT).
 */
static void
RaiseConditionsFailed(TransactionRun *run)
{
	DdbCancellationReason *reasons = palloc0(sizeof(DdbCancellationReason) * run->nwrites);

	for (int i = 0; i < run->nwrites; i++)
	{
		DdbTransactWrite *a = run->writes[i];

		reasons[i].code = "None";
		if (!a->failed)
			continue;
		if (a->write.must_create)
		{
			reasons[i].code = "DuplicateItem";
			reasons[i].message = "Duplicate primary key exists in table";
			continue;
		}
		reasons[i].code = "ConditionalCheckFailed";
		reasons[i].message = "The conditional request failed";
		if (a->old_on_failure)
			reasons[i].item = a->write.old_item;
	}
	DdbRaiseCanceled(reasons, run->nwrites);
}

/*
 * DdbTransactRun runs the lock-and-check and apply stages of a transaction
 * and cancels it if a condition failed.
 */
void
DdbTransactRun(DdbTransactWrite **writes, int n, DdbBatchTarget *order, bool want_sizes)
{
	TransactionRun run = {0};

	run.writes = writes;
	run.nwrites = n;
	run.order = order;
	run.want_sizes = want_sizes;
	RunTransaction(&run);
	if (run.any_failed)
		RaiseConditionsFailed(&run);
}

/*
 * DdbTransactExecute runs stages 2 to 4 for prepared writes: claims the
 * ClientRequestToken (NULL: none) for the request's payload, then either
 * replays (the first response; reading the items is all it costs) or runs
 * the writes and stores the response under the token. Returns the
 * response; *capacity gets what the call consumed (measured only when
 * measure).
 */
Jsonb *
DdbTransactExecute(DdbTransactWrite **writes, int n, DdbBatchTarget *order, const char *token,
				   JsonbContainer *payload, bool measure, DdbCapacityTotals *capacity)
{
	Jsonb	   *response = NULL;

	if (token != NULL &&
		DdbTransactClaimToken(token, DdbTransactRequestHash(payload), &response))
	{
		if (measure)
			DdbTransactReplayCapacity(writes, n, capacity);
		return response;
	}
	DdbTransactRun(writes, n, order, measure);
	DdbTransactWriteCapacity(writes, n, capacity);
	response = DdbEmptyObject();
	if (token != NULL)
		DdbTransactStoreToken(token, response);
	return response;
}

/*
 * DdbTransactReplayCapacity returns the capacity a replayed request
 * reports: reading each item it names.
 */
void
DdbTransactReplayCapacity(DdbTransactWrite **writes, int n, DdbCapacityTotals *capacity)
{
	for (int i = 0; i < n; i++)
	{
		DdbItemWrite *write = &writes[i]->write;
		Jsonb	   *item = DdbStorageGet(write->table, &write->key, DDB_READ_LATEST);

		DdbCapacityTotalsAdd(capacity, write->table->name,
							 DdbReadUnits(item ? DdbItemSize(&item->root) : 0, true));
		if (item != NULL)
			pfree(item);
	}
}

/*
 * DdbTransactWriteCapacity adds the capacity a transaction consumed: twice
 * the write units of each write, by the larger of the item before and
 * after it.
 */
void
DdbTransactWriteCapacity(DdbTransactWrite **writes, int n, DdbCapacityTotals *capacity)
{
	for (int i = 0; i < n; i++)
	{
		DdbTransactWrite *a = writes[i];
		Size		size = Max(a->old_size, a->new_size);
		double	   *index_units = a->index_units;

		/* transactional writes cost twice, on the indexes too */
		for (int k = 0; index_units != NULL && k < a->write.table->nindexes; k++)
			index_units[k] *= 2;
		DdbCapacityTotalsAddWrite(capacity, a->write.table, 2 * DdbWriteUnits(size),
								  index_units);
	}
}

/*
 * DdbTransactWriteItems implements TransactWriteItems.
 */
Jsonb *
DdbTransactWriteItems(JsonbContainer *request)
{
	static const char *const allowed[] = {
		"TransactItems", "ReturnConsumedCapacity", "ReturnItemCollectionMetrics",
		"ClientRequestToken", NULL
	};
	static const char *const metrics[] = {"SIZE", "NONE", NULL};
	DdbConstraintErrors errors;
	DdbCapacityMode mode;
	char	   *token;
	JsonbValue *elements;
	int			n;
	WriteAction *actions;
	Size		payload = 0;
	DdbBatchTarget *order;
	DdbTransactWrite **writes;
	DdbCapacityTotals capacity = {0};
	DdbItemCollections collections = {0};
	char	   *metrics_mode;
	Jsonb	   *response;
	JsonbParseState *state = NULL;

	/* stage 1: the request */
	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	mode = DdbReadCapacityMode(request, &errors);
	metrics_mode = DdbRequestEnum(request, "ReturnItemCollectionMetrics", "returnItemCollectionMetrics",
								  metrics, "[SIZE, NONE]", &errors);
	token = DdbJsonGetString(request, "ClientRequestToken");
	if (token != NULL)
		DdbRequestCheckString(&errors, token, "clientRequestToken", 1, TOKEN_MAX_LENGTH, NULL, NULL);
	n = ReadTransactItems(request, &elements, &errors);
	actions = palloc0(sizeof(WriteAction) * Max(n, 1));
	for (int i = 0; i < n; i++)
		ReadWriteAction(&actions[i], &elements[i], i + 1, &errors);
	DdbConstraintRaise(&errors);
	for (int i = 0; i < n; i++)
	{
		if (actions[i].spec == NULL)
			DdbValidationError("The action or operation requested is invalid. Verify that the action is typed correctly.");
		if (actions[i].kind == NULL)
			DdbValidationError("TransactItems can only contain one of Check, Put, Update or Delete");
	}

	/* expressions, attribute values, the payload limit */
	for (int i = 0; i < n; i++)
	{
		WriteAction *a = &actions[i];

		DdbReadRequestExpressions(a->spec, a->kind->kind == DDB_WRITE_UPDATE ?
								  DDB_REQUEST_CONDITION | DDB_REQUEST_UPDATE :
								  DDB_REQUEST_CONDITION, &a->expressions);
		a->normalized = DdbAttributeMapNormalize(a->item ? a->item : a->key, &a->size);
		payload += a->size;
	}
	if (payload > TRANSACT_MAX_PAYLOAD)
		DdbValidationError("Transaction payload size cannot exceed 4 MB");

	order = PrepareActions(actions, n);
	writes = palloc(sizeof(DdbTransactWrite *) * n);
	for (int i = 0; i < n; i++)
		writes[i] = &actions[i].tw;

	/* stages 2 to 4 */
	response = DdbTransactExecute(writes, n, order, token, DdbJsonGetArray(request, "TransactItems"),
								  mode != DDB_CAPACITY_NONE, &capacity);

	/* the item collections of the Put, Update and Delete actions, each once */
	if (metrics_mode != NULL && strcmp(metrics_mode, "SIZE") == 0)
	{
		for (int i = 0; i < n; i++)
		{
			if (actions[i].kind->kind != DDB_WRITE_CHECK)
				DdbItemCollectionsAdd(&collections, actions[i].tw.write.table, &actions[i].tw.write.key,
									  &actions[i].normalized->root);
		}
	}

	/* the (stored) response, with this call's capacity and collections */
	{
		DdbJsonMember *members;
		int			nmembers = DdbJsonObjectMembers(&response->root, &members);

		DdbPushBeginObject(&state);
		for (int i = 0; i < nmembers; i++)
		{
			DdbPushKey(&state, members[i].key);
			DdbPushStored(&state, WJB_VALUE, &members[i].value);
		}
		DdbCapacityTotalsPush(&state, &capacity, mode);
		DdbItemCollectionsPush(&state, &collections);
	}
	return DdbBuildJsonb(DdbPushEndObject(&state));
}
