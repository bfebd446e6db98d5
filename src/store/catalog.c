/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  The per-backend cache of DynamoDB table metadata, read from the
 *	  catalog table ddb.tables, and table-name validation.
 *
 * Each cache entry describes one DynamoDB table: its item table in schema
 * ddb_data, its key attributes and their columns, and the statements the
 * access layer prepared for it. An entry is marked invalid when its item
 * table's relcache entry is invalidated (DDL, DROP, ANALYZE, in this or
 * another backend) and when a transaction aborts; the next lookup reloads
 * it from the catalog. Entries of tables that existed are never freed, so a
 * pointer to one stays usable for the whole call; a lookup of a name that
 * does not exist leaves nothing behind.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "nodes/primnodes.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "errors.h"
#include "guc.h"
#include "operations.h"
#include "storage.h"
#include "backups/backups.h"
#include "indexes/index.h"
#include "scaleout/scaleout.h"

/* An entry of the table cache: the current metadata of one table name */
typedef struct DdbTableCacheEntry
{
	char		name[DDB_MAX_TABLE_NAME + 1];	/* hash key */
	DdbTable   *table;			/* NULL until loaded */
} DdbTableCacheEntry;

static HTAB *DdbTableCache = NULL;

/* Table names by item table, for triggers on item tables */
typedef struct DdbRelidCacheEntry
{
	Oid			relid;			/* hash key: an item table, or a shard of one */
	Oid			item_relid;		/* the item table (relid unless a shard) */
	char		name[DDB_MAX_TABLE_NAME + 1];
} DdbRelidCacheEntry;

static HTAB *DdbRelidCache = NULL;

/* Metadata replaced or dropped during this transaction, freed at its end */
static DdbTable *RetiredTables = NULL;

/* Whether some cache entry was invalidated since the last end of transaction */
static bool CacheHasInvalid = false;

static void InvalidateByRelid(Datum arg, Oid relid);
static void EndOfTransaction(XactEvent event, void *arg);
static DdbTable *LoadTable(const char *name);
static DdbTable *NoteUse(DdbTable *table);

/*
 * DdbCatalogInit registers the invalidation callbacks.
 */
void
DdbCatalogInit(void)
{
	CacheRegisterRelcacheCallback(InvalidateByRelid, (Datum) 0);
	RegisterXactCallback(EndOfTransaction, NULL);
}

/*
 * Mark the cache entries of a relation (or all, for InvalidOid) invalid.
 */
static void
InvalidateByRelid(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	DdbTableCacheEntry *entry;

	if (DdbRelidCache != NULL)
	{
		DdbRelidCacheEntry *byrelid;

		hash_seq_init(&status, DdbRelidCache);
		while ((byrelid = hash_seq_search(&status)) != NULL)
		{
			if (relid == InvalidOid || byrelid->relid == relid)
				hash_search(DdbRelidCache, &byrelid->relid, HASH_REMOVE, NULL);
		}
	}
	if (DdbTableCache == NULL)
		return;
	hash_seq_init(&status, DdbTableCache);
	while ((entry = hash_seq_search(&status)) != NULL)
	{
		if (entry->table != NULL && (relid == InvalidOid || entry->table->relid == relid))
		{
			entry->table->valid = false;
			CacheHasInvalid = true;
		}
	}
}

/*
 * Put a table's metadata aside, to be freed when the transaction ends.
 */
static void
RetireTable(DdbTable *table)
{
	table->valid = false;
	table->next_retired = RetiredTables;
	RetiredTables = table;
}

/*
 * At the end of a transaction no call can still use retired metadata: free
 * it, and the entries invalidated meanwhile with it, so that a session that
 * creates and deletes many tables (or sees other sessions do so) does not
 * keep their metadata. A rolled-back transaction may also have created or
 * dropped tables this backend cached: forget everything.
 */
static void
EndOfTransaction(XactEvent event, void *arg)
{
	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PARALLEL_ABORT &&
		event != XACT_EVENT_PREPARE)
		return;
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		InvalidateByRelid((Datum) 0, InvalidOid);
	if (CacheHasInvalid)
	{
		HASH_SEQ_STATUS status;
		DdbTableCacheEntry *entry;

		hash_seq_init(&status, DdbTableCache);
		while ((entry = hash_seq_search(&status)) != NULL)
		{
			if (entry->table != NULL && entry->table->valid)
				continue;
			if (entry->table != NULL)
				RetireTable(entry->table);
			hash_search(DdbTableCache, entry->name, HASH_REMOVE, NULL);
		}
		CacheHasInvalid = false;
	}
	while (RetiredTables != NULL)
	{
		DdbTable   *table = RetiredTables;

		RetiredTables = table->next_retired;
		DdbStorageForgetPlans(table);
		MemoryContextDelete(table->context);
	}
}

