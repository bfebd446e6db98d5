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

#endif							/* DDB_KEY_H */
