/*-------------------------------------------------------------------------
 *
 * item.c
 *	  DynamoDB AttributeValues and items: validation with DynamoDB's rules
 *	  and error texts, normalization to the stored form, and sizes.
 *
 * Errors come in two layers, as in DynamoDB:
 *
 * - SerializationException when a member has the wrong JSON type (what
 *	 DynamoDB's Coral deserializer reports before any validation). The
 *	 texts follow Coral's: a scalar where a string or boolean belongs is
 *	 "<TOKEN> cannot be converted to String" / "... to Boolean" (TOKEN as
 *	 DdbJsonTypeName names it, e.g. NUMBER_VALUE, STRING_VALUE); an object
 *	 where something else belongs is "Start of structure or map found where
 *	 not expected"; an array, "Start of list found where not expected"; a
 *	 scalar where a list, map or AttributeValue belongs, "Unexpected field
 *	 type". Blobs (B, BS elements) are read as strings, so a non-string blob
 *	 says "... cannot be converted to String".
 * - ValidationException for everything DynamoDB itself checks: the single
 *	 type key, NULL being true, numbers, empty sets, duplicates, nesting,
 *	 attribute names and the item size.
 *
 * Decisions where DynamoDB's behaviour is not documented:
 *
 * - Members that are not type keys ({"X": "1"}) are ignored, like every
 *	 unknown member of DynamoDB's JSON protocol, and so are members whose
 *	 value is JSON null. {"X": "1"} is therefore "Supplied AttributeValue is
 *	 empty, ...", as dynalite (copying DynamoDB) answers it, and
 *	 {"S": "a", "X": "1"} is the string "a".
 * - A JSON null where an AttributeValue belongs (an element of L, a member
 *	 of M or of an item) is an empty AttributeValue.
 * - A JSON null inside a set is a ValidationException: for NS the number
 *	 error (dynalite's answer); for SS and BS our own text, "String sets may
 *	 not contain null values" / "Binary sets ...".
 * - Base64 is checked strictly, and every violation is a
 *	 SerializationException, because DynamoDB decodes blobs while
 *	 deserializing: a length that is not a multiple of 4 ("Base64 encoded
 *	 length is expected a multiple of 4 bytes but found: N"), a character
 *	 outside the alphabet or '=' anywhere but the last one or two places
 *	 ("Invalid Base64 character: 'c'"), and pad bits that are not zero
 *	 ("Invalid last non-pad Base64 character dectected", DynamoDB's spelling
 *	 as dynalite recorded it). Texts omit the value itself, which can be
 *	 hundreds of kilobytes. A string that passes is the canonical encoding
 *	 of its bytes, so it is stored as given.
 * - Duplicates: SS and BS list the elements as given, as DynamoDB's older
 *	 validation layer does ("Input collection [a, a] contains duplicates.",
 *	 "Input collection [Yg==, Yg==]of type BS contains duplicates.", the
 *	 missing space being DynamoDB's); NS names no elements ("Input
 *	 collection contains duplicates."). Lists longer than an item are cut
 *	 short with "...".
 * - Attribute names: 1 to 65535 bytes, and map member names follow the same
 *	 rule at every level, since they are attribute names too (a document
 *	 path could not name an empty member: ExpressionAttributeNames rejects
 *	 empty names). The empty-name text mirrors DynamoDB's "Empty attribute
 *	 name" for ExpressionAttributeNames.
 * - Nesting: every AttributeValue has a level, a top-level attribute being
 *	 level 1 and the elements of an L or M one more than it; a value at
 *	 level 33 is "Nesting Levels have exceeded supported limits: Attributes
 *	 in the item have nested levels beyond supported limit", the full text
 *	 real DynamoDB was captured returning. The check is made on entering a
 *	 value, so errors come out in document order (jsonb's member order).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/base64.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/jsonb.h"

#include "errors.h"
#include "item.h"
#include "json_util.h"
#include "number.h"
#include "string_escape.h"

/* The JSON type a member's value must have */
typedef enum ExpectedJson
{
	EXPECT_STRING,
	EXPECT_BOOLEAN,
	EXPECT_LIST,
	EXPECT_MAP					/* also an AttributeValue (a structure) */
} ExpectedJson;

/* One element of a set being normalized */
typedef struct SetElement
{
	const char *text;			/* as given: the string or base64 text */
	int			len;
	const char *key;			/* compared: the string, the canonical number
								 * (which is also what is stored) or the
								 * decoded bytes */
	int			keylen;
} SetElement;

/* Type keys, indexed by DdbAttributeType */
static const char *const type_names[] = {
	[DDB_TYPE_INVALID] = "",
	[DDB_TYPE_S] = "S",
	[DDB_TYPE_N] = "N",
	[DDB_TYPE_B] = "B",
	[DDB_TYPE_BOOL] = "BOOL",
	[DDB_TYPE_NULL] = "NULL",
	[DDB_TYPE_L] = "L",
	[DDB_TYPE_M] = "M",
	[DDB_TYPE_SS] = "SS",
	[DDB_TYPE_NS] = "NS",
	[DDB_TYPE_BS] = "BS",
};

static JsonbValue *NormalizeValue(JsonbValue *value, JsonbParseState **state,
								  int depth, Size *size);

/*
 * DdbAttributeTypeName returns the type key of an AttributeValue type.
 */
const char *
DdbAttributeTypeName(DdbAttributeType type)
{
	if (type < DDB_TYPE_INVALID || type > DDB_TYPE_BS)
		type = DDB_TYPE_INVALID;
	return type_names[type];
}

/*
 * DdbAttributeTypeLongName returns the long name DynamoDB's ADD and DELETE
 * operand errors use for a scalar, list or map type.
 */
