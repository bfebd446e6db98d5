/*-------------------------------------------------------------------------
 *
 * marshal.c
 *	  ddb.marshal and ddb.unmarshal: conversion between plain JSON and
 *	  DynamoDB's typed JSON (AttributeValues).
 *
 *	  plain JSON			typed JSON
 *	  string				{"S": ...}
 *	  number				{"N": "<canonical text>"} (exact, any precision
 *							jsonb holds; DynamoDB's limits apply)
 *	  true / false			{"BOOL": ...}
 *	  null					{"NULL": true}
 *	  array					{"L": [...]}
 *	  object				{"M": {...}}
 *
 * Unmarshal also maps SS to an array of strings, NS to an array of numbers,
 * B to its base64 string and BS to an array of base64 strings; marshal
 * never produces sets or binaries, since plain JSON cannot tell them apart
 * from lists and strings.
 *
 * A JSON object is always taken as an item (an attribute map), never as a
 * single AttributeValue, so that {"S": "x"} means the same thing whatever
 * the attribute happens to be called.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "errors.h"
#include "item.h"
#include "json_util.h"
#include "number.h"

PG_FUNCTION_INFO_V1(ddb_marshal);
PG_FUNCTION_INFO_V1(ddb_unmarshal);

static JsonbValue *MarshalValue(JsonbValue *v, JsonbParseState **state, int depth);

/*
 * Push a canonical number (not NUL-terminated) as a JSON number.
 */
static void
PushNumber(JsonbParseState **state, JsonbIteratorToken token, const char *s, int len)
{
	JsonbValue	v;
	char	   *text = pnstrdup(s, len);

	v.type = jbvNumeric;
	v.val.numeric = DdbNumberToNumeric(text);
	pushJsonbValue(state, token, &v);
	pfree(text);
}

/*
 * Marshal the members of a plain object as an attribute map whose values
 * are at nesting level depth. Returns the result of the last push (the map
 * itself when *state was NULL).
 */
static JsonbValue *
MarshalMap(JsonbContainer *object, JsonbParseState **state, int depth)
{
	JsonbIterator *it = JsonbIteratorInit(object);
	JsonbIteratorToken tok;
	JsonbValue	v;

	pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			DdbCheckAttributeName(v.val.string.val, v.val.string.len);
			pushJsonbValue(state, WJB_KEY, &v);
		}
		else if (tok == WJB_VALUE)
		{
			CHECK_FOR_INTERRUPTS();
			MarshalValue(&v, state, depth);
		}
	}
	return pushJsonbValue(state, WJB_END_OBJECT, NULL);
}

/*
 * Marshal one plain JSON value into an AttributeValue at nesting level
 * depth. Returns the result of the last push (the AttributeValue itself
 * when *state was NULL).
 */
static JsonbValue *
MarshalValue(JsonbValue *v, JsonbParseState **state, int depth)
{
	JsonbValue	inner;
	char	   *text;
	char	   *number;

	check_stack_depth();
	if (depth > DDB_MAX_NESTING_DEPTH)
		DdbValidationError(DDB_NESTING_ERROR_TEXT);

	pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);
	switch (v->type)
	{
		case jbvNull:
			DdbPushStringLen(state, WJB_KEY, "NULL", 4);
			inner.type = jbvBool;
			inner.val.boolean = true;
			pushJsonbValue(state, WJB_VALUE, &inner);
			break;
		case jbvBool:
			DdbPushStringLen(state, WJB_KEY, "BOOL", 4);
			pushJsonbValue(state, WJB_VALUE, v);
			break;
		case jbvString:
			DdbPushStringLen(state, WJB_KEY, "S", 1);
			pushJsonbValue(state, WJB_VALUE, v);
			break;
		case jbvNumeric:
			/* numeric_out writes every digit, never an exponent */
			text = DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(v->val.numeric)));
			number = DdbNumberNormalize(text, strlen(text));
			DdbPushStringLen(state, WJB_KEY, "N", 1);
			DdbPushStringLen(state, WJB_VALUE, number, strlen(number));
			break;
		case jbvBinary:
			if (JsonContainerIsObject(v->val.binary.data))
			{
				DdbPushStringLen(state, WJB_KEY, "M", 1);
				MarshalMap(v->val.binary.data, state, depth + 1);
			}
			else
			{
				JsonbIterator *it = JsonbIteratorInit(v->val.binary.data);
				JsonbIteratorToken tok;

				DdbPushStringLen(state, WJB_KEY, "L", 1);
				pushJsonbValue(state, WJB_BEGIN_ARRAY, NULL);
				while ((tok = JsonbIteratorNext(&it, &inner, true)) != WJB_DONE)
				{
					if (tok != WJB_ELEM)
						continue;
					CHECK_FOR_INTERRUPTS();
					MarshalValue(&inner, state, depth + 1);
				}
				pushJsonbValue(state, WJB_END_ARRAY, NULL);
			}
			break;
		default:
			elog(ERROR, "unexpected jsonb value type %d", (int) v->type);
	}
	return pushJsonbValue(state, WJB_END_OBJECT, NULL);
}

/*
 * Push the plain JSON form of a stored (normalized) AttributeValue, as
 * token (WJB_VALUE after a key, WJB_ELEM in an array).
 */
