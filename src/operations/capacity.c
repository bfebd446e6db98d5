/*-------------------------------------------------------------------------
 *
 * capacity.c
 *	  ReturnConsumedCapacity: the capacity units an operation consumed, by
 *	  DynamoDB's rules, and their place in the response.
 *
 * ddb does not throttle, so capacity is reported, never enforced. The
 * units follow DynamoDB's documented arithmetic: a read costs one unit per
 * 4 KB (rounded up; a missing item still costs one), half that when
 * eventually consistent; a write costs one unit per 1 KB of the larger of
 * the old and new item; transactional reads and writes cost twice as much
 * (the callers double). Sizes are DynamoDB item sizes (item.h).
 *
 * Query and Scan
 * --------------
 * DynamoDB charges a Query or Scan by the data it reads from each
 * partition, not per item: the sizes of the items read from one partition
 * (before any filter or projection) are summed and rounded up to 4 KB once,
 * and reading a partition costs at least one 4 KB read even when it holds
 * nothing. A Query reads one partition. A Scan reads the table partition by
 * partition, so a Scan of a nearly empty on-demand table, which has four
 * partitions, costs 4 units (2 eventually consistent) where a Query of the
 * same item costs 1 (0.5).
 *
 * ddb has no partitions. It charges a page the sum of its item sizes
 * rounded up to 4 KB once, but at least one 4 KB read for each partition
 * DynamoDB would have read: one for a Query or a page stopped early by
 * Limit or the 1 MB limit, and, for a Scan page that read to the end, the
 * partitions DynamoDB gives the table: four for an on-demand table (a new
 * one serves 12,000 reads or 4,000 writes per second, 3,000 and 1,000 per
 * partition), ceil(RCU / 3000 + WCU / 1000) for a provisioned one, and at
 * least one per 10 GB of item table in either case; a segment of a parallel
 * Scan covers its share of them, ceil(partitions / TotalSegments).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "capacity.h"
#include "json_util.h"
#include "request.h"
#include "indexes/index.h"

/*
 * DdbReadCapacityMode reads ReturnConsumedCapacity.
 */
DdbCapacityMode
DdbReadCapacityMode(JsonbContainer *request, DdbConstraintErrors *errors)
{
	static const char *const values[] = {"INDEXES", "TOTAL", "NONE", NULL};
	char	   *mode = DdbRequestEnum(request, "ReturnConsumedCapacity", "returnConsumedCapacity",
									  values, "[INDEXES, TOTAL, NONE]", errors);

	if (mode == NULL)
		return DDB_CAPACITY_NONE;
	if (strcmp(mode, "TOTAL") == 0)
		return DDB_CAPACITY_TOTAL;
	if (strcmp(mode, "INDEXES") == 0)
		return DDB_CAPACITY_INDEXES;
	return DDB_CAPACITY_NONE;
}

/*
 * DdbReadUnits returns the read units for bytes read.
 */
double
DdbReadUnits(Size bytes, bool consistent)
{
	double		units = Max(1.0, ceil((double) bytes / 4096.0));

	return consistent ? units : units / 2.0;
}

/*
 * DdbRangeReadUnits returns the read units of a Query or Scan page that
 * read bytes and covered partitions partitions: the bytes rounded up to
 * 4 KB once, at least one 4 KB read per partition.
 */
double
DdbRangeReadUnits(Size bytes, int64 partitions, bool consistent)
{
	double		units = Max((double) Max(partitions, 1), ceil((double) bytes / 4096.0));

	return consistent ? units : units / 2.0;
}

/*
 * DdbScanPartitions returns how many partitions a Scan of the table (or of
 * one of total_segments segments of it) that reads to the end covers, as
 * DynamoDB would partition the table:
 *
 *	  on-demand:   4
 *	  provisioned: ceil(RCU / 3000 + WCU / 1000), at least 1
 *	  both:        at least ceil(size of the item table / 10 GB)
 *
 * divided among the segments, rounded up.
 */
int64
DdbScanPartitions(DdbTable *table, int64 total_segments)
{
	static const char *const sql =
	"SELECT GREATEST(CASE WHEN t.billing_mode OPERATOR(pg_catalog.=) 'PAY_PER_REQUEST' THEN 4"
	"    ELSE pg_catalog.ceil((t.read_capacity_units OPERATOR(pg_catalog./) 3000.0)"
	"      OPERATOR(pg_catalog.+) (t.write_capacity_units OPERATOR(pg_catalog./) 1000.0)) END,"
	"  pg_catalog.ceil(pg_catalog.pg_relation_size(t.item_table)"
	"    OPERATOR(pg_catalog./) 10737418240.0), 1)::pg_catalog.int8"
	" FROM ddb.tables t WHERE t.table_name OPERATOR(pg_catalog.=) $1";
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	bool		isnull;
	int64		partitions = 1;

	args[0] = CStringGetTextDatum(table->name);
	if (SPI_execute_with_args(sql, 1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the billing of table \"%s\"", table->name);
	if (SPI_processed == 1)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			partitions = DatumGetInt64(d);
	}
	total_segments = Max(total_segments, 1);
	return Max((partitions + total_segments - 1) / total_segments, 1);
}