const char *
DdbAttributeTypeLongName(DdbAttributeType type)
{
	switch (type)
	{
		case DDB_TYPE_S:
			return "STRING";
		case DDB_TYPE_N:
			return "NUMBER";
		case DDB_TYPE_B:
			return "BINARY";
		case DDB_TYPE_BOOL:
			return "BOOLEAN";
		case DDB_TYPE_NULL:
			return "NULL";
		case DDB_TYPE_L:
			return "LIST";
		case DDB_TYPE_M:
			return "MAP";
		default:
			return DdbAttributeTypeName(type);
	}
}

/*
 * Map a type key to its type; DDB_TYPE_INVALID for any other member name.
 */
static DdbAttributeType
TypeFromKey(const char *key, int len)
{
	int			t;

	for (t = DDB_TYPE_S; t <= DDB_TYPE_BS; t++)
	{
		if ((int) strlen(type_names[t]) == len && memcmp(type_names[t], key, len) == 0)
			return (DdbAttributeType) t;
	}
	return DDB_TYPE_INVALID;
}

/*
 * The JSON type the member of an AttributeValue type must have.
 */
static ExpectedJson
ExpectedJsonFor(DdbAttributeType type)
{
	switch (type)
	{
		case DDB_TYPE_S:
		case DDB_TYPE_N:
		case DDB_TYPE_B:
			return EXPECT_STRING;
		case DDB_TYPE_BOOL:
		case DDB_TYPE_NULL:
			return EXPECT_BOOLEAN;
		case DDB_TYPE_M:
			return EXPECT_MAP;
		default:
			return EXPECT_LIST;
	}
}

/*
 * Raise SerializationException unless v (not JSON null) has the expected
 * JSON type. The texts are listed in the file header.
 */
static void
CheckJsonType(JsonbValue *v, ExpectedJson expected)
{
	bool		is_object = (v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data));
	bool		is_array = (v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data));

	switch (expected)
	{
		case EXPECT_STRING:
		case EXPECT_BOOLEAN:
			if ((expected == EXPECT_STRING && v->type == jbvString) ||
				(expected == EXPECT_BOOLEAN && v->type == jbvBool))
				return;
			if (is_object)
				DdbSerializationError("Start of structure or map found where not expected");
			if (is_array)
				DdbSerializationError("Start of list found where not expected");
			DdbSerializationError("%s cannot be converted to %s", DdbJsonTypeName(v),
								  expected == EXPECT_STRING ? "String" : "Boolean");
			break;
		case EXPECT_LIST:
			if (is_array)
				return;
			if (is_object)
				DdbSerializationError("Start of structure or map found where not expected");
			DdbSerializationError("Unexpected field type");
			break;
		case EXPECT_MAP:
			if (is_object)
				return;
			if (is_array)
				DdbSerializationError("Start of list found where not expected");
			DdbSerializationError("Unexpected field type");
			break;
	}
}

/*
 * Raise the error for an AttributeValue with no type member.
 */
