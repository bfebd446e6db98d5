/*-------------------------------------------------------------------------
 *
 * expressions.c
 *	  The expression parameters of a request: which ones it carries, their
 *	  legacy equivalents, parsing and binding them together.
 *
 * Each operation names the expressions it accepts (a mask of
 * DdbRequestExpressionFlags). For each, a request may instead carry the
 * legacy parameter of the same purpose (Expected for ConditionExpression,
 * AttributeUpdates for UpdateExpression, AttributesToGet for
 * ProjectionExpression, ...), but never both kinds at once. All of a
 * request's expressions share its ExpressionAttributeNames and
 * ExpressionAttributeValues, and every placeholder defined there must be
 * used by one of them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "errors.h"
#include "expr.h"
#include "expressions.h"
#include "json_util.h"
#include "legacy.h"

/* One expression parameter and its legacy counterparts */
typedef struct ExpressionParameter
{
	int			flag;			/* DDB_REQUEST_... */
	const char *member;			/* e.g. "ConditionExpression" */
	DdbExprKind kind;
	const char *legacy[3];		/* legacy members of the same purpose */
} ExpressionParameter;

static const ExpressionParameter expression_parameters[] = {
	{DDB_REQUEST_KEY_CONDITION, "KeyConditionExpression", DDB_EXPR_KEY_CONDITION, {"KeyConditions", NULL}},
	{DDB_REQUEST_UPDATE, "UpdateExpression", DDB_EXPR_UPDATE, {"AttributeUpdates", NULL}},
	{DDB_REQUEST_CONDITION, "ConditionExpression", DDB_EXPR_CONDITION, {"Expected", "ConditionalOperator", NULL}},
	{DDB_REQUEST_FILTER, "FilterExpression", DDB_EXPR_FILTER, {"QueryFilter", "ScanFilter", "ConditionalOperator"}},
	{DDB_REQUEST_PROJECTION, "ProjectionExpression", DDB_EXPR_PROJECTION, {"AttributesToGet", NULL}},
};

/*
 * The order in which DynamoDB lists expression parameters in its messages
 * ("Expression parameters: {ProjectionExpression, FilterExpression,
 * KeyConditionExpression}", "UpdateExpression and ConditionExpression are
 * null"); expression_parameters is in parsing order.
 */
static const int listing_order[] = {
	DDB_REQUEST_PROJECTION, DDB_REQUEST_FILTER, DDB_REQUEST_KEY_CONDITION,
	DDB_REQUEST_UPDATE, DDB_REQUEST_CONDITION
};

/*
 * The expression parameter of a flag.
 */
static const ExpressionParameter *
ParameterOf(int flag)
{
	for (int i = 0; i < lengthof(expression_parameters); i++)
	{
		if (expression_parameters[i].flag == flag)
			return &expression_parameters[i];
	}
	elog(ERROR, "unrecognized expression parameter %d", flag);
}

/*
 * Append a member name to a "{A, B}" list.
 */
static void
AppendName(StringInfo list, const char *name)
{
	appendStringInfo(list, "%s%s", list->len > 0 ? ", " : "", name);
}

/*
 * Reject a request that mixes expression and legacy parameters. As in
 * DynamoDB, legacy KeyConditions may go with expressions as long as there
 * is no KeyConditionExpression.
 */
static void
CheckNotMixed(JsonbContainer *request, int accepted)
{
	StringInfoData legacy;
	StringInfoData modern;
	JsonbValue	v;
	bool		key_condition_expression = DdbJsonGet(request, "KeyConditionExpression", &v);

	initStringInfo(&legacy);
	initStringInfo(&modern);
	for (int i = 0; i < lengthof(listing_order); i++)
	{
		const ExpressionParameter *p = ParameterOf(listing_order[i]);

		if (!(accepted & p->flag))
			continue;
		if (DdbJsonGet(request, p->member, &v))
			AppendName(&modern, p->member);
		for (int j = 0; j < lengthof(p->legacy) && p->legacy[j]; j++)
		{
			if (p->flag == DDB_REQUEST_KEY_CONDITION && !key_condition_expression)
				continue;
			if (DdbJsonGet(request, p->legacy[j], &v) && strstr(legacy.data, p->legacy[j]) == NULL)
				AppendName(&legacy, p->legacy[j]);
		}
	}
	if (legacy.len > 0 && modern.len > 0)
		DdbValidationError("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {%s} Expression parameters: {%s}",
						   legacy.data, modern.data);
}

/*
 * Reject ExpressionAttributeNames/Values given without an expression that
 * could use them.
 */
