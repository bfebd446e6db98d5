/*-------------------------------------------------------------------------
 *
 * legacy.c
 *	  DynamoDB's legacy (pre-expression) parameters, converted to bound
 *	  expressions so that they run on the same engine as expressions:
 *
 *	  Expected {attr: {Value, Exists} | {ComparisonOperator,
 *	  AttributeValueList}} joined by ConditionalOperator (AND, OR)
 *		-> attr = :v, attribute_exists / attribute_not_exists, comparisons,
 *		   BETWEEN, IN, contains, begins_with
 *	  AttributeUpdates {attr: {Action: PUT | ADD | DELETE, Value}}
 *		-> SET attr = :v, ADD attr :v (a list is appended), REMOVE attr,
 *		   DELETE attr :set
 *	  AttributesToGet [attr, ...]
 *		-> a projection of top-level attributes
 *	  QueryFilter, ScanFilter {attr: {ComparisonOperator, AttributeValueList}}
 *	  joined by ConditionalOperator
 *		-> the same conditions as Expected's ComparisonOperator form
 *	  KeyConditions {attr: {ComparisonOperator, AttributeValueList}}
 *		-> their AND; query.c checks that it fits the key schema
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "errors.h"
#include "expr.h"
#include "item.h"
#include "json_util.h"
#include "legacy.h"
#include "request.h"

/* The legacy comparison operators and how many values each takes */
typedef struct LegacyOperator
{
	const char *name;
	int			min_values;
	int			max_values;
} LegacyOperator;

static const LegacyOperator legacy_operators[] = {
	{"EQ", 1, 1}, {"NE", 1, 1}, {"LE", 1, 1}, {"LT", 1, 1}, {"GE", 1, 1}, {"GT", 1, 1},
	{"NOT_NULL", 0, 0}, {"NULL", 0, 0}, {"CONTAINS", 1, 1}, {"NOT_CONTAINS", 1, 1},
	{"BEGINS_WITH", 1, 1}, {"IN", 1, INT_MAX}, {"BETWEEN", 2, 2},
};

/*
 * A one-element path naming a top-level attribute.
 */
static DdbPath
TopLevelPath(const char *name, int len)
{
	DdbPath		path;

	path.nelems = 1;
	path.elems = palloc0(sizeof(DdbPathElem));
	path.elems[0].kind = DDB_PATH_NAME;
	path.elems[0].name = pnstrdup(name, len);
	path.elems[0].name_len = len;
	return path;
}

/*
 * An operand naming a top-level attribute.
 */
static DdbOperand *
PathOperand(const char *name, int len)
{
	DdbOperand *operand = palloc0(sizeof(DdbOperand));

	operand->kind = DDB_OPERAND_PATH;
	operand->path = TopLevelPath(name, len);
	return operand;
}

/*
 * A constant operand: the normalized AttributeValue of raw.
 */
static DdbOperand *
ValueOperand(JsonbValue *raw)
{
	DdbOperand *operand = palloc0(sizeof(DdbOperand));
	Size		size;
	Jsonb	   *normalized = DdbAttributeValueNormalizeToJsonb(raw, &size);

	operand->kind = DDB_OPERAND_VALUE;
	operand->value_name = "Value";
	operand->value = palloc0(sizeof(JsonbValue));
	operand->value->type = jbvBinary;
	operand->value->val.binary.data = &normalized->root;
	operand->value->val.binary.len = VARSIZE(normalized) - VARHDRSZ;
	return operand;
}

/*
 * A condition node with the given operands.
 */
static DdbCondition *
MakeCondition(DdbConditionKind kind, int noperands, DdbOperand **operands)
{
	DdbCondition *cond = palloc0(sizeof(DdbCondition));

	cond->kind = kind;
	cond->noperands = noperands;
	cond->operands = operands;
	return cond;
}

/*
 * left AND/OR right, or NOT left.
 */
static DdbCondition *
Combine(DdbConditionKind kind, DdbCondition *left, DdbCondition *right)
{
	DdbCondition *cond = MakeCondition(kind, 0, NULL);

	cond->left = left;
	cond->right = right;
	return cond;
}