static void
EmptyAttributeValue(void)
{
	DdbValidationError("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
}

/*
 * DdbCheckAttributeName raises ValidationException unless name (len bytes)
 * is a valid attribute or map member name: 1 to 65535 bytes.
 */
void
DdbCheckAttributeName(const char *name, int len)
{
	if (len == 0)
		DdbValidationError("One or more parameter values were invalid: Empty attribute name");
	if (DdbStoredStringSize(name, len) > DDB_MAX_ATTRIBUTE_NAME_SIZE)
		DdbValidationError("One or more parameter values were invalid: Attribute name is too large, must be at most 65535 bytes");
}

/* ---- base64 ---- */

/*
 * The value of a base64 digit, or -1 for a character outside the alphabet.
 */
static int
Base64Digit(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* What is wrong with base64 text, if anything (Base64Problem) */
typedef enum Base64Fault
{
	BASE64_OK,
	BASE64_BAD_LENGTH,			/* not a multiple of 4 */
	BASE64_BAD_CHARACTER,		/* at *offset */
	BASE64_BAD_PAD_BITS			/* bits the padding leaves over are set */
} Base64Fault;

/*
 * Check base64 text strictly; on BASE64_BAD_CHARACTER, *offset is where.
 */
static Base64Fault
Base64Problem(const char *s, int len, int *offset)
{
	int			pad = 0;

	if (len % 4 != 0)
		return BASE64_BAD_LENGTH;
	if (len > 0 && s[len - 1] == '=')
	{
		pad++;
		if (s[len - 2] == '=')
			pad++;
	}
	for (int i = 0; i < len - pad; i++)
	{
		if (Base64Digit((unsigned char) s[i]) < 0)
		{
			*offset = i;
			return BASE64_BAD_CHARACTER;
		}
	}
	if ((pad == 1 && (Base64Digit((unsigned char) s[len - 2]) & 0x3) != 0) ||
		(pad == 2 && (Base64Digit((unsigned char) s[len - 3]) & 0xF) != 0))
		return BASE64_BAD_PAD_BITS;
	return BASE64_OK;
}

/*
 * Check base64 text strictly and return the number of bytes it decodes to.
 * Violations are SerializationExceptions (see the file header).
 */
static int
Base64Check(const char *s, int len)
{
	int			offset = 0;

	switch (Base64Problem(s, len, &offset))
	{
		case BASE64_OK:
			break;
		case BASE64_BAD_LENGTH:
			DdbSerializationError("Base64 encoded length is expected a multiple of 4 bytes but found: %d",
								  len);
			break;
		case BASE64_BAD_CHARACTER:
			{
				int			clen = Min(pg_mblen(s + offset), len - offset);

				DdbSerializationError("Invalid Base64 character: '%.*s'", clen, s + offset);
			}
			break;
		case BASE64_BAD_PAD_BITS:
			DdbSerializationError("Invalid last non-pad Base64 character dectected");
			break;
	}
	return len / 4 * 3 - (len > 0 && s[len - 1] == '=' ? (s[len - 2] == '=' ? 2 : 1) : 0);
}

/*
 * Decode base64 text already checked by Base64Check into a palloc'd buffer
 * of *outlen bytes.
 */
static char *
Base64DecodeChecked(const char *s, int len, int *outlen)
{
	char	   *buf = palloc(pg_b64_dec_len(len) + 1);
	int			n = pg_b64_decode(s, len, buf, pg_b64_dec_len(len));

	if (n < 0)
		elog(ERROR, "could not decode base64 text that passed validation");
	*outlen = n;
	return buf;
}

/*
 * DdbBase64Decode decodes base64 text strictly (as B values are checked)
 * and returns the bytes; invalid text is a SerializationException.
 */
bytea *
DdbBase64Decode(const char *s, int len)
{
	bytea	   *result;
	int			n = Base64Check(s, len);

	result = palloc(VARHDRSZ + pg_b64_dec_len(len) + 1);
	if (n > 0)
	{
		n = pg_b64_decode(s, len, VARDATA(result), pg_b64_dec_len(len) + 1);
		if (n < 0)
			elog(ERROR, "could not decode base64 text that passed validation");
	}
	SET_VARSIZE(result, VARHDRSZ + n);
	return result;
}

/*
 * DdbBase64Encode encodes bytes as canonical base64 text.
 */
char *
DdbBase64Encode(const char *data, int len)
{
	int			cap = pg_b64_enc_len(len) + 1;
	char	   *result = palloc(cap);
	int			n = 0;

	if (len > 0)
	{
		n = pg_b64_encode(data, len, result, cap);
		if (n < 0)
			elog(ERROR, "could not encode base64");
	}
	result[n] = '\0';
	return result;
}

/* ---- normalization ---- */

/*
 * Order set elements by their bytes (SS, BS): memcmp, shorter first on a
 * common prefix.
 */
static int
CompareElementBytes(const void *a, const void *b)
{
	const SetElement *ea = (const SetElement *) a;
	const SetElement *eb = (const SetElement *) b;
	int			c = memcmp(ea->key, eb->key, Min(ea->keylen, eb->keylen));

	if (c != 0)
		return c;
	return (ea->keylen > eb->keylen) - (ea->keylen < eb->keylen);
}

/*
 * Order set elements by numeric value (NS).
 */
static int
CompareElementNumbers(const void *a, const void *b)
{
	return DdbNumberCompare(((const SetElement *) a)->key,
							((const SetElement *) b)->key);
}

/*
 * Raise DynamoDB's duplicate-element error for a set, listing the elements
 * as given for SS and BS.
 */
static void
DuplicateElements(DdbAttributeType type, SetElement *elems, int n)
{
	StringInfoData list;
	int			i;

	if (type == DDB_TYPE_NS)
		DdbValidationError("One or more parameter values were invalid: Input collection contains duplicates.");

	initStringInfo(&list);
	for (i = 0; i < n; i++)
	{
		if (list.len > DDB_MAX_ITEM_SIZE)
		{
			appendStringInfoString(&list, ", ...");
			break;
		}
		if (i > 0)
			appendStringInfoString(&list, ", ");
		appendBinaryStringInfo(&list, elems[i].text, elems[i].len);
	}
	if (type == DDB_TYPE_SS)
		DdbValidationError("One or more parameter values were invalid: Input collection [%s] contains duplicates.",
						   list.data);
	DdbValidationError("One or more parameter values were invalid: Input collection [%s]of type BS contains duplicates.",
					   list.data);
}

/*
 * Validate the members of an SS, NS or BS (array container), push the set
 * sorted and return its size (the sum of its elements' sizes).
 */
static Size
NormalizeSet(DdbAttributeType type, JsonbContainer *array, JsonbParseState **state)
{
	int			n = JsonContainerSize(array);
	SetElement *elems;
	SetElement *sorted;
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	v;
	Size		size = 0;
	int			count = 0;
	int			i;
	int			(*compare) (const void *, const void *) =
		(type == DDB_TYPE_NS) ? CompareElementNumbers : CompareElementBytes;

	if (n == 0)
	{
		if (type == DDB_TYPE_SS)
			DdbValidationError("One or more parameter values were invalid: An string set  may not be empty");
		if (type == DDB_TYPE_NS)
			DdbValidationError("One or more parameter values were invalid: An number set  may not be empty");
		DdbValidationError("One or more parameter values were invalid: Binary sets should not be empty");
	}

	elems = palloc(sizeof(SetElement) * n);
	it = JsonbIteratorInit(array);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		SetElement *e;

		if (tok != WJB_ELEM)
			continue;
		CHECK_FOR_INTERRUPTS();
		if (count >= n)
			elog(ERROR, "jsonb array has more elements than its header says");

		if (v.type == jbvNull)
		{
			if (type == DDB_TYPE_NS)
				DdbValidationError("The parameter cannot be converted to a numeric value");
			if (type == DDB_TYPE_SS)
				DdbValidationError("One or more parameter values were invalid: String sets may not contain null values");
			DdbValidationError("One or more parameter values were invalid: Binary sets may not contain null values");
		}
		CheckJsonType(&v, EXPECT_STRING);

		e = &elems[count++];
		e->text = v.val.string.val;
		e->len = v.val.string.len;
		switch (type)
		{
			case DDB_TYPE_SS:
				e->key = e->text;
				e->keylen = e->len;
				size += DdbStoredStringSize(e->text, e->len);
				break;
			case DDB_TYPE_NS:
				e->key = DdbNumberNormalize(e->text, e->len);
				e->keylen = strlen(e->key);
				size += DdbNumberSize(e->key);
				break;
			default:
				Base64Check(e->text, e->len);
				e->key = Base64DecodeChecked(e->text, e->len, &e->keylen);
				size += e->keylen;
				break;
		}
	}
	n = count;

	/* sort a copy, so that a duplicate error can list them as given */
	sorted = palloc(sizeof(SetElement) * n);
	memcpy(sorted, elems, sizeof(SetElement) * n);
	qsort(sorted, n, sizeof(SetElement), compare);
	for (i = 1; i < n; i++)
	{
		if (compare(&sorted[i - 1], &sorted[i]) == 0)
			DuplicateElements(type, elems, n);
	}

	pushJsonbValue(state, WJB_BEGIN_ARRAY, NULL);
	for (i = 0; i < n; i++)
	{
		if (type == DDB_TYPE_NS)
			DdbPushStringLen(state, WJB_ELEM, sorted[i].key, sorted[i].keylen);
		else
			DdbPushStringLen(state, WJB_ELEM, sorted[i].text, sorted[i].len);
	}
	pushJsonbValue(state, WJB_END_ARRAY, NULL);

	pfree(sorted);
	pfree(elems);
	return size;
}

/*
 * Validate the elements of an L (array container) at level depth, push the
 * list and return its size.
 */
static Size
NormalizeList(JsonbContainer *array, JsonbParseState **state, int depth)
{
	JsonbIterator *it = JsonbIteratorInit(array);
	JsonbIteratorToken tok;
	JsonbValue	v;
	Size		size = 3;

	pushJsonbValue(state, WJB_BEGIN_ARRAY, NULL);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		Size		elem_size;

		if (tok != WJB_ELEM)
			continue;
		CHECK_FOR_INTERRUPTS();
		NormalizeValue(&v, state, depth, &elem_size);
		size += elem_size + 1;
	}
	pushJsonbValue(state, WJB_END_ARRAY, NULL);
	return size;
}

