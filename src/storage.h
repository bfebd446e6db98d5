/*-------------------------------------------------------------------------
 *
 * storage.h
 *	  The access layer: the only code that reads and writes item tables.
 *
 * Every access goes through the executor (SPI, with statements prepared
 * once per table), so PostgreSQL privileges, row-level security and
 * triggers apply to it. All functions must run inside an SPI connection.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_STORAGE_H
#define DDB_STORAGE_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "catalog.h"

/* A primary key as datums of the key columns' types */
typedef struct DdbKey
{
	Datum		values[2];		/* partition key, sort key */
} DdbKey;

/* Free the statements prepared for a table */
extern void DdbStorageForgetPlans(DdbTable *table);

/* The item with this key, or NULL; lock_row takes a FOR UPDATE lock */
extern Jsonb *DdbStorageGet(DdbTable *table, DdbKey *key, bool lock_row);

/* Insert or replace an item (its key columns derive from the item) */
extern void DdbStoragePut(DdbTable *table, Jsonb *item);

/* Insert an item unless its key exists; returns false when it existed */
extern bool DdbStorageInsertIfAbsent(DdbTable *table, Jsonb *item);

/* Replace the item of an existing key; returns false when it is gone */
extern bool DdbStorageUpdate(DdbTable *table, DdbKey *key, Jsonb *item);

/* Delete by key and return the old item, or NULL if there was none */
extern Jsonb *DdbStorageDelete(DdbTable *table, DdbKey *key);

#endif							/* DDB_STORAGE_H */
