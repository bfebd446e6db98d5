/*-------------------------------------------------------------------------
 *
 * key_condition.c
 *	  Query's key condition: from a KeyConditionExpression or legacy
 *	  KeyConditions to the range of primary keys a Query reads.
 *
 * A key condition is parsed and bound like any condition (expr_parser.c,
 * expr_bind.c), then checked here in DynamoDB's two steps:
 *
 * 1. Shape, before the table is looked up: only AND may join conditions;
 *	  each condition compares one top-level attribute with constants (=, <,
 *	  <=, >, >=, BETWEEN, begins_with; the attribute may stand on either
 *	  side of a comparison, which flips it); one condition per attribute;
 *	  one or two conditions. Legacy KeyConditions have one condition per
 *	  attribute by construction, and their operators are checked in step 2.
 *
 * 2. Schema, once the table is known, attribute by attribute in key schema
 *	  order (partition key, then sort key), each time first the attribute of
 *	  the ExclusiveStartKey and then its condition: the partition key needs
 *	  an equality, the sort key (if it has a condition) one of the range
 *	  operators, every constant the key's type, and no other attribute may
 *	  have a condition.
 *
 * The range is then a partition key value and sort key bounds: EQ is
 * [v, v], LT (-inf, v), BETWEEN [a, b], begins_with(p) [p, succ(p)) where
 * succ(p) is, in byte order (the order of the key columns), the first
 * string after every string that starts with p: for a binary, p with
 * trailing 0xFF bytes removed and its last byte incremented; for a string,
 * p with trailing U+10FFFF removed and its last character replaced by the
 * next one, so that the bound is valid UTF-8. A prefix with no successor
 * has no upper bound.
 *
 * IDENTIFICATION
 *	  src/key_condition.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "catalog.h"
#include "errors.h"
#include "expr.h"
#include "item.h"
#include "json_util.h"
#include "key.h"
#include "key_condition.h"
#include "number.h"
#include "storage.h"

/*
 * Add a condition to a list, growing it.
 */
static DdbKeyCondition *
AddCondition(DdbKeyConditions *out)
{
	if (out->count % 8 == 0)
	{
		if (out->conditions == NULL)
			out->conditions = palloc0(sizeof(DdbKeyCondition) * 8);
		else
			out->conditions = repalloc(out->conditions,
									   sizeof(DdbKeyCondition) * (out->count + 8));
	}
	memset(&out->conditions[out->count], 0, sizeof(DdbKeyCondition));
	return &out->conditions[out->count++];
}

/*
 * The condition on an attribute, or NULL.
 */
static DdbKeyCondition *
FindCondition(DdbKeyConditions *conditions, const char *name, int len)
{
	for (int i = 0; i < conditions->count; i++)
	{
		DdbKeyCondition *c = &conditions->conditions[i];

		if (c->attribute_len == len && memcmp(c->attribute, name, len) == 0)
			return c;
	}
	return NULL;
}

/*
 * The key operator of a comparison whose attribute is its right operand
 * (:v < k is k > :v).
 */
static DdbKeyOperator
FlippedOperator(DdbCompareOp op)
{
	switch (op)
	{
		case DDB_CMP_LT:
			return DDB_KEY_GT;
		case DDB_CMP_LE:
			return DDB_KEY_GE;
		case DDB_CMP_GT:
			return DDB_KEY_LT;
		case DDB_CMP_GE:
			return DDB_KEY_LE;
		default:
			return DDB_KEY_EQ;
	}
}

/*
 * The key operator of a comparison with its attribute on the left.
 */
static DdbKeyOperator
CompareOperator(DdbCompareOp op)
{
	switch (op)
	{
		case DDB_CMP_EQ:
			return DDB_KEY_EQ;
		case DDB_CMP_LT:
			return DDB_KEY_LT;
		case DDB_CMP_LE:
			return DDB_KEY_LE;
		case DDB_CMP_GT:
			return DDB_KEY_GT;
		case DDB_CMP_GE:
			return DDB_KEY_GE;
		default:
			return DDB_KEY_NOT_INDEXABLE;
	}
}

/*
 * Raise "Conditions can be of length 1 or 2 only" unless there are one to
 * max_conditions conditions (DynamoDB's text is for table keys, which have
 * at most two attributes).
 */
static void
CheckConditionCount(DdbKeyConditions *out, int max_conditions)
{
	if (out->count < 1 || out->count > max_conditions)
		DdbValidationError("Conditions can be of length 1 or 2 only");
}

/*
 * Check one node of a KeyConditionExpression and add its condition, in
 * the order DynamoDB checks them: the node's operator, then its operands
 * from left to right, then the attribute it names.
 */
