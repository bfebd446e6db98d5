/*-------------------------------------------------------------------------
 *
 * expr_eval.c
 *	  Evaluation of bound conditions (ConditionExpression, FilterExpression)
 *	  against an item, with DynamoDB's semantics.
 *
 * Values are AttributeValues taken from the item or from
 * ExpressionAttributeValues (all normalized, so equal values have equal
 * representations), or computed by size(). The rules, from DynamoDB:
 *
 * - = and <> compare any two values, deeply; values of different types
 *	 are not equal. Everything else orders only S (by UTF-8 bytes), N
 *	 (numerically) and B (by unsigned bytes) against the same type, and is
 *	 false otherwise.
 * - A comparison with a missing attribute is false, except <>, which is
 *	 true.
 * - begins_with works on S and B, contains on S and B (substring), sets
 *	 (element) and lists (element), size on S (characters), B (bytes), sets,
 *	 lists and maps (elements); anything else makes the condition false.
 *
 * Strings are in their stored form (string_escape.h), whose order,
 * equality and prefixes are the strings' own; size and contains count and
 * search the strings the stored forms stand for.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "expr.h"
#include "item.h"
#include "number.h"
#include "string_escape.h"

/* A value during evaluation; type DDB_TYPE_INVALID means missing */
typedef struct EvalValue
{
	DdbAttributeType type;
	JsonbValue	payload;		/* string (S, N, B), bool (BOOL, NULL), container */
} EvalValue;

/*
 * Split an AttributeValue (jbvBinary) into an EvalValue.
 */
static void
FromAttributeValue(JsonbValue *av, EvalValue *out)
{
	out->type = DdbAttributeValueType(av, &out->payload);
}

/*
 * Byte-wise comparison of two byte strings, shorter first on a tie.
 */
static int
CompareBytes(const char *a, int alen, const char *b, int blen)
{
	int			c = memcmp(a, b, Min(alen, blen));

	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

/*
 * Binaries decoded during one evaluation, by the address of their base64
 * text: a condition may name one 400 KB binary attribute a hundred times.
 * They live in the evaluation's memory context (DdbEvaluateCondition).
 */
#define DECODED_CACHE_SIZE 4
typedef struct DecodedBinary
{
	const char *text;
	int			len;
	bytea	   *bytes;
} DecodedBinary;

static DecodedBinary decoded_cache[DECODED_CACHE_SIZE];
static int	decoded_next;

/*
 * Decode a stored base64 payload, once per evaluation.
 */
static bytea *
PayloadBytes(JsonbValue *payload)
{
	const char *text = payload->val.string.val;
	int			len = payload->val.string.len;
	DecodedBinary *slot;

	for (int i = 0; i < DECODED_CACHE_SIZE; i++)
	{
		if (decoded_cache[i].text == text && decoded_cache[i].len == len)
			return decoded_cache[i].bytes;
	}
	slot = &decoded_cache[decoded_next];
	decoded_next = (decoded_next + 1) % DECODED_CACHE_SIZE;
	slot->bytes = DdbBase64Decode(text, len);
	slot->text = text;
	slot->len = len;
	return slot->bytes;
}

/*
 * Order two values of the same scalar type S, N or B. The caller checks
 * the types.
 */
static int
CompareOrdered(EvalValue *a, EvalValue *b)
{
	switch (a->type)
	{
		case DDB_TYPE_N:
			return DdbNumberCompare(pnstrdup(a->payload.val.string.val, a->payload.val.string.len),
									pnstrdup(b->payload.val.string.val, b->payload.val.string.len));
		case DDB_TYPE_B:
			{
				bytea	   *x = PayloadBytes(&a->payload);
				bytea	   *y = PayloadBytes(&b->payload);

				return CompareBytes(VARDATA_ANY(x), VARSIZE_ANY_EXHDR(x),
									VARDATA_ANY(y), VARSIZE_ANY_EXHDR(y));
			}
		default:
			return CompareBytes(a->payload.val.string.val, a->payload.val.string.len,
								b->payload.val.string.val, b->payload.val.string.len);
	}
}

/*
 * Whether a type is one that <, <=, >, >= and BETWEEN order.
 */
static bool
IsOrderedType(DdbAttributeType type)
{
	return type == DDB_TYPE_S || type == DDB_TYPE_N || type == DDB_TYPE_B;
}

/*
 * Deep equality of two present values. Stored and constant values are
 * normalized (canonical numbers and base64, sorted sets), so equal values
 * have equal payloads.
 */
static bool
ValuesEqual(EvalValue *a, EvalValue *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type)
	{
		case DDB_TYPE_S:
		case DDB_TYPE_N:
		case DDB_TYPE_B:
			return a->payload.val.string.len == b->payload.val.string.len &&
				memcmp(a->payload.val.string.val, b->payload.val.string.val,
					   a->payload.val.string.len) == 0;
		case DDB_TYPE_BOOL:
		case DDB_TYPE_NULL:
			return a->payload.val.boolean == b->payload.val.boolean;
		case DDB_TYPE_L:
		case DDB_TYPE_M:
		case DDB_TYPE_SS:
		case DDB_TYPE_NS:
		case DDB_TYPE_BS:
			return compareJsonbContainers(a->payload.val.binary.data,
										  b->payload.val.binary.data) == 0;
		default:
			return false;
	}
}

