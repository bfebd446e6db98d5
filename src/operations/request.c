/*-------------------------------------------------------------------------
 *
 * request.c
 *	  Validation of request parameters shared by several operations.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"

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
	length = pg_mbstrlen(value);	/* DynamoDB counts characters */
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

/* A name with its position in a list, for finding repeats */
typedef struct PositionedName
{
	const char *name;
	int			position;
} PositionedName;

static int
ComparePositionedNames(const void *a, const void *b)
{
	const PositionedName *pa = (const PositionedName *) a;
	const PositionedName *pb = (const PositionedName *) b;
	int			cmp = strcmp(pa->name, pb->name);

	if (cmp != 0)
		return cmp;
	return (pa->position > pb->position) - (pa->position < pb->position);
}

/*
 * DdbRequestFirstRepeat returns the position of the first of n strings that
 * repeats an earlier one, or -1. It sorts, since lists such as
 * AttributesToGet have no length limit.
 */
int
DdbRequestFirstRepeat(char **names, int n)
{
	PositionedName *sorted = palloc(sizeof(PositionedName) * Max(n, 1));
	int			first = -1;

	for (int i = 0; i < n; i++)
	{
		sorted[i].name = names[i];
		sorted[i].position = i;
	}
	qsort(sorted, n, sizeof(PositionedName), ComparePositionedNames);
	for (int i = 1; i < n; i++)
	{
		if (strcmp(sorted[i - 1].name, sorted[i].name) == 0 &&
			(first < 0 || sorted[i].position < first))
			first = sorted[i].position;
	}
	pfree(sorted);
	return first;
}