/*
 * DdbWriteUnits returns the write units for an item write of bytes.
 */
double
DdbWriteUnits(Size bytes)
{
	return Max(1.0, ceil((double) bytes / 1024.0));
}

/*
 * Push a number of units.
 */
static void
PushUnits(JsonbParseState **state, double units)
{
	char		text[64];

	snprintf(text, sizeof(text), "%.1f", units);
	DdbPushNumberText(state, WJB_VALUE, pstrdup(text));
}

/*
 * Push {"CapacityUnits": units}.
 */
static void
PushUnitsObject(JsonbParseState **state, double units)
{
	DdbPushBeginObject(state);
	DdbPushKey(state, "CapacityUnits");
	PushUnits(state, units);
	DdbPushEndObject(state);
}

/*
 * DdbPushWriteCapacity pushes the ConsumedCapacity of a write to a table
 * with secondary indexes.
 */
void
DdbPushWriteCapacity(JsonbParseState **state, DdbTable *table, double table_units,
					 const double *index_units, DdbCapacityMode mode)
{
	double		total = table_units;

	for (int i = 0; index_units != NULL && i < table->nindexes; i++)
		total += index_units[i];
	if (mode != DDB_CAPACITY_INDEXES || index_units == NULL)
	{
		DdbPushConsumedCapacity(state, table->name, total, mode);
		return;
	}
	DdbPushBeginObject(state);
	DdbPushKey(state, "TableName");
	DdbPushString(state, WJB_VALUE, table->name);
	DdbPushKey(state, "CapacityUnits");
	PushUnits(state, total);
	DdbPushKey(state, "Table");
	PushUnitsObject(state, table_units);
	for (int kind = DDB_INDEX_GLOBAL; kind <= DDB_INDEX_LOCAL; kind++)
	{
		bool		any = false;

		for (int i = 0; i < table->nindexes; i++)
		{
			if (table->indexes[i].kind != kind || index_units[i] == 0)
				continue;
			if (!any)
			{
				DdbPushKey(state, kind == DDB_INDEX_GLOBAL ? "GlobalSecondaryIndexes" :
						   "LocalSecondaryIndexes");
				DdbPushBeginObject(state);
				any = true;
			}
			DdbPushKey(state, table->indexes[i].name);
			PushUnitsObject(state, index_units[i]);
		}
		if (any)
			DdbPushEndObject(state);
	}
	DdbPushEndObject(state);
}

/*
 * DdbPushConsumedCapacity pushes one ConsumedCapacity object.
 */
void
DdbPushConsumedCapacity(JsonbParseState **state, const char *table_name,
						double units, DdbCapacityMode mode)
{
	DdbPushBeginObject(state);
	DdbPushKey(state, "TableName");
	DdbPushString(state, WJB_VALUE, table_name);
	DdbPushKey(state, "CapacityUnits");
	PushUnits(state, units);
	if (mode == DDB_CAPACITY_INDEXES)
	{
		DdbPushKey(state, "Table");
		DdbPushBeginObject(state);
		DdbPushKey(state, "CapacityUnits");
		PushUnits(state, units);
		DdbPushEndObject(state);
	}
	DdbPushEndObject(state);
}

/*
 * DdbPushIndexConsumedCapacity pushes the ConsumedCapacity object of a
 * read of a secondary index: CapacityUnits is the index's units plus the
 * table's (items fetched from the table, an LSI read only); INDEXES adds
 * "Table" when the table was read and the index's share under
 * "GlobalSecondaryIndexes" or "LocalSecondaryIndexes".
 */
void
DdbPushIndexConsumedCapacity(JsonbParseState **state, const char *table_name,
							 const char *index_name, bool global, double index_units,
							 double table_units, DdbCapacityMode mode)
{
	DdbPushBeginObject(state);
	DdbPushKey(state, "TableName");
	DdbPushString(state, WJB_VALUE, table_name);
	DdbPushKey(state, "CapacityUnits");
	PushUnits(state, index_units + table_units);
	if (mode == DDB_CAPACITY_INDEXES)
	{
		if (table_units > 0)
		{
			DdbPushKey(state, "Table");
			DdbPushBeginObject(state);
			DdbPushKey(state, "CapacityUnits");
			PushUnits(state, table_units);
			DdbPushEndObject(state);
		}
		DdbPushKey(state, global ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes");
		DdbPushBeginObject(state);
		DdbPushKey(state, index_name);
		DdbPushBeginObject(state);
		DdbPushKey(state, "CapacityUnits");
		PushUnits(state, index_units);
		DdbPushEndObject(state);
		DdbPushEndObject(state);
	}
	DdbPushEndObject(state);
}