/*
 * Validate the members of an M or an attribute map (object container) whose
 * values are at level depth, push the map and return its size: names plus
 * values, plus overhead (3 + 1 per member) when overhead is true (an M).
 * Returns the result of the last push (the map itself when *state was NULL).
 */
static JsonbValue *
NormalizeMap(JsonbContainer *object, JsonbParseState **state, int depth,
			 bool overhead, Size *size_out)
{
	JsonbIterator *it = JsonbIteratorInit(object);
	JsonbIteratorToken tok;
	JsonbValue	v;
	Size		size = overhead ? 3 : 0;

	pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			DdbCheckAttributeName(v.val.string.val, v.val.string.len);
			pushJsonbValue(state, WJB_KEY, &v);
			size += DdbStoredStringSize(v.val.string.val, v.val.string.len);
		}
		else if (tok == WJB_VALUE)
		{
			Size		value_size;

			CHECK_FOR_INTERRUPTS();
			NormalizeValue(&v, state, depth, &value_size);
			size += value_size + (overhead ? 1 : 0);
		}
	}
	*size_out = size;
	return pushJsonbValue(state, WJB_END_OBJECT, NULL);
}

/*
 * Validate one AttributeValue at level depth, push its normalized form and
 * set *size to its size. Returns the result of the last push: the
 * AttributeValue itself when *state was NULL.
 */
static JsonbValue *
NormalizeValue(JsonbValue *value, JsonbParseState **state, int depth, Size *size)
{
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	v;
	JsonbValue	payload;
	DdbAttributeType key_type = DDB_TYPE_INVALID;
	DdbAttributeType type = DDB_TYPE_INVALID;
	int			ntypes = 0;
	char	   *number;

	check_stack_depth();
	if (depth > DDB_MAX_NESTING_DEPTH)
		DdbValidationError(DDB_NESTING_ERROR_TEXT);
	if (value->type == jbvNull)
		EmptyAttributeValue();
	if (value->type == jbvObject || value->type == jbvArray)
		elog(ERROR, "unexpected unserialized jsonb container in an AttributeValue");
	CheckJsonType(value, EXPECT_MAP);

	/* find the one type member; others and nulls are ignored */
	it = JsonbIteratorInit(value->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			key_type = TypeFromKey(v.val.string.val, v.val.string.len);
		else if (tok == WJB_VALUE && key_type != DDB_TYPE_INVALID && v.type != jbvNull)
		{
			CheckJsonType(&v, ExpectedJsonFor(key_type));
			type = key_type;
			payload = v;
			ntypes++;
		}
	}
	if (ntypes == 0)
		EmptyAttributeValue();
	if (ntypes > 1)
		DdbValidationError("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");

	pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);
	DdbPushStringLen(state, WJB_KEY, type_names[type], strlen(type_names[type]));
	switch (type)
	{
		case DDB_TYPE_S:
			pushJsonbValue(state, WJB_VALUE, &payload);
			*size = DdbStoredStringSize(payload.val.string.val, payload.val.string.len);
			break;
		case DDB_TYPE_N:
			number = DdbNumberNormalize(payload.val.string.val, payload.val.string.len);
			DdbPushStringLen(state, WJB_VALUE, number, strlen(number));
			*size = DdbNumberSize(number);
			break;
		case DDB_TYPE_B:
			*size = Base64Check(payload.val.string.val, payload.val.string.len);
			pushJsonbValue(state, WJB_VALUE, &payload);
			break;
		case DDB_TYPE_BOOL:
			pushJsonbValue(state, WJB_VALUE, &payload);
			*size = 1;
			break;
		case DDB_TYPE_NULL:
			if (!payload.val.boolean)
				DdbValidationError("One or more parameter values were invalid: Null attribute value types must have the value of true");
			pushJsonbValue(state, WJB_VALUE, &payload);
			*size = 1;
			break;
		case DDB_TYPE_L:
			*size = NormalizeList(payload.val.binary.data, state, depth + 1);
			break;
		case DDB_TYPE_M:
			NormalizeMap(payload.val.binary.data, state, depth + 1, true, size);
			break;
		case DDB_TYPE_SS:
		case DDB_TYPE_NS:
		case DDB_TYPE_BS:
			*size = NormalizeSet(type, payload.val.binary.data, state);
			break;
		case DDB_TYPE_INVALID:
			elog(ERROR, "AttributeValue type not found");
	}
	return pushJsonbValue(state, WJB_END_OBJECT, NULL);
}

