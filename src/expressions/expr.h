/*-------------------------------------------------------------------------
 *
 * expr.h
 *	  DynamoDB's expression language: the parsed form of condition, filter,
 *	  key condition, update and projection expressions, and the three
 *	  stages every expression goes through.
 *
 * 1. Parse (expr_parser.c): text -> tree, with DynamoDB's syntax errors,
 *	  reserved-word, function-name, arity, size and operator-count checks.
 *	  The tree keeps placeholders (#n, :v) unresolved, so it depends only on
 *	  the text and is cached per backend by (kind, text).
 *
 * 2. Bind (expr_bind.c): one request's expressions are resolved against
 *	  its ExpressionAttributeNames / ExpressionAttributeValues: every #name
 *	  becomes a name, every :value a pointer to the normalized
 *	  AttributeValue, and the checks that depend on them run (undefined and
 *	  unused placeholders across all the request's expressions, constant
 *	  operand types, BETWEEN bounds, overlapping update paths, updates of key
 *	  attributes). Binding copies the cached tree; the copy lives in the
 *	  call's memory context.
 *
 * 3. Use: conditions and filters are evaluated against an item
 *	  (expr_eval.c), projections extract paths from an item (expr_eval.c),
 *	  updates are applied to an item (update.c).
 *
 * Glossary: a "document path" is a top-level attribute name followed by map
 * member names (.name) and list indexes ([3]). A "value" during evaluation
 * is an AttributeValue: its type and its payload (the JSON value under the
 * type key, as stored: a string for S, N and B, a boolean for BOOL/NULL, a
 * container for L, M, SS, NS, BS).
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_EXPR_H
#define DDB_EXPR_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "item.h"

/* Limits of the expression language (DynamoDB's) */
#define DDB_MAX_EXPRESSION_SIZE		4096	/* bytes of one expression */
#define DDB_MAX_EXPRESSION_OPERATORS 300	/* operators and functions */
#define DDB_MAX_IN_OPERANDS			100		/* left operand plus the list */
#define DDB_MAX_PATH_DEPTH			32		/* elements of a document path */
#define DDB_MAX_PLACEHOLDER_SIZE	255		/* bytes of a #name or :value token */

/* The five kinds of expression, named as in DynamoDB's messages */
typedef enum DdbExprKind
{
	DDB_EXPR_CONDITION,			/* "ConditionExpression" */
	DDB_EXPR_FILTER,			/* "FilterExpression" */
	DDB_EXPR_KEY_CONDITION,		/* "KeyConditionExpression" */
	DDB_EXPR_UPDATE,			/* "UpdateExpression" */
	DDB_EXPR_PROJECTION			/* "ProjectionExpression" */
} DdbExprKind;

/* "ConditionExpression", ... */
extern const char *DdbExprKindName(DdbExprKind kind);

/* ---- document paths ---- */

typedef enum DdbPathElemKind
{
	DDB_PATH_NAME,				/* an attribute or map member name */
	DDB_PATH_INDEX				/* a list index */
} DdbPathElemKind;

typedef struct DdbPathElem
{
	DdbPathElemKind kind;
	char	   *name;			/* NAME: the name, or the "#placeholder" before binding */
	int			name_len;		/* its length in bytes */
	bool		is_placeholder; /* NAME: name is still a "#placeholder" */
	int			index;			/* INDEX: the index */
} DdbPathElem;

typedef struct DdbPath
{
	int			nelems;			/* 1 .. DDB_MAX_PATH_DEPTH */
	DdbPathElem *elems;			/* elems[0] is a NAME */
} DdbPath;

/* ---- operands (values in conditions and updates) ---- */

typedef enum DdbOperandKind
{
	DDB_OPERAND_PATH,			/* a document path */
	DDB_OPERAND_VALUE,			/* a :value */
	DDB_OPERAND_SIZE,			/* size(path), or size(:value) with the :value in left */
	DDB_OPERAND_IF_NOT_EXISTS,	/* if_not_exists(path, operand) (updates) */
	DDB_OPERAND_LIST_APPEND,	/* list_append(operand, operand) (updates) */
	DDB_OPERAND_PLUS,			/* operand + operand (updates) */
	DDB_OPERAND_MINUS			/* operand - operand (updates) */
} DdbOperandKind;

