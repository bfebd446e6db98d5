/*-------------------------------------------------------------------------
 *
 * partiql_exec.c
 *	  Stage 3 of PartiQL: ExecuteStatement, and the reads and writes of one
 *	  bound statement that BatchExecuteStatement and ExecuteTransaction
 *	  share.
 *
 * SELECT
 * ------
 * A SELECT reads through query.c's DdbReadItems, so it is checked, read,
 * paged and charged as Query and Scan are. Its plan follows DynamoDB's:
 * when the conditions joined by AND at the top of WHERE pin the partition
 * key of the table (or every HASH attribute of the index read) with = or
 * IN (or an OR of such equalities), it is a Query of each partition
 * named, in the order written, with duplicates dropped; otherwise it is a
 * Scan. A condition on the sort key (the index's first RANGE attribute)
 * among those conjuncts (=, <, <=, >, >=, BETWEEN, begins_with) narrows
 * the Query's range. The whole WHERE is the filter of every read, so the
 * plan never changes which items match. A value of another type than the
 * key's matches no item, so its partition is not read.
 *
 * ORDER BY names key attributes of the read and needs a Query; DESC on
 * the sort key reads each partition in descending order.
 *
 * Limit counts the items read (before WHERE), as Query's does, over all
 * the partitions of an IN. A page stops at Limit, at 1 MB of items read,
 * or at the end; NextToken (opaque: base64 of a small JSON object holding
 * the partition being read, the key read last and a hash of the
 * statement and its parameters) resumes it, and must come back with the
 * same statement and parameters. A page that stops inside a partition
 * also returns that key as LastEvaluatedKey, as DynamoDB documents.
 *
 * Writes
 * ------
 * INSERT, UPDATE and DELETE are single-item writes through write.c, as
 * PutItem, UpdateItem and DeleteItem are:
 *
 * - INSERT is a Put whose condition is that the key has no item; its
 *	 failure is DuplicateItemException.
 * - UPDATE is an Update whose condition is the whole WHERE, evaluated
 *	 against the current item: no item, or a false condition, is
 *	 ConditionalCheckFailedException.
 * - DELETE is a Delete whose condition is "no item, or WHERE holds", so
 *	 that deleting a missing item succeeds while an item that fails the
 *	 extra conditions is ConditionalCheckFailedException.
 *
 * RETURNING returns the old or new item (MODIFIED: the attributes the
 * update wrote, as UPDATED_OLD and UPDATED_NEW).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "batch.h"
#include "capacity.h"
#include "catalog.h"
#include "errors.h"
#include "expr.h"
#include "item.h"
#include "json_util.h"
#include "key.h"
#include "key_condition.h"
#include "number.h"
#include "operations.h"
#include "partiql/partiql.h"
#include "query.h"
#include "request.h"
#include "storage.h"
#include "string_escape.h"
#include "write.h"
#include "indexes/index.h"

/* A page of a SELECT stops once its items reach this many bytes */
#define PQ_MAX_PAGE_BYTES	(1024 * 1024)

/* NextToken's limits */
#define PQ_MAX_NEXT_TOKEN	32768

/* The key schema a SELECT reads: the table's or the index's */
typedef struct ReadSchema
{
	int			nhash;
	int			nkeys;
	const char *names[DDB_KEY_SCHEMA_MAX];
	char		types[DDB_KEY_SCHEMA_MAX];
} ReadSchema;

/* How a SELECT reads */
typedef struct SelectPlan
{
	bool		query;			/* a Query of each partition, else a Scan */
	int			npartitions;
	JsonbValue **partitions;	/* single HASH attribute: a value per partition */
	JsonbValue *hash_values[DDB_KEY_SCHEMA_MAX];	/* several: one value each */
	DdbKeyCondition *range;		/* the sort key condition, or NULL */
	bool		forward;
} SelectPlan;


/* ---------------------------------------------------------------------
 * Request parameters
 * ---------------------------------------------------------------------
 */

/*
 * DdbStatementCheckText checks a statement's length, in characters of the
 * string its stored form stands for (a U+0000 is one character).
 */
void
DdbStatementCheckText(const char *statement, const char *constraint_member,
					  DdbConstraintErrors *errors)
{
	int			length;

	if (statement == NULL)
	{
		DdbConstraintAdd(errors, "null", constraint_member, "Member must not be null");
		return;
	}
	length = DdbStoredStringChars(statement, strlen(statement));
	if (length < 1)
		DdbConstraintAdd(errors, "''", constraint_member,
						 "Member must have length greater than or equal to 1");
	else if (length > DDB_PARTIQL_MAX_STATEMENT)
		DdbConstraintAdd(errors, psprintf("'%s'", statement), constraint_member,
						 psprintf("Member must have length less than or equal to %d",
								  DDB_PARTIQL_MAX_STATEMENT));
}

/*
 * DdbStatementListRead reads the statement list of BatchExecuteStatement
 * ("Statements", constraint path "statements", elements of type
 * BatchStatementRequest, with ConsistentRead) or ExecuteTransaction
 * ("TransactStatements", ParameterizedStatement): 1 to max statements,
 * each a Statement, optional Parameters (not empty) and
 * ReturnValuesOnConditionCheckFailure, collecting constraint errors. *n
 * gets the number of statements.
 */