static void
WalkExpression(DdbCondition *cond, DdbKeyConditions *out)
{
	const char *invalid = NULL;
	int			path_index = -1;
	DdbKeyCondition *kc;
	DdbPathElem *name;

	check_stack_depth();
	switch (cond->kind)
	{
		case DDB_COND_AND:
			WalkExpression(cond->left, out);
			WalkExpression(cond->right, out);
			return;
		case DDB_COND_OR:
			invalid = "OR";
			break;
		case DDB_COND_NOT:
			invalid = "NOT";
			break;
		case DDB_COND_IN:
			invalid = "IN";
			break;
		case DDB_COND_COMPARE:
			if (cond->op == DDB_CMP_NE)
				invalid = "<>";
			break;
		case DDB_COND_ATTRIBUTE_EXISTS:
			invalid = "attribute_exists";
			break;
		case DDB_COND_ATTRIBUTE_NOT_EXISTS:
			invalid = "attribute_not_exists";
			break;
		case DDB_COND_ATTRIBUTE_TYPE:
			invalid = "attribute_type";
			break;
		case DDB_COND_CONTAINS:
			invalid = "contains";
			break;
		case DDB_COND_BETWEEN:
		case DDB_COND_BEGINS_WITH:
			if (cond->operands[0]->kind != DDB_OPERAND_PATH)
				DdbValidationError("Invalid condition in KeyConditionExpression: %s operator must have the key attribute as its first operand",
								   cond->kind == DDB_COND_BETWEEN ? "BETWEEN" : "begins_with");
			break;
	}
	if (invalid != NULL)
		DdbValidationError("Invalid operator used in KeyConditionExpression: %s", invalid);

	for (int i = 0; i < cond->noperands; i++)
	{
		DdbOperand *operand = cond->operands[i];

		if (operand->kind == DDB_OPERAND_PATH)
		{
			if (path_index >= 0)
				DdbValidationError("Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition");
			if (operand->path.nelems > 1)
				DdbValidationError("KeyConditionExpressions cannot have conditions on nested attributes");
			path_index = i;
		}
		else if (operand->kind != DDB_OPERAND_VALUE)
			DdbValidationError("KeyConditionExpressions cannot contain nested operations");
	}
	if (path_index < 0)
		DdbValidationError("Invalid condition in KeyConditionExpression: No key attribute specified");
	name = &cond->operands[path_index]->path.elems[0];
	if (FindCondition(out, name->name, name->name_len) != NULL)
		DdbValidationError("KeyConditionExpressions must only contain one condition per key");

	kc = AddCondition(out);
	kc->attribute = name->name;
	kc->attribute_len = name->name_len;
	kc->condition = cond;
	if (cond->kind == DDB_COND_COMPARE)
	{
		kc->op = path_index == 0 ? CompareOperator(cond->op) : FlippedOperator(cond->op);
		kc->nvalues = 1;
		kc->values[0] = cond->operands[1 - path_index]->value;
	}
	else
	{
		kc->op = cond->kind == DDB_COND_BETWEEN ? DDB_KEY_BETWEEN : DDB_KEY_BEGINS_WITH;
		kc->nvalues = cond->noperands - 1;
		for (int i = 1; i < cond->noperands; i++)
			kc->values[i - 1] = cond->operands[i]->value;
	}
}

/*
 * DdbKeyConditionsFromExpression checks the shape of a bound
 * KeyConditionExpression and splits it into its conditions.
 */
void
DdbKeyConditionsFromExpression(DdbCondition *expression, int max_conditions,
							   DdbKeyConditions *out)
{
	memset(out, 0, sizeof(*out));
	WalkExpression(expression, out);
	CheckConditionCount(out, max_conditions);
}

/*
 * Add the conditions of converted legacy KeyConditions: AND nodes joining
 * one condition per attribute, the first operand of each (of NOT's operand
 * for NOT_CONTAINS) naming the attribute.
 */
static void
WalkLegacy(DdbCondition *cond, DdbKeyConditions *out)
{
	DdbCondition *leaf = cond;
	DdbKeyCondition *kc;

	check_stack_depth();
	if (cond->kind == DDB_COND_AND)
	{
		WalkLegacy(cond->left, out);
		WalkLegacy(cond->right, out);
		return;
	}
	if (cond->kind == DDB_COND_NOT)
		leaf = cond->left;

	kc = AddCondition(out);
	kc->attribute = leaf->operands[0]->path.elems[0].name;
	kc->attribute_len = leaf->operands[0]->path.elems[0].name_len;
	kc->condition = cond;
	kc->nvalues = Min(leaf->noperands - 1, 2);
	for (int i = 0; i < kc->nvalues; i++)
		kc->values[i] = leaf->operands[i + 1]->value;
	switch (cond->kind)
	{
		case DDB_COND_COMPARE:
			kc->op = CompareOperator(cond->op);
			break;
		case DDB_COND_BETWEEN:
			kc->op = DDB_KEY_BETWEEN;
			break;
		case DDB_COND_BEGINS_WITH:
			kc->op = DDB_KEY_BEGINS_WITH;
			break;
		default:
			kc->op = DDB_KEY_NOT_INDEXABLE;
			break;
	}
}

