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
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "capacity.h"
#include "json_util.h"
#include "request.h"

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