DdbStatementEntry *
DdbStatementListRead(JsonbContainer *request, const char *member, const char *path,
					 const char *element_type, int max, bool with_consistent_read,
					 int *n, DdbConstraintErrors *errors)
{
	static const char *const batch_members[] = {
		"Statement", "Parameters", "ConsistentRead", "ReturnValuesOnConditionCheckFailure", NULL
	};
	static const char *const transaction_members[] = {
		"Statement", "Parameters", "ReturnValuesOnConditionCheckFailure", NULL
	};
	static const char *const on_failure_values[] = {"ALL_OLD", "NONE", NULL};
	JsonbContainer *list = DdbJsonGetArray(request, member);
	JsonbValue *elements = NULL;
	DdbStatementEntry *entries;

	*n = 0;
	if (list == NULL)
	{
		DdbConstraintAdd(errors, "null", path, "Member must not be null");
		return NULL;
	}
	*n = DdbJsonArrayElements(list, &elements);
	if (*n == 0)
		DdbConstraintAdd(errors, "'[]'", path, "Member must have length greater than or equal to 1");
	else if (*n > max)
	{
		JsonbValue	value;

		value.type = jbvBinary;
		value.val.binary.data = list;
		value.val.binary.len = 0;
		DdbConstraintAdd(errors, DdbBatchConstraintValue(&value), path,
						 psprintf("Member must have length less than or equal to %d", max));
	}
	entries = palloc0(sizeof(DdbStatementEntry) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
	{
		DdbStatementEntry *e = &entries[i];
		JsonbContainer *element = DdbJsonValueObject(&elements[i], element_type);
		char	   *prefix = psprintf("%s.%d.member", path, i + 1);
		char	   *on_failure;

		DdbJsonCheckMembers(element, with_consistent_read ? batch_members : transaction_members);
		e->text = DdbJsonGetString(element, "Statement");
		DdbStatementCheckText(e->text, psprintf("%s.statement", prefix), errors);
		e->parameters = DdbJsonGetArray(element, "Parameters");
		if (e->parameters != NULL && JsonContainerSize(e->parameters) == 0)
			DdbConstraintAdd(errors, "'[]'", psprintf("%s.parameters", prefix),
							 "Member must have length greater than or equal to 1");
		if (with_consistent_read)
			(void) DdbJsonGetBool(element, "ConsistentRead", &e->consistent);
		on_failure = DdbRequestEnum(element, "ReturnValuesOnConditionCheckFailure",
									psprintf("%s.returnValuesOnConditionCheckFailure", prefix),
									on_failure_values, "[ALL_OLD, NONE]", errors);
		e->old_on_failure = (on_failure != NULL && strcmp(on_failure, "ALL_OLD") == 0);
	}
	return entries;
}

/*
 * The type letter of a normalized scalar AttributeValue ('S', 'N', 'B'), or
 * '\0' for any other type.
 */
static char
ScalarTypeOf(JsonbValue *value)
{
	switch (DdbAttributeValueType(value, NULL))
	{
		case DDB_TYPE_S:
			return 'S';
		case DDB_TYPE_N:
			return 'N';
		case DDB_TYPE_B:
			return 'B';
		default:
			return '\0';
	}
}


/* ---------------------------------------------------------------------
 * Planning a SELECT
 * ---------------------------------------------------------------------
 */

/*
 * The key schema of what a SELECT reads. An index the table does not have
 * gets the table's: DdbReadItems reports it.
 */
static void
ReadSchemaOf(DdbTable *table, const char *index_name, ReadSchema *schema)
{
	memset(schema, 0, sizeof(*schema));
	if (index_name != NULL)
	{
		for (int i = 0; i < table->nindexes; i++)
		{
			DdbIndex   *index = &table->indexes[i];

			if (strcmp(index->name, index_name) != 0)
				continue;
			schema->nhash = index->nhash;
			schema->nkeys = index->nkeys;
			for (int k = 0; k < index->nkeys; k++)
			{
				schema->names[k] = index->key_names[k];
				schema->types[k] = index->key_types[k];
			}
			return;
		}
	}
	schema->nhash = 1;
	schema->nkeys = table->nkeys;
	for (int k = 0; k < table->nkeys; k++)
	{
		schema->names[k] = table->keys[k].name;
		schema->types[k] = table->keys[k].type;
	}
}

/*
 * Whether an operand is a top-level attribute as a whole path.
 */
static bool
IsAttribute(const DdbOperand *operand, const char *name)
{
	return operand->kind == DDB_OPERAND_PATH && operand->path.nelems == 1 &&
		operand->path.elems[0].kind == DDB_PATH_NAME &&
		operand->path.elems[0].name_len == (int) strlen(name) &&
		memcmp(operand->path.elems[0].name, name, operand->path.elems[0].name_len) == 0;
}

/*
 * Collect the values of "name = v" in an OR of such equalities; false when
 * the condition is anything else.
 */
static bool
CollectEqualities(DdbCondition *cond, const char *name, List **values)
{
	check_stack_depth();
	if (cond->kind == DDB_COND_OR)
		return CollectEqualities(cond->left, name, values) &&
			CollectEqualities(cond->right, name, values);
	if (cond->kind == DDB_COND_COMPARE && cond->op == DDB_CMP_EQ)
	{
		if (IsAttribute(cond->operands[0], name) && cond->operands[1]->kind == DDB_OPERAND_VALUE)
		{
			*values = lappend(*values, cond->operands[1]->value);
			return true;
		}
		if (IsAttribute(cond->operands[1], name) && cond->operands[0]->kind == DDB_OPERAND_VALUE)
		{
			*values = lappend(*values, cond->operands[0]->value);
			return true;
		}
	}
	return false;
}

/*
 * The values a conjunct pins a HASH attribute to (=, IN, or an OR of =),
 * or NIL.
 */
static List *
PinnedValues(DdbCondition *cond, const char *name)
{
	List	   *values = NIL;

	if (cond->kind == DDB_COND_IN && IsAttribute(cond->operands[0], name))
	{
		for (int i = 1; i < cond->noperands; i++)
		{
			if (cond->operands[i]->kind != DDB_OPERAND_VALUE)
				return NIL;
			values = lappend(values, cond->operands[i]->value);
		}
		return values;
	}
	if (CollectEqualities(cond, name, &values))
		return values;
	list_free(values);
	return NIL;
}

/*
 * A key condition for a conjunct on a RANGE attribute of a type, or NULL
 * when the conjunct cannot be one.
 */
static DdbKeyCondition *
RangeCondition(DdbCondition *cond, const char *name, char type)
{
	DdbKeyCondition *kc = palloc0(sizeof(DdbKeyCondition));
	static const DdbKeyOperator ops[] = {DDB_KEY_EQ, DDB_KEY_NOT_INDEXABLE, DDB_KEY_LT,
	DDB_KEY_LE, DDB_KEY_GT, DDB_KEY_GE};
	static const DdbKeyOperator flipped[] = {DDB_KEY_EQ, DDB_KEY_NOT_INDEXABLE, DDB_KEY_GT,
	DDB_KEY_GE, DDB_KEY_LT, DDB_KEY_LE};

	kc->attribute = name;
	kc->attribute_len = strlen(name);
	kc->condition = cond;
	switch (cond->kind)
	{
		case DDB_COND_COMPARE:
			if (IsAttribute(cond->operands[0], name) && cond->operands[1]->kind == DDB_OPERAND_VALUE)
			{
				kc->op = ops[cond->op];
				kc->values[0] = cond->operands[1]->value;
			}
			else if (IsAttribute(cond->operands[1], name) && cond->operands[0]->kind == DDB_OPERAND_VALUE)
			{
				kc->op = flipped[cond->op];
				kc->values[0] = cond->operands[0]->value;
			}
			else
				return NULL;
			kc->nvalues = 1;
			break;
		case DDB_COND_BETWEEN:
			if (!IsAttribute(cond->operands[0], name) ||
				cond->operands[1]->kind != DDB_OPERAND_VALUE ||
				cond->operands[2]->kind != DDB_OPERAND_VALUE)
				return NULL;
			kc->op = DDB_KEY_BETWEEN;
			kc->nvalues = 2;
			kc->values[0] = cond->operands[1]->value;
			kc->values[1] = cond->operands[2]->value;
			/* an empty range matches nothing; leave it to the filter */
			if (ScalarTypeOf(kc->values[0]) == type && ScalarTypeOf(kc->values[1]) == type)
			{
				JsonbValue	a;
				JsonbValue	b;

				(void) DdbAttributeValueType(kc->values[0], &a);
				(void) DdbAttributeValueType(kc->values[1], &b);
				if (type == 'N' ?
					DdbNumberCompare(pnstrdup(a.val.string.val, a.val.string.len),
									 pnstrdup(b.val.string.val, b.val.string.len)) > 0 :
					(memcmp(a.val.string.val, b.val.string.val,
							Min(a.val.string.len, b.val.string.len)) > 0 ||
					 (memcmp(a.val.string.val, b.val.string.val,
							 Min(a.val.string.len, b.val.string.len)) == 0 &&
					  a.val.string.len > b.val.string.len)))
					return NULL;
			}
			break;
		case DDB_COND_BEGINS_WITH:
			if (type == 'N' || !IsAttribute(cond->operands[0], name) ||
				cond->operands[1]->kind != DDB_OPERAND_VALUE)
				return NULL;
			kc->op = DDB_KEY_BEGINS_WITH;
			kc->nvalues = 1;
			kc->values[0] = cond->operands[1]->value;
			break;
		default:
			return NULL;
	}
	if (kc->op == DDB_KEY_NOT_INDEXABLE)
		return NULL;
	for (int i = 0; i < kc->nvalues; i++)
	{
		if (ScalarTypeOf(kc->values[i]) != type)
			return NULL;
	}
	return kc;
}

/*
 * Whether two normalized AttributeValues are equal.
 */
static bool
SameValue(JsonbValue *a, JsonbValue *b)
{
	return compareJsonbContainers(a->val.binary.data, b->val.binary.data) == 0;
}

/*
 * Plan a SELECT against the key schema it reads.
 */
static void
PlanSelect(DdbBoundStatement *bound, ReadSchema *schema, SelectPlan *plan)
{
	const DdbStatement *stmt = bound->parsed;
	List	   *conjuncts = NIL;
	List	   *pinned[DDB_KEY_SCHEMA_MAX];
	ListCell   *lc;

	memset(plan, 0, sizeof(*plan));
	plan->forward = true;
	DdbStatementConjuncts(bound->where, &conjuncts);

	plan->query = true;
	for (int k = 0; k < schema->nhash; k++)
	{
		pinned[k] = NIL;
		foreach(lc, conjuncts)
		{
			pinned[k] = PinnedValues((DdbCondition *) lfirst(lc), schema->names[k]);
			if (pinned[k] != NIL)
				break;
		}
		if (pinned[k] == NIL || (schema->nhash > 1 && list_length(pinned[k]) > 1))
			plan->query = false;
	}
	if (plan->query && list_length(pinned[0]) > DDB_PARTIQL_MAX_HASH_IN)
		DdbValidationError("Too many decomposed read operations for a given query.");

	if (plan->query)
	{
		/* the partitions: values of the key's type, each once */
		plan->partitions = palloc(sizeof(JsonbValue *) * list_length(pinned[0]));
		foreach(lc, pinned[0])
		{
			JsonbValue *value = lfirst(lc);
			bool		seen = false;

			if (ScalarTypeOf(value) != schema->types[0])
				continue;
			for (int i = 0; i < plan->npartitions && !seen; i++)
				seen = SameValue(plan->partitions[i], value);
			if (!seen)
				plan->partitions[plan->npartitions++] = value;
		}
		for (int k = 1; k < schema->nhash; k++)
		{
			plan->hash_values[k] = linitial(pinned[k]);
			if (ScalarTypeOf(plan->hash_values[k]) != schema->types[k])
				plan->npartitions = 0;
		}
		if (schema->nkeys > schema->nhash)
		{
			foreach(lc, conjuncts)
			{
				plan->range = RangeCondition((DdbCondition *) lfirst(lc),
											 schema->names[schema->nhash],
											 schema->types[schema->nhash]);
				if (plan->range != NULL)
					break;
			}
		}
	}

	for (int i = 0; i < stmt->norder; i++)
	{
		const DdbOrderBy *o = &stmt->order[i];
		int			k;

		for (k = 0; k < schema->nkeys; k++)
		{
			if (strcmp(schema->names[k], o->name) == 0)
				break;
		}
		if (k == schema->nkeys)
			DdbValidationError("Unsupported operation: ORDER BY is only supported on key attributes; %s is not one",
							   o->name);
		if (!plan->query)
			DdbValidationError("Must have WHERE clause in the statement when using ORDER BY clause.");
		if (k == schema->nhash)
			plan->forward = !o->descending;
	}
}

/*
 * The key conditions of one partition of a planned Query.
 */
static DdbKeyConditions *
PartitionConditions(ReadSchema *schema, SelectPlan *plan, int partition)
{
	DdbKeyConditions *conditions = palloc0(sizeof(DdbKeyConditions));

	conditions->conditions = palloc0(sizeof(DdbKeyCondition) * (schema->nhash + 1));
	for (int k = 0; k < schema->nhash; k++)
	{
		DdbKeyCondition *kc = &conditions->conditions[conditions->count++];
		DdbCondition *eq = palloc0(sizeof(DdbCondition));

		kc->attribute = schema->names[k];
		kc->attribute_len = strlen(schema->names[k]);
		kc->op = DDB_KEY_EQ;
		kc->nvalues = 1;
		kc->values[0] = k == 0 ? plan->partitions[partition] : plan->hash_values[k];

		/* the node "name = value", against which start keys are checked */
		eq->kind = DDB_COND_COMPARE;
		eq->op = DDB_CMP_EQ;
		eq->noperands = 2;
		eq->operands = palloc0(sizeof(DdbOperand *) * 2);
		eq->operands[0] = palloc0(sizeof(DdbOperand));
		eq->operands[0]->kind = DDB_OPERAND_PATH;
		eq->operands[0]->path.nelems = 1;
		eq->operands[0]->path.elems = palloc0(sizeof(DdbPathElem));
		eq->operands[0]->path.elems[0].kind = DDB_PATH_NAME;
		eq->operands[0]->path.elems[0].name = (char *) kc->attribute;
		eq->operands[0]->path.elems[0].name_len = kc->attribute_len;
		eq->operands[1] = palloc0(sizeof(DdbOperand));
		eq->operands[1]->kind = DDB_OPERAND_VALUE;
		eq->operands[1]->value = kc->values[0];
		eq->operands[1]->value_name = "value";
		kc->condition = eq;
	}
	if (plan->range != NULL)
		conditions->conditions[conditions->count++] = *plan->range;
	return conditions;
}


/* ---------------------------------------------------------------------
 * NextToken
 * ---------------------------------------------------------------------
 */

/*
 * A hash of a statement and its parameters, which a NextToken carries so
 * that it is only used to continue the same read.
 */
static char *
StatementHash(const DdbStatement *stmt, JsonbContainer *parameters)
{
	uint32		hash = hash_bytes((const unsigned char *) stmt->text, stmt->len);

	if (parameters != NULL)
	{
		char	   *text = JsonbToCString(NULL, parameters, 0);

		hash = hash_combine(hash, hash_bytes((const unsigned char *) text, strlen(text)));
	}
	return psprintf("%08x", hash);
}

/*
 * Encode a NextToken: the partition to read and the key read last in it
 * (NULL: from its beginning).
 */
static char *
EncodeNextToken(const char *hash, int partition, JsonbContainer *last_key)
{
	JsonbParseState *st = NULL;
	char	   *text;

	DdbPushBeginObject(&st);
	DdbPushKey(&st, "h");
	DdbPushString(&st, WJB_VALUE, hash);
	DdbPushKey(&st, "p");
	DdbPushInt64(&st, WJB_VALUE, partition);
	if (last_key != NULL)
	{
		DdbPushKey(&st, "k");
		DdbPushStoredContainer(&st, WJB_VALUE, last_key);
	}
	text = JsonbToCString(NULL, &DdbBuildJsonb(DdbPushEndObject(&st))->root, 0);
	return DdbBase64Encode(text, strlen(text));
}

/*
 * Raise the error of a NextToken that is not one this statement gave.
 */
static void
InvalidNextToken(void)
{
	DdbValidationError("The provided NextToken is invalid for this statement");
}

/* A start key to normalize, in a subtransaction */
typedef struct TokenKey
{
	JsonbContainer *key;
	Jsonb	   *normalized;
} TokenKey;

/*
 * Normalize a NextToken's start key (a TokenKey).
 */
static void
NormalizeTokenKey(void *arg)
{
	TokenKey   *tk = (TokenKey *) arg;
	Size		size;

	tk->normalized = DdbAttributeMapNormalize(tk->key, &size);
}

/*
 * Decode a NextToken of this statement: *partition and *start_key (NULL:
 * the partition's beginning). Anything but a token this statement gave
 * (not base64, not JSON, members missing or of other types, another
 * statement's hash, a partition out of range, a start key that is no
 * attribute map) is InvalidNextToken's error.
 */
static void
DecodeNextToken(const char *token, const char *hash, int npartitions,
				int *partition, Jsonb **start_key)
{
	MemoryContext context = CurrentMemoryContext;
	Jsonb	   *volatile decoded = NULL;
	JsonbValue	v;
	char	   *text;
	char	   *end;
	long long	p;

	PG_TRY();
	{
		bytea	   *raw = DdbBase64Decode(token, strlen(token));
		char	   *json = pnstrdup(VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw));

		decoded = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(context);
		FlushErrorState();
		decoded = NULL;
	}
	PG_END_TRY();
	if (decoded == NULL || !JsonContainerIsObject(&decoded->root) ||
		JsonContainerIsScalar(&decoded->root))
		InvalidNextToken();

	/* h: this statement's hash */
	if (!DdbJsonGet(&decoded->root, "h", &v) || v.type != jbvString ||
		v.val.string.len != strlen(hash) || memcmp(v.val.string.val, hash, v.val.string.len) != 0)
		InvalidNextToken();

	/* p: a partition of the plan */
	if (!DdbJsonGet(&decoded->root, "p", &v) || v.type != jbvNumeric)
		InvalidNextToken();
	text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric)));
	errno = 0;
	p = strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0' || p < 0 || p > Max(npartitions, 1))
		InvalidNextToken();
	*partition = (int) p;

	/* k: the key read last, an attribute map */
	*start_key = NULL;
	if (DdbJsonGet(&decoded->root, "k", &v))
	{
		TokenKey	tk;
		ErrorData  *error;

		if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data) ||
			JsonContainerIsScalar(v.val.binary.data))
			InvalidNextToken();
		tk.key = v.val.binary.data;
		tk.normalized = NULL;
		error = DdbRunInSubtransaction(NormalizeTokenKey, &tk);
		if (error != NULL)
		{
			if (error->sqlerrcode != DdbErrorSqlState(DDB_VALIDATION) &&
				error->sqlerrcode != DdbErrorSqlState(DDB_SERIALIZATION))
				ReThrowError(error);
			InvalidNextToken();
		}
		*start_key = tk.normalized;
	}
}