/*
 * DdbKeyConditionsFromLegacy splits converted KeyConditions (NULL for an
 * empty map) into their conditions.
 */
void
DdbKeyConditionsFromLegacy(DdbCondition *conditions, int max_conditions, DdbKeyConditions *out)
{
	memset(out, 0, sizeof(*out));
	if (conditions != NULL)
		WalkLegacy(conditions, out);
	CheckConditionCount(out, max_conditions);
}

/*
 * Whether an AttributeValue has a key type ('S', 'N' or 'B').
 */
static bool
HasKeyType(JsonbValue *value, char key_type)
{
	const char *type = DdbAttributeTypeName(DdbAttributeValueType(value, NULL));

	return type[0] == key_type && type[1] == '\0';
}

/*
 * DdbKeyConditionsMatch checks the conditions and the start key against a
 * key schema.
 *
 * A condition left unmatched (on an attribute that is not a key, or on a
 * RANGE attribute after a gap) makes the first key attribute without a
 * condition "missed"; when every key attribute has one, there are more
 * conditions than keys, which DynamoDB reports for a table without a sort
 * key as "Query key condition not supported".
 */
void
DdbKeyConditionsMatch(const DdbKeySchema *schema, DdbKeyConditions *conditions,
					  JsonbContainer *start_key, DdbKeyCondition **matched)
{
	int			nmatched = 0;
	bool		range_open = true;	/* a later RANGE attribute may have a condition */

	if (conditions->count > 2 && schema->nkeys <= 2)
		DdbValidationError("Conditions can be of length 1 or 2 only");
	for (int i = 0; i < schema->nkeys; i++)
	{
		const char *name = schema->names[i];
		bool		is_hash = (i < schema->nhash);
		DdbKeyCondition *c;

		matched[i] = NULL;
		if (start_key != NULL)
		{
			JsonbValue	v;

			if (!DdbJsonGet(start_key, name, &v))
				DdbValidationError("The provided starting key is invalid");
			if (!HasKeyType(&v, schema->types[i]))
				DdbValidationError("The provided key element does not match the schema");
		}

		if (i == 0 && conditions->count > schema->nkeys)
			DdbValidationError("Query key condition not supported");
		c = range_open ? FindCondition(conditions, name, strlen(name)) : NULL;
		if (c == NULL)
		{
			if (is_hash || conditions->count > nmatched)
				DdbValidationError("Query condition missed key schema element: %s", name);
			range_open = false;
			continue;
		}
		if (c->op == DDB_KEY_NOT_INDEXABLE)
			DdbValidationError("Attempted conditional constraint is not an indexable operation");
		for (int j = 0; j < c->nvalues; j++)
		{
			if (!HasKeyType(c->values[j], schema->types[i]))
				DdbValidationError("One or more parameter values were invalid: Condition parameter type does not match schema type");
		}
		nmatched++;
		if (c->op != DDB_KEY_EQ && (is_hash || conditions->count > nmatched))
			DdbValidationError("Query key condition not supported");
		matched[i] = c;
	}
}

/*
 * DdbKeyConditionsCheck checks the conditions and the start key against
 * the table's key schema.
 */
void
DdbKeyConditionsCheck(DdbTable *table, DdbKeyConditions *conditions, JsonbContainer *start_key,
					  DdbKeyCondition **partition, DdbKeyCondition **sort)
{
	DdbKeySchema schema;
	DdbKeyCondition *matched[DDB_KEY_SCHEMA_MAX];

	schema.nhash = 1;
	schema.nkeys = table->nkeys;
	for (int i = 0; i < table->nkeys; i++)
	{
		schema.names[i] = table->keys[i].name;
		schema.types[i] = table->keys[i].type;
	}
	DdbKeyConditionsMatch(&schema, conditions, start_key, matched);
	*partition = matched[0];
	*sort = table->nkeys == 2 ? matched[1] : NULL;
}

/*
 * DdbKeyConditionDatum returns a key condition constant as a datum of its
 * key column's type.
 */
Datum
DdbKeyConditionDatum(DdbKeyAttribute *attr, int position, JsonbValue *value)
{
	JsonbValue	payload;

	(void) DdbAttributeValueType(value, &payload);
	return DdbKeyValueDatum(attr, position, &payload);
}

/*
 * The first byte string after every byte string that starts with prefix
 * (a bytea datum), or false when there is none.
 */