/*
 * DdbCatalogInvalidateAll forgets every cached table.
 */
void
DdbCatalogInvalidateAll(void)
{
	InvalidateByRelid((Datum) 0, InvalidOid);
}

/*
 * Map a key type letter to the column type of the item table.
 */
static Oid
KeyColumnType(char type)
{
	switch (type)
	{
		case 'S':
			return TEXTOID;
		case 'N':
			return NUMERICOID;
		default:
			return BYTEAOID;
	}
}

/*
 * Whether an argument of the item check is the column named column.
 */
static bool
IsColumn(Node *arg, Oid relid, const char *column)
{
	return arg != NULL && IsA(arg, Var) &&
		((Var *) arg)->varattno == get_attnum(relid, column);
}

/*
 * Whether an argument of the item check is the text constant value.
 */
static bool
IsTextConstant(Node *arg, const char *value)
{
	Const	   *c = (Const *) arg;

	return arg != NULL && IsA(arg, Const) && c->consttype == TEXTOID && !c->constisnull &&
		strcmp(TextDatumGetCString(c->constvalue), value) == 0;
}

/*
 * Whether every row of a table's item table passed ddb's item check: the
 * item table has a validated CHECK constraint ddb_item_is_valid that is
 * exactly
 *
 *	  ddb.is_valid_item(item, '<partition key>', <its column>
 *						[, '<sort key>', <its column>])
 *
 * A table whose owner dropped or replaced the constraint, or one whose
 * constraint is still NOT VALID (an item table of 0.1.0 with rows that
 * failed the check), is not, and reads check every item they read.
 *
 * SELECT conbin FROM pg_constraint
 *	WHERE conrelid = $1 AND conname = 'ddb_item_is_valid' AND contype = 'c'
 *	  AND convalidated
 */