/* ---------------------------------------------------------------------
 * SELECT
 * ---------------------------------------------------------------------
 */

/* The options of one ExecuteStatement read */
typedef struct SelectOptions
{
	int64		limit;
	bool		consistent;
	DdbCapacityMode capacity;
	const char *next_token;
	JsonbContainer *parameters;
} SelectOptions;

/*
 * The number a member of an object holds, as a double (0 when absent).
 */
static double
NumberMember(JsonbContainer *obj, const char *key)
{
	JsonbValue	v;

	if (obj == NULL || !DdbJsonGet(obj, key, &v) || v.type != jbvNumeric)
		return 0;
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v.val.numeric)));
}

/*
 * Run a SELECT: one page of it, from NextToken's place.
 */
static Jsonb *
ExecuteSelect(DdbBoundStatement *bound, SelectOptions *options)
{
	const DdbStatement *stmt = bound->parsed;
	ReadSchema	schema;
	SelectPlan	plan;
	char	   *hash = StatementHash(stmt, options->parameters);
	int			partition = 0;
	Jsonb	   *start_key = NULL;
	JsonbContainer *pages_items[DDB_PARTIQL_MAX_HASH_IN + 1];
	Jsonb	   *single_capacity = NULL;
	int			npages = 0;
	double		units = 0;
	int64		remaining = options->limit;
	Size		bytes = 0;
	char	   *next_token = NULL;
	JsonbContainer *last_evaluated = NULL;
	JsonbParseState *st = NULL;

	ReadSchemaOf(bound->table, stmt->index_name, &schema);
	PlanSelect(bound, &schema, &plan);
	if (options->next_token != NULL)
		DecodeNextToken(options->next_token, hash, plan.query ? plan.npartitions : 1,
						&partition, &start_key);

	for (;;)
	{
		DdbReadRequest r;
		Jsonb	   *page;
		JsonbValue	v;
		JsonbContainer *last_key;
		JsonbContainer *items;
		int64		scanned = 0;

		CHECK_FOR_INTERRUPTS();
		if (plan.query && partition >= plan.npartitions)
			break;
		memset(&r, 0, sizeof(r));
		r.table = bound->table;
		r.index_name = stmt->index_name;
		r.key_conditions = plan.query ? PartitionConditions(&schema, &plan, partition) : NULL;
		r.forward = plan.forward;
		r.filter = bound->where;
		r.projection = stmt->projection;
		r.project_by_name = true;
		r.limit = remaining;
		r.consistent = options->consistent;
		r.capacity = options->capacity;
		r.start_key = start_key;
		page = DdbReadItems(&r);

		items = DdbJsonGetArray(&page->root, "Items");
		pages_items[npages++] = items;
		bytes += DdbContainerBytes(items);
		if (options->capacity != DDB_CAPACITY_NONE)
		{
			JsonbContainer *capacity = DdbJsonGetObject(&page->root, "ConsumedCapacity");

			units += NumberMember(capacity, "CapacityUnits");
			single_capacity = capacity != NULL ? DdbContainerToJsonb(capacity) : NULL;
		}
		if (DdbJsonGet(&page->root, "ScannedCount", &v) && v.type == jbvNumeric)
			scanned = DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(v.val.numeric)));
		remaining -= scanned;
		last_key = DdbJsonGetObject(&page->root, "LastEvaluatedKey");
		if (last_key != NULL)
		{
			next_token = EncodeNextToken(hash, partition, last_key);
			last_evaluated = last_key;
			break;
		}
		/* this partition is done */
		if (!plan.query)
			break;
		partition++;
		start_key = NULL;
		if (partition < plan.npartitions &&
			(remaining <= 0 || bytes >= PQ_MAX_PAGE_BYTES || npages > DDB_PARTIQL_MAX_HASH_IN))
		{
			next_token = EncodeNextToken(hash, partition, NULL);
			break;
		}
	}

	DdbPushBeginObject(&st);
	DdbPushKey(&st, "Items");
	if (npages == 0)
	{
		DdbPushBeginArray(&st);
		DdbPushEndArray(&st);
	}
	else
		DdbPushStoredContainer(&st, WJB_VALUE,
							   npages == 1 ? pages_items[0] :
							   &DdbConcatArrays(pages_items, npages)->root);
	if (next_token != NULL)
	{
		DdbPushKey(&st, "NextToken");
		DdbPushString(&st, WJB_VALUE, next_token);
	}
	if (last_evaluated != NULL)
	{
		DdbPushKey(&st, "LastEvaluatedKey");
		DdbPushStoredContainer(&st, WJB_VALUE, last_evaluated);
	}
	if (options->capacity != DDB_CAPACITY_NONE)
	{
		DdbPushKey(&st, "ConsumedCapacity");
		if (npages == 1 && single_capacity != NULL)
			DdbPushStoredContainer(&st, WJB_VALUE, &single_capacity->root);
		else
			DdbPushConsumedCapacity(&st, bound->table->name,
									npages == 0 ? DdbReadUnits(0, options->consistent) : units,
									options->capacity);
	}
	return DdbBuildJsonbIn(DdbResponseContext(), DdbPushEndObject(&st));
}


