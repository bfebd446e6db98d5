/*-------------------------------------------------------------------------
 *
 * json_util.h
 *	  Reading DynamoDB requests and building responses as jsonb.
 *
 * Requests arrive as jsonb objects. The getters here look up one member,
 * treat a JSON null as an absent member (as DynamoDB's JSON protocol does),
 * and raise SerializationException when the member has the wrong JSON type.
 * Responses are built with pushJsonbValue through the DdbPush* helpers.
 *
 * Stored items and values are large: one item can hold 400 KB of
 * DynamoDB data in several MB of jsonb. pushJsonbValue expands a stored
 * container it is given into a tree of JsonbValues, each element costing
 * far more than its bytes, so containers that are copied unchanged are
 * pushed with DdbPushStored / DdbPushStoredContainer instead: they stay
 * references, and DdbBuildJsonb copies their bytes into the result.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_JSON_UTIL_H
#define DDB_JSON_UTIL_H

#include "postgres.h"

#include "utils/jsonb.h"
#include "utils/numeric.h"

/* One member of a JSON object; containers come back as jbvBinary */
typedef struct DdbJsonMember
{
	char	   *key;			/* member name, NUL-terminated */
	int			keylen;			/* its length in bytes */
	JsonbValue	value;			/* its value */
} DdbJsonMember;

/* ---- reading ---- */

/* Look up a member of an object; false when absent or JSON null */
extern bool DdbJsonGet(JsonbContainer *obj, const char *key, JsonbValue *out);

/* Typed getters: NULL / false when absent, SerializationException when mistyped */
extern char *DdbJsonGetString(JsonbContainer *obj, const char *key);
extern bool DdbJsonGetBool(JsonbContainer *obj, const char *key, bool *out);
extern bool DdbJsonGetInt64(JsonbContainer *obj, const char *key, int64 *out);
extern JsonbContainer *DdbJsonGetObject(JsonbContainer *obj, const char *key);
extern JsonbContainer *DdbJsonGetArray(JsonbContainer *obj, const char *key);

/* Type checks of an already fetched value, with the same errors */
extern char *DdbJsonValueString(JsonbValue *v, const char *what);
extern JsonbContainer *DdbJsonValueObject(JsonbValue *v, const char *what);
extern JsonbContainer *DdbJsonValueArray(JsonbValue *v, const char *what);

/* Members of an object / elements of an array, in stored order */
extern int	DdbJsonObjectMembers(JsonbContainer *obj, DdbJsonMember **members);
extern int	DdbJsonArrayElements(JsonbContainer *arr, JsonbValue **elements);

/* ValidationException unless every member of obj is named in allowed (NULL-terminated) */
extern void DdbJsonCheckMembers(JsonbContainer *obj, const char *const *allowed);

/* Human name of a JSON value's type as DynamoDB's serializer reports it */
extern const char *DdbJsonTypeName(JsonbValue *v);

/* The text of a jsonb container (for messages and error details) */
extern char *DdbJsonContainerText(JsonbContainer *c);

/*
 * ---- building ----
 * pushJsonbValue keeps pointers to strings until the value is converted
 * with JsonbValueToJsonb, so strings passed here must outlive the build
 * (no stack buffers).
 */

extern void DdbPushKey(JsonbParseState **st, const char *key);
extern void DdbPushString(JsonbParseState **st, JsonbIteratorToken tok, const char *s);
extern void DdbPushStringLen(JsonbParseState **st, JsonbIteratorToken tok, const char *s, int len);
extern void DdbPushBool(JsonbParseState **st, JsonbIteratorToken tok, bool b);
extern void DdbPushNumeric(JsonbParseState **st, JsonbIteratorToken tok, Numeric n);
extern void DdbPushInt64(JsonbParseState **st, JsonbIteratorToken tok, int64 i);
/* a number given as text, e.g. "1732300000.123" */
extern void DdbPushNumberText(JsonbParseState **st, JsonbIteratorToken tok, const char *s);
/* copy of a stored container or value (jbvBinary allowed) */
extern void DdbPushValue(JsonbParseState **st, JsonbIteratorToken tok, JsonbValue *v);
extern void DdbPushContainer(JsonbParseState **st, JsonbIteratorToken tok, JsonbContainer *c);
extern void DdbPushBeginObject(JsonbParseState **st);
extern JsonbValue *DdbPushEndObject(JsonbParseState **st);
extern void DdbPushBeginArray(JsonbParseState **st);
extern JsonbValue *DdbPushEndArray(JsonbParseState **st);

/*
 * A stored container or value that goes into the result unchanged: a
 * reference to it is pushed, never its elements. The result must then be
 * built with DdbBuildJsonb, not JsonbValueToJsonb. Scalars are pushed as
 * usual.
 */
extern void DdbPushStored(JsonbParseState **st, JsonbIteratorToken tok, JsonbValue *v);
extern void DdbPushStoredContainer(JsonbParseState **st, JsonbIteratorToken tok,
								   JsonbContainer *c);

/*
 * The Jsonb of a value built with the DdbPush* helpers (or any JsonbValue
 * tree), copying the bytes of the stored containers in it
 */
extern Jsonb *DdbBuildJsonb(JsonbValue *v);

/* The same, allocated in a given memory context */
extern Jsonb *DdbBuildJsonbIn(MemoryContext context, JsonbValue *v);

/* {key: value} for a stored object or array, its bytes copied as they are */
extern Jsonb *DdbOneMemberObject(MemoryContext context, const char *key, const JsonbContainer *value);

/* An array of the elements of several stored arrays, copied as they are */
extern Jsonb *DdbConcatArrays(JsonbContainer **arrays, int narrays);

/* A copy of a stored container as a Jsonb of its own */
extern Jsonb *DdbContainerToJsonb(JsonbContainer *c);

/* The bytes a stored container occupies (its header, entries and data) */
extern uint32 DdbContainerBytes(const JsonbContainer *c);

/*
 * The jsonb of JSON text whose root is an object, as jsonb_in makes it, or
 * NULL when the text is left to jsonb_in (json_parse.c)
 */
extern Jsonb *DdbJsonParseQuick(const char *text, int len);

/* An empty object {} */
extern Jsonb *DdbEmptyObject(void);

#endif							/* DDB_JSON_UTIL_H */
