/*-------------------------------------------------------------------------
 *
 * key.h
 *	  Primary keys: taking them from items and from Key parameters, with
 *	  DynamoDB's validation of types, emptiness and sizes.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_KEY_H
#define DDB_KEY_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "catalog.h"
#include "storage.h"

/* The key of a (normalized) item that is about to be written */
extern void DdbKeyFromItem(DdbTable *table, JsonbContainer *item, DdbKey *key);

/*
 * The key named by a Key parameter (Get/Update/DeleteItem): exactly the key
 * attributes with the schema's types. When normalized is not NULL it
 * receives the key as a normalized item (attribute map).
 */
extern void DdbKeyFromKeyMap(DdbTable *table, JsonbContainer *keymap, DdbKey *key,
							 Jsonb **normalized);

/*
 * A key value (the payload of a normalized AttributeValue of the schema's
 * type) as a datum of its key column; position 0 is the partition key.
 * Raises DynamoDB's errors for empty and oversized key values.
 */
extern Datum DdbKeyValueDatum(DdbKeyAttribute *attr, int position, JsonbValue *payload);

#endif							/* DDB_KEY_H */
