/*-------------------------------------------------------------------------
 *
 * item.h
 *	  DynamoDB AttributeValues and items: validation, normalization, size.
 *
 * An AttributeValue is a JSON object with exactly one type key (S N B BOOL
 * NULL L M SS NS BS). Normalizing one validates it with DynamoDB's rules
 * and errors and produces the form ddb stores:
 *
 * - N and NS elements in canonical number text (see number.h);
 * - B and BS elements in canonical base64 (strict input already is);
 * - SS, NS and BS sorted (SS and BS by bytes, NS by value), so that equal
 *	 sets are equal jsonb; duplicates are rejected, as DynamoDB does;
 * - members DynamoDB ignores (unknown type keys, JSON nulls) dropped.
 *
 * Sizes are DynamoDB's (DYNAMODB.md §2): S its UTF-8 bytes, N per
 * DdbNumberSize, B its decoded bytes, BOOL and NULL 1, L and M 3 plus 1 per
 * element plus the elements (and, for M, the names), sets the sum of their
 * elements. An item's size adds each attribute's name bytes.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_ITEM_H
#define DDB_ITEM_H

#include "postgres.h"

#include "utils/jsonb.h"

/* Limits, in bytes unless said otherwise */
#define DDB_MAX_ITEM_SIZE			409600	/* names and values of an item */
#define DDB_MAX_HASH_KEY_SIZE		2048	/* partition key value */
#define DDB_MAX_RANGE_KEY_SIZE		1024	/* sort key value */
#define DDB_MAX_NESTING_DEPTH		32		/* levels; a top-level attribute is 1 */
#define DDB_MAX_ATTRIBUTE_NAME_SIZE 65535	/* attribute and map member names */

/* DynamoDB's text for a value nested deeper than DDB_MAX_NESTING_DEPTH */
#define DDB_NESTING_ERROR_TEXT \
	"Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"

/* The types of AttributeValue */
typedef enum DdbAttributeType
{
	DDB_TYPE_INVALID = 0,
	DDB_TYPE_S,
	DDB_TYPE_N,
	DDB_TYPE_B,
	DDB_TYPE_BOOL,
	DDB_TYPE_NULL,
	DDB_TYPE_L,
	DDB_TYPE_M,
	DDB_TYPE_SS,
	DDB_TYPE_NS,
	DDB_TYPE_BS
} DdbAttributeType;

/* ---- validating user input ---- */

/*
 * Validate one AttributeValue (value: jbvBinary object, or anything else,
 * which is an error) at nesting level depth, push its normalized form onto
 * *state as token (WJB_VALUE after a key, WJB_ELEM in an array) and return
 * its size.
 */
extern Size DdbAttributeValueNormalize(JsonbValue *value, JsonbParseState **state,
									   JsonbIteratorToken token, int depth);

/* The same for a value on its own (depth 1): normalized AttributeValue as Jsonb */
extern Jsonb *DdbAttributeValueNormalizeToJsonb(JsonbValue *value, Size *size_out);

/*
 * Validate a map of attribute name -> AttributeValue (an item, a key, ...):
 * normalized map and its size (names + values). No item-size limit.
 */
extern Jsonb *DdbAttributeMapNormalize(JsonbContainer *map, Size *size_out);

/* The same for a whole item, which must also fit DDB_MAX_ITEM_SIZE */
extern Jsonb *DdbItemNormalize(JsonbContainer *item, Size *size_out);

/* ValidationException unless name is a valid attribute name (1..65535 bytes) */
extern void DdbCheckAttributeName(const char *name, int len);

/* ---- reading stored (already normalized) values ---- */

/*
 * What makes a stored item unreadable (written by plain SQL in a shape ddb
 * never writes), or NULL when it is a valid stored item; *size gets its
 * DynamoDB size
 */
extern const char *DdbStoredItemCheck(JsonbContainer *item, Size *size);

/* What makes a key attribute of a checked stored item invalid, or NULL */
extern const char *DdbStoredKeyProblem(JsonbContainer *item, const char *attribute,
									   Size max_size);

/* Type of a stored AttributeValue; *payload (if not NULL) gets its member */
extern DdbAttributeType DdbAttributeValueType(JsonbValue *value, JsonbValue *payload);

/* Type key ("S", "NS", ...) of a type */
extern const char *DdbAttributeTypeName(DdbAttributeType type);

/*
 * The long name of a scalar, list or map type ("STRING", "LIST", ...) as
 * DynamoDB's ADD/DELETE operand errors print it; sets keep their type key
 */
extern const char *DdbAttributeTypeLongName(DdbAttributeType type);

/* Size of a stored item (names + values) */
extern Size DdbItemSize(JsonbContainer *item);

/* Size of a stored AttributeValue (an object of one member) */
extern Size DdbAttributeValueSize(JsonbContainer *value);

/* ---- base64, as DynamoDB's B and BS use it ---- */

/* Strictly decode base64 text; SerializationException when invalid */
extern bytea *DdbBase64Decode(const char *s, int len);

/* Encode bytes as base64 text (palloc'd, NUL-terminated) */
extern char *DdbBase64Encode(const char *data, int len);

#endif							/* DDB_ITEM_H */