static bool
ItemsCheckedOnWrite(DdbTable *table)
{
	static SPIPlanPtr plan = NULL;
	Datum		arg = ObjectIdGetDatum(table->relid);
	char	   *conbin;
	Node	   *expr;
	FuncExpr   *call;
	Oid			nspid;

	if (plan == NULL)
	{
		Oid			argtypes[1] = {OIDOID};

		plan = DdbStoragePrepare("SELECT conbin::pg_catalog.text FROM pg_catalog.pg_constraint"
						   " WHERE conrelid OPERATOR(pg_catalog.=) $1"
						   " AND conname OPERATOR(pg_catalog.=) 'ddb_item_is_valid'"
						   " AND contype OPERATOR(pg_catalog.=) 'c' AND convalidated",
						   1, argtypes);
	}
	if (SPI_execute_plan(plan, &arg, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "item check lookup failed");
	if (SPI_processed != 1)
		return false;
	conbin = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (conbin == NULL)
		return false;
	expr = stringToNode(conbin);
	if (!IsA(expr, FuncExpr))
		return false;
	call = (FuncExpr *) expr;
	nspid = get_namespace_oid(DDB_CATALOG_SCHEMA, true);
	if (get_func_namespace(call->funcid) != nspid ||
		strcmp(get_func_name(call->funcid), "is_valid_item") != 0 ||
		list_length(call->args) != 1 + 2 * table->nkeys ||
		!IsColumn(linitial(call->args), table->relid, "item"))
		return false;
	for (int i = 0; i < table->nkeys; i++)
	{
		if (!IsTextConstant(list_nth(call->args, 1 + 2 * i), table->keys[i].name) ||
			!IsColumn(list_nth(call->args, 2 + 2 * i), table->relid, table->keys[i].column))
			return false;
	}
	return true;
}

/*
 * Read a table's catalog row into new metadata, in a memory context of its
 * own. Returns NULL when the table does not exist. Must run inside an SPI
 * connection.
 *
 * SELECT item_table::oid, hash_key, hash_key_type, hash_key_column,
 *        range_key, range_key_type, range_key_column
 *   FROM ddb.tables WHERE table_name = $1
 */
static DdbTable *
LoadTable(const char *name)
{
	static SPIPlanPtr plan = NULL;
	Datum		arg;
	int			rc;
	HeapTuple	tuple;
	TupleDesc	desc;
	MemoryContext context;
	MemoryContext old;
	DdbTable   *table;
	Oid			nspid;
	AttrNumber	attnum;
	bool		isnull;

	if (plan == NULL)
	{
		Oid			argtypes[1] = {TEXTOID};

		plan = DdbStoragePrepare("SELECT item_table::pg_catalog.oid, hash_key, hash_key_type, hash_key_column::pg_catalog.text,"
						   " range_key, range_key_type, range_key_column::pg_catalog.text"
						   " FROM ddb.tables WHERE table_name OPERATOR(pg_catalog.=) $1",
						   1, argtypes);
	}

	arg = CStringGetTextDatum(name);
	rc = SPI_execute_plan(plan, &arg, NULL, false, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "table lookup failed: %s", SPI_result_code_string(rc));
	if (SPI_processed == 0)
		return NULL;

	tuple = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;

	/*
	 * Built under the current (transaction) context, so that an error below
	 * frees it; moved under CacheMemoryContext once complete.
	 */
	context = AllocSetContextCreate(CurrentMemoryContext, "ddb table metadata",
									ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(context);
	table = palloc0(sizeof(DdbTable));
	table->context = context;
	strlcpy(table->name, name, sizeof(table->name));
	table->relid = DatumGetObjectId(SPI_getbinval(tuple, desc, 1, &isnull));
	table->keys[0].name = SPI_getvalue(tuple, desc, 2);
	table->keys[0].type = SPI_getvalue(tuple, desc, 3)[0];
	table->keys[0].column = SPI_getvalue(tuple, desc, 4);
	table->keys[0].column_type = KeyColumnType(table->keys[0].type);
	table->nkeys = 1;
	SPI_getbinval(tuple, desc, 5, &isnull);
	if (!isnull)
	{
		table->keys[1].name = SPI_getvalue(tuple, desc, 5);
		table->keys[1].type = SPI_getvalue(tuple, desc, 6)[0];
		table->keys[1].column = SPI_getvalue(tuple, desc, 7);
		table->keys[1].column_type = KeyColumnType(table->keys[1].type);
		table->nkeys = 2;
	}
	MemoryContextSwitchTo(old);

	/*
	 * The item table's current name. It is gone only when this transaction's
	 * snapshot still shows a table that a committed transaction dropped
	 * (REPEATABLE READ): the table does not exist any more.
	 */
	table->relation_name = get_rel_name(table->relid);
	if (table->relation_name == NULL)
	{
		MemoryContextDelete(context);
		return NULL;
	}
	table->relation_name = MemoryContextStrdup(context, table->relation_name);
	nspid = get_namespace_oid(DDB_DATA_SCHEMA, false);
	if (get_rel_namespace(table->relid) != nspid)
		DdbRaise(DDB_INTERNAL_SERVER_ERROR, "item table \"%s\" of table %s is not in schema %s",
				 table->relation_name, table->name, DDB_DATA_SCHEMA);
	attnum = get_attnum(table->relid, table->keys[0].column);
	table->keys_generated = (attnum != InvalidAttrNumber &&
							 get_attgenerated(table->relid, attnum) != '\0');
	for (int i = 0; i < table->nkeys; i++)
		table->key_attnums[i] = get_attnum(table->relid, table->keys[i].column);
	table->item_attnum = get_attnum(table->relid, "item");
	table->items_checked = ItemsCheckedOnWrite(table);
	table->nindexes = DdbIndexesLoad(table, &table->indexes);
	table->restoring = DdbTableRestoreInProgress(table->name) ||
		DdbTableImportInProgress(table->name);
	table->distributed = DdbRelationIsDistributed(table->relid);
	table->valid = true;
	MemoryContextSetParent(context, CacheMemoryContext);
	return table;
}

/*
 * DdbValidateTableName checks a TableName parameter (a name or a table ARN)
 * and returns the bare table name. Failures are added to errors; member is
 * the parameter's name as DynamoDB prints it ("tableName").
 */
char *
DdbValidateTableName(const char *name, const char *member, DdbConstraintErrors *errors)
{
	const char *bare = name;
	size_t		len;
	bool		pattern_ok = true;
	char	   *quoted;

	if (name == NULL)
	{
		DdbConstraintAdd(errors, "null", member, "Member must not be null");
		return NULL;
	}

	/* A table ARN: arn:<partition>:dynamodb:<region>:<account>:table/<name> */
	if (strncmp(name, "arn:", 4) == 0 && strlen(name) <= 1024)
	{
		const char *slash = strstr(name, ":table/");

		if (slash != NULL && strchr(slash + 7, '/') == NULL)
			bare = slash + 7;
	}

	len = strlen(bare);
	for (const char *p = bare; *p; p++)
	{
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			pattern_ok = false;
	}
	if (pattern_ok && len >= 3 && len <= DDB_MAX_TABLE_NAME)
		return pstrdup(bare);
	quoted = psprintf("'%s'", name);
	if (!pattern_ok)
		DdbConstraintAdd(errors, quoted, member,
						 "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
	if (len < 3)
		DdbConstraintAdd(errors, quoted, member,
						 "Member must have length greater than or equal to 3");
	if (len > DDB_MAX_TABLE_NAME)
		DdbConstraintAdd(errors, quoted, member,
						 "Member must have length less than or equal to 255");
	return pstrdup(bare);
}

/*
 * The cached metadata of a table, loaded when missing or invalid, or NULL
 * when the table does not exist.
 */
static DdbTable *
CachedTable(const char *name)
{
	DdbTableCacheEntry *entry;
	DdbTable   *table;
	bool		found;
	char		key[DDB_MAX_TABLE_NAME + 1];

	if (DdbTableCache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = DDB_MAX_TABLE_NAME + 1;
		ctl.entrysize = sizeof(DdbTableCacheEntry);
		ctl.hcxt = CacheMemoryContext;
		DdbTableCache = hash_create("ddb table cache", 64, &ctl,
									HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	}

	memset(key, 0, sizeof(key));
	strlcpy(key, name, sizeof(key));
	entry = hash_search(DdbTableCache, key, HASH_FIND, NULL);
	if (entry != NULL && entry->table != NULL && entry->table->valid)
		return entry->table;

	table = LoadTable(name);

	/* the lookup ran SQL, which may have changed the cache: search again */
	entry = hash_search(DdbTableCache, key, table != NULL ? HASH_ENTER : HASH_FIND, &found);
	if (entry != NULL && found && entry->table != NULL)
	{
		/* calls in progress may still use the old metadata */
		if (table != NULL)
		{
			table->use_serial = entry->table->use_serial;
			table->use_depth = entry->table->use_depth;
		}
		RetireTable(entry->table);
	}
	if (table == NULL)
	{
		/* don't let lookups of names that no longer exist grow the cache */
		if (entry != NULL)
			hash_search(DdbTableCache, key, HASH_REMOVE, NULL);
		return NULL;
	}
	entry->table = table;
	return table;
}

/*
 * DdbTableLookupOptional returns the cached metadata of a table, loading it
 * if needed, or NULL when the table does not exist. The name must already
 * be validated.
 *
 * The item table is locked (ACCESS SHARE, as the statements on it will
 * lock it) before the metadata is trusted: a concurrent DeleteTable, DROP
 * or rename that commits while the lock is awaited invalidates the
 * metadata, and the table is looked up again, so that a table deleted
 * meanwhile is ResourceNotFoundException rather than a missing relation.
 */
DdbTable *
DdbTableLookupOptional(const char *name)
{
	for (;;)
	{
		DdbTable   *table;

		CHECK_FOR_INTERRUPTS();
		/* pick up invalidations from other backends before trusting the cache */
		AcceptInvalidationMessages();
		table = CachedTable(name);
		if (table == NULL)
			return NULL;
		LockRelationOid(table->relid, AccessShareLock);
		if (table->valid)
			return NoteUse(table);
		UnlockRelationOid(table->relid, AccessShareLock);
	}
}

/*
 * Record that the current ddb call uses a table.
 */
static DdbTable *
NoteUse(DdbTable *table)
{
	uint64		serial = DdbCallSerial();
	int			depth = DdbCallDepth();

	if (table->use_serial != serial || depth < table->use_depth)
	{
		table->use_serial = serial;
		table->use_depth = depth;
	}
	return table;
}

/*
 * DdbTableUsedByOuterCall tells whether a ddb call enclosing the current
 * one looked the table up: a trigger must not delete a table that the call
 * which fired it is still working on.
 */
bool
DdbTableUsedByOuterCall(DdbTable *table)
{
	return table->use_serial == DdbCallSerial() && table->use_depth < DdbCallDepth();
}

/* The item table DeleteTable is dropping now, or InvalidOid */
static Oid	DroppingRelid = InvalidOid;

/*
 * DdbCatalogDropping tells the catalog which item table DeleteTable drops
 * (InvalidOid: none), so that its own drop is not taken for one under a
 * call in progress.
 */
void
DdbCatalogDropping(Oid relid)
{
	DroppingRelid = relid;
}

/*
 * Whether metadata that a ddb call in progress looked up names this item
 * table.
 */
static bool
UsedByCallInProgress(DdbTable *table, Oid relid)
{
	return table->relid == relid && table->use_serial == DdbCallSerial();
}

/*
 * ddb.item_table_in_use(oid) RETURNS boolean: whether a ddb call in progress
 * in this session uses this item table, other than the one DeleteTable is
 * dropping. The event trigger on sql_drop refuses to drop such a table (a
 * trigger on one item table dropping another that the firing call is about
 * to write, say), which would otherwise pull the table from under the call.
 */
PG_FUNCTION_INFO_V1(ddb_item_table_in_use);
Datum
ddb_item_table_in_use(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	HASH_SEQ_STATUS status;
	DdbTableCacheEntry *entry;
	bool		in_use = false;

	if (DdbCallDepth() == 0 || relid == DroppingRelid || DdbTableCache == NULL)
		PG_RETURN_BOOL(false);
	for (DdbTable *t = RetiredTables; t != NULL && !in_use; t = t->next_retired)
		in_use = UsedByCallInProgress(t, relid);
	hash_seq_init(&status, DdbTableCache);
	while ((entry = hash_seq_search(&status)) != NULL)
	{
		if (!in_use && entry->table != NULL)
			in_use = UsedByCallInProgress(entry->table, relid);
	}
	PG_RETURN_BOOL(in_use);
}

/*
 * DdbTableLookup is DdbTableLookupOptional for data-plane calls: a missing
 * table is ResourceNotFoundException, and so is one being restored from a
 * backup (CREATING), as in DynamoDB.
 */
DdbTable *
DdbTableLookup(const char *name)
{
	DdbTable   *table = DdbTableLookupOptional(name);

	if (table == NULL || table->restoring)
		DdbRaise(DDB_RESOURCE_NOT_FOUND, "Requested resource not found");
	return table;
}

/*
 * DdbTableLookupOwned is DdbTableLookupOptional for the SQL functions that
 * act on a table as its owner: a missing table is
 * ResourceNotFoundException, a caller who does not own the item table
 * PostgreSQL's "must be owner" error.
 */
DdbTable *
DdbTableLookupOwned(const char *name)
{
	DdbTable   *table = DdbTableLookupOptional(name);

	if (table == NULL)
		DdbRaise(DDB_RESOURCE_NOT_FOUND, "Requested resource not found: Table: %s not found",
				 name);
	if (!pg_class_ownercheck(table->relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, table->relation_name);
	return table;
}

/*
 * DdbTableLookupByRelid returns the table whose item table is relid, or
 * NULL. On a Citus node, relid may also be a shard of a distributed item
 * table (scaleout/scaleout.h): the table of its item table is returned.
 * Must run inside an SPI connection.
 *
 * SELECT table_name FROM ddb.tables WHERE item_table = $1
 */
DdbTable *
DdbTableLookupByRelid(Oid relid)
{
	static SPIPlanPtr plan = NULL;
	DdbRelidCacheEntry *entry;
	DdbTable   *table;
	bool		found;
	char	   *name;
	Oid			item_relid = relid;
	Datum		arg;

	if (DdbRelidCache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(DdbRelidCacheEntry);
		ctl.hcxt = CacheMemoryContext;
		DdbRelidCache = hash_create("ddb item tables", 64, &ctl,
									HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	AcceptInvalidationMessages();
	entry = hash_search(DdbRelidCache, &relid, HASH_FIND, NULL);
	if (entry != NULL)
	{
		table = DdbTableLookupOptional(entry->name);
		if (table != NULL && table->relid == entry->item_relid)
			return table;
	}

	if (plan == NULL)
	{
		Oid			argtypes[1] = {OIDOID};

		plan = DdbStoragePrepare("SELECT table_name FROM ddb.tables"
						   " WHERE item_table OPERATOR(pg_catalog.=) $1::pg_catalog.regclass",
						   1, argtypes);
	}
	arg = ObjectIdGetDatum(item_relid);
	if (SPI_execute_plan(plan, &arg, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "item table lookup failed");
	if (SPI_processed == 0)
	{
		item_relid = DdbShardItemRelid(relid);
		if (!OidIsValid(item_relid))
			return NULL;
		arg = ObjectIdGetDatum(item_relid);
		if (SPI_execute_plan(plan, &arg, NULL, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "item table lookup failed");
		if (SPI_processed == 0)
			return NULL;
	}
	name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	table = DdbTableLookupOptional(name);
	if (table == NULL || table->relid != item_relid)
		return NULL;
	entry = hash_search(DdbRelidCache, &relid, HASH_ENTER, &found);
	entry->item_relid = item_relid;
	strlcpy(entry->name, name, sizeof(entry->name));
	return table;
}

/*
 * Look up the role that owns the ddb extension.
 */
static Oid
ExtensionOwner(void)
{
	Oid			owner = InvalidOid;
	Oid			extoid = get_extension_oid("ddb", false);
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(extoid));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
		owner = ((Form_pg_extension) GETSTRUCT(tuple))->extowner;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (!OidIsValid(owner))
		elog(ERROR, "could not find the owner of extension ddb");
	return owner;
}

/*
 * DdbCatalogBeginOwnerAccess switches to the extension owner so that the
 * catalog, which ordinary roles may only read, can be changed. The caller's
 * privileges were already checked (DDL on the item table runs as the
 * caller). As in a SECURITY DEFINER function, nothing of the caller's may run
 * with the owner's rights: the operation is security-restricted and
 * search_path is pg_catalog then pg_temp, so that a type, table or function
 * the caller created (a domain named jsonb in pg_temp, say) is never picked
 * up by the owner's statements. An error restores both on abort.
 */
void
DdbCatalogBeginOwnerAccess(DdbOwnerAccess *access)
{
	Oid			owner = ExtensionOwner();

	GetUserIdAndSecContext(&access->saved_user, &access->saved_context);
	SetUserIdAndSecContext(owner, access->saved_context |
						   SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	access->guc_nest_level = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
}

/*
 * DdbCatalogEndOwnerAccess restores the caller's search_path and user.
 */
void
DdbCatalogEndOwnerAccess(DdbOwnerAccess *access)
{
	AtEOXact_GUC(true, access->guc_nest_level);
	SetUserIdAndSecContext(access->saved_user, access->saved_context);
}

/*
 * DdbTableArn returns arn:aws:dynamodb:<region>:<account>:table/<name>.
 */
char *
DdbTableArn(const char *table_name)
{
	return psprintf("arn:aws:dynamodb:%s:%s:table/%s", DdbRegion, DdbAccountId, table_name);
}

/*
 * DdbExecuteText runs a statement on ddb's catalog whose parameters are all
 * text (NULL values are SQL NULLs), checking the result code. Must run
 * inside an SPI connection.
 */
void
DdbExecuteText(const char *sql, int nargs, const char **values, int expected)
{
	Oid			argtypes[DDB_MAX_TEXT_ARGS] = {0};
	Datum		args[DDB_MAX_TEXT_ARGS] = {0};
	char		nulls[DDB_MAX_TEXT_ARGS] = {0};

	Assert(nargs <= DDB_MAX_TEXT_ARGS);
	for (int i = 0; i < nargs; i++)
	{
		argtypes[i] = TEXTOID;
		nulls[i] = values[i] == NULL ? 'n' : ' ';
		args[i] = values[i] == NULL ? (Datum) 0 : CStringGetTextDatum(values[i]);
	}
	DdbExecute(sql, nargs, argtypes, args, nulls, expected);
}

/*
 * DdbExecute runs a statement with arguments through SPI, raising an error
 * unless SPI returns expected.
 */
void
DdbExecute(const char *sql, int nargs, Oid *argtypes, Datum *args, const char *nulls,
		   int expected)
{
	int			rc = SPI_execute_with_args(sql, nargs, argtypes, args, nulls, false, 0);

	if (rc != expected)
		elog(ERROR, "statement failed (%s): %s", SPI_result_code_string(rc), sql);
}

/*
 * DdbQualifiedRelationName returns the schema-qualified, quoted name of a
 * relation, for statements ddb builds.
 */
char *
DdbQualifiedRelationName(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}