/* ---------------------------------------------------------------------
 * Writes
 * ---------------------------------------------------------------------
 */

/*
 * A condition "name is missing" on a top-level attribute.
 */
static DdbCondition *
MissingCondition(const char *name)
{
	DdbCondition *cond = palloc0(sizeof(DdbCondition));
	DdbOperand *operand = palloc0(sizeof(DdbOperand));

	operand->kind = DDB_OPERAND_PATH;
	operand->path.nelems = 1;
	operand->path.elems = palloc0(sizeof(DdbPathElem));
	operand->path.elems[0].kind = DDB_PATH_NAME;
	operand->path.elems[0].name = (char *) name;
	operand->path.elems[0].name_len = strlen(name);
	cond->kind = DDB_COND_ATTRIBUTE_NOT_EXISTS;
	cond->noperands = 1;
	cond->operands = palloc(sizeof(DdbOperand *));
	cond->operands[0] = operand;
	return cond;
}

/*
 * DdbStatementWrite fills the single-item write of a bound INSERT, UPDATE,
 * DELETE or EXISTS.
 */
void
DdbStatementWrite(DdbBoundStatement *bound, DdbItemWrite *write)
{
	DdbTable   *table = bound->table;
	const DdbStatement *stmt = bound->parsed;

	memset(write, 0, sizeof(*write));
	write->table = table;
	switch (stmt->kind)
	{
		case DDB_STATEMENT_INSERT:
			write->kind = DDB_WRITE_PUT;
			write->new_item = bound->item;
			DdbKeyFromItem(table, &bound->item->root, &write->key);
			write->condition = MissingCondition(table->keys[0].name);
			write->must_create = true;
			break;
		case DDB_STATEMENT_UPDATE:
			{
				const char *key_names[3] = {NULL, NULL, NULL};

				for (int i = 0; i < table->nkeys; i++)
					key_names[i] = table->keys[i].name;
				write->kind = DDB_WRITE_UPDATE;
				DdbKeyFromKeyMap(table, &bound->key_map->root, &write->key, &write->key_item);
				write->update = bound->update;
				for (int i = 0; i < write->update->nactions; i++)
					DdbCheckNotKeyAttribute(&write->update->actions[i].path, key_names);
				write->condition = bound->where;
				write->need_old = true;
			}
			break;
		case DDB_STATEMENT_DELETE:
			write->kind = DDB_WRITE_DELETE;
			DdbKeyFromKeyMap(table, &bound->key_map->root, &write->key, NULL);
			if (!bound->where_is_key)
			{
				DdbCondition *either = palloc0(sizeof(DdbCondition));

				either->kind = DDB_COND_OR;
				either->left = MissingCondition(table->keys[0].name);
				either->right = bound->where;
				write->condition = either;
			}
			write->need_old = (stmt->returning != DDB_RETURNING_NONE);
			break;
		case DDB_STATEMENT_EXISTS:
		case DDB_STATEMENT_SELECT:
			if (bound->key_map == NULL)
				DdbValidationError("Where clause does not contain a mandatory equality on all key attributes");
			write->kind = DDB_WRITE_CHECK;
			DdbKeyFromKeyMap(table, &bound->key_map->root, &write->key, NULL);
			write->condition = bound->where;
			break;
	}
}

