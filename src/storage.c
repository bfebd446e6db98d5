/*-------------------------------------------------------------------------
 *
 * storage.c
 *	  The access layer: the only code that reads and writes item tables.
 *
 * An item table (created by table_ops.c) looks like
 *
 *	  CREATE TABLE ddb_data."orders" (
 *		  item jsonb NOT NULL,
 *		  "customer_id" text COLLATE "C" GENERATED ALWAYS AS
 *			  (item -> 'customer_id' ->> 'S') STORED NOT NULL,
 *		  "order_date" text COLLATE "C" GENERATED ALWAYS AS (...) STORED NOT NULL,
 *		  PRIMARY KEY ("customer_id", "order_date"))
 *
 * so the key columns always equal the item's key attributes, whoever
 * writes the row. The statements below are prepared once per table with
 * SPI_prepare and kept until the table's cache entry is invalidated. Names
 * in them come from the catalog and are quoted; values are parameters.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "catalog.h"
#include "errors.h"
#include "storage.h"

/*
 * DdbStorageForgetPlans frees a table's prepared statements.
 */
void
DdbStorageForgetPlans(DdbTable *table)
{
	for (int i = 0; i < DDB_PLAN_COUNT; i++)
	{
		if (table->plans[i] != NULL)
		{
			SPI_freeplan(table->plans[i]);
			table->plans[i] = NULL;
		}
	}
}

/*
 * Append "WHERE k1 = $first [AND k2 = $first+1]".
 */
static void
AppendKeyCondition(StringInfo sql, DdbTable *table, int first)
{
	appendStringInfoString(sql, " WHERE ");
	for (int i = 0; i < table->nkeys; i++)
		appendStringInfo(sql, "%s%s OPERATOR(pg_catalog.=) $%d",
						 i > 0 ? " AND " : "",
						 quote_identifier(table->keys[i].column), first + i);
}

/*
 * Build and prepare one statement of a table.
 */