/*
 * DdbAttributeValueNormalize validates one AttributeValue at nesting level
 * depth, pushes its normalized form onto *state (token is WJB_VALUE after a
 * key or WJB_ELEM in an array; the value is an object either way) and
 * returns its size.
 */
Size
DdbAttributeValueNormalize(JsonbValue *value, JsonbParseState **state,
						   JsonbIteratorToken token PG_USED_FOR_ASSERTS_ONLY, int depth)
{
	Size		size;

	Assert(*state == NULL || token == WJB_VALUE || token == WJB_ELEM);
	NormalizeValue(value, state, depth, &size);
	return size;
}

/*
 * DdbAttributeValueNormalizeToJsonb validates one AttributeValue standing
 * on its own (level 1, e.g. an ExpressionAttributeValue) and returns its
 * normalized form; *size_out (if not NULL) gets its size.
 */
Jsonb *
DdbAttributeValueNormalizeToJsonb(JsonbValue *value, Size *size_out)
{
	JsonbParseState *state = NULL;
	JsonbValue *result;
	Size		size;

	result = NormalizeValue(value, &state, 1, &size);
	if (size_out)
		*size_out = size;
	return JsonbValueToJsonb(result);
}

/* ---- items already in the normalized form ---- */

static bool MapIsNormal(const JsonbContainer *map, int depth, bool overhead, Size *size_out);

/*
 * Whether text is an integer of at most 38 digits without a leading zero
 * (or 0), optionally negative: the canonical text of a valid number.
 */