/*
 * DdbStatementReturned returns the item a write's RETURNING asks for, or
 * NULL.
 */
Jsonb *
DdbStatementReturned(DdbBoundStatement *bound, DdbItemWrite *write)
{
	switch (bound->parsed->returning)
	{
		case DDB_RETURNING_NONE:
			return NULL;
		case DDB_RETURNING_ALL_OLD:
			return write->old_item;
		case DDB_RETURNING_ALL_NEW:
			return write->result_item;
		case DDB_RETURNING_MODIFIED_OLD:
			return write->old_item == NULL ? NULL :
				DdbProjectItem(&write->old_item->root, write->updated_paths, write->nupdated);
		case DDB_RETURNING_MODIFIED_NEW:
			return write->result_item == NULL ? NULL :
				DdbProjectItem(&write->result_item->root, write->updated_paths, write->nupdated);
	}
	return NULL;
}

/*
 * Push the ConsumedCapacity of a write: by the larger of the old and the
 * new item, with the indexes' units.
 */
static void
PushWriteCapacity(JsonbParseState **st, DdbItemWrite *write, DdbCapacityMode mode)
{
	double	   *index_units = NULL;
	Size		old_size = write->old_item ? DdbItemSize(&write->old_item->root) : 0;
	Size		new_size = write->result_item ? DdbItemSize(&write->result_item->root) : 0;

	if (write->table->nindexes > 0)
	{
		index_units = palloc0(sizeof(double) * write->table->nindexes);
		DdbIndexesWriteUnits(write->table, write->old_item, write->result_item, index_units);
	}
	DdbPushWriteCapacity(st, write->table, DdbWriteUnits(Max(old_size, new_size)),
						 index_units, mode);
}

