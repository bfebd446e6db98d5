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
 * Building: responses and new items hold stored containers (items,
 * attribute values) mostly unchanged. DdbPushStored pushes such a
 * container as a reference (a jbvBinary value in the JsonbValue tree that
 * pushJsonbValue builds), and DdbBuildJsonb writes the tree out in jsonb's
 * binary format (as PostgreSQL's convertToJsonb does, jsonb.h describes
 * it), copying the bytes of each referenced container. So building costs
 * the bytes copied, not a JsonbValue per element of every container.
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
	uint32		count;
	const char *base;
	uint32		offset = 0;

	if (!JsonContainerIsObject(obj))
		return;

	/*
	 * every request passes here: the names (an object's first count
	 * entries, in the order an iterator gives them) are compared where they
	 * lie
	 */
	count = JsonContainerSize(obj);
	base = (const char *) &obj->children[count * 2];
	for (uint32 i = 0; i < count; i++)
	{
		uint32		start = offset;
		const char *name;
		int			len;
		bool		known = false;

		JBE_ADVANCE_OFFSET(offset, obj->children[i]);
		name = base + start;
		len = offset - start;
		for (const char *const *a = allowed; *a; a++)
		{
			if (strncmp(*a, name, len) == 0 && (*a)[len] == '\0')
			{
				known = true;
				break;
			}
		}
		if (!known)
			DdbValidationError("1 validation error detected: Unknown parameter '%s' in the request",
							   DdbEchoText(name, len));
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

/* ---- building with stored containers copied as they are ---- */

/*
 * DdbContainerBytes returns the bytes a container occupies: its header,
 * its JEntries and the data of its children (which end where the last
 * child's data ends).
 */
uint32
DdbContainerBytes(const JsonbContainer *c)
{
	uint32		count = JsonContainerSize(c);
	uint32		nentries = JsonContainerIsObject(c) ? count * 2 : count;
	uint32		data = 0;

	if (nentries > 0)
		data = getJsonbOffset(c, nentries - 1) + getJsonbLength(c, nentries - 1);
	return offsetof(JsonbContainer, children) + nentries * sizeof(JEntry) + data;
}

/*
 * DdbPushStored pushes a value; a stored container (jbvBinary) is pushed
 * as a reference that DdbBuildJsonb copies. pushJsonbValue would expand
 * it, so a null is pushed in its place and the slot it took in the open
 * container is then pointed at the container. A container standing alone
 * (nothing open) is pushed as pushJsonbValue does it.
 */
void
DdbPushStored(JsonbParseState **st, JsonbIteratorToken tok, JsonbValue *v)
{
	JsonbValue	placeholder;
	JsonbValue *slot;
	JsonbContainer *c;

	if (v->type != jbvBinary || *st == NULL || (tok != WJB_VALUE && tok != WJB_ELEM))
	{
		pushJsonbValue(st, tok, v);
		return;
	}
	c = v->val.binary.data;
	if (JsonContainerIsScalar(c))
	{
		JsonbValue	scalar;

		if (!JsonbExtractScalar(c, &scalar))
			elog(ERROR, "could not read a jsonb scalar");
		pushJsonbValue(st, tok, &scalar);
		return;
	}
	placeholder.type = jbvNull;
	pushJsonbValue(st, tok, &placeholder);
	if (tok == WJB_VALUE)
	{
		Assert((*st)->contVal.type == jbvObject);
		slot = &(*st)->contVal.val.object.pairs[(*st)->contVal.val.object.nPairs - 1].value;
	}
	else
	{
		Assert((*st)->contVal.type == jbvArray);
		slot = &(*st)->contVal.val.array.elems[(*st)->contVal.val.array.nElems - 1];
	}
	slot->type = jbvBinary;
	slot->val.binary.data = c;
	slot->val.binary.len = DdbContainerBytes(c);
}

/*
 * DdbPushStoredContainer pushes a stored container as a reference.
 */
void
DdbPushStoredContainer(JsonbParseState **st, JsonbIteratorToken tok, JsonbContainer *c)
{
	JsonbValue	v;

	v.type = jbvBinary;
	v.val.binary.data = c;
	v.val.binary.len = DdbContainerBytes(c);
	DdbPushStored(st, tok, &v);
}

/*
 * Pad the buffer with zero bytes to a 4-byte boundary, as jsonb aligns
 * numbers and containers; returns the padding.
 */
static int
PadToInt(StringInfo buf)
{
	int			padding = INTALIGN(buf->len) - buf->len;

	for (int i = 0; i < padding; i++)
		appendStringInfoCharMacro(buf, '\0');
	return padding;
}

/*
 * Raise PostgreSQL's error for a container whose data outgrows a JEntry.
 */
static void
CheckContainerLength(uint32 length)
{
	if (length > JENTRY_OFFLENMASK)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("total size of jsonb elements exceeds the maximum of %u bytes",
						JENTRY_OFFLENMASK)));
}

static JEntry WriteValue(StringInfo buf, JsonbValue *v);