static SPIPlanPtr
PreparePlan(DdbTable *table, DdbPlanKind kind)
{
	StringInfoData sql;
	Oid			argtypes[3];
	int			nargs = 0;
	const char *relation = quote_qualified_identifier(DDB_DATA_SCHEMA, table->relation_name);
	SPIPlanPtr	plan;

	initStringInfo(&sql);
	switch (kind)
	{
		case DDB_PLAN_GET:
		case DDB_PLAN_GET_FOR_UPDATE:
			appendStringInfo(&sql, "SELECT item FROM %s", relation);
			AppendKeyCondition(&sql, table, 1);
			if (kind == DDB_PLAN_GET_FOR_UPDATE)
				appendStringInfoString(&sql, " FOR UPDATE");
			for (int i = 0; i < table->nkeys; i++)
				argtypes[nargs++] = table->keys[i].column_type;
			break;
		case DDB_PLAN_UPSERT:
		case DDB_PLAN_INSERT_IF_ABSENT:
			appendStringInfo(&sql, "INSERT INTO %s (item) VALUES ($1) ON CONFLICT (", relation);
			for (int i = 0; i < table->nkeys; i++)
				appendStringInfo(&sql, "%s%s", i > 0 ? ", " : "",
								 quote_identifier(table->keys[i].column));
			if (kind == DDB_PLAN_UPSERT)
				appendStringInfoString(&sql, ") DO UPDATE SET item = EXCLUDED.item");
			else
				appendStringInfoString(&sql, ") DO NOTHING");
			argtypes[nargs++] = JSONBOID;
			break;
		case DDB_PLAN_UPDATE:
			appendStringInfo(&sql, "UPDATE %s SET item = $%d", relation, table->nkeys + 1);
			AppendKeyCondition(&sql, table, 1);
			for (int i = 0; i < table->nkeys; i++)
				argtypes[nargs++] = table->keys[i].column_type;
			argtypes[nargs++] = JSONBOID;
			break;
		case DDB_PLAN_DELETE:
			appendStringInfo(&sql, "DELETE FROM %s", relation);
			AppendKeyCondition(&sql, table, 1);
			appendStringInfoString(&sql, " RETURNING item");
			for (int i = 0; i < table->nkeys; i++)
				argtypes[nargs++] = table->keys[i].column_type;
			break;
		default:
			elog(ERROR, "unrecognized plan kind %d", (int) kind);
	}

	plan = SPI_prepare(sql.data, nargs, argtypes);
	if (plan == NULL)
		elog(ERROR, "could not prepare \"%s\": %s", sql.data, SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	pfree(sql.data);
	return plan;
}

/*
 * Return a table's statement of a kind, preparing it on first use.
 */
static SPIPlanPtr
GetPlan(DdbTable *table, DdbPlanKind kind)
{
	if (table->plans[kind] == NULL)
		table->plans[kind] = PreparePlan(table, kind);
	return table->plans[kind];
}

/*
 * Return the item column of the first result row, copied out of SPI's
 * tuple table, or NULL when there is no row.
 */
static Jsonb *
FirstItem(void)
{
	bool		isnull;
	Datum		d;

	if (SPI_processed == 0 || SPI_tuptable == NULL)
		return NULL;
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		return NULL;
	return DatumGetJsonbPCopy(d);
}

/*
 * DdbStorageGet returns the item with this key, or NULL.
 */
Jsonb *
DdbStorageGet(DdbTable *table, DdbKey *key, bool lock_row)
{
	SPIPlanPtr	plan = GetPlan(table, lock_row ? DDB_PLAN_GET_FOR_UPDATE : DDB_PLAN_GET);
	int			rc;

	rc = SPI_execute_plan(plan, key->values, NULL, !lock_row, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "item lookup failed: %s", SPI_result_code_string(rc));
	return FirstItem();
}

/*
 * DdbStoragePut inserts or replaces an item.
 */
void
DdbStoragePut(DdbTable *table, Jsonb *item)
{
	Datum		arg = JsonbPGetDatum(item);
	int			rc;

	rc = SPI_execute_plan(GetPlan(table, DDB_PLAN_UPSERT), &arg, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "item write failed: %s", SPI_result_code_string(rc));
}

/*
 * DdbStorageInsertIfAbsent inserts an item unless its key exists. A
 * concurrent insert of the same key makes this wait for that transaction;
 * if it commits, this returns false.
 */
bool
DdbStorageInsertIfAbsent(DdbTable *table, Jsonb *item)
{
	Datum		arg = JsonbPGetDatum(item);
	int			rc;

	rc = SPI_execute_plan(GetPlan(table, DDB_PLAN_INSERT_IF_ABSENT), &arg, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "item insert failed: %s", SPI_result_code_string(rc));
	return SPI_processed == 1;
}

/*
 * DdbStorageUpdate replaces the item of an existing key.
 */
bool
DdbStorageUpdate(DdbTable *table, DdbKey *key, Jsonb *item)
{
	Datum		args[3];
	int			rc;

	for (int i = 0; i < table->nkeys; i++)
		args[i] = key->values[i];
	args[table->nkeys] = JsonbPGetDatum(item);
	rc = SPI_execute_plan(GetPlan(table, DDB_PLAN_UPDATE), args, NULL, false, 0);
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "item update failed: %s", SPI_result_code_string(rc));
	return SPI_processed == 1;
}

/*
 * DdbStorageDelete deletes by key and returns the old item, or NULL.
 */
Jsonb *
DdbStorageDelete(DdbTable *table, DdbKey *key)
{
	int			rc;

	rc = SPI_execute_plan(GetPlan(table, DDB_PLAN_DELETE), key->values, NULL, false, 0);
	if (rc != SPI_OK_DELETE_RETURNING)
		elog(ERROR, "item delete failed: %s", SPI_result_code_string(rc));
	return FirstItem();
}