/*
 * Run an INSERT, UPDATE or DELETE.
 */
static Jsonb *
ExecuteWrite(DdbBoundStatement *bound, DdbCapacityMode capacity, bool old_on_failure)
{
	DdbItemWrite write;
	Jsonb	   *returned;
	JsonbParseState *st = NULL;

	DdbStatementWrite(bound, &write);
	if (capacity != DDB_CAPACITY_NONE)
		write.need_old = true;
	DdbWritePerform(&write, old_on_failure);
	returned = DdbStatementReturned(bound, &write);

	DdbPushBeginObject(&st);
	DdbPushKey(&st, "Items");
	DdbPushBeginArray(&st);
	if (returned != NULL && JsonContainerSize(&returned->root) > 0)
		DdbPushStoredContainer(&st, WJB_ELEM, &returned->root);
	DdbPushEndArray(&st);
	if (capacity != DDB_CAPACITY_NONE)
	{
		DdbPushKey(&st, "ConsumedCapacity");
		PushWriteCapacity(&st, &write, capacity);
	}
	return DdbBuildJsonbIn(DdbResponseContext(), DdbPushEndObject(&st));
}

/*
 * DdbStatementGetItem reads the one item a SELECT naming its whole primary
 * key selects, projected; NULL when there is none or it fails WHERE.
 */