/*
 * Write the children of a container (its JEntries reserved at entries),
 * returning nothing; child i's JEntry holds its length, or every
 * JB_OFFSET_STRIDE'th one its end offset.
 */
static void
WriteChildren(StringInfo buf, int entries, JsonbValue **children, int nchildren)
{
	uint32		total = 0;

	for (int i = 0; i < nchildren; i++)
	{
		JEntry		entry = WriteValue(buf, children[i]);

		total += JBE_OFFLENFLD(entry);
		CheckContainerLength(total);
		if (i % JB_OFFSET_STRIDE == 0)
			entry = (entry & JENTRY_TYPEMASK) | total | JENTRY_HAS_OFF;
		memcpy(buf->data + entries + i * sizeof(JEntry), &entry, sizeof(JEntry));
		if ((i & 1023) == 1023)
			CHECK_FOR_INTERRUPTS();
	}
}

/*
 * Write one value (a child of a container) and return its JEntry: its
 * type and the bytes written for it, padding included.
 */
static JEntry
WriteValue(StringInfo buf, JsonbValue *v)
{
	int			start = buf->len;
	int			entries;
	int			n;
	uint32		header;
	JsonbValue **children;
	JsonbValue	scalar;

	check_stack_depth();
	switch (v->type)
	{
		case jbvNull:
			return JENTRY_ISNULL;
		case jbvBool:
			return v->val.boolean ? JENTRY_ISBOOL_TRUE : JENTRY_ISBOOL_FALSE;
		case jbvString:
			appendBinaryStringInfo(buf, v->val.string.val, v->val.string.len);
			return JENTRY_ISSTRING | v->val.string.len;
		case jbvNumeric:
			PadToInt(buf);
			appendBinaryStringInfo(buf, (char *) v->val.numeric, VARSIZE_ANY(v->val.numeric));
			return JENTRY_ISNUMERIC | (buf->len - start);
		case jbvBinary:
			if (JsonContainerIsScalar(v->val.binary.data))
			{
				if (!JsonbExtractScalar(v->val.binary.data, &scalar))
					elog(ERROR, "could not read a jsonb scalar");
				return WriteValue(buf, &scalar);
			}
			PadToInt(buf);
			appendBinaryStringInfo(buf, (char *) v->val.binary.data,
								   DdbContainerBytes(v->val.binary.data));
			CheckContainerLength(buf->len - start);
			return JENTRY_ISCONTAINER | (buf->len - start);
		case jbvArray:
		case jbvObject:
			PadToInt(buf);
			if (v->type == jbvArray)
			{
				n = v->val.array.nElems;
				header = n | JB_FARRAY;
				if (v->val.array.rawScalar)
					header |= JB_FSCALAR;
				children = palloc(sizeof(JsonbValue *) * Max(n, 1));
				for (int i = 0; i < n; i++)
					children[i] = &v->val.array.elems[i];
			}
			else
			{
				n = v->val.object.nPairs;
				header = n | JB_FOBJECT;
				children = palloc(sizeof(JsonbValue *) * Max(2 * n, 1));
				for (int i = 0; i < n; i++)
				{
					children[i] = &v->val.object.pairs[i].key;
					children[n + i] = &v->val.object.pairs[i].value;
				}
				n *= 2;
			}
			appendBinaryStringInfo(buf, (char *) &header, sizeof(uint32));
			entries = buf->len;
			enlargeStringInfo(buf, sizeof(JEntry) * n);
			buf->len += sizeof(JEntry) * n;
			WriteChildren(buf, entries, children, n);
			pfree(children);
			CheckContainerLength(buf->len - start);
			return JENTRY_ISCONTAINER | (buf->len - start);
		default:
			elog(ERROR, "unexpected jsonb value type %d", (int) v->type);
	}
	return 0;					/* keep compiler quiet */
}

/*
 * DdbBuildJsonbIn writes a JsonbValue tree (whose stored containers are
 * references) as a Jsonb allocated in context.
 */
Jsonb *
DdbBuildJsonbIn(MemoryContext context, JsonbValue *v)
{
	MemoryContext old;
	StringInfoData buf;

	if (IsAJsonbScalar(v))
	{
		/* a raw scalar: what PostgreSQL builds for it */
		old = MemoryContextSwitchTo(context);
		buf.data = (char *) JsonbValueToJsonb(v);
		MemoryContextSwitchTo(old);
		return (Jsonb *) buf.data;
	}
	old = MemoryContextSwitchTo(context);
	initStringInfo(&buf);
	MemoryContextSwitchTo(old);
	enlargeStringInfo(&buf, VARHDRSZ);
	buf.len = VARHDRSZ;
	/* the root container's padding is none: VARHDRSZ is 4 */
	(void) WriteValue(&buf, v);
	SET_VARSIZE(buf.data, buf.len);
	return (Jsonb *) buf.data;
}

