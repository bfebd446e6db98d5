/*-------------------------------------------------------------------------
 *
 * key.c
 *	  Primary keys: taking them from items and from Key parameters, with
 *	  DynamoDB's validation of types, emptiness and sizes.
 *
 * A key value becomes a datum of its key column's type: S -> text, N ->
 * numeric (from the normalized number), B -> bytea (decoded base64).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "catalog.h"
#include "errors.h"
#include "item.h"
#include "json_util.h"
#include "key.h"
#include "number.h"

/*
 * Split a stored or requested AttributeValue {"<T>": value} into its type
 * name and value. Returns false unless it is an object with one member.
 */
static bool
SplitAttributeValue(JsonbValue *av, char **type, JsonbValue *value)
{
	DdbJsonMember *members;

	if (av->type != jbvBinary || !JsonContainerIsObject(av->val.binary.data))
		return false;
	if (DdbJsonObjectMembers(av->val.binary.data, &members) != 1)
		return false;
	*type = members[0].key;
	*value = members[0].value;
	return true;
}

/*
 * Convert one key value (already known to be of the schema's type and
 * syntactically valid) to a datum, checking emptiness and size. For a
 * normalized copy, *canonical receives the stored text (number or base64).
 */
static Datum
KeyValueDatum(DdbKeyAttribute *attr, int position, JsonbValue *value, char **canonical)
{
	const char *text = value->val.string.val;
	int			len = value->val.string.len;
	Size		size;
	Datum		result;

	if (attr->type == 'N')
	{
		char	   *number = DdbNumberNormalize(text, len);

		*canonical = number;
		return DirectFunctionCall3(numeric_in, CStringGetDatum(number),
								   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	}

	if (attr->type == 'S')
	{
		size = len;
		result = PointerGetDatum(cstring_to_text_with_len(text, len));
		*canonical = pnstrdup(text, len);
	}
	else
	{
		bytea	   *bytes = DdbBase64Decode(text, len);

		size = VARSIZE_ANY_EXHDR(bytes);
		result = PointerGetDatum(bytes);
		*canonical = DdbBase64Encode(VARDATA_ANY(bytes), size);
	}

	if (size == 0)
		DdbValidationError("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty %s value. Key: %s",
						   attr->type == 'S' ? "string" : "binary", attr->name);
	if (position == 0 && size > DDB_MAX_HASH_KEY_SIZE)
		DdbValidationError("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes");
	if (position == 1 && size > DDB_MAX_RANGE_KEY_SIZE)
		DdbValidationError("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes");
	return result;
}

/*
 * DdbKeyFromItem extracts the key of a normalized item, raising DynamoDB's
 * errors for a missing, mistyped, empty or oversized key attribute.
 */
void
DdbKeyFromItem(DdbTable *table, JsonbContainer *item, DdbKey *key)
{
	for (int i = 0; i < table->nkeys; i++)
	{
		DdbKeyAttribute *attr = &table->keys[i];
		JsonbValue	av;
		char	   *type;
		JsonbValue	value;
		char	   *canonical;

		if (!DdbJsonGet(item, attr->name, &av) || !SplitAttributeValue(&av, &type, &value))
			DdbValidationError("One or more parameter values were invalid: Missing the key %s in the item",
							   attr->name);
		if (type[0] != attr->type || type[1] != '\0')
			DdbValidationError("One or more parameter values were invalid: Type mismatch for key %s expected: %c actual: %s",
							   attr->name, attr->type, type);
		key->values[i] = KeyValueDatum(attr, i, &value, &canonical);
	}
}

/*
 * DdbKeyFromKeyMap reads a Key parameter: exactly the table's key
 * attributes, each of the schema's type.
 */
void
DdbKeyFromKeyMap(DdbTable *table, JsonbContainer *keymap, DdbKey *key, Jsonb **normalized)
{
	DdbJsonMember *members;
	int			n = DdbJsonObjectMembers(keymap, &members);
	JsonbParseState *st = NULL;
	bool		matches = (n == table->nkeys);

	/*
	 * Every value must be a valid AttributeValue before its shape is
	 * compared with the schema, so that {"N": "x"} reports the number error.
	 */
	for (int i = 0; i < n; i++)
	{
		JsonbParseState *scratch = NULL;

		pushJsonbValue(&scratch, WJB_BEGIN_ARRAY, NULL);
		DdbAttributeValueNormalize(&members[i].value, &scratch, WJB_ELEM, 1);
	}

	for (int i = 0; matches && i < table->nkeys; i++)
	{
		JsonbValue	av;
		char	   *type;
		JsonbValue	value;

		if (!DdbJsonGet(keymap, table->keys[i].name, &av) ||
			!SplitAttributeValue(&av, &type, &value) ||
			type[0] != table->keys[i].type || type[1] != '\0' ||
			value.type != jbvString)
			matches = false;
	}
	if (!matches)
		DdbValidationError("The provided key element does not match the schema");

	if (normalized)
		pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < table->nkeys; i++)
	{
		DdbKeyAttribute *attr = &table->keys[i];
		JsonbValue	av;
		char	   *type;
		JsonbValue	value;
		char	   *canonical;

		DdbJsonGet(keymap, attr->name, &av);
		SplitAttributeValue(&av, &type, &value);
		key->values[i] = KeyValueDatum(attr, i, &value, &canonical);
		if (normalized)
		{
			DdbPushKey(&st, attr->name);
			DdbPushBeginObject(&st);
			DdbPushKey(&st, type);
			DdbPushString(&st, WJB_VALUE, canonical);
			DdbPushEndObject(&st);
		}
	}
	if (normalized)
		*normalized = JsonbValueToJsonb(DdbPushEndObject(&st));
}
