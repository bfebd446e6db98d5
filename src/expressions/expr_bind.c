/*-------------------------------------------------------------------------
 *
 * expr_bind.c
 *	  Stage 2 of the expression language: resolving one request's #name and
 *	  :value placeholders, and the checks that depend on them.
 *
 * A request may carry several expressions (a condition and an update, say)
 * that share one ExpressionAttributeNames and one ExpressionAttributeValues
 * map. The bind context validates both maps once (values are normalized as
 * AttributeValues), resolves each expression against them into a private
 * copy of the cached parse tree, and remembers which placeholders were used,
 * so that DdbBindFinish can reject the unused ones as DynamoDB does.
 *
 * Checks made here, each a ValidationException with DynamoDB's text:
 * undefined placeholders; constant operands (and size(), a number) of the
 * wrong type for an operator or function, attribute_type with a path for
 * its type name; BETWEEN bounds of different types or in the wrong
 * order; attribute_type's type name; contains(a, a); overlapping or
 * conflicting document paths in one update or projection; updates of key
 * attributes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/jsonb.h"

#include "errors.h"
#include "expr.h"
#include "item.h"
#include "json_util.h"
#include "number.h"
#include "string_escape.h"

/* One placeholder of ExpressionAttributeNames or ExpressionAttributeValues */
typedef struct Placeholder
{
	char	   *key;			/* "#name" or ":value" */
	int			key_len;
	JsonbValue	value;			/* the name (jbvString) or the normalized AttributeValue */
	bool		used;			/* referenced by an expression of the request */
} Placeholder;

struct DdbBindContext
{
	int			nnames;
	Placeholder *names;
	int			nvalues;
	Placeholder *values;
	DdbExprKind kind;			/* of the expression being bound, for messages */
};

static DdbCondition *BindCondition(DdbBindContext *context, const DdbCondition *cond);
static DdbOperand *BindOperand(DdbBindContext *context, const DdbOperand *operand);

/*
 * Whether a placeholder token is well formed: the marker then [A-Za-z0-9_]+.
 */