/*
 * conds[0] AND/OR ... conds[n - 1] (n > 0), as a balanced tree: a legacy
 * map may hold thousands of conditions, and a chain that deep would exhaust
 * the stack of everything that walks it.
 */
static DdbCondition *
JoinAll(DdbConditionKind kind, DdbCondition **conds, int n)
{
	if (n == 1)
		return conds[0];
	return Combine(kind, JoinAll(kind, conds, n / 2), JoinAll(kind, conds + n / 2, n - n / 2));
}

/*
 * The type of a normalized constant operand.
 */
static DdbAttributeType
OperandType(DdbOperand *operand)
{
	return DdbAttributeValueType(operand->value, NULL);
}

/*
 * Whether constant operand a orders after constant operand b (both S, N or
 * B of one type): evaluate a > b, which needs no item.
 */
static bool
ConstantGreater(DdbOperand *a, DdbOperand *b)
{
	DdbOperand *operands[2] = {a, b};
	DdbCondition *cond = MakeCondition(DDB_COND_COMPARE, 2, operands);

	cond->op = DDB_CMP_GT;
	return DdbEvaluateCondition(cond, NULL);
}

/*
 * Convert one ComparisonOperator with its AttributeValueList. member names
 * the parameter in constraint messages ("expected", "queryFilter", ...).
 */
static DdbCondition *
ComparisonCondition(const char *attr, int attr_len, const char *op_name, JsonbContainer *list,
					const char *member)
{
	const LegacyOperator *op = NULL;
	JsonbValue *raw = NULL;
	int			nvalues = 0;
	DdbOperand **operands;
	DdbCondition *cond;

	for (int i = 0; i < lengthof(legacy_operators); i++)
	{
		if (strcmp(legacy_operators[i].name, op_name) == 0)
			op = &legacy_operators[i];
	}
	if (op == NULL)
		DdbValidationError("1 validation error detected: Value '%s' at '%s.%.*s.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]",
						   op_name, member, attr_len, attr);
	if (list != NULL)
		nvalues = DdbJsonArrayElements(list, &raw);
	if (nvalues < op->min_values || nvalues > op->max_values)
		DdbValidationError("One or more parameter values were invalid: Invalid number of argument(s) for the %s ComparisonOperator",
						   op->name);

	operands = palloc0(sizeof(DdbOperand *) * (nvalues + 1));
	operands[0] = PathOperand(attr, attr_len);
	for (int i = 0; i < nvalues; i++)
		operands[i + 1] = ValueOperand(&raw[i]);

	/* every value of a list has the list's type */
	for (int i = 2; i <= nvalues; i++)
	{
		if (OperandType(operands[i]) != OperandType(operands[1]))
			DdbValidationError("One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type");
	}

	/* all but EQ and NE take S, N or B; BEGINS_WITH S or B */
	for (int i = 1; i <= nvalues; i++)
	{
		DdbAttributeType type = OperandType(operands[i]);
		bool		scalar = type == DDB_TYPE_S || type == DDB_TYPE_N || type == DDB_TYPE_B;

		if (((strcmp(op->name, "EQ") != 0 && strcmp(op->name, "NE") != 0) && !scalar) ||
			(strcmp(op->name, "BEGINS_WITH") == 0 && type == DDB_TYPE_N))
			DdbValidationError("One or more parameter values were invalid: ComparisonOperator %s is not valid for %s AttributeValue type",
							   op->name, DdbAttributeTypeName(type));
	}

	if (strcmp(op->name, "NULL") == 0)
		return MakeCondition(DDB_COND_ATTRIBUTE_NOT_EXISTS, 1, operands);
	if (strcmp(op->name, "NOT_NULL") == 0)
		return MakeCondition(DDB_COND_ATTRIBUTE_EXISTS, 1, operands);
	if (strcmp(op->name, "CONTAINS") == 0)
		return MakeCondition(DDB_COND_CONTAINS, 2, operands);
	if (strcmp(op->name, "NOT_CONTAINS") == 0)
		return Combine(DDB_COND_NOT, MakeCondition(DDB_COND_CONTAINS, 2, operands), NULL);
	if (strcmp(op->name, "BEGINS_WITH") == 0)
		return MakeCondition(DDB_COND_BEGINS_WITH, 2, operands);
	if (strcmp(op->name, "IN") == 0)
		return MakeCondition(DDB_COND_IN, nvalues + 1, operands);
	if (strcmp(op->name, "BETWEEN") == 0)
	{
		if (ConstantGreater(operands[1], operands[2]))
			DdbValidationError("The BETWEEN condition was provided a range where the lower bound is greater than the upper bound");
		return MakeCondition(DDB_COND_BETWEEN, 3, operands);
	}

	cond = MakeCondition(DDB_COND_COMPARE, 2, operands);
	cond->op = strcmp(op->name, "EQ") == 0 ? DDB_CMP_EQ :
		strcmp(op->name, "NE") == 0 ? DDB_CMP_NE :
		strcmp(op->name, "LE") == 0 ? DDB_CMP_LE :
		strcmp(op->name, "LT") == 0 ? DDB_CMP_LT :
		strcmp(op->name, "GE") == 0 ? DDB_CMP_GE : DDB_CMP_GT;
	return cond;
}

