/*-------------------------------------------------------------------------
 *
 * json_util.c
 *	  Reading DynamoDB requests and building responses as jsonb.
 *
 * DynamoDB's JSON protocol treats a member whose value is null as absent,
 * and answers a member of the wrong JSON type with SerializationException.
 * Every request getter here follows those two rules, so handlers only
 * deal with DynamoDB-level validation.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "errors.h"
#include "json_util.h"

/*
 * DdbJsonTypeName names a JSON value's type the way DynamoDB's serializer
 * does in its error messages.
 */
const char *
DdbJsonTypeName(JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "VALUE_NULL";
		case jbvString:
			return "STRING_VALUE";
		case jbvNumeric:
			return "NUMBER_VALUE";
		case jbvBool:
			return v->val.boolean ? "TRUE_VALUE" : "FALSE_VALUE";
		case jbvArray:
			return "START_ARRAY";
		case jbvObject:
			return "START_OBJECT";
		case jbvBinary:
			return JsonContainerIsArray(v->val.binary.data) ? "START_ARRAY" : "START_OBJECT";
		default:
			return "UNKNOWN";
	}
}

/*
 * DdbJsonGet looks up a member of an object. A member that is absent or
 * JSON null yields false.
 */
bool
DdbJsonGet(JsonbContainer *obj, const char *key, JsonbValue *out)
{
	JsonbValue	k;
	JsonbValue *found;

	if (obj == NULL || !JsonContainerIsObject(obj))
		return false;
	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	found = findJsonbValueFromContainer(obj, JB_FOBJECT, &k);
	if (found == NULL || found->type == jbvNull)
		return false;
	*out = *found;
	return true;
}

/*
 * DdbJsonValueString returns a string value as a C string, or raises
 * SerializationException when the value is not a string.
 */
char *
DdbJsonValueString(JsonbValue *v, const char *what)
{
	if (v->type != jbvString)
	{
		if (v->type == jbvBinary || v->type == jbvArray || v->type == jbvObject)
			DdbSerializationError("Unexpected %s found where a string was expected%s%s",
								  DdbJsonTypeName(v), what ? " for " : "", what ? what : "");
		DdbSerializationError("%s cannot be converted to String", DdbJsonTypeName(v));
	}
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/*
 * DdbJsonValueObject returns the container of an object value, or raises
 * SerializationException.
 */
JsonbContainer *
DdbJsonValueObject(JsonbValue *v, const char *what)
{
	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		DdbSerializationError("Unexpected %s found where a structure was expected%s%s",
							  DdbJsonTypeName(v), what ? " for " : "", what ? what : "");
	return v->val.binary.data;
}

/*
 * DdbJsonValueArray returns the container of an array value, or raises
 * SerializationException.
 */
JsonbContainer *
DdbJsonValueArray(JsonbValue *v, const char *what)
{
	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data) ||
		JsonContainerIsScalar(v->val.binary.data))
		DdbSerializationError("Unexpected %s found where a list was expected%s%s",
							  DdbJsonTypeName(v), what ? " for " : "", what ? what : "");
	return v->val.binary.data;
}

/*
 * DdbJsonGetString returns a string member, NULL when absent.
 */
char *
DdbJsonGetString(JsonbContainer *obj, const char *key)
{
	JsonbValue	v;

	if (!DdbJsonGet(obj, key, &v))
		return NULL;
	return DdbJsonValueString(&v, key);
}

/*
 * DdbJsonGetBool reads a boolean member; returns false when absent.
 */
bool
DdbJsonGetBool(JsonbContainer *obj, const char *key, bool *out)
{
	JsonbValue	v;

	if (!DdbJsonGet(obj, key, &v))
		return false;
	if (v.type != jbvBool)
		DdbSerializationError("%s cannot be converted to Boolean", DdbJsonTypeName(&v));
	*out = v.val.boolean;
	return true;
}

/*
 * DdbJsonGetInt64 reads an integral number member; returns false when
 * absent. Fractions and out-of-range values are SerializationException.
 */
bool
DdbJsonGetInt64(JsonbContainer *obj, const char *key, int64 *out)
{
	JsonbValue	v;
	char	   *text;
	char	   *end;
	long long	value;

	if (!DdbJsonGet(obj, key, &v))
		return false;
	if (v.type != jbvNumeric)
		DdbSerializationError("%s cannot be converted to Long", DdbJsonTypeName(&v));
	text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric)));
	errno = 0;
	value = strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0')
		DdbSerializationError("NUMBER_VALUE %s cannot be converted to Long", text);
	*out = (int64) value;
	return true;
}

/*
 * DdbJsonGetObject returns the container of an object member, NULL when
 * absent.
 */
JsonbContainer *
DdbJsonGetObject(JsonbContainer *obj, const char *key)
{
	JsonbValue	v;

	if (!DdbJsonGet(obj, key, &v))
		return NULL;
	return DdbJsonValueObject(&v, key);
}

/*
 * DdbJsonGetArray returns the container of an array member, NULL when
 * absent.
 */
JsonbContainer *
DdbJsonGetArray(JsonbContainer *obj, const char *key)
{
	JsonbValue	v;

	if (!DdbJsonGet(obj, key, &v))
		return NULL;
	return DdbJsonValueArray(&v, key);
}

/*
 * DdbJsonObjectMembers collects the members of an object in stored order.
 * Nested containers come back as jbvBinary values.
 */
