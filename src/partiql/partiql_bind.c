/*-------------------------------------------------------------------------
 *
 * partiql_bind.c
 *	  Stage 2 of PartiQL: a parsed statement bound to one request's
 *	  Parameters and to its table.
 *
 * Binding validates the Parameters (AttributeValues, normalized as
 * ExpressionAttributeValues are), checks their number against the ?
 * placeholders, builds the values that hold parameters, and copies the
 * cached WHERE and update trees with every operand resolved. The copy
 * lives in the call's memory; the cached trees are never modified.
 *
 * It also reads what WHERE says about the key, as DynamoDB requires of
 * UPDATE and DELETE: an equality on every key attribute among the
 * conditions joined by AND at its top ("a = 1 AND b = 2 AND ..."), the
 * attribute as a whole path on one side and a value on the other, or an
 * IN of that one value ("a IN [1]"). The same equality may appear twice;
 * two different values for one key attribute in an UPDATE or DELETE are
 * DynamoDB's "Multiple conditions on same key" error.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/jsonb.h"

#include "errors.h"
#include "expr.h"
#include "item.h"
#include "json_util.h"
#include "partiql/partiql.h"

static DdbOperand *CopyOperand(const DdbOperand *operand, JsonbValue *resolved);

/*
 * Copy an operand, resolving "$n" values.
 */
static DdbOperand *
CopyOperand(const DdbOperand *operand, JsonbValue *resolved)
{
	DdbOperand *copy;

	if (operand == NULL)
		return NULL;
	check_stack_depth();
	copy = palloc(sizeof(DdbOperand));
	*copy = *operand;
	if (operand->kind == DDB_OPERAND_VALUE && operand->value == NULL)
		copy->value = &resolved[atoi(operand->value_name + 1)];
	copy->left = CopyOperand(operand->left, resolved);
	copy->right = CopyOperand(operand->right, resolved);
	return copy;
}

/*
 * Copy a condition, resolving its values.
 */
static DdbCondition *
CopyCondition(const DdbCondition *cond, JsonbValue *resolved)
{
	DdbCondition *copy;

	if (cond == NULL)
		return NULL;
	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	copy = palloc(sizeof(DdbCondition));
	*copy = *cond;
	copy->left = CopyCondition(cond->left, resolved);
	copy->right = CopyCondition(cond->right, resolved);
	if (cond->noperands > 0)
	{
		copy->operands = palloc(sizeof(DdbOperand *) * cond->noperands);
		for (int i = 0; i < cond->noperands; i++)
			copy->operands[i] = CopyOperand(cond->operands[i], resolved);
	}
	return copy;
}

/*
 * Copy an update, resolving its values.
 */
static DdbUpdate *
CopyUpdate(const DdbUpdate *update, JsonbValue *resolved)
{
	DdbUpdate  *copy = palloc0(sizeof(DdbUpdate));

	copy->nactions = update->nactions;
	copy->actions = palloc(sizeof(DdbUpdateAction) * Max(update->nactions, 1));
	for (int i = 0; i < update->nactions; i++)
	{
		copy->actions[i] = update->actions[i];
		copy->actions[i].value = CopyOperand(update->actions[i].value, resolved);
	}
	return copy;
}

/*
 * Validate and normalize Parameters; their number must be the statement's.
 */
static Jsonb **
NormalizeParameters(const DdbStatement *parsed, JsonbContainer *parameters)
{
	JsonbValue *elements = NULL;
	int			n = parameters != NULL ? DdbJsonArrayElements(parameters, &elements) : 0;
	Jsonb	  **normalized;

	if (n != parsed->nparameters)
		DdbValidationError("Number of parameters in request and statement don't match.");
	normalized = palloc(sizeof(Jsonb *) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		Size		size;

		normalized[i] = DdbAttributeValueNormalizeToJsonb(&elements[i], &size);
	}
	return normalized;
}

/*
 * DdbPartiqlValueOf fills a JsonbValue referencing a normalized
 * AttributeValue.
 */
static void
ValueOf(Jsonb *av, JsonbValue *out)
{
	out->type = jbvBinary;
	out->val.binary.data = &av->root;
	out->val.binary.len = VARSIZE(av) - VARHDRSZ;
}

/*
 * Whether an operand is the top-level attribute name as a whole path.
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
 * The value a condition pins a top-level attribute to: "name = value"
 * (either way round), or "name IN [value]" with a single value; NULL for
 * any other condition.
 */
static JsonbValue *
KeyConjunctValue(DdbCondition *cond, const char *name)
{
	if (cond->kind == DDB_COND_COMPARE && cond->op == DDB_CMP_EQ)
	{
		if (IsAttribute(cond->operands[0], name) && cond->operands[1]->kind == DDB_OPERAND_VALUE)
			return cond->operands[1]->value;
		if (IsAttribute(cond->operands[1], name) && cond->operands[0]->kind == DDB_OPERAND_VALUE)
			return cond->operands[0]->value;
	}
	if (cond->kind == DDB_COND_IN && cond->noperands == 2 &&
		IsAttribute(cond->operands[0], name) && cond->operands[1]->kind == DDB_OPERAND_VALUE)
		return cond->operands[1]->value;
	return NULL;
}