static void
CheckPlaceholdersNeedExpressions(JsonbContainer *request, int accepted, bool any_expression)
{
	JsonbValue	v;
	StringInfoData missing;
	int			count = 0;
	int			listed = 0;

	if (any_expression)
		return;
	if (DdbJsonGet(request, "ExpressionAttributeNames", &v))
		DdbValidationError("ExpressionAttributeNames can only be specified when using expressions");
	if (!DdbJsonGet(request, "ExpressionAttributeValues", &v))
		return;

	/* "ConditionExpression is null", "UpdateExpression and ConditionExpression are null" */
	for (int i = 0; i < lengthof(expression_parameters); i++)
	{
		if ((accepted & expression_parameters[i].flag) &&
			expression_parameters[i].kind != DDB_EXPR_PROJECTION)
			count++;
	}
	initStringInfo(&missing);
	for (int i = 0; i < lengthof(listing_order); i++)
	{
		const ExpressionParameter *p = ParameterOf(listing_order[i]);

		if (!(accepted & p->flag) || p->kind == DDB_EXPR_PROJECTION)
			continue;
		listed++;
		appendStringInfo(&missing, "%s%s",
						 listed == 1 ? "" : listed == count ? " and " : ", ", p->member);
	}
	DdbValidationError("ExpressionAttributeValues can only be specified when using expressions: %s %s null",
					   missing.data, count > 1 ? "are" : "is");
}

/*
 * DdbReadRequestExpressions parses and binds the expression parameters a
 * request carries among those accepted, or converts their legacy
 * equivalents.
 */
void
DdbReadRequestExpressions(JsonbContainer *request, int accepted, DdbRequestExpressions *out)
{
	DdbBindContext *context = NULL;
	bool		any_expression = false;

	memset(out, 0, sizeof(*out));
	CheckNotMixed(request, accepted);

	for (int i = 0; i < lengthof(expression_parameters); i++)
	{
		const ExpressionParameter *p = &expression_parameters[i];
		char	   *text;
		const DdbExpression *parsed;
		DdbExpression *bound;

		if (!(accepted & p->flag))
			continue;
		text = DdbJsonGetString(request, p->member);
		if (text == NULL)
			continue;
		any_expression = true;
		parsed = DdbParseExpression(p->kind, text, strlen(text));
		if (context == NULL)
			context = DdbBindBegin(DdbJsonGetObject(request, "ExpressionAttributeNames"),
								   DdbJsonGetObject(request, "ExpressionAttributeValues"));
		bound = DdbBindExpression(context, parsed, NULL);
		switch (p->kind)
		{
			case DDB_EXPR_KEY_CONDITION:
				out->key_condition = bound->condition;
				break;
			case DDB_EXPR_UPDATE:
				out->update = bound->update;
				break;
			case DDB_EXPR_CONDITION:
				out->condition = bound->condition;
				break;
			case DDB_EXPR_FILTER:
				out->filter = bound->condition;
				break;
			case DDB_EXPR_PROJECTION:
				out->projection = bound->projection;
				break;
		}
	}
	CheckPlaceholdersNeedExpressions(request, accepted, any_expression);
	if (context != NULL)
		DdbBindFinish(context);

	/* the legacy parameters */
	if ((accepted & DDB_REQUEST_CONDITION) && out->condition == NULL)
		out->condition = DdbLegacyExpected(DdbJsonGetObject(request, "Expected"),
										   DdbJsonGetString(request, "ConditionalOperator"));
	if ((accepted & DDB_REQUEST_UPDATE) && out->update == NULL)
		out->update = DdbLegacyAttributeUpdates(DdbJsonGetObject(request, "AttributeUpdates"));
	if ((accepted & DDB_REQUEST_PROJECTION) && out->projection == NULL)
		out->projection = DdbLegacyAttributesToGet(DdbJsonGetArray(request, "AttributesToGet"));
	if ((accepted & DDB_REQUEST_FILTER) && out->filter == NULL)
	{
		JsonbContainer *query_filter = DdbJsonGetObject(request, "QueryFilter");

		out->filter = DdbLegacyFilter(query_filter != NULL ? query_filter :
									  DdbJsonGetObject(request, "ScanFilter"),
									  query_filter != NULL ? "queryFilter" : "scanFilter",
									  DdbJsonGetString(request, "ConditionalOperator"));
	}
	if ((accepted & DDB_REQUEST_KEY_CONDITION) && out->key_condition == NULL)
		out->key_condition = DdbLegacyKeyConditions(DdbJsonGetObject(request, "KeyConditions"));
}