Jsonb *
DdbStatementGetItem(DdbBoundStatement *bound, DdbReadMode mode, Size *size)
{
	const DdbStatement *stmt = bound->parsed;
	DdbKey		key;
	Jsonb	   *item;

	if (bound->key_map == NULL || stmt->index_name != NULL)
		DdbValidationError("Where clause does not contain a mandatory equality on all key attributes");
	DdbKeyFromKeyMap(bound->table, &bound->key_map->root, &key, NULL);
	item = DdbStorageGet(bound->table, &key, mode);
	*size = item != NULL ? DdbItemSize(&item->root) : 0;
	if (item == NULL)
		return NULL;
	if (!bound->where_is_key && !DdbEvaluateCondition(bound->where, &item->root))
		return NULL;
	if (stmt->projection != NULL)
		item = DdbProjectItemByName(&item->root, stmt->projection->paths,
									stmt->projection->npaths);
	return item;
}


/* ---------------------------------------------------------------------
 * ExecuteStatement
 * ---------------------------------------------------------------------
 */

/*
 * DdbExecuteStatement implements ExecuteStatement.
 */
Jsonb *
DdbExecuteStatement(JsonbContainer *request)
{
	static const char *const allowed[] = {
		"Statement", "Parameters", "ConsistentRead", "NextToken", "ReturnConsumedCapacity",
		"Limit", "ReturnValuesOnConditionCheckFailure", NULL
	};
	static const char *const on_failure_values[] = {"ALL_OLD", "NONE", NULL};
	DdbConstraintErrors errors;
	char	   *statement;
	char	   *on_failure;
	JsonbContainer *parameters;
	SelectOptions options;
	const DdbStatement *parsed;
	DdbBoundStatement *bound;

	DdbJsonCheckMembers(request, allowed);
	memset(&options, 0, sizeof(options));
	options.limit = PG_INT64_MAX;
	DdbConstraintInit(&errors);
	statement = DdbJsonGetString(request, "Statement");
	DdbStatementCheckText(statement, "statement", &errors);
	parameters = DdbJsonGetArray(request, "Parameters");
	if (parameters != NULL && JsonContainerSize(parameters) == 0)
		DdbConstraintAdd(&errors, "'[]'", "parameters",
						 "Member must have length greater than or equal to 1");
	if (DdbJsonGetInt64(request, "Limit", &options.limit) && options.limit < 1)
		DdbConstraintAdd(&errors, psprintf("'" INT64_FORMAT "'", options.limit), "limit",
						 "Member must have value greater than or equal to 1");
	options.next_token = DdbJsonGetString(request, "NextToken");
	if (options.next_token != NULL)
	{
		int			len = pg_mbstrlen(options.next_token);

		if (len < 1)
			DdbConstraintAdd(&errors, "''", "nextToken",
							 "Member must have length greater than or equal to 1");
		else if (len > PQ_MAX_NEXT_TOKEN)
			DdbConstraintAdd(&errors, psprintf("'%s'", options.next_token), "nextToken",
							 "Member must have length less than or equal to 32768");
	}
	options.capacity = DdbReadCapacityMode(request, &errors);
	on_failure = DdbRequestEnum(request, "ReturnValuesOnConditionCheckFailure",
								"returnValuesOnConditionCheckFailure", on_failure_values,
								"[ALL_OLD, NONE]", &errors);
	DdbConstraintRaise(&errors);
	(void) DdbJsonGetBool(request, "ConsistentRead", &options.consistent);
	options.parameters = parameters;

	parsed = DdbParseStatement(statement, strlen(statement));
	if (parsed->kind == DDB_STATEMENT_EXISTS)
		DdbValidationError("Unsupported operation: EXISTS is only supported in ExecuteTransaction");
	if (parsed->kind != DDB_STATEMENT_SELECT && options.next_token != NULL)
		InvalidNextToken();
	bound = DdbBindStatement(parsed, parameters, true);
	if (parsed->kind == DDB_STATEMENT_SELECT)
		return ExecuteSelect(bound, &options);
	return ExecuteWrite(bound, options.capacity,
						on_failure != NULL && strcmp(on_failure, "ALL_OLD") == 0);
}