/*
 * DdbStatementConjuncts appends the conditions joined by AND at the top of
 * a condition to a list.
 */
void
DdbStatementConjuncts(DdbCondition *cond, List **conjuncts)
{
	if (cond == NULL)
		return;
	check_stack_depth();
	if (cond->kind == DDB_COND_AND)
	{
		DdbStatementConjuncts(cond->left, conjuncts);
		DdbStatementConjuncts(cond->right, conjuncts);
		return;
	}
	*conjuncts = lappend(*conjuncts, cond);
}

/*
 * Whether two normalized AttributeValues are the same value.
 */
static bool
SameValue(JsonbValue *a, JsonbValue *b)
{
	return compareJsonbContainers(a->val.binary.data, b->val.binary.data) == 0;
}

/*
 * The key a WHERE pins, as an attribute map, or NULL when it does not pin
 * every key attribute. Among the conditions joined by AND at its top, a
 * key attribute is pinned by "name = value" or "name IN [value]"; the same
 * value again pins it as well. Two different values for one key attribute
 * name no item: in an UPDATE or DELETE (dml) that is DynamoDB's "Multiple
 * conditions on same key" error, elsewhere the first value is the key and
 * the rest of WHERE (false on that item) is a condition. *only_key tells
 * whether WHERE holds nothing but the key's equalities.
 */
static Jsonb *
KeyFromWhere(DdbTable *table, DdbCondition *where, bool dml, bool *only_key)
{
	JsonbValue *values[lengthof(table->keys)] = {NULL};
	List	   *conjuncts = NIL;
	ListCell   *lc;
	bool		conflict = false;
	int			nkey_conjuncts = 0;
	JsonbParseState *st = NULL;

	*only_key = false;
	DdbStatementConjuncts(where, &conjuncts);
	foreach(lc, conjuncts)
	{
		DdbCondition *cond = (DdbCondition *) lfirst(lc);

		for (int i = 0; i < table->nkeys; i++)
		{
			JsonbValue *value = KeyConjunctValue(cond, table->keys[i].name);

			if (value == NULL)
				continue;
			nkey_conjuncts++;
			if (values[i] == NULL)
				values[i] = value;
			else if (!SameValue(values[i], value))
			{
				if (dml)
					DdbValidationError("Multiple conditions on same key %s. Only single item Update/Insert/Delete are supported",
									   table->keys[i].name);
				conflict = true;
			}
			break;
		}
	}
	for (int i = 0; i < table->nkeys; i++)
	{
		if (values[i] == NULL)
			return NULL;
	}
	*only_key = (!conflict && nkey_conjuncts == list_length(conjuncts));

	DdbPushBeginObject(&st);
	for (int i = 0; i < table->nkeys; i++)
	{
		DdbPushKey(&st, table->keys[i].name);
		DdbPushStored(&st, WJB_VALUE, values[i]);
	}
	return DdbBuildJsonb(DdbPushEndObject(&st));
}

/*
 * DdbBindStatement binds a parsed statement to a request's Parameters and
 * looks up its table. require_key: an UPDATE or DELETE whose WHERE does not
 * name its whole key is an error (else key_map is left NULL).
 */
DdbBoundStatement *
DdbBindStatement(const DdbStatement *parsed, JsonbContainer *parameters, bool require_key)
{
	DdbBoundStatement *bound = palloc0(sizeof(DdbBoundStatement));
	Jsonb	  **params = NormalizeParameters(parsed, parameters);
	JsonbValue *resolved = palloc(sizeof(JsonbValue) * Max(parsed->nvalues, 1));

	bound->parsed = parsed;
	for (int i = 0; i < parsed->nvalues; i++)
		ValueOf(DdbPqValueBuild(parsed->values[i], params), &resolved[i]);
	bound->where = CopyCondition(parsed->where, resolved);
	if (parsed->update != NULL)
		bound->update = CopyUpdate(parsed->update, resolved);
	if (parsed->item != NULL)
	{
		Jsonb	   *av = DdbPqValueBuild(parsed->item, params);
		JsonbValue	payload;
		JsonbValue	v;
		Size		size;

		ValueOf(av, &v);
		if (DdbAttributeValueType(&v, &payload) != DDB_TYPE_M)
			DdbValidationError("Statement wasn't well formed, can't be processed: INSERT needs a map of attributes as its VALUE");
		bound->item = DdbItemNormalize(payload.val.binary.data, &size);
	}

	bound->table = DdbTableLookup(parsed->table_name);
	if (parsed->kind != DDB_STATEMENT_INSERT)
		bound->key_map = KeyFromWhere(bound->table, bound->where,
									   parsed->kind == DDB_STATEMENT_UPDATE ||
									   parsed->kind == DDB_STATEMENT_DELETE,
									   &bound->where_is_key);
	if ((parsed->kind == DDB_STATEMENT_UPDATE || parsed->kind == DDB_STATEMENT_DELETE) &&
		bound->key_map == NULL && require_key)
		DdbValidationError("Where clause does not contain a mandatory equality on all key attributes");
	return bound;
}
