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
 * DdbRequestCheckString checks a required string member's length and
 * value set, adding DynamoDB's constraint errors.
 */
void
DdbRequestCheckString(DdbConstraintErrors *errors, const char *value,
					  const char *constraint_member, int min_length, int max_length,
					  const char *const *values, const char *enum_text)
{
	int			length;

	if (value == NULL)
	{
		DdbConstraintAdd(errors, "null", constraint_member, "Member must not be null");
		return;
	}
	length = strlen(value);
	if (length < min_length)
		DdbConstraintAdd(errors, psprintf("'%s'", value), constraint_member,
						 psprintf("Member must have length greater than or equal to %d", min_length));
	else if (length > max_length)
		DdbConstraintAdd(errors, psprintf("'%s'", value), constraint_member,
						 psprintf("Member must have length less than or equal to %d", max_length));
	if (values != NULL)
	{
		for (const char *const *v = values; *v; v++)
		{
			if (strcmp(*v, value) == 0)
				return;
		}
		DdbConstraintAdd(errors, psprintf("'%s'", value), constraint_member,
						 psprintf("Member must satisfy enum value set: %s", enum_text));
	}
}

/*
 * DdbRequestCommonWriteParameters validates ReturnItemCollectionMetrics and
 * ReturnValuesOnConditionCheckFailure (ReturnConsumedCapacity is read by
 * DdbReadCapacityMode).
 */
void
DdbRequestCommonWriteParameters(JsonbContainer *request, DdbConstraintErrors *errors)
{
	static const char *const metrics[] = {"SIZE", "NONE", NULL};
	static const char *const on_failure[] = {"ALL_OLD", "NONE", NULL};

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