/*
 * The number of characters, bytes or elements size() reports, or -1 when
 * size() does not apply to the type.
 */
static int64
SizeOf(EvalValue *v)
{
	switch (v->type)
	{
		case DDB_TYPE_S:
			return DdbStoredStringChars(v->payload.val.string.val, v->payload.val.string.len);
		case DDB_TYPE_B:
			return VARSIZE_ANY_EXHDR(PayloadBytes(&v->payload));
		case DDB_TYPE_L:
		case DDB_TYPE_M:
		case DDB_TYPE_SS:
		case DDB_TYPE_NS:
		case DDB_TYPE_BS:
			return JsonContainerSize(v->payload.val.binary.data);
		default:
			return -1;
	}
}

/*
 * Evaluate an operand of a condition; false when it has no value (a
 * missing attribute, or size() of a type without a size).
 */
static bool
EvaluateOperand(const DdbOperand *operand, JsonbContainer *item, EvalValue *out)
{
	JsonbValue	av;

	out->type = DDB_TYPE_INVALID;
	switch (operand->kind)
	{
		case DDB_OPERAND_VALUE:
			FromAttributeValue(operand->value, out);
			return true;
		case DDB_OPERAND_PATH:
			if (!DdbLookupPath(item, &operand->path, &av))
				return false;
			FromAttributeValue(&av, out);
			return out->type != DDB_TYPE_INVALID;
		case DDB_OPERAND_SIZE:
			{
				EvalValue	target;
				int64		size;

				if (operand->left != NULL)
					FromAttributeValue(operand->left->value, &target);
				else if (DdbLookupPath(item, &operand->path, &av))
					FromAttributeValue(&av, &target);
				else
					return false;
				size = SizeOf(&target);
				if (size < 0)
					return false;
				out->type = DDB_TYPE_N;
				out->payload.type = jbvString;
				out->payload.val.string.val = psprintf(INT64_FORMAT, size);
				out->payload.val.string.len = strlen(out->payload.val.string.val);
				return true;
			}
		default:
			/* update-only operands never reach a condition (the parser says so) */
			elog(ERROR, "unexpected operand kind %d in a condition", (int) operand->kind);
	}
	return false;
}

/*
 * Evaluate a comparison of two operands.
 */
static bool
EvaluateCompare(DdbCompareOp op, EvalValue *a, bool a_present, EvalValue *b, bool b_present)
{
	int			c;

	if (!a_present || !b_present)
		return op == DDB_CMP_NE;
	if (op == DDB_CMP_EQ)
		return ValuesEqual(a, b);
	if (op == DDB_CMP_NE)
		return !ValuesEqual(a, b);
	if (a->type != b->type || !IsOrderedType(a->type))
		return false;
	c = CompareOrdered(a, b);
	switch (op)
	{
		case DDB_CMP_LT:
			return c < 0;
		case DDB_CMP_LE:
			return c <= 0;
		case DDB_CMP_GT:
			return c > 0;
		case DDB_CMP_GE:
			return c >= 0;
		default:
			return false;
	}
}

/*
 * begins_with(a, b): S against S, B against B.
 */
static bool
EvaluateBeginsWith(EvalValue *a, EvalValue *b)
{
	if (a->type != b->type)
		return false;
	if (a->type == DDB_TYPE_S)
		return b->payload.val.string.len <= a->payload.val.string.len &&
			memcmp(a->payload.val.string.val, b->payload.val.string.val,
				   b->payload.val.string.len) == 0;
	if (a->type == DDB_TYPE_B)
	{
		bytea	   *x = PayloadBytes(&a->payload);
		bytea	   *y = PayloadBytes(&b->payload);

		return VARSIZE_ANY_EXHDR(y) <= VARSIZE_ANY_EXHDR(x) &&
			memcmp(VARDATA_ANY(x), VARDATA_ANY(y), VARSIZE_ANY_EXHDR(y)) == 0;
	}
	return false;
}

/*
 * Whether needle occurs in haystack (bytes). glibc's memmem takes linear
 * time (the two-way algorithm), so a 400 KB string searched for a 200 KB
 * one costs what reading them does, not their product.
 */
static bool
ContainsBytes(const char *haystack, int hlen, const char *needle, int nlen)
{
	if (nlen == 0)
		return true;
	return memmem(haystack, hlen, needle, nlen) != NULL;
}

/*
 * contains(a, v): substring of S or B, element of a set (of v's type) or
 * of a list.
 */