typedef struct DdbOperand
{
	DdbOperandKind kind;
	DdbPath		path;			/* PATH, SIZE of a path, and IF_NOT_EXISTS's first
								 * argument */
	char	   *value_name;		/* VALUE: ":name", kept for messages */
	JsonbValue *value;			/* VALUE after binding: the normalized AttributeValue
								 * (jbvBinary holding {"<T>": payload}) */
	struct DdbOperand *left;	/* IF_NOT_EXISTS (the default), LIST_APPEND, PLUS,
								 * MINUS; SIZE of a :value (the VALUE operand) */
	struct DdbOperand *right;	/* LIST_APPEND, PLUS, MINUS */
} DdbOperand;

/* ---- conditions (ConditionExpression, FilterExpression, KeyConditionExpression) ---- */

typedef enum DdbConditionKind
{
	DDB_COND_AND,
	DDB_COND_OR,
	DDB_COND_NOT,
	DDB_COND_COMPARE,			/* operands[0] op operands[1] */
	DDB_COND_BETWEEN,			/* operands[0] BETWEEN operands[1] AND operands[2] */
	DDB_COND_IN,				/* operands[0] IN (operands[1..]) */
	DDB_COND_ATTRIBUTE_EXISTS,	/* attribute_exists(operands[0]) */
	DDB_COND_ATTRIBUTE_NOT_EXISTS,
	DDB_COND_ATTRIBUTE_TYPE,	/* attribute_type(operands[0], operands[1]) */
	DDB_COND_BEGINS_WITH,		/* begins_with(operands[0], operands[1]) */
	DDB_COND_CONTAINS			/* contains(operands[0], operands[1]) */
} DdbConditionKind;

typedef enum DdbCompareOp
{
	DDB_CMP_EQ,					/* = */
	DDB_CMP_NE,					/* <> */
	DDB_CMP_LT,					/* < */
	DDB_CMP_LE,					/* <= */
	DDB_CMP_GT,					/* > */
	DDB_CMP_GE					/* >= */
} DdbCompareOp;

typedef struct DdbCondition
{
	DdbConditionKind kind;
	DdbCompareOp op;			/* COMPARE */
	struct DdbCondition *left;	/* AND, OR, NOT */
	struct DdbCondition *right; /* AND, OR */
	int			noperands;
	DdbOperand **operands;
} DdbCondition;

/* ---- updates ---- */

typedef enum DdbUpdateActionKind
{
	DDB_UPDATE_SET,				/* SET path = value */
	DDB_UPDATE_REMOVE,			/* REMOVE path */
	DDB_UPDATE_ADD,				/* ADD path value (a :value) */
	DDB_UPDATE_DELETE			/* DELETE path value (a :value) */
} DdbUpdateActionKind;

typedef struct DdbUpdateAction
{
	DdbUpdateActionKind kind;
	DdbPath		path;
	DdbOperand *value;			/* SET, ADD, DELETE */
} DdbUpdateAction;

typedef struct DdbUpdate
{
	int			nactions;		/* in the order written */
	DdbUpdateAction *actions;
	bool		legacy;			/* from AttributeUpdates: an operand of another
								 * type than the stored attribute is "Type
								 * mismatch for attribute to update" */
} DdbUpdate;

/* ---- projections ---- */

typedef struct DdbProjection
{
	int			npaths;
	DdbPath    *paths;
} DdbProjection;

/* ---- one parsed expression ---- */

typedef struct DdbExpression
{
	DdbExprKind kind;
	const char *text;			/* the expression as written */
	DdbCondition *condition;	/* CONDITION, FILTER, KEY_CONDITION */
	DdbUpdate  *update;			/* UPDATE */
	DdbProjection *projection;	/* PROJECTION */
} DdbExpression;

/*
 * Stage 1, expr_parser.c: parse (or fetch from the per-backend cache) an
 * expression. The result belongs to the cache: never modify it, bind it.
 * Errors are ValidationException "Invalid <Kind>: <reason>".
 */