int
DdbJsonObjectMembers(JsonbContainer *obj, DdbJsonMember **members)
{
	int			capacity = JsonContainerSize(obj);
	int			n = 0;
	DdbJsonMember *result;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	result = palloc0(sizeof(DdbJsonMember) * Max(capacity, 1));
	it = JsonbIteratorInit(obj);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			Assert(n < capacity);
			result[n].key = pnstrdup(v.val.string.val, v.val.string.len);
			result[n].keylen = v.val.string.len;
		}
		else if (tok == WJB_VALUE)
			result[n++].value = v;
	}
	*members = result;
	return n;
}

/*
 * DdbJsonArrayElements collects the elements of an array.
 */
int
DdbJsonArrayElements(JsonbContainer *arr, JsonbValue **elements)
{
	int			capacity = JsonContainerSize(arr);
	int			n = 0;
	JsonbValue *result;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	result = palloc0(sizeof(JsonbValue) * Max(capacity, 1));
	it = JsonbIteratorInit(arr);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_ELEM)
		{
			Assert(n < capacity);
			result[n++] = v;
		}
	}
	*elements = result;
	return n;
}

/*
 * DdbJsonCheckMembers raises ValidationException for a member that the
 * operation does not define.
 */
void
DdbJsonCheckMembers(JsonbContainer *obj, const char *const *allowed)
{
	DdbJsonMember *members;
	int			n = DdbJsonObjectMembers(obj, &members);

	for (int i = 0; i < n; i++)
	{
		bool		known = false;

		for (const char *const *a = allowed; *a; a++)
		{
			if (strcmp(*a, members[i].key) == 0)
			{
				known = true;
				break;
			}
		}
		if (!known)
			DdbValidationError("1 validation error detected: Unknown parameter '%s' in the request",
							   members[i].key);
	}
}

/*
 * DdbJsonContainerText renders a container as JSON text.
 */
char *
DdbJsonContainerText(JsonbContainer *c)
{
	return JsonbToCString(NULL, c, -1);
}

/* ---- building ---- */

/*
 * DdbPushKey pushes an object key.
 */
void
DdbPushKey(JsonbParseState **st, const char *key)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) key;
	v.val.string.len = strlen(key);
	pushJsonbValue(st, WJB_KEY, &v);
}

/*
 * DdbPushStringLen pushes a string of a given length.
 */
void
DdbPushStringLen(JsonbParseState **st, JsonbIteratorToken tok, const char *s, int len)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = len;
	pushJsonbValue(st, tok, &v);
}

/*
 * DdbPushString pushes a NUL-terminated string.
 */
void
DdbPushString(JsonbParseState **st, JsonbIteratorToken tok, const char *s)
{
	DdbPushStringLen(st, tok, s, strlen(s));
}

/*
 * DdbPushBool pushes a boolean.
 */
void
DdbPushBool(JsonbParseState **st, JsonbIteratorToken tok, bool b)
{
	JsonbValue	v;

	v.type = jbvBool;
	v.val.boolean = b;
	pushJsonbValue(st, tok, &v);
}

/*
 * DdbPushNumeric pushes a number.
 */
void
DdbPushNumeric(JsonbParseState **st, JsonbIteratorToken tok, Numeric n)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = n;
	pushJsonbValue(st, tok, &v);
}

/*
 * DdbPushInt64 pushes an integer.
 */
void
DdbPushInt64(JsonbParseState **st, JsonbIteratorToken tok, int64 i)
{
	DdbPushNumeric(st, tok, int64_to_numeric(i));
}

/*
 * DdbPushNumberText pushes a number given as valid numeric text.
 */
void
DdbPushNumberText(JsonbParseState **st, JsonbIteratorToken tok, const char *s)
{
	Datum		n = DirectFunctionCall3(numeric_in, CStringGetDatum(s),
										ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));

	DdbPushNumeric(st, tok, DatumGetNumeric(n));
}

/*
 * DdbPushValue pushes a value; a jbvBinary container is copied whole.
 */
void
DdbPushValue(JsonbParseState **st, JsonbIteratorToken tok, JsonbValue *v)
{
	pushJsonbValue(st, tok, v);
}

/*
 * DdbPushContainer pushes a copy of a stored container.
 */
void
DdbPushContainer(JsonbParseState **st, JsonbIteratorToken tok, JsonbContainer *c)
{
	JsonbValue	v;

	v.type = jbvBinary;
	v.val.binary.data = c;
	v.val.binary.len = VARSIZE_ANY_EXHDR(c);
	pushJsonbValue(st, tok, &v);
}

/*
 * DdbPushBeginObject opens an object.
 */
void
DdbPushBeginObject(JsonbParseState **st)
{
	pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
}

/*
 * DdbPushEndObject closes an object and returns it.
 */
JsonbValue *
DdbPushEndObject(JsonbParseState **st)
{
	return pushJsonbValue(st, WJB_END_OBJECT, NULL);
}

/*
 * DdbPushBeginArray opens an array.
 */
void
DdbPushBeginArray(JsonbParseState **st)
{
	pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
}

/*
 * DdbPushEndArray closes an array and returns it.
 */
JsonbValue *
DdbPushEndArray(JsonbParseState **st)
{
	return pushJsonbValue(st, WJB_END_ARRAY, NULL);
}

/*
 * DdbEmptyObject returns {}.
 */
Jsonb *
DdbEmptyObject(void)
{
	JsonbParseState *st = NULL;

	DdbPushBeginObject(&st);
	return JsonbValueToJsonb(DdbPushEndObject(&st));
}