static bool
PlaceholderSyntaxOk(const char *key, int len, char marker)
{
	if (len < 2 || key[0] != marker)
		return false;
	for (int i = 1; i < len; i++)
	{
		char		c = key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

/*
 * Normalize one ExpressionAttributeValues entry, rewording its validation
 * error as DynamoDB does: "ExpressionAttributeValues contains invalid value:
 * <error> for key :v".
 */
static void
NormalizePlaceholderValue(Placeholder *placeholder, JsonbValue *raw)
{
	MemoryContext context = CurrentMemoryContext;
	Jsonb	   *normalized = NULL;
	Size		size;

	PG_TRY();
	{
		normalized = DdbAttributeValueNormalizeToJsonb(raw, &size);
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		const char *prefix = "ValidationException: ";

		MemoryContextSwitchTo(context);
		edata = CopyErrorData();
		if (edata->sqlerrcode != DdbErrorSqlState(DDB_VALIDATION) ||
			strncmp(edata->message, prefix, strlen(prefix)) != 0)
			PG_RE_THROW();
		FlushErrorState();
		DdbValidationError("ExpressionAttributeValues contains invalid value: %s for key %s",
						   edata->message + strlen(prefix), placeholder->key);
	}
	PG_END_TRY();

	placeholder->value.type = jbvBinary;
	placeholder->value.val.binary.data = &normalized->root;
	placeholder->value.val.binary.len = VARSIZE(normalized) - VARHDRSZ;
}

/*
 * DdbBindBegin validates a request's ExpressionAttributeNames and
 * ExpressionAttributeValues (either may be NULL) and starts binding.
 */
DdbBindContext *
DdbBindBegin(JsonbContainer *names, JsonbContainer *values)
{
	DdbBindContext *context = palloc0(sizeof(DdbBindContext));
	DdbJsonMember *members;

	if (names != NULL)
	{
		context->nnames = DdbJsonObjectMembers(names, &members);
		if (context->nnames == 0)
			DdbValidationError("ExpressionAttributeNames must not be empty");
		context->names = palloc0(sizeof(Placeholder) * context->nnames);
		for (int i = 0; i < context->nnames; i++)
		{
			Placeholder *p = &context->names[i];

			p->key = members[i].key;
			p->key_len = members[i].keylen;
			if (!PlaceholderSyntaxOk(p->key, p->key_len, '#'))
				DdbValidationError("ExpressionAttributeNames contains invalid key: Syntax error; key: \"%s\"",
								   p->key);
			(void) DdbJsonValueString(&members[i].value, "ExpressionAttributeNames");
			if (members[i].value.val.string.len == 0)
				DdbValidationError("ExpressionAttributeNames contains invalid value: Empty attribute name for key %s",
								   p->key);
			if (DdbStoredStringSize(members[i].value.val.string.val,
									members[i].value.val.string.len) > DDB_MAX_ATTRIBUTE_NAME_SIZE)
				DdbValidationError("ExpressionAttributeNames contains invalid value: Attribute name is too large, must be at most %d bytes for key %s",
								   DDB_MAX_ATTRIBUTE_NAME_SIZE, p->key);
			p->value = members[i].value;
		}
	}
	if (values != NULL)
	{
		context->nvalues = DdbJsonObjectMembers(values, &members);
		if (context->nvalues == 0)
			DdbValidationError("ExpressionAttributeValues must not be empty");
		context->values = palloc0(sizeof(Placeholder) * context->nvalues);
		for (int i = 0; i < context->nvalues; i++)
		{
			Placeholder *p = &context->values[i];

			p->key = members[i].key;
			p->key_len = members[i].keylen;
			if (!PlaceholderSyntaxOk(p->key, p->key_len, ':'))
				DdbValidationError("ExpressionAttributeValues contains invalid key: Syntax error; key: \"%s\"",
								   p->key);
			NormalizePlaceholderValue(p, &members[i].value);
		}
	}
	return context;
}

/*
 * Find a placeholder by its token; NULL when undefined.
 */
static Placeholder *
FindPlaceholder(Placeholder *placeholders, int n, const char *key, int len)
{
	for (int i = 0; i < n; i++)
	{
		if (placeholders[i].key_len == len && memcmp(placeholders[i].key, key, len) == 0)
			return &placeholders[i];
	}
	return NULL;
}

/*
 * Report the placeholders of one map that no expression used.
 */
static void
CheckUnused(Placeholder *placeholders, int n, const char *map_name)
{
	StringInfoData unused;
	int			count = 0;

	initStringInfo(&unused);
	for (int i = 0; i < n; i++)
	{
		if (placeholders[i].used)
			continue;
		appendStringInfo(&unused, "%s%s", count > 0 ? ", " : "", placeholders[i].key);
		count++;
	}
	if (count > 0)
		DdbValidationError("Value provided in %s unused in expressions: keys: {%s}",
						   map_name, DdbEchoText(unused.data, unused.len));
}

/*
 * DdbBindFinish rejects placeholders that none of the request's
 * expressions used.
 */
void
DdbBindFinish(DdbBindContext *context)
{
	CheckUnused(context->names, context->nnames, "ExpressionAttributeNames");
	CheckUnused(context->values, context->nvalues, "ExpressionAttributeValues");
}

/*
 * Raise "Invalid <Kind>: <text>".
 */
static void
BindError(DdbBindContext *context, const char *text)
{
	DdbValidationError("Invalid %s: %s", DdbExprKindName(context->kind), text);
}

/*
 * Resolve the placeholders of a path into a new path.
 */
static void
BindPath(DdbBindContext *context, const DdbPath *parsed, DdbPath *bound)
{
	bound->nelems = parsed->nelems;
	bound->elems = palloc(sizeof(DdbPathElem) * Max(parsed->nelems, 1));
	for (int i = 0; i < parsed->nelems; i++)
	{
		const DdbPathElem *elem = &parsed->elems[i];
		DdbPathElem *out = &bound->elems[i];

		*out = *elem;
		if (elem->kind == DDB_PATH_NAME && elem->is_placeholder)
		{
			Placeholder *p = FindPlaceholder(context->names, context->nnames,
											 elem->name, elem->name_len);

			if (p == NULL)
				BindError(context, psprintf("An expression attribute name used in the document path is not defined; attribute name: %.*s",
											elem->name_len, elem->name));
			p->used = true;
			out->name = p->value.val.string.val;
			out->name_len = p->value.val.string.len;
			out->is_placeholder = false;
		}
	}
}

/*
 * The type of a bound constant operand, or DDB_TYPE_INVALID when the
 * operand is not a constant.
 */
static DdbAttributeType
ConstantType(const DdbOperand *operand, JsonbValue *payload)
{
	if (operand == NULL || operand->kind != DDB_OPERAND_VALUE || operand->value == NULL)
		return DDB_TYPE_INVALID;
	return DdbAttributeValueType(operand->value, payload);
}

/*
 * The type an operand is known to have before any item is read: a
 * constant's type, N for size(); DDB_TYPE_INVALID for a path.
 */
static DdbAttributeType
KnownType(const DdbOperand *operand, JsonbValue *payload)
{
	if (operand != NULL && operand->kind == DDB_OPERAND_SIZE)
		return DDB_TYPE_N;
	return ConstantType(operand, payload);
}

/*
 * Raise the "incorrect operand type" error of an operator or function.
 */
static void
OperandTypeError(DdbBindContext *context, const char *what, DdbAttributeType type)
{
	BindError(context, psprintf("Incorrect operand type for operator or function; operator or function: %s, operand type: %s",
								what, DdbAttributeTypeName(type)));
}

/*
 * Check that an operand of a known type (a constant or size()) has one of
 * the scalar types S, N, B (for ordering comparisons, BETWEEN, begins_with:
 * allow_n false excludes N).
 */
static void
CheckConstantScalar(DdbBindContext *context, const DdbOperand *operand, const char *what, bool allow_n)
{
	JsonbValue	payload;
	DdbAttributeType type = KnownType(operand, &payload);

	if (type == DDB_TYPE_INVALID)
		return;
	if (type == DDB_TYPE_S || type == DDB_TYPE_B || (allow_n && type == DDB_TYPE_N))
		return;
	OperandTypeError(context, what, type);
}

/*
 * Render an AttributeValue as DynamoDB prints it in BETWEEN errors:
 * "AttributeValue: {N:2}".
 */
static char *
AttributeValueText(DdbAttributeType type, JsonbValue *payload)
{
	if (payload->type == jbvString)
		return psprintf("AttributeValue: {%s:%.*s}", DdbAttributeTypeName(type),
						payload->val.string.len, payload->val.string.val);
	return psprintf("AttributeValue: {%s}", DdbAttributeTypeName(type));
}

/*
 * Compare two scalar constants of one type (S by bytes, N numerically, B
 * by decoded bytes).
 */
static int
CompareScalars(DdbAttributeType type, JsonbValue *a, JsonbValue *b)
{
	if (type == DDB_TYPE_N)
	{
		char	   *x = pnstrdup(a->val.string.val, a->val.string.len);
		char	   *y = pnstrdup(b->val.string.val, b->val.string.len);

		return DdbNumberCompare(x, y);
	}
	if (type == DDB_TYPE_B)
	{
		bytea	   *x = DdbBase64Decode(a->val.string.val, a->val.string.len);
		bytea	   *y = DdbBase64Decode(b->val.string.val, b->val.string.len);
		int			lx = VARSIZE_ANY_EXHDR(x);
		int			ly = VARSIZE_ANY_EXHDR(y);
		int			c = memcmp(VARDATA_ANY(x), VARDATA_ANY(y), Min(lx, ly));

		return c != 0 ? c : (lx > ly) - (lx < ly);
	}
	{
		int			c = memcmp(a->val.string.val, b->val.string.val,
							   Min(a->val.string.len, b->val.string.len));

		return c != 0 ? c : (a->val.string.len > b->val.string.len) -
			(a->val.string.len < b->val.string.len);
	}
}

/*
 * DdbPathEquals tells whether two bound paths are the same path.
 */
bool
DdbPathEquals(const DdbPath *a, const DdbPath *b)
{
	if (a->nelems != b->nelems)
		return false;
	for (int i = 0; i < a->nelems; i++)
	{
		const DdbPathElem *x = &a->elems[i];
		const DdbPathElem *y = &b->elems[i];

		if (x->kind != y->kind)
			return false;
		if (x->kind == DDB_PATH_INDEX ? x->index != y->index :
			(x->name_len != y->name_len || memcmp(x->name, y->name, x->name_len) != 0))
			return false;
	}
	return true;
}

/*
 * Reject a comparison or two-operand function whose operands are one and
 * the same path, as DynamoDB does ("a = a", "begins_with(a, a)").
 */
static void
CheckDistinctOperands(DdbBindContext *context, DdbCondition *cond, const char *name)
{
	if (cond->noperands == 2 &&
		cond->operands[0]->kind == DDB_OPERAND_PATH &&
		cond->operands[1]->kind == DDB_OPERAND_PATH &&
		DdbPathEquals(&cond->operands[0]->path, &cond->operands[1]->path))
		BindError(context, psprintf("The first operand must be distinct from the remaining operands for this operator or function; operator: %s, first operand: %s",
									name, DdbPathText(&cond->operands[0]->path)));
}

/*
 * Check the operands of a condition whose types are constrained.
 */
static void
CheckConditionOperands(DdbBindContext *context, DdbCondition *cond)
{
	static const char *const compare_names[] = {"=", "<>", "<", "<=", ">", ">="};
	JsonbValue	lower;
	JsonbValue	upper;
	DdbAttributeType lower_type;
	DdbAttributeType upper_type;

	switch (cond->kind)
	{
		case DDB_COND_COMPARE:
			CheckDistinctOperands(context, cond, compare_names[cond->op]);
			if (cond->op != DDB_CMP_EQ && cond->op != DDB_CMP_NE)
				for (int i = 0; i < 2; i++)
					CheckConstantScalar(context, cond->operands[i], compare_names[cond->op], true);
			break;
		case DDB_COND_BETWEEN:
			for (int i = 0; i < 3; i++)
				CheckConstantScalar(context, cond->operands[i], "BETWEEN", true);
			lower_type = ConstantType(cond->operands[1], &lower);
			upper_type = ConstantType(cond->operands[2], &upper);
			if (lower_type != DDB_TYPE_INVALID && upper_type != DDB_TYPE_INVALID)
			{
				if (lower_type != upper_type)
					BindError(context, psprintf("The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: %s, upper bound operand: %s",
												AttributeValueText(lower_type, &lower),
												AttributeValueText(upper_type, &upper)));
				if (CompareScalars(lower_type, &lower, &upper) > 0)
					BindError(context, psprintf("The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: %s, upper bound operand: %s",
												AttributeValueText(lower_type, &lower),
												AttributeValueText(upper_type, &upper)));
			}
			break;
		case DDB_COND_BEGINS_WITH:
			CheckDistinctOperands(context, cond, "begins_with");
			for (int i = 0; i < 2; i++)
				CheckConstantScalar(context, cond->operands[i], "begins_with", false);
			break;
		case DDB_COND_ATTRIBUTE_TYPE:
			{
				static const char *const type_names[] = {
					"S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M", NULL
				};
				JsonbValue	payload;
				DdbAttributeType type;
				bool		known = false;

				CheckDistinctOperands(context, cond, "attribute_type");

				/*
				 * The type name must be a :value; a path could hold a value
				 * of any type, which DynamoDB reports as the set of every
				 * type it knows
				 */
				if (cond->operands[1]->kind == DDB_OPERAND_PATH)
					BindError(context, "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: "
							  "{S,SS,N,NS,B,BS,BOOL,NULL,L,M,HD,DOUBLE,FLOAT,HDS,FS,DOUBLESET,DICT,DECIMAL,INT,DECIMALSET,INTSET}");
				type = KnownType(cond->operands[1], &payload);

				if (type != DDB_TYPE_INVALID && type != DDB_TYPE_S)
					OperandTypeError(context, "attribute_type", type);
				if (type == DDB_TYPE_S)
				{
					for (const char *const *t = type_names; *t; t++)
					{
						if (strlen(*t) == payload.val.string.len &&
							memcmp(*t, payload.val.string.val, payload.val.string.len) == 0)
							known = true;
					}
					if (!known)
						BindError(context, psprintf("Invalid attribute type name found; type: %.*s, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
													payload.val.string.len, payload.val.string.val));
				}
			}
			break;
		case DDB_COND_CONTAINS:
			CheckDistinctOperands(context, cond, "contains");
			break;
		default:
			break;
	}
}

/*
 * Copy and resolve an operand.
 */
static DdbOperand *
BindOperand(DdbBindContext *context, const DdbOperand *operand)
{
	DdbOperand *bound;

	if (operand == NULL)
		return NULL;
	check_stack_depth();
	bound = palloc0(sizeof(DdbOperand));
	*bound = *operand;
	switch (operand->kind)
	{
		case DDB_OPERAND_PATH:
			BindPath(context, &operand->path, &bound->path);
			break;
		case DDB_OPERAND_SIZE:
			if (operand->left != NULL)
			{
				/* size(:value): the value must have a size */
				JsonbValue	payload;
				DdbAttributeType type;

				bound->left = BindOperand(context, operand->left);
				type = ConstantType(bound->left, &payload);
				if (type == DDB_TYPE_N || type == DDB_TYPE_BOOL || type == DDB_TYPE_NULL)
					OperandTypeError(context, "size", type);
			}
			else
				BindPath(context, &operand->path, &bound->path);
			break;
		case DDB_OPERAND_VALUE:
			{
				Placeholder *p = FindPlaceholder(context->values, context->nvalues,
												 operand->value_name, strlen(operand->value_name));

				if (p == NULL)
					BindError(context, psprintf("An expression attribute value used in expression is not defined; attribute value: %s",
												operand->value_name));
				p->used = true;
				bound->value = &p->value;
			}
			break;
		case DDB_OPERAND_IF_NOT_EXISTS:
			BindPath(context, &operand->path, &bound->path);
			bound->left = BindOperand(context, operand->left);
			break;
		case DDB_OPERAND_LIST_APPEND:
		case DDB_OPERAND_PLUS:
		case DDB_OPERAND_MINUS:
			{
				const char *what = operand->kind == DDB_OPERAND_LIST_APPEND ? "list_append" :
					operand->kind == DDB_OPERAND_PLUS ? "+" : "-";
				DdbAttributeType wanted = operand->kind == DDB_OPERAND_LIST_APPEND ?
					DDB_TYPE_L : DDB_TYPE_N;
				JsonbValue	payload;
				DdbAttributeType type;

				bound->left = BindOperand(context, operand->left);
				bound->right = BindOperand(context, operand->right);
				type = ConstantType(bound->left, &payload);
				if (type != DDB_TYPE_INVALID && type != wanted)
					OperandTypeError(context, what, type);
				type = ConstantType(bound->right, &payload);
				if (type != DDB_TYPE_INVALID && type != wanted)
					OperandTypeError(context, what, type);
			}
			break;
	}
	return bound;
}

/*
 * Copy and resolve a condition tree.
 */
static DdbCondition *
BindCondition(DdbBindContext *context, const DdbCondition *cond)
{
	DdbCondition *bound;

	if (cond == NULL)
		return NULL;
	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	bound = palloc0(sizeof(DdbCondition));
	*bound = *cond;
	bound->left = BindCondition(context, cond->left);
	bound->right = BindCondition(context, cond->right);
	if (cond->noperands > 0)
	{
		bound->operands = palloc(sizeof(DdbOperand *) * cond->noperands);
		for (int i = 0; i < cond->noperands; i++)
			bound->operands[i] = BindOperand(context, cond->operands[i]);
	}
	CheckConditionOperands(context, bound);
	return bound;
}

/*
 * DdbPathText renders a bound path as DynamoDB prints it in messages:
 * [a, b, [0]].
 */
char *
DdbPathText(const DdbPath *path)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (int i = 0; i < path->nelems; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		if (path->elems[i].kind == DDB_PATH_INDEX)
			appendStringInfo(&buf, "[%d]", path->elems[i].index);
		else
			appendBinaryStringInfo(&buf, path->elems[i].name, path->elems[i].name_len);
	}
	appendStringInfoChar(&buf, ']');
	return buf.data;
}

/*
 * Reject two paths of one update or projection that overlap (one is the
 * other or a prefix of it) or conflict (they part where one takes a map
 * member and the other a list index).
 */
static void
CheckPathsDisjoint(DdbBindContext *context, const DdbPath *paths, int npaths)
{
	for (int i = 0; i < npaths; i++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int j = 0; j < i; j++)
		{
			const DdbPath *a = &paths[j];
			const DdbPath *b = &paths[i];
			int			common = Min(a->nelems, b->nelems);
			int			k;
			bool		conflict = false;

			for (k = 0; k < common; k++)
			{
				const DdbPathElem *x = &a->elems[k];
				const DdbPathElem *y = &b->elems[k];

				if (x->kind != y->kind)
				{
					conflict = true;
					break;
				}
				if (x->kind == DDB_PATH_INDEX ? x->index != y->index :
					(x->name_len != y->name_len || memcmp(x->name, y->name, x->name_len) != 0))
					break;
			}
			if (conflict)
				BindError(context, psprintf("Two document paths conflict with each other; must remove or rewrite one of these paths; path one: %s, path two: %s",
											DdbPathText(a), DdbPathText(b)));
			if (k == common)
				BindError(context, psprintf("Two document paths overlap with each other; must remove or rewrite one of these paths; path one: %s, path two: %s",
											DdbPathText(a), DdbPathText(b)));
		}
	}
}