/*
 * Convert the ExpectedAttributeValue of one attribute.
 */
static DdbCondition *
ExpectedCondition(const char *attr, int attr_len, JsonbValue *spec_value)
{
	static const char *const allowed[] = {
		"Value", "Exists", "ComparisonOperator", "AttributeValueList", NULL
	};
	JsonbContainer *spec = DdbJsonValueObject(spec_value, "ExpectedAttributeValue");
	JsonbValue	value;
	bool		has_value = DdbJsonGet(spec, "Value", &value);
	bool		exists = true;
	bool		has_exists = DdbJsonGetBool(spec, "Exists", &exists);
	char	   *op_name = DdbJsonGetString(spec, "ComparisonOperator");
	JsonbContainer *list = DdbJsonGetArray(spec, "AttributeValueList");
	DdbOperand **operands;
	DdbCondition *cond;

	DdbJsonCheckMembers(spec, allowed);
	DdbCheckAttributeName(attr, attr_len);
	if (op_name != NULL || list != NULL)
	{
		if (has_value || has_exists)
			DdbValidationError("One or more parameter values were invalid: Value or Exists cannot be used with ComparisonOperator and AttributeValueList for attribute (%.*s)",
							   attr_len, attr);
		if (op_name == NULL)
			DdbValidationError("One or more parameter values were invalid: AttributeValueList can only be used with a ComparisonOperator for Attribute: %.*s",
							   attr_len, attr);
		return ComparisonCondition(attr, attr_len, op_name, list, "expected");
	}

	operands = palloc0(sizeof(DdbOperand *) * 2);
	operands[0] = PathOperand(attr, attr_len);
	if (!exists)
	{
		if (has_value)
			DdbValidationError("One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: %.*s",
							   attr_len, attr);
		return MakeCondition(DDB_COND_ATTRIBUTE_NOT_EXISTS, 1, operands);
	}
	if (!has_value)
		DdbValidationError("One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: %.*s",
						   attr_len, attr);
	operands[1] = ValueOperand(&value);
	cond = MakeCondition(DDB_COND_COMPARE, 2, operands);
	cond->op = DDB_CMP_EQ;
	return cond;
}

/*
 * DdbLegacyExpected converts Expected and ConditionalOperator.
 */
DdbCondition *
DdbLegacyExpected(JsonbContainer *expected, const char *conditional_operator)
{
	static const char *const operators[] = {"AND", "OR", NULL};
	DdbConstraintErrors errors;
	DdbJsonMember *members = NULL;
	DdbCondition **conds;
	int			n;

	if (conditional_operator != NULL)
	{
		DdbConstraintInit(&errors);
		DdbRequestCheckString(&errors, conditional_operator, "conditionalOperator", 0, INT_MAX,
							  operators, "[AND, OR]");
		DdbConstraintRaise(&errors);
	}
	n = expected != NULL ? DdbJsonObjectMembers(expected, &members) : 0;
	if (n == 0)
	{
		/* an empty Expected specifies no condition either */
		if (conditional_operator != NULL)
			DdbValidationError("ConditionalOperator can only be used when Filter or Expected conditions are specified");
		return NULL;
	}
	conds = palloc(n * sizeof(DdbCondition *));
	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		conds[i] = ExpectedCondition(members[i].key, members[i].keylen, &members[i].value);
	}
	return JoinAll(conditional_operator != NULL && strcmp(conditional_operator, "OR") == 0 ?
				   DDB_COND_OR : DDB_COND_AND, conds, n);
}