static bool
IsCanonicalInteger(const char *s, int len)
{
	int			start = (len > 0 && s[0] == '-') ? 1 : 0;
	int			ndigits = len - start;

	if (ndigits < 1 || ndigits > 38)
		return false;
	if (s[start] == '0')
		return len == 1;
	for (int i = start; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return true;
}

/*
 * Whether the AttributeValue container c at level depth is valid and
 * already what NormalizeValue would push; then *size gets its size.
 * Raises nothing: false for anything NormalizeValue would change or
 * refuse, and for types left to it (B and the sets).
 */
static bool
ValueIsNormal(const JsonbContainer *c, int depth, Size *size)
{
	const char *base;
	JEntry		key_entry;
	JEntry		entry;
	uint32		value_offset;
	const char *payload;
	uint32		payload_len;

	if (depth > DDB_MAX_NESTING_DEPTH || !JsonContainerIsObject(c) || JsonContainerSize(c) != 1)
		return false;
	base = (const char *) &c->children[2];
	key_entry = c->children[0];
	entry = c->children[1];
	value_offset = JBE_OFFLENFLD(key_entry);	/* the key's end */
	payload = base + value_offset;
	payload_len = JBE_OFFLENFLD(entry);
	if (JBE_HAS_OFF(entry))
		payload_len -= value_offset;
	switch (TypeFromKey(base, JBE_OFFLENFLD(key_entry)))
	{
		case DDB_TYPE_S:
			if (!JBE_ISSTRING(entry))
				return false;
			*size = DdbStoredStringSize(payload, payload_len);
			return true;
		case DDB_TYPE_N:
			{
				char		number[40];

				if (!JBE_ISSTRING(entry) || !IsCanonicalInteger(payload, payload_len))
					return false;
				memcpy(number, payload, payload_len);
				number[payload_len] = '\0';
				*size = DdbNumberSize(number);
				return true;
			}
		case DDB_TYPE_BOOL:
			*size = 1;
			return JBE_ISBOOL_TRUE(entry) || JBE_ISBOOL_FALSE(entry);
		case DDB_TYPE_NULL:
			*size = 1;
			return JBE_ISBOOL_TRUE(entry);
		case DDB_TYPE_L:
			{
				const JsonbContainer *list;
				uint32		count;
				Size		list_size = 3;

				if (!JBE_ISCONTAINER(entry))
					return false;
				list = (const JsonbContainer *) (base + INTALIGN(value_offset));
				if (!JsonContainerIsArray(list) || JsonContainerIsScalar(list))
					return false;
				count = JsonContainerSize(list);
				for (uint32 i = 0; i < count; i++)
				{
					const char *elems = (const char *) &list->children[count];
					uint32		offset = getJsonbOffset(list, i);
					Size		elem_size;

					CHECK_FOR_INTERRUPTS();
					if (!JBE_ISCONTAINER(list->children[i]) ||
						!ValueIsNormal((const JsonbContainer *) (elems + INTALIGN(offset)),
									   depth + 1, &elem_size))
						return false;
					list_size += elem_size + 1;
				}
				*size = list_size;
				return true;
			}
		case DDB_TYPE_M:
			if (!JBE_ISCONTAINER(entry))
				return false;
			return MapIsNormal((const JsonbContainer *) (base + INTALIGN(value_offset)),
							   depth + 1, true, size);
		default:
			return false;
	}
}

/*
 * Whether the object container map, whose values are at level depth, is
 * valid and already what NormalizeMap would make of it; then *size_out
 * gets its size (with the overhead of an M when overhead is true). Raises
 * nothing.
 */
static bool
MapIsNormal(const JsonbContainer *map, int depth, bool overhead, Size *size_out)
{
	uint32		count;
	const char *base;
	Size		size = overhead ? 3 : 0;

	check_stack_depth();
	if (!JsonContainerIsObject(map))
		return false;
	count = JsonContainerSize(map);
	base = (const char *) &map->children[count * 2];
	for (uint32 i = 0; i < count; i++)
	{
		uint32		name_offset = getJsonbOffset(map, i);
		uint32		name_len = getJsonbLength(map, i);
		uint32		value_offset = getJsonbOffset(map, count + i);
		Size		value_size;
		int			name_size;

		CHECK_FOR_INTERRUPTS();
		name_size = DdbStoredStringSize(base + name_offset, name_len);
		if (name_len == 0 || name_size > DDB_MAX_ATTRIBUTE_NAME_SIZE)
			return false;
		if (!JBE_ISCONTAINER(map->children[count + i]) ||
			!ValueIsNormal((const JsonbContainer *) (base + INTALIGN(value_offset)),
						   depth, &value_size))
			return false;
		size += name_size + value_size + (overhead ? 1 : 0);
	}
	*size_out = size;
	return true;
}

/*
 * DdbAttributeMapNormalize validates a map of attribute names to
 * AttributeValues (an item, a key, an ExclusiveStartKey, ...) and returns it
 * normalized; *size_out (if not NULL) gets the names' and values' total
 * size. A map that is not a JSON object is a SerializationException.
 */
Jsonb *
DdbAttributeMapNormalize(JsonbContainer *map, Size *size_out)
{
	JsonbParseState *state = NULL;
	JsonbValue *result;
	Size		size;

	if (!JsonContainerIsObject(map))
	{
		if (JsonContainerIsScalar(map))
			DdbSerializationError("Unexpected field type");
		DdbSerializationError("Start of list found where not expected");
	}
	/* most maps are already normalized: their bytes are kept as they are */
	if (MapIsNormal(map, 1, false, &size))
	{
		if (size_out)
			*size_out = size;
		return DdbContainerToJsonb(map);
	}
	result = NormalizeMap(map, &state, 1, false, &size);
	if (size_out)
		*size_out = size;
	return JsonbValueToJsonb(result);
}

/*
 * DdbItemNormalize validates a whole item (key attributes are the caller's
 * business), returns it normalized and sets *size_out (if not NULL) to its
 * size, which must not exceed DDB_MAX_ITEM_SIZE.
 */
Jsonb *
DdbItemNormalize(JsonbContainer *item, Size *size_out)
{
	Size		size;
	Jsonb	   *result = DdbAttributeMapNormalize(item, &size);

	if (size > DDB_MAX_ITEM_SIZE)
		DdbValidationError("Item size has exceeded the maximum allowed size");
	if (size_out)
		*size_out = size;
	return result;
}

/* ---- reading stored values ---- */

/*
 * DdbAttributeValueType returns the type of a stored (normalized)
 * AttributeValue and, if payload is not NULL, copies its member's value
 * there. Anything that is not an AttributeValue gives DDB_TYPE_INVALID.
 */
DdbAttributeType
DdbAttributeValueType(JsonbValue *value, JsonbValue *payload)
{
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	v;
	DdbAttributeType type = DDB_TYPE_INVALID;

	if (value->type != jbvBinary || !JsonContainerIsObject(value->val.binary.data))
		return DDB_TYPE_INVALID;
	it = JsonbIteratorInit(value->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			type = TypeFromKey(v.val.string.val, v.val.string.len);
		else if (tok == WJB_VALUE && type != DDB_TYPE_INVALID)
		{
			if (payload)
				*payload = v;
			return type;
		}
	}
	return DDB_TYPE_INVALID;
}

/* ---- walking stored items: checking them and measuring them ---- */

/*
 * Items reach item tables through ddb, which stores them normalized, but
 * also through plain SQL (INSERT, UPDATE, triggers), which can store any
 * jsonb. Everything that reads stored values relies on their shape, so the
 * access layer checks each item it reads (DdbStoredItemCheck) before
 * anything else looks at it.
 *
 * Items are read on every call, so the walk reads jsonb's binary format
 * directly (JEntry arrays, as jsonb.h documents them) instead of going
 * through JsonbIterator, which allocates an iterator per container; and it
 * measures the item's DynamoDB size on the way, as DdbItemSize does with
 * the same walk.
 */

/* Sequential reader of the children of a container */
typedef struct ChildReader
{
	const JsonbContainer *container;
	const char *base;			/* where the children's data starts */
	int			next;			/* the next child */
	uint32		offset;			/* its data's offset from base */
} ChildReader;

/*
 * Start reading a container's children (elements, or keys then values).
 */
static void
ReaderInit(ChildReader *reader, const JsonbContainer *container)
{
	int			nchildren = JsonContainerSize(container);

	if (JsonContainerIsObject(container))
		nchildren *= 2;
	reader->container = container;
	reader->base = (const char *) &container->children[nchildren];
	reader->next = 0;
	reader->offset = 0;
}

/*
 * Read the next child: its JEntry, and its data and length.
 */
static JEntry
ReaderNext(ChildReader *reader, const char **data, uint32 *len)
{
	JEntry		entry = reader->container->children[reader->next++];
	uint32		start = reader->offset;

	JBE_ADVANCE_OFFSET(reader->offset, entry);
	*data = reader->base + start;
	*len = reader->offset - start;
	return entry;
}

/*
 * The container a child's data holds (containers are int-aligned).
 */
static const JsonbContainer *
ChildContainer(const ChildReader *reader, const char *data)
{
	uint32		offset = data - reader->base;

	return (const JsonbContainer *) (reader->base + INTALIGN(offset));
}

/*
 * Size of a canonical number given as (not NUL-terminated) text.
 */
static int
StoredNumberSize(const char *s, uint32 len)
{
	char		buf[256];
	char	   *copy = len < sizeof(buf) ? buf : palloc(len + 1);
	int			size;

	memcpy(copy, s, len);
	copy[len] = '\0';
	size = DdbNumberSize(copy);
	if (copy != buf)
		pfree(copy);
	return size;
}

/*
 * Bytes that valid base64 text decodes to.
 */
static Size
StoredBinarySize(const char *s, uint32 len)
{
	int			pad = 0;

	if (len > 0 && s[len - 1] == '=')
		pad = (len > 1 && s[len - 2] == '=') ? 2 : 1;
	return len / 4 * 3 - pad;
}

/*
 * Order two stored set elements (checked text) as stored sets are sorted:
 * strings by bytes, numbers by value, binaries by their decoded bytes.
 */
static int
CompareStoredElements(DdbAttributeType element_type, const char *a, uint32 alen,
					  const char *b, uint32 blen)
{
	int			c;

	if (element_type == DDB_TYPE_N)
	{
		char	   *x = pnstrdup(a, alen);
		char	   *y = pnstrdup(b, blen);

		c = DdbNumberCompare(x, y);
		pfree(x);
		pfree(y);
		return c;
	}
	if (element_type == DDB_TYPE_B)
	{
		int			xlen;
		int			ylen;
		char	   *x = Base64DecodeChecked(a, alen, &xlen);
		char	   *y = Base64DecodeChecked(b, blen, &ylen);

		c = memcmp(x, y, Min(xlen, ylen));
		if (c == 0)
			c = (xlen > ylen) - (xlen < ylen);
		pfree(x);
		pfree(y);
		return c;
	}
	c = memcmp(a, b, Min(alen, blen));
	return c != 0 ? c : (alen > blen) - (alen < blen);
}

static const char *WalkAttributeValue(const JsonbContainer *value, int depth, Size *size);

/*
 * Walk the members of an item or of an M (names, then AttributeValues at
 * depth), adding their size.
 */
static const char *
WalkMap(const JsonbContainer *map, int depth, Size *size)
{
	int			count = JsonContainerSize(map);
	ChildReader reader;
	const char *data;
	uint32		len;

	ReaderInit(&reader, map);
	for (int i = 0; i < count; i++)
	{
		if (!JBE_ISSTRING(ReaderNext(&reader, &data, &len)))
			return "an attribute name is not a string";
		if (!DdbStoredStringIsValid(data, len))
			return "an attribute name is not in the stored form of strings";
		len = DdbStoredStringSize(data, len);
		if (len == 0 || len > DDB_MAX_ATTRIBUTE_NAME_SIZE)
			return "an attribute name is empty or too long";
		*size += len;
	}
	for (int i = 0; i < count; i++)
	{
		const char *problem;

		if (!JBE_ISCONTAINER(ReaderNext(&reader, &data, &len)))
			return "an attribute value is not an object of one member";
		problem = WalkAttributeValue(ChildContainer(&reader, data), depth, size);
		if (problem != NULL)
			return problem;
	}
	return NULL;
}

/*
 * Walk the elements of an L (AttributeValues at depth) or of a set of
 * element_type, adding their size.
 */
static const char *
WalkElements(const JsonbContainer *array, DdbAttributeType element_type, int depth, Size *size)
{
	int			count = JsonContainerSize(array);
	ChildReader reader;
	const char *data;
	uint32		len;
	const char *previous = NULL;
	uint32		previous_len = 0;
	int			offset;

	ReaderInit(&reader, array);
	for (int i = 0; i < count; i++)
	{
		JEntry		entry = ReaderNext(&reader, &data, &len);

		if (element_type == DDB_TYPE_L)
		{
			const char *problem;

			if (!JBE_ISCONTAINER(entry))
				return "an attribute value is not an object of one member";
			problem = WalkAttributeValue(ChildContainer(&reader, data), depth, size);
			if (problem != NULL)
				return problem;
			*size += 1;
		}
		else if (!JBE_ISSTRING(entry))
			return "a set element is not a string";
		else if (element_type == DDB_TYPE_S)
		{
			if (!DdbStoredStringIsValid(data, len))
				return "a string is not in the stored form of strings";
			*size += DdbStoredStringSize(data, len);
		}
		else if (element_type == DDB_TYPE_N)
		{
			if (!DdbNumberIsCanonical(data, len))
				return "a number is not in canonical form";
			*size += StoredNumberSize(data, len);
		}
		else
		{
			if (Base64Problem(data, len, &offset) != BASE64_OK)
				return "a binary is not valid base64";
			*size += StoredBinarySize(data, len);
		}
		/* set elements (checked above) are stored sorted, without duplicates */
		if (element_type != DDB_TYPE_L && previous != NULL &&
			CompareStoredElements(element_type, previous, previous_len, data, len) >= 0)
			return "a set is not sorted or has duplicates";
		previous = data;
		previous_len = len;
	}
	return NULL;
}

/*
 * Walk one AttributeValue (an object of one member: type key and payload)
 * at depth, adding its size.
 */
static const char *
WalkAttributeValue(const JsonbContainer *value, int depth, Size *size)
{
	ChildReader reader;
	const char *key;
	uint32		key_len;
	const char *data;
	uint32		len;
	JEntry		entry;
	const JsonbContainer *inner;
	int			offset;
	DdbAttributeType type;

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();		/* SQL may have stored a huge item */
	if (depth > DDB_MAX_NESTING_DEPTH)
		return "it is nested too deeply";
	if (!JsonContainerIsObject(value) || JsonContainerSize(value) != 1)
		return "an attribute value is not an object of one member";
	ReaderInit(&reader, value);
	if (!JBE_ISSTRING(ReaderNext(&reader, &key, &key_len)))
		return "an attribute value has no known type";
	type = TypeFromKey(key, key_len);
	entry = ReaderNext(&reader, &data, &len);
	inner = JBE_ISCONTAINER(entry) ? ChildContainer(&reader, data) : NULL;
	switch (type)
	{
		case DDB_TYPE_S:
			if (!JBE_ISSTRING(entry))
				return "an S is not a string";
			if (!DdbStoredStringIsValid(data, len))
				return "a string is not in the stored form of strings";
			*size += DdbStoredStringSize(data, len);
			return NULL;
		case DDB_TYPE_N:
			if (!JBE_ISSTRING(entry) || !DdbNumberIsCanonical(data, len))
				return "a number is not in canonical form";
			*size += StoredNumberSize(data, len);
			return NULL;
		case DDB_TYPE_B:
			if (!JBE_ISSTRING(entry) || Base64Problem(data, len, &offset) != BASE64_OK)
				return "a binary is not valid base64";
			*size += StoredBinarySize(data, len);
			return NULL;
		case DDB_TYPE_BOOL:
			if (!JBE_ISBOOL(entry))
				return "a BOOL is not a boolean";
			*size += 1;
			return NULL;
		case DDB_TYPE_NULL:
			if (!JBE_ISBOOL_TRUE(entry))
				return "a NULL is not true";
			*size += 1;
			return NULL;
		case DDB_TYPE_M:
			if (inner == NULL || !JsonContainerIsObject(inner))
				return "an M is not an object";
			*size += 3 + JsonContainerSize(inner);
			return WalkMap(inner, depth + 1, size);
		case DDB_TYPE_L:
			if (inner == NULL || !JsonContainerIsArray(inner) || JsonContainerIsScalar(inner))
				return "an L is not an array";
			*size += 3;
			return WalkElements(inner, DDB_TYPE_L, depth + 1, size);
		case DDB_TYPE_SS:
		case DDB_TYPE_NS:
		case DDB_TYPE_BS:
			if (inner == NULL || !JsonContainerIsArray(inner) || JsonContainerIsScalar(inner) ||
				JsonContainerSize(inner) == 0)
				return "a set is not a non-empty array";
			return WalkElements(inner, type == DDB_TYPE_SS ? DDB_TYPE_S :
								type == DDB_TYPE_NS ? DDB_TYPE_N : DDB_TYPE_B,
								depth + 1, size);
		case DDB_TYPE_INVALID:
			break;
	}
	return "an attribute value has no known type";
}

/*
 * DdbStoredItemCheck tells what makes a stored item something ddb did not
 * write and cannot read (NULL when nothing does: a shape other than
 * DynamoDB JSON, a number not in canonical form, invalid base64, nesting
 * deeper than DynamoDB allows), and sets *size to its DynamoDB size.
 */
const char *
DdbStoredItemCheck(JsonbContainer *item, Size *size)
{
	*size = 0;
	if (!JsonContainerIsObject(item))
		return "it is not a JSON object";
	return WalkMap(item, 1, size);
}

/*
 * DdbStoredKeyProblem tells what makes a key attribute of a checked stored
 * item one DynamoDB would not have stored (NULL when nothing does): an
 * empty string or binary, or one longer than max_size bytes. The item
 * table's generated key columns already ensure the attribute is there.
 */
const char *
DdbStoredKeyProblem(JsonbContainer *item, const char *attribute, Size max_size)
{
	JsonbValue	value;
	JsonbValue	payload;
	Size		size;

	if (getKeyJsonValueFromContainer(item, attribute, strlen(attribute), &value) == NULL)
		return "a key attribute is missing";
	switch (DdbAttributeValueType(&value, &payload))
	{
		case DDB_TYPE_S:
			size = DdbStoredStringSize(payload.val.string.val, payload.val.string.len);
			break;
		case DDB_TYPE_B:
			size = StoredBinarySize(payload.val.string.val, payload.val.string.len);
			break;
		default:
			return NULL;		/* numbers are within limits once canonical */
	}
	if (size == 0)
		return "a key attribute is empty";
	if (size > max_size)
		return "a key attribute is too long";
	return NULL;
}

/*
 * DdbItemSize returns the size of a stored item: its names plus its
 * values, by DynamoDB's rules.
 */
Size
DdbItemSize(JsonbContainer *item)
{
	Size		size;
	const char *problem = DdbStoredItemCheck(item, &size);

	if (problem != NULL)
		elog(ERROR, "item is not in ddb's stored form: %s", problem);
	return size;
}

/*
 * DdbAttributeValueSize returns the size of a stored AttributeValue, by
 * the same walk as DdbItemSize.
 */
Size
DdbAttributeValueSize(JsonbContainer *value)
{
	Size		size = 0;
	const char *problem = WalkAttributeValue(value, 1, &size);

	if (problem != NULL)
		elog(ERROR, "attribute value is not in ddb's stored form: %s", problem);
	return size;
}