static bool
BinaryPrefixSuccessor(Datum prefix, Datum *successor)
{
	bytea	   *p = DatumGetByteaPP(prefix);
	int			len = VARSIZE_ANY_EXHDR(p);
	const unsigned char *data = (const unsigned char *) VARDATA_ANY(p);
	bytea	   *result;

	while (len > 0 && data[len - 1] == 0xFF)
		len--;
	if (len == 0)
		return false;
	result = palloc(VARHDRSZ + len);
	SET_VARSIZE(result, VARHDRSZ + len);
	memcpy(VARDATA(result), data, len);
	((unsigned char *) VARDATA(result))[len - 1]++;
	*successor = PointerGetDatum(result);
	return true;
}

/*
 * The first UTF-8 string after every string that starts with prefix (a
 * text datum), or false when there is none: the prefix with its last
 * character replaced by the next one (UTF-8's byte order is the order of
 * code points), dropping trailing U+10FFFF characters. Unlike a byte
 * successor, it is valid text, which a statement may pass on as text (a
 * distributed engine sends parameters to other nodes that way).
 */
static bool
TextPrefixSuccessor(Datum prefix, Datum *successor)
{
	text	   *p = DatumGetTextPP(prefix);
	const unsigned char *data = (const unsigned char *) VARDATA_ANY(p);
	int			len = VARSIZE_ANY_EXHDR(p);

	while (len > 0)
	{
		int			start = len - 1;
		pg_wchar	code;
		unsigned char encoded[8];
		int			encoded_len;

		while (start > 0 && (data[start] & 0xC0) == 0x80)
			start--;
		code = utf8_to_unicode(data + start);
		if (code >= 0x10FFFF)
		{
			len = start;
			continue;
		}
		code = code == 0xD7FF ? 0xE000 : code + 1;	/* no surrogates */
		encoded_len = pg_utf_mblen(unicode_to_utf8(code, encoded));
		*successor = PointerGetDatum(palloc(VARHDRSZ + start + encoded_len));
		SET_VARSIZE(DatumGetPointer(*successor), VARHDRSZ + start + encoded_len);
		memcpy(VARDATA(DatumGetPointer(*successor)), data, start);
		memcpy(VARDATA(DatumGetPointer(*successor)) + start, encoded, encoded_len);
		return true;
	}
	return false;
}

/*
 * DdbKeyConditionBounds sets the bounds of a range from a checked
 * condition on the key attribute attr (position 0 a HASH attribute, 1 a
 * RANGE attribute, for the size limits).
 */
void
DdbKeyConditionBounds(DdbKeyCondition *condition, DdbKeyAttribute *attr, int position,
					  DdbQueryRange *range)
{
	Datum		v = DdbKeyConditionDatum(attr, position, condition->values[0]);

	switch (condition->op)
	{
		case DDB_KEY_EQ:
			range->lower_kind = range->upper_kind = DDB_BOUND_INCLUSIVE;
			range->lower = range->upper = v;
			break;
		case DDB_KEY_LT:
		case DDB_KEY_LE:
			range->upper_kind = condition->op == DDB_KEY_LT ? DDB_BOUND_EXCLUSIVE : DDB_BOUND_INCLUSIVE;
			range->upper = v;
			break;
		case DDB_KEY_GT:
		case DDB_KEY_GE:
			range->lower_kind = condition->op == DDB_KEY_GT ? DDB_BOUND_EXCLUSIVE : DDB_BOUND_INCLUSIVE;
			range->lower = v;
			break;
		case DDB_KEY_BETWEEN:
			range->lower_kind = range->upper_kind = DDB_BOUND_INCLUSIVE;
			range->lower = v;
			range->upper = DdbKeyConditionDatum(attr, position, condition->values[1]);
			break;
		case DDB_KEY_BEGINS_WITH:
			range->lower_kind = DDB_BOUND_INCLUSIVE;
			range->lower = v;
			if (attr->type == 'S' ? TextPrefixSuccessor(v, &range->upper) :
				BinaryPrefixSuccessor(v, &range->upper))
				range->upper_kind = DDB_BOUND_EXCLUSIVE;
			break;
		case DDB_KEY_NOT_INDEXABLE:
			elog(ERROR, "key condition was not checked");
	}
}

/*
 * DdbKeyConditionsRange turns checked conditions into the rows to read.
 */
void
DdbKeyConditionsRange(DdbTable *table, DdbKeyCondition *partition, DdbKeyCondition *sort,
					  DdbQueryRange *range)
{
	memset(range, 0, sizeof(*range));
	range->forward = true;
	range->partition = DdbKeyConditionDatum(&table->keys[0], 0, partition->values[0]);
	if (sort != NULL)
		DdbKeyConditionBounds(sort, &table->keys[1], 1, range);
}