/*
 * Convert a map of legacy Conditions (QueryFilter, ScanFilter,
 * KeyConditions: attribute -> {ComparisonOperator, AttributeValueList})
 * joined by join (AND or OR). member names the parameter in constraint
 * messages. NULL for no conditions.
 */
static DdbCondition *
ConditionMap(JsonbContainer *conditions, const char *member, DdbConditionKind join)
{
	static const char *const allowed[] = {"AttributeValueList", "ComparisonOperator", NULL};
	DdbJsonMember *members;
	DdbCondition **conds;
	int			n;

	if (conditions == NULL)
		return NULL;
	n = DdbJsonObjectMembers(conditions, &members);
	if (n == 0)
		return NULL;
	conds = palloc(n * sizeof(DdbCondition *));
	for (int i = 0; i < n; i++)
	{
		JsonbContainer *spec = DdbJsonValueObject(&members[i].value, "Condition");
		char	   *op_name = DdbJsonGetString(spec, "ComparisonOperator");
		JsonbContainer *list = DdbJsonGetArray(spec, "AttributeValueList");

		DdbJsonCheckMembers(spec, allowed);
		if (op_name == NULL)
			DdbValidationError("1 validation error detected: Value null at '%s.%.*s.member.comparisonOperator' failed to satisfy constraint: Member must not be null",
							   member, members[i].keylen, members[i].key);
		/* names of key conditions are matched against the key schema instead */
		if (strcmp(member, "keyConditions") != 0)
			DdbCheckAttributeName(members[i].key, members[i].keylen);
		CHECK_FOR_INTERRUPTS();
		conds[i] = ComparisonCondition(members[i].key, members[i].keylen, op_name, list, member);
	}
	return JoinAll(join, conds, n);
}

/*
 * DdbLegacyFilter converts QueryFilter or ScanFilter and ConditionalOperator.
 */
DdbCondition *
DdbLegacyFilter(JsonbContainer *conditions, const char *member, const char *conditional_operator)
{
	static const char *const operators[] = {"AND", "OR", NULL};
	DdbConstraintErrors errors;

	if (conditional_operator != NULL)
	{
		DdbConstraintInit(&errors);
		DdbRequestCheckString(&errors, conditional_operator, "conditionalOperator", 0, INT_MAX,
							  operators, "[OR, AND]");
		DdbConstraintRaise(&errors);
		if (conditions == NULL || JsonContainerSize(conditions) == 0)
			DdbValidationError("ConditionalOperator can only be used when Filter or Expected conditions are specified");
	}
	return ConditionMap(conditions, member,
						conditional_operator != NULL && strcmp(conditional_operator, "OR") == 0 ?
						DDB_COND_OR : DDB_COND_AND);
}

/*
 * DdbLegacyKeyConditions converts KeyConditions.
 */
DdbCondition *
DdbLegacyKeyConditions(JsonbContainer *conditions)
{
	return ConditionMap(conditions, "keyConditions", DDB_COND_AND);
}

/*
 * DdbLegacyAttributeUpdates converts AttributeUpdates.
 */