extern const DdbExpression *DdbParseExpression(DdbExprKind kind, const char *text, int len);

/*
 * The memory context of the outermost ddb call starting (NULL: it ended),
 * under which replaced expression caches live until it ends
 */
extern void DdbExpressionCacheCallContext(MemoryContext context);

/* That context, or NULL when no ddb call is in progress */
extern MemoryContext DdbExpressionCacheCurrentCallContext(void);

/* Whether a bare name is one of DynamoDB's reserved words (any case) */
extern bool DdbIsReservedWord(const char *name, int len);

/*
 * Stage 2, expr_bind.c: the placeholders of one request. Create it from
 * the request's ExpressionAttributeNames and ExpressionAttributeValues (either
 * may be NULL; the values are validated and normalized here), bind each of
 * the request's expressions, then call DdbBindFinish to reject placeholders
 * that no expression used.
 */
typedef struct DdbBindContext DdbBindContext;

extern DdbBindContext *DdbBindBegin(JsonbContainer *names, JsonbContainer *values);

/*
 * Bind one parsed expression; returns a bound copy. key_attributes names the
 * table's key attributes (NULL-terminated; UpdateExpression may not touch
 * them).
 */
extern DdbExpression *DdbBindExpression(DdbBindContext *context, const DdbExpression *parsed,
										const char *const *key_attributes);

extern void DdbBindFinish(DdbBindContext *context);

/*
 * ValidationException when a bound path writes one of the key attributes
 * (NULL-terminated), as an UpdateExpression may not.
 */
extern void DdbCheckNotKeyAttribute(const DdbPath *path, const char *const *key_attributes);

/* A bound path as DynamoDB prints it in messages: [a, b, [0]] */
extern char *DdbPathText(const DdbPath *path);

/* Whether two bound paths are the same path (names and list indexes) */
extern bool DdbPathEquals(const DdbPath *a, const DdbPath *b);

/*
 * Stage 3, expr_eval.c: evaluate a bound condition against an item (an
 * attribute map container; NULL for an item that does not exist).
 */
extern bool DdbEvaluateCondition(const DdbCondition *condition, JsonbContainer *item);


/*
 * Project an item: the attributes named by the paths, keeping their
 * nesting ({"a": {"M": {"b": {"L": [x]}}}} for a.b[0]); paths that do not
 * exist are left out. Returns an attribute map.
 */
extern Jsonb *DdbProjectItem(JsonbContainer *item, const DdbPath *paths, int npaths);

/*
 * Project an item as PartiQL's SELECT list does: each path's value under
 * the name of its last step (a.b gives "b"; a path ending in a list index
 * gives "_<n>", n its position among the paths, from 1); paths that do not
 * exist are left out. Returns an attribute map.
 */
extern Jsonb *DdbProjectItemByName(JsonbContainer *item, const DdbPath *paths, int npaths);

/*
 * update.c: apply a bound update to an item (NULL: the item does not exist
 * yet; it is created from key, the normalized key attributes). Returns the
 * new item, or NULL when the update creates nothing (only REMOVE/DELETE on
 * a missing item). *updated_paths / *nupdated receive the paths written by
 * SET and ADD and removed by REMOVE and DELETE, for ReturnValues
 * UPDATED_OLD / UPDATED_NEW. Errors are DynamoDB's ValidationExceptions
 * ("The document path provided in the update expression is invalid for
 * update", "An operand in the update expression has an incorrect data
 * type", "Item size to update has exceeded the maximum allowed size", ...).
 */
extern Jsonb *DdbApplyUpdate(const DdbUpdate *update, JsonbContainer *item, JsonbContainer *key,
							 DdbPath **updated_paths, int *nupdated);

/*
 * projection.c: the AttributeValue at a bound document path of an item (an
 * attribute map; NULL for no item), as a jbvBinary object referencing the
 * item. false when the path does not exist or goes through a value of the
 * wrong type (a name into a non-map, an index into a non-list or past its
 * end).
 */
extern bool DdbLookupPath(JsonbContainer *item, const DdbPath *path, JsonbValue *out);

#endif							/* DDB_EXPR_H */
