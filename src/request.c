/*-------------------------------------------------------------------------
 *
 * request.c
 *	  Validation of request parameters shared by several operations.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "errors.h"
#include "json_util.h"
#include "request.h"

/*
 * DdbRequestEnum reads an enumeration parameter and checks its value.
 */
char *
DdbRequestEnum(JsonbContainer *request, const char *member,
			   const char *constraint_member,
			   const char *const *values, const char *enum_text,
			   DdbConstraintErrors *errors)
{
	char	   *value = DdbJsonGetString(request, member);

	if (value == NULL)
		return NULL;
	for (const char *const *v = values; *v; v++)
	{
		if (strcmp(*v, value) == 0)
			return value;
	}
	DdbConstraintAdd(errors, psprintf("'%s'", value), constraint_member,
					 psprintf("Member must satisfy enum value set: %s", enum_text));
	return value;
}

/*
 * DdbRequestCommonWriteParameters validates ReturnConsumedCapacity,
 * ReturnItemCollectionMetrics and ReturnValuesOnConditionCheckFailure.
 */
void
DdbRequestCommonWriteParameters(JsonbContainer *request, DdbConstraintErrors *errors)
{
	static const char *const capacity[] = {"INDEXES", "TOTAL", "NONE", NULL};
	static const char *const metrics[] = {"SIZE", "NONE", NULL};
	static const char *const on_failure[] = {"ALL_OLD", "NONE", NULL};

	DdbRequestEnum(request, "ReturnConsumedCapacity", "returnConsumedCapacity",
				   capacity, "[INDEXES, TOTAL, NONE]", errors);
	DdbRequestEnum(request, "ReturnItemCollectionMetrics", "returnItemCollectionMetrics",
				   metrics, "[SIZE, NONE]", errors);
	DdbRequestEnum(request, "ReturnValuesOnConditionCheckFailure",
				   "returnValuesOnConditionCheckFailure",
				   on_failure, "[ALL_OLD, NONE]", errors);
}

/*
 * DdbRequestRejectUnsupported raises ValidationException for a parameter
 * this version of ddb does not implement, rather than ignoring it.
 */
void
DdbRequestRejectUnsupported(JsonbContainer *request, const char *const *members)
{
	for (const char *const *m = members; *m; m++)
	{
		JsonbValue	v;

		if (DdbJsonGet(request, *m, &v))
			DdbValidationError("%s is not supported by this version of ddb", *m);
	}
}