DdbUpdate *
DdbLegacyAttributeUpdates(JsonbContainer *updates)
{
	static const char *const actions[] = {"ADD", "PUT", "DELETE", NULL};
	static const char *const allowed[] = {"Value", "Action", NULL};
	DdbJsonMember *members;
	int			n;
	DdbUpdate  *update;

	if (updates == NULL)
		return NULL;
	n = DdbJsonObjectMembers(updates, &members);
	update = palloc0(sizeof(DdbUpdate));
	update->legacy = true;
	update->actions = palloc0(sizeof(DdbUpdateAction) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		JsonbContainer *spec = DdbJsonValueObject(&members[i].value, "AttributeValueUpdate");
		char	   *action = DdbJsonGetString(spec, "Action");
		JsonbValue	raw;
		bool		has_value = DdbJsonGet(spec, "Value", &raw);
		DdbUpdateAction *out = &update->actions[update->nactions++];
		DdbConstraintErrors errors;
		DdbAttributeType type = DDB_TYPE_INVALID;

		DdbJsonCheckMembers(spec, allowed);
		DdbCheckAttributeName(members[i].key, members[i].keylen);
		DdbConstraintInit(&errors);
		if (action != NULL)
			DdbRequestCheckString(&errors, action,
								  psprintf("attributeUpdates.%s.member.action", members[i].key),
								  0, INT_MAX, actions, "[ADD, PUT, DELETE]");
		DdbConstraintRaise(&errors);
		if (action == NULL)
			action = "PUT";

		out->path = TopLevelPath(members[i].key, members[i].keylen);
		if (has_value)
		{
			out->value = ValueOperand(&raw);
			type = OperandType(out->value);
		}

		if (strcmp(action, "PUT") == 0)
		{
			if (!has_value)
				DdbValidationError("One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified");
			out->kind = DDB_UPDATE_SET;
		}
		else if (strcmp(action, "DELETE") == 0)
		{
			out->kind = has_value ? DDB_UPDATE_DELETE : DDB_UPDATE_REMOVE;
			if (has_value && type != DDB_TYPE_SS && type != DDB_TYPE_NS && type != DDB_TYPE_BS)
				DdbValidationError("One or more parameter values were invalid: DELETE action with value is not supported for the type %s",
								   DdbAttributeTypeName(type));
		}
		else
		{
			if (!has_value)
				DdbValidationError("One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified");
			if (type == DDB_TYPE_L)
			{
				/* a list is appended: SET a = list_append(if_not_exists(a, []), :v) */
				DdbOperand *append = palloc0(sizeof(DdbOperand));
				DdbOperand *existing = palloc0(sizeof(DdbOperand));
				JsonbValue *empty_list = palloc0(sizeof(JsonbValue));
				Jsonb	   *empty = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
																	   CStringGetDatum("{\"L\": []}")));

				empty_list->type = jbvBinary;
				empty_list->val.binary.data = &empty->root;
				empty_list->val.binary.len = VARSIZE(empty) - VARHDRSZ;
				existing->kind = DDB_OPERAND_IF_NOT_EXISTS;
				existing->path = out->path;
				existing->left = palloc0(sizeof(DdbOperand));
				existing->left->kind = DDB_OPERAND_VALUE;
				existing->left->value_name = "Value";
				existing->left->value = empty_list;
				append->kind = DDB_OPERAND_LIST_APPEND;
				append->left = existing;
				append->right = out->value;
				out->kind = DDB_UPDATE_SET;
				out->value = append;
			}
			else if (type == DDB_TYPE_N || type == DDB_TYPE_SS || type == DDB_TYPE_NS ||
					 type == DDB_TYPE_BS)
				out->kind = DDB_UPDATE_ADD;
			else
				DdbValidationError("One or more parameter values were invalid: ADD action is not supported for the type %s",
								   DdbAttributeTypeName(type));
		}
	}
	return update;
}

/*
 * DdbLegacyAttributesToGet converts AttributesToGet.
 */
DdbProjection *
DdbLegacyAttributesToGet(JsonbContainer *names)
{
	JsonbValue *elements;
	int			n;
	int			repeat;
	char	  **strings;
	DdbProjection *projection;

	if (names == NULL)
		return NULL;
	n = DdbJsonArrayElements(names, &elements);
	if (n == 0)
		DdbValidationError("1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1");
	strings = palloc(sizeof(char *) * n);
	for (int i = 0; i < n; i++)
	{
		strings[i] = DdbJsonValueString(&elements[i], "AttributesToGet");
		DdbCheckAttributeName(strings[i], elements[i].val.string.len);
	}
	repeat = DdbRequestFirstRepeat(strings, n);
	if (repeat >= 0)
		DdbValidationError("One or more parameter values were invalid: Duplicate value in attribute name: %s",
						   strings[repeat]);
	projection = palloc0(sizeof(DdbProjection));
	projection->npaths = n;
	projection->paths = palloc0(sizeof(DdbPath) * n);
	for (int i = 0; i < n; i++)
		projection->paths[i] = TopLevelPath(strings[i], strlen(strings[i]));
	return projection;
}
