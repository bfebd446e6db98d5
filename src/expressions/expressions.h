/*-------------------------------------------------------------------------
 *
 * expressions.h
 *	  The expression parameters of a request, parsed and bound together,
 *	  or converted from their legacy equivalents.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_EXPRESSIONS_H
#define DDB_EXPRESSIONS_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "expr.h"

/* Which expression parameters an operation accepts */
typedef enum DdbRequestExpressionFlags
{
	DDB_REQUEST_CONDITION = 1 << 0, /* ConditionExpression / Expected */
	DDB_REQUEST_UPDATE = 1 << 1,	/* UpdateExpression / AttributeUpdates */
	DDB_REQUEST_PROJECTION = 1 << 2,	/* ProjectionExpression / AttributesToGet */
	DDB_REQUEST_FILTER = 1 << 3,	/* FilterExpression / QueryFilter, ScanFilter */
	DDB_REQUEST_KEY_CONDITION = 1 << 4	/* KeyConditionExpression / KeyConditions */
} DdbRequestExpressionFlags;

/* A request's bound expressions; NULL where it has none */
typedef struct DdbRequestExpressions
{
	DdbCondition *condition;
	DdbUpdate  *update;
	DdbProjection *projection;
	DdbCondition *filter;
	DdbCondition *key_condition;
} DdbRequestExpressions;

extern void DdbReadRequestExpressions(JsonbContainer *request, int accepted,
									  DdbRequestExpressions *out);

#endif							/* DDB_EXPRESSIONS_H */