static void
UnmarshalValue(JsonbValue *value, JsonbParseState **state, JsonbIteratorToken token)
{
	JsonbValue	payload;
	JsonbValue	v;
	JsonbIterator *it;
	JsonbIteratorToken tok;
	DdbAttributeType type = DdbAttributeValueType(value, &payload);

	check_stack_depth();
	switch (type)
	{
		case DDB_TYPE_S:
		case DDB_TYPE_B:
		case DDB_TYPE_BOOL:
			pushJsonbValue(state, token, &payload);
			break;
		case DDB_TYPE_N:
			PushNumber(state, token, payload.val.string.val, payload.val.string.len);
			break;
		case DDB_TYPE_NULL:
			v.type = jbvNull;
			pushJsonbValue(state, token, &v);
			break;
		case DDB_TYPE_L:
			pushJsonbValue(state, WJB_BEGIN_ARRAY, NULL);
			it = JsonbIteratorInit(payload.val.binary.data);
			while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
			{
				if (tok != WJB_ELEM)
					continue;
				CHECK_FOR_INTERRUPTS();
				UnmarshalValue(&v, state, WJB_ELEM);
			}
			pushJsonbValue(state, WJB_END_ARRAY, NULL);
			break;
		case DDB_TYPE_M:
			pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);
			it = JsonbIteratorInit(payload.val.binary.data);
			while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
			{
				if (tok == WJB_KEY)
					pushJsonbValue(state, WJB_KEY, &v);
				else if (tok == WJB_VALUE)
				{
					CHECK_FOR_INTERRUPTS();
					UnmarshalValue(&v, state, WJB_VALUE);
				}
			}
			pushJsonbValue(state, WJB_END_OBJECT, NULL);
			break;
		case DDB_TYPE_SS:
		case DDB_TYPE_NS:
		case DDB_TYPE_BS:
			pushJsonbValue(state, WJB_BEGIN_ARRAY, NULL);
			it = JsonbIteratorInit(payload.val.binary.data);
			while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
			{
				if (tok != WJB_ELEM)
					continue;
				CHECK_FOR_INTERRUPTS();
				if (type == DDB_TYPE_NS)
					PushNumber(state, WJB_ELEM, v.val.string.val, v.val.string.len);
				else
					pushJsonbValue(state, WJB_ELEM, &v);
			}
			pushJsonbValue(state, WJB_END_ARRAY, NULL);
			break;
		case DDB_TYPE_INVALID:
			elog(ERROR, "stored AttributeValue has no type");
	}
}

/*
 * ddb_marshal implements ddb.marshal(jsonb): plain JSON to typed JSON.
 *
 * An object becomes an item: each member an attribute, its value marshalled
 * (attribute names must be 1..65535 bytes). Any other value (a string,
 * number, boolean, null or array) becomes a single AttributeValue. Nesting
 * deeper than DynamoDB's 32 levels and numbers DynamoDB cannot hold raise
 * the ValidationException PutItem would. The item size is not checked.
 */
Datum
ddb_marshal(PG_FUNCTION_ARGS)
{
	Jsonb	   *in = PG_GETARG_JSONB_P(0);
	JsonbParseState *state = NULL;
	JsonbValue *result;
	JsonbValue	v;

	if (JB_ROOT_IS_SCALAR(in))
	{
		if (!JsonbExtractScalar(&in->root, &v))
			elog(ERROR, "could not extract jsonb scalar");
		result = MarshalValue(&v, &state, 1);
	}
	else if (JB_ROOT_IS_OBJECT(in))
		result = MarshalMap(&in->root, &state, 1);
	else
	{
		v.type = jbvBinary;
		v.val.binary.data = &in->root;
		v.val.binary.len = VARSIZE(in) - VARHDRSZ;
		result = MarshalValue(&v, &state, 1);
	}
	PG_RETURN_JSONB_P(JsonbValueToJsonb(result));
}

/*
 * ddb_unmarshal implements ddb.unmarshal(jsonb): typed JSON to plain JSON.
 *
 * The input is always taken as an item (an object of attribute name ->
 * AttributeValue), even when it looks like a single AttributeValue such as
 * {"S": "x"} (that is the item with one attribute "S", whose value must
 * then itself be an AttributeValue). To unmarshal a lone AttributeValue,
 * wrap it: ddb.unmarshal(jsonb_build_object('v', av)) -> 'v'. The item is
 * validated exactly as PutItem validates one (same errors, except that the
 * 400 KB item size limit is not applied), and numbers come back as JSON
 * numbers with every digit.
 */
Datum
ddb_unmarshal(PG_FUNCTION_ARGS)
{
	Jsonb	   *in = PG_GETARG_JSONB_P(0);
	Jsonb	   *item = DdbAttributeMapNormalize(&in->root, NULL);
	JsonbParseState *state = NULL;
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	v;
	JsonbValue *result;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	it = JsonbIteratorInit(&item->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			pushJsonbValue(&state, WJB_KEY, &v);
		else if (tok == WJB_VALUE)
		{
			CHECK_FOR_INTERRUPTS();
			UnmarshalValue(&v, &state, WJB_VALUE);
		}
	}
	result = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	PG_RETURN_JSONB_P(JsonbValueToJsonb(result));
}