/*
 * Reject an update that writes a key attribute.
 */
void
DdbCheckNotKeyAttribute(const DdbPath *path, const char *const *key_attributes)
{
	if (key_attributes == NULL)
		return;
	for (const char *const *k = key_attributes; *k; k++)
	{
		if (strlen(*k) != path->elems[0].name_len ||
			memcmp(*k, path->elems[0].name, path->elems[0].name_len) != 0)
			continue;
		if (path->nelems > 1)
			DdbValidationError("Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: %s",
							   *k);
		DdbValidationError("One or more parameter values were invalid: Cannot update attribute %s. This attribute is part of the key",
						   *k);
	}
}

/*
 * Copy and resolve an update, checking its paths and constant operands.
 */
static DdbUpdate *
BindUpdate(DdbBindContext *context, const DdbUpdate *parsed, const char *const *key_attributes)
{
	DdbUpdate  *bound = palloc0(sizeof(DdbUpdate));
	DdbPath    *paths = palloc(sizeof(DdbPath) * Max(parsed->nactions, 1));

	bound->nactions = parsed->nactions;
	bound->actions = palloc0(sizeof(DdbUpdateAction) * Max(parsed->nactions, 1));
	for (int i = 0; i < parsed->nactions; i++)
	{
		const DdbUpdateAction *action = &parsed->actions[i];
		DdbUpdateAction *out = &bound->actions[i];
		JsonbValue	payload;
		DdbAttributeType type;

		out->kind = action->kind;
		BindPath(context, &action->path, &out->path);
		/* names an update may write must be valid attribute names */
		for (int e = 0; e < out->path.nelems; e++)
			if (out->path.elems[e].kind == DDB_PATH_NAME)
				DdbCheckAttributeName(out->path.elems[e].name, out->path.elems[e].name_len);
		out->value = BindOperand(context, action->value);
		paths[i] = out->path;

		type = ConstantType(out->value, &payload);
		if (action->kind == DDB_UPDATE_ADD && type != DDB_TYPE_INVALID &&
			type != DDB_TYPE_N && type != DDB_TYPE_SS && type != DDB_TYPE_NS && type != DDB_TYPE_BS)
			BindError(context, psprintf("Incorrect operand type for operator or function; operator: ADD, operand type: %s",
										DdbAttributeTypeLongName(type)));
		if (action->kind == DDB_UPDATE_DELETE && type != DDB_TYPE_INVALID &&
			type != DDB_TYPE_SS && type != DDB_TYPE_NS && type != DDB_TYPE_BS)
			BindError(context, psprintf("Incorrect operand type for operator or function; operator: DELETE, operand type: %s",
										DdbAttributeTypeLongName(type)));
	}
	CheckPathsDisjoint(context, paths, bound->nactions);
	for (int i = 0; i < bound->nactions; i++)
		DdbCheckNotKeyAttribute(&bound->actions[i].path, key_attributes);
	return bound;
}

/*
 * DdbBindExpression resolves one parsed expression of the request into a
 * bound copy.
 */
DdbExpression *
DdbBindExpression(DdbBindContext *context, const DdbExpression *parsed,
				  const char *const *key_attributes)
{
	DdbExpression *bound = palloc0(sizeof(DdbExpression));

	context->kind = parsed->kind;
	bound->kind = parsed->kind;
	bound->text = parsed->text;
	if (parsed->condition)
		bound->condition = BindCondition(context, parsed->condition);
	if (parsed->update)
		bound->update = BindUpdate(context, parsed->update, key_attributes);
	if (parsed->projection)
	{
		DdbProjection *projection = palloc0(sizeof(DdbProjection));

		projection->npaths = parsed->projection->npaths;
		projection->paths = palloc(sizeof(DdbPath) * Max(projection->npaths, 1));
		for (int i = 0; i < projection->npaths; i++)
			BindPath(context, &parsed->projection->paths[i], &projection->paths[i]);
		CheckPathsDisjoint(context, projection->paths, projection->npaths);
		bound->projection = projection;
	}
	return bound;
}