/*
 * DdbOneMemberObject returns {key: value}, value an object or array
 * container, in context: the bytes of what DdbBuildJsonbIn would write
 * for it, laid out directly (one JEntry for the key, one for the value,
 * the key's bytes, padding to a 4-byte boundary, then the container's
 * bytes as they are).
 */
Jsonb *
DdbOneMemberObject(MemoryContext context, const char *key, const JsonbContainer *value)
{
	uint32		keylen = strlen(key);
	uint32		padding = INTALIGN(keylen) - keylen;
	uint32		value_bytes = DdbContainerBytes(value);
	Size		total;
	char	   *buf;
	JsonbContainer *root;
	char	   *data;

	Assert(!JsonContainerIsScalar(value));
	CheckContainerLength(keylen + padding + value_bytes);
	total = VARHDRSZ + offsetof(JsonbContainer, children) + 2 * sizeof(JEntry) +
		keylen + padding + value_bytes;
	buf = MemoryContextAlloc(context, total);
	SET_VARSIZE(buf, total);
	root = (JsonbContainer *) (buf + VARHDRSZ);
	root->header = 1 | JB_FOBJECT;
	/* the first entry holds its end offset, as every JB_OFFSET_STRIDE-th */
	root->children[0] = JENTRY_ISSTRING | JENTRY_HAS_OFF | keylen;
	root->children[1] = JENTRY_ISCONTAINER | (padding + value_bytes);
	data = (char *) &root->children[2];
	memcpy(data, key, keylen);
	memset(data + keylen, 0, padding);
	memcpy(data + keylen + padding, value, value_bytes);
	return (Jsonb *) buf;
}

/*
 * DdbBuildJsonb writes a JsonbValue tree as a Jsonb in the current memory
 * context.
 */
Jsonb *
DdbBuildJsonb(JsonbValue *v)
{
	return DdbBuildJsonbIn(CurrentMemoryContext, v);
}

/*
 * DdbConcatArrays returns an array of the elements of several stored
 * arrays, in order, copying each element's bytes (aligned again where its
 * new place needs it) and writing new JEntries; no element is expanded.
 */
Jsonb *
DdbConcatArrays(JsonbContainer **arrays, int narrays)
{
	StringInfoData buf;
	uint32		count = 0;
	uint32		header;
	int			entries;
	int			data_start;
	uint32		n = 0;

	for (int a = 0; a < narrays; a++)
	{
		if (!JsonContainerIsArray(arrays[a]) || JsonContainerIsScalar(arrays[a]))
			elog(ERROR, "jsonb container is not an array");
		count += JsonContainerSize(arrays[a]);
		if (count > JB_CMASK)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("number of jsonb array elements exceeds the maximum allowed (%zu)",
							(size_t) JB_CMASK)));
	}
	initStringInfo(&buf);
	enlargeStringInfo(&buf, VARHDRSZ);
	buf.len = VARHDRSZ;
	header = count | JB_FARRAY;
	appendBinaryStringInfo(&buf, (char *) &header, sizeof(uint32));
	entries = buf.len;
	enlargeStringInfo(&buf, sizeof(JEntry) * count);
	buf.len += sizeof(JEntry) * count;
	data_start = buf.len;

	for (int a = 0; a < narrays; a++)
	{
		JsonbContainer *array = arrays[a];
		uint32		size = JsonContainerSize(array);
		const char *base = (const char *) &array->children[size];
		uint32		offset = 0;

		for (uint32 i = 0; i < size; i++, n++)
		{
			JEntry		entry = array->children[i];
			uint32		end = offset;
			uint32		start = buf.len;
			JEntry		written;

			JBE_ADVANCE_OFFSET(end, entry);
			if (JBE_ISCONTAINER(entry) || JBE_ISNUMERIC(entry))
			{
				/* the data starts aligned; padding before it is not copied */
				uint32		aligned = INTALIGN(offset);

				PadToInt(&buf);
				appendBinaryStringInfo(&buf, base + aligned, end - aligned);
			}
			else
				appendBinaryStringInfo(&buf, base + offset, end - offset);
			offset = end;
			CheckContainerLength(buf.len - data_start);
			if (n % JB_OFFSET_STRIDE == 0)
				written = (entry & JENTRY_TYPEMASK) | (buf.len - data_start) | JENTRY_HAS_OFF;
			else
				written = (entry & JENTRY_TYPEMASK) | (buf.len - start);
			memcpy(buf.data + entries + n * sizeof(JEntry), &written, sizeof(JEntry));
			if ((n & 1023) == 1023)
				CHECK_FOR_INTERRUPTS();
		}
	}
	SET_VARSIZE(buf.data, buf.len);
	return (Jsonb *) buf.data;
}

/*
 * DdbContainerToJsonb copies a stored container into a Jsonb of its own.
 */
Jsonb *
DdbContainerToJsonb(JsonbContainer *c)
{
	uint32		bytes = DdbContainerBytes(c);
	Jsonb	   *result = palloc(VARHDRSZ + bytes);

	SET_VARSIZE(result, VARHDRSZ + bytes);
	memcpy(&result->root, c, bytes);
	return result;
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
