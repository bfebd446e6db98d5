/*-------------------------------------------------------------------------
 *
 * key.c
 *	  Primary keys: taking them from items and from Key parameters, with
 *	  DynamoDB's validation of types, emptiness and sizes.
 *
 * A key value becomes a datum of its key column's type: S -> text, N ->
 * numeric (from the normalized number), B -> bytea (decoded base64). Key
 * values are always read from normalized attribute maps.
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
#include "string_escape.h"

/*
 * DdbKeyValueDatum converts one normalized key value (the payload of an
 * AttributeValue of the schema's type) to a datum of the key column's
 * type, checking emptiness and size.
 */
Datum
DdbKeyValueDatum(DdbKeyAttribute *attr, int position, JsonbValue *value)
{
	const char *text = value->val.string.val;
	int			len = value->val.string.len;
	Size		size;
	Datum		result;

	if (attr->type == 'N')
		return NumericGetDatum(DdbNumberToNumeric(pnstrdup(text, len)));

	if (attr->type == 'S')
	{
		size = DdbStoredStringSize(text, len);
		result = PointerGetDatum(cstring_to_text_with_len(text, len));
	}
	else
	{
		bytea	   *bytes = DdbBase64Decode(text, len);

		size = VARSIZE_ANY_EXHDR(bytes);
		result = PointerGetDatum(bytes);
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
 * Look up a key attribute in a normalized attribute map: its type name and
 * payload. Returns false when absent.
 */
static bool
FindKeyAttribute(JsonbContainer *map, DdbKeyAttribute *attr, const char **type, JsonbValue *payload)
{
	JsonbValue	av;

	if (!DdbJsonGet(map, attr->name, &av))
		return false;
	*type = DdbAttributeTypeName(DdbAttributeValueType(&av, payload));
	return true;
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
		const char *type;
		JsonbValue	payload;

		if (!FindKeyAttribute(item, attr, &type, &payload))
			DdbValidationError("One or more parameter values were invalid: Missing the key %s in the item",
							   attr->name);
		if (type[0] != attr->type || type[1] != '\0')
			DdbValidationError("One or more parameter values were invalid: Type mismatch for key %s expected: %c actual: %s",
							   attr->name, attr->type, type);
		key->values[i] = DdbKeyValueDatum(attr, i, &payload);
	}
}

/*
 * DdbKeyFromKeyMap reads a Key parameter: exactly the table's key
 * attributes, each of the schema's type. Every value is first validated as
 * an AttributeValue, so that {"N": "x"} reports the number error.
 */
/*
 * The payload of a Key parameter's member for this key attribute when it is
 * exactly {"<schema type>": "<string>"}: false for anything else (absent,
 * null, another type, extra members), which the full validation handles.
 */
static bool
PlainKeyPayload(JsonbContainer *keymap, DdbKeyAttribute *attr, JsonbValue *payload)
{
	JsonbValue	av;
	char		type_name[2] = {attr->type, '\0'};

	return DdbJsonGet(keymap, attr->name, &av) &&
		av.type == jbvBinary &&
		JsonContainerIsObject(av.val.binary.data) &&
		JsonContainerSize(av.val.binary.data) == 1 &&
		DdbJsonGet(av.val.binary.data, type_name, payload) &&
		payload->type == jbvString;
}

/*
 * Read a Key parameter made only of the table's S and N key attributes,
 * each exactly of the schema's type (every GetItem and DeleteItem a client
 * sends), without building its normalized form. Validates every value
 * before converting any, in the order the full path does, so errors are
 * the same. Returns false, having changed nothing, when the parameter has
 * another shape.
 */
static bool
KeyFromPlainKeyMap(DdbTable *table, JsonbContainer *keymap, DdbKey *key)
{
	JsonbValue	payloads[2];	/* partition key, sort key */

	if (!JsonContainerIsObject(keymap) || JsonContainerSize(keymap) != table->nkeys)
		return false;
	for (int i = 0; i < table->nkeys; i++)
	{
		if (table->keys[i].type == 'B' ||
			!PlainKeyPayload(keymap, &table->keys[i], &payloads[i]))
			return false;
	}
	for (int i = 0; i < table->nkeys; i++)
	{
		if (table->keys[i].type == 'N')
		{
			char	   *number = DdbNumberNormalize(payloads[i].val.string.val,
													payloads[i].val.string.len);

			payloads[i].val.string.val = number;
			payloads[i].val.string.len = strlen(number);
		}
	}
	for (int i = 0; i < table->nkeys; i++)
		key->values[i] = DdbKeyValueDatum(&table->keys[i], i, &payloads[i]);
	return true;
}

void
DdbKeyFromKeyMap(DdbTable *table, JsonbContainer *keymap, DdbKey *key, Jsonb **normalized)
{
	Size		size;
	Jsonb	   *map;
	bool		matches;

	if (normalized == NULL && KeyFromPlainKeyMap(table, keymap, key))
		return;
	map = DdbAttributeMapNormalize(keymap, &size);
	matches = (JsonContainerSize(&map->root) == table->nkeys);

	for (int i = 0; matches && i < table->nkeys; i++)
	{
		const char *type;
		JsonbValue	payload;

		if (!FindKeyAttribute(&map->root, &table->keys[i], &type, &payload) ||
			type[0] != table->keys[i].type || type[1] != '\0')
			matches = false;
		else
			key->values[i] = DdbKeyValueDatum(&table->keys[i], i, &payload);
	}
	if (!matches)
		DdbValidationError("The provided key element does not match the schema");
	if (normalized)
		*normalized = map;
}