static bool
EvaluateContains(EvalValue *a, EvalValue *v)
{
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	elem;
	DdbAttributeType element_type;

	switch (a->type)
	{
		case DDB_TYPE_S:
			return v->type == DDB_TYPE_S &&
				DdbStoredStringContains(a->payload.val.string.val, a->payload.val.string.len,
										v->payload.val.string.val, v->payload.val.string.len);
		case DDB_TYPE_B:
			if (v->type != DDB_TYPE_B)
				return false;
			{
				bytea	   *x = PayloadBytes(&a->payload);
				bytea	   *y = PayloadBytes(&v->payload);

				return ContainsBytes(VARDATA_ANY(x), VARSIZE_ANY_EXHDR(x),
									 VARDATA_ANY(y), VARSIZE_ANY_EXHDR(y));
			}
		case DDB_TYPE_SS:
		case DDB_TYPE_NS:
		case DDB_TYPE_BS:
			element_type = a->type == DDB_TYPE_SS ? DDB_TYPE_S :
				a->type == DDB_TYPE_NS ? DDB_TYPE_N : DDB_TYPE_B;
			if (v->type != element_type)
				return false;
			it = JsonbIteratorInit(a->payload.val.binary.data);
			while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
			{
				if (tok == WJB_ELEM && elem.type == jbvString &&
					elem.val.string.len == v->payload.val.string.len &&
					memcmp(elem.val.string.val, v->payload.val.string.val, elem.val.string.len) == 0)
					return true;
			}
			return false;
		case DDB_TYPE_L:
			it = JsonbIteratorInit(a->payload.val.binary.data);
			while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
			{
				EvalValue	element;

				CHECK_FOR_INTERRUPTS();
				if (tok != WJB_ELEM)
					continue;
				FromAttributeValue(&elem, &element);
				if (ValuesEqual(&element, v))
					return true;
			}
			return false;
		default:
			return false;
	}
}

/*
 * Evaluate a bound condition against an item (NULL for none).
 */
static bool
Evaluate(const DdbCondition *cond, JsonbContainer *item)
{
	EvalValue	a;
	EvalValue	b;
	EvalValue	c;
	bool		a_present;
	bool		b_present;
	JsonbValue	av;

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	switch (cond->kind)
	{
		case DDB_COND_AND:
			return Evaluate(cond->left, item) &&
				Evaluate(cond->right, item);
		case DDB_COND_OR:
			return Evaluate(cond->left, item) ||
				Evaluate(cond->right, item);
		case DDB_COND_NOT:
			return !Evaluate(cond->left, item);
		case DDB_COND_COMPARE:
			a_present = EvaluateOperand(cond->operands[0], item, &a);
			b_present = EvaluateOperand(cond->operands[1], item, &b);
			return EvaluateCompare(cond->op, &a, a_present, &b, b_present);
		case DDB_COND_BETWEEN:
			if (!EvaluateOperand(cond->operands[0], item, &a) ||
				!EvaluateOperand(cond->operands[1], item, &b) ||
				!EvaluateOperand(cond->operands[2], item, &c))
				return false;
			if (a.type != b.type || a.type != c.type || !IsOrderedType(a.type))
				return false;
			return CompareOrdered(&a, &b) >= 0 && CompareOrdered(&a, &c) <= 0;
		case DDB_COND_IN:
			if (!EvaluateOperand(cond->operands[0], item, &a))
				return false;
			for (int i = 1; i < cond->noperands; i++)
			{
				if (EvaluateOperand(cond->operands[i], item, &b) && ValuesEqual(&a, &b))
					return true;
			}
			return false;
		case DDB_COND_ATTRIBUTE_EXISTS:
			return DdbLookupPath(item, &cond->operands[0]->path, &av);
		case DDB_COND_ATTRIBUTE_NOT_EXISTS:
			return !DdbLookupPath(item, &cond->operands[0]->path, &av);
		case DDB_COND_ATTRIBUTE_TYPE:
			if (!EvaluateOperand(cond->operands[0], item, &a) ||
				!EvaluateOperand(cond->operands[1], item, &b) || b.type != DDB_TYPE_S)
				return false;
			{
				const char *name = DdbAttributeTypeName(a.type);

				return strlen(name) == b.payload.val.string.len &&
					memcmp(name, b.payload.val.string.val, b.payload.val.string.len) == 0;
			}
		case DDB_COND_BEGINS_WITH:
			return EvaluateOperand(cond->operands[0], item, &a) &&
				EvaluateOperand(cond->operands[1], item, &b) &&
				EvaluateBeginsWith(&a, &b);
		case DDB_COND_CONTAINS:
			return EvaluateOperand(cond->operands[0], item, &a) &&
				EvaluateOperand(cond->operands[1], item, &b) &&
				EvaluateContains(&a, &b);
	}
	return false;
}

/*
 * DdbEvaluateCondition evaluates a bound condition against an item (NULL
 * for an item that does not exist).
 */
bool
DdbEvaluateCondition(const DdbCondition *cond, JsonbContainer *item)
{
	MemoryContext evaluation = AllocSetContextCreate(CurrentMemoryContext, "ddb condition",
													 ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(evaluation);
	bool		result;

	memset(decoded_cache, 0, sizeof(decoded_cache));
	decoded_next = 0;
	result = Evaluate(cond, item);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(evaluation);
	memset(decoded_cache, 0, sizeof(decoded_cache));
	return result;
}
