/*-------------------------------------------------------------------------
 *
 * expr_parser.c
 *	  Stage 1 of DynamoDB's expression language: condition, filter, key
 *	  condition, update and projection expressions from text to the tree of
 *	  expr.h, with DynamoDB's validation errors, and the per-backend cache of
 *	  parsed trees.
 *
 * How an expression is read
 * -------------------------
 * DynamoDB's grammar is an ANTLR grammar (AWS publishes the same grammar in
 * its DAX clients). This file follows it token for token, with a hand-written
 * lexer and a recursive-descent parser:
 *
 *	  condition ::= operand comparator operand
 *				  | operand IN ( operand {, operand} )
 *				  | operand BETWEEN operand AND operand
 *				  | function
 *				  | ( condition ) | NOT condition
 *				  | condition AND condition | condition OR condition
 *	  update	::= { SET action {, action} | REMOVE path {, path}
 *				  | ADD path :value {, path :value}
 *				  | DELETE path :value {, path :value} }...
 *	  action	::= path = value
 *	  value		::= operand | operand + operand | operand - operand | ( value )
 *	  operand	::= path | :value | name ( operand {, operand} ) | ( operand )
 *	  path		::= name-or-#name { . name-or-#name | [ index ] }
 *	  projection ::= path {, path}
 *
 * NOT binds tighter than AND, which binds tighter than OR; AND and OR group
 * to the right, as DynamoDB's do. Keywords are case-insensitive and are
 * never names, so "a.and" is a syntax error. Function names are any bare
 * name followed by "("; which names exist, and where each may appear, is
 * checked after parsing.
 *
 * The order of the checks is DynamoDB's:
 *
 *	1. an empty expression, then one of more than 4 KB;
 *	2. syntax: the first token that cannot continue the expression, reported
 *	   with the previous and next token ("near"). Doubled parentheses are
 *	   reported while parsing, as soon as the token after them shows how they
 *	   are used (a syntax error at that very token wins);
 *	3. in the order written (an update: section by section, in the order the
 *	   sections first appear): more than 300 operators and functions,
 *	   reserved words, list indexes out of range, unknown functions,
 *	   functions used where they are not allowed, wrong argument counts of
 *	   condition functions; then a repeated update section;
 *	4. document paths deeper than 32, functions whose argument must be a
 *	   path (size() also takes a :value), size() of size(), list_append()
 *	   of list_append(), IN with more than 100 operands, wrong argument
 *	   counts of update functions (an update's actions last to first).
 *
 * Placeholders stay unresolved: what they stand for is checked when a
 * request's expressions are bound (expr_bind.c).
 *
 * The parser first builds a private syntax tree (CstNode) that still knows
 * its tokens and parentheses, runs checks 3 and 4 over it, and then builds
 * the public tree of expr.h.
 *
 * Bounds
 * ------
 * Input is at most 4 KB, so at most 4096 tokens. Recursion (parentheses,
 * NOT, function arguments) is limited to DDB_EXPR_MAX_NESTING levels, far
 * more than any expression DynamoDB accepts can need (it allows 300
 * operators), and check_stack_depth() guards every recursive function.
 *
 * Cache
 * -----
 * Parsed trees are cached per backend by (kind, text), each in its own small
 * memory context under one cache context in CacheMemoryContext. A failed
 * parse caches nothing. When the cache holds DDB_EXPR_CACHE_MAX_ENTRIES trees
 * or DDB_EXPR_CACHE_MAX_BYTES, it is replaced by an empty one; the old one
 * is handed to the memory of the outermost ddb call in progress (api.c
 * names it), so trees already returned stay valid until that call ends, and
 * a long transaction of many calls does not accumulate old caches.
 *
 * IDENTIFICATION
 *	  src/expr_parser.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/memutils.h"

#include "errors.h"
#include "expr.h"

PG_FUNCTION_INFO_V1(ddb_parse_expression);

/* Deepest nesting of parentheses, NOT and function arguments */
#define DDB_EXPR_MAX_NESTING		1000

/* Largest list index DynamoDB accepts */
#define DDB_EXPR_MAX_LIST_INDEX		PG_INT32_MAX

/* Cache bounds */
#define DDB_EXPR_CACHE_BUCKETS		1024
#define DDB_EXPR_CACHE_MAX_ENTRIES	1000
#define DDB_EXPR_CACHE_MAX_BYTES	(8 * 1024 * 1024)


/* ---- tokens ---- */

typedef enum ExprTokenKind
{
	TOK_EOF,
	TOK_ID,						/* bare name [A-Za-z][A-Za-z0-9_]* */
	TOK_NAME_REF,				/* #name */
	TOK_VALUE_REF,				/* :value */
	TOK_INDEX,					/* 0 or [1-9][0-9]* */
	TOK_STRING,					/* "..." or '...': a token, never valid */
	TOK_UNKNOWN,				/* any other character */
	TOK_EQ,
	TOK_NE,
	TOK_LT,
	TOK_LE,
	TOK_GT,
	TOK_GE,
	TOK_PLUS,
	TOK_MINUS,
	TOK_LPAREN,
	TOK_RPAREN,
	TOK_LBRACKET,
	TOK_RBRACKET,
	TOK_COMMA,
	TOK_DOT,
	TOK_IN,
	TOK_BETWEEN,
	TOK_NOT,
	TOK_AND,
	TOK_OR,
	TOK_SET,
	TOK_REMOVE,
	TOK_ADD,
	TOK_DELETE
} ExprTokenKind;

typedef struct ExprToken
{
	ExprTokenKind kind;
	int			start;			/* byte offset in the text */
	int			len;			/* bytes; 0 for EOF */
} ExprToken;

/* The keywords; anything else that looks like a name is a name */
static const struct
{
	const char *word;
	ExprTokenKind kind;
}			expr_keywords[] =
{
	{"IN", TOK_IN},
	{"BETWEEN", TOK_BETWEEN},
	{"NOT", TOK_NOT},
	{"AND", TOK_AND},
	{"OR", TOK_OR},
	{"SET", TOK_SET},
	{"ADD", TOK_ADD},
	{"DELETE", TOK_DELETE},
	{"REMOVE", TOK_REMOVE},
};


/* ---- the private syntax tree ---- */

typedef enum CstKind
{
	CST_PATH,					/* elems: tokens of names and indexes */
	CST_VALUE,					/* tok: the :value */
	CST_CALL,					/* tok: the name; children: arguments */
	CST_PAREN,					/* tok: "("; children: the one inside */
	CST_COMPARE,				/* tok: the comparator; children: 2 */
	CST_BETWEEN,				/* tok: BETWEEN; children: operand, low, high */
	CST_IN,						/* tok: IN; children: operand, list... */
	CST_NOT,					/* tok: NOT; children: 1 */
	CST_AND,					/* children: 2 or more */
	CST_OR,						/* children: 2 or more */
	CST_ARITH					/* tok: + or -; children: 2 */
} CstKind;

typedef struct CstNode
{
	CstKind		kind;
	int			tok;			/* main token (see CstKind) */
	List	   *children;		/* of CstNode */
	int			nelems;			/* PATH: number of elements */
	int		   *elems;			/* PATH: token index of each element */
} CstNode;

/* One SET, REMOVE, ADD or DELETE section of an update */
typedef struct CstSection
{
	ExprTokenKind keyword;
	int			tok;			/* the keyword */
	List	   *actions;		/* of CstAction */
} CstSection;

typedef struct CstAction
{
	CstNode    *path;
	CstNode    *value;			/* SET, ADD, DELETE */
} CstAction;

/* Where a function call stands */
typedef enum CallPlace
{
	PLACE_CONDITION,			/* where a condition is expected */
	PLACE_OPERAND				/* where a value is expected */
} CallPlace;

/* The known functions */
typedef struct ExprFunction
{
	const char *name;
	int			nargs;
	bool		update;			/* an update function (if_not_exists, list_append) */
	bool		condition;		/* a condition (attribute_exists, ...), not size */
} ExprFunction;

static const ExprFunction expr_functions[] = {
	{"attribute_exists", 1, false, true},
	{"attribute_not_exists", 1, false, true},
	{"attribute_type", 2, false, true},
	{"begins_with", 2, false, true},
	{"contains", 2, false, true},
	{"size", 1, false, false},
	{"if_not_exists", 2, true, false},
	{"list_append", 2, true, false},
};

typedef struct ExprParser
{
	DdbExprKind kind;
	const char *text;
	int			len;
	ExprToken  *tokens;
	int			ntokens;		/* including the final EOF */
	int			pos;			/* current token */
	int			nesting;		/* open parentheses, NOT and argument lists */
	int			paren_depth;	/* open parentheses around conditions */
	int			undecided;		/* open regions whose role is not known yet */
	bool		pending_redundant;	/* doubled parentheses seen in one */
	int			noperators;		/* operators and functions counted so far */
} ExprParser;


/* ---- cache ---- */

typedef struct ExprCacheEntry
{
	struct ExprCacheEntry *next;	/* in the bucket */
	uint32		hash;
	DdbExprKind kind;
	int			len;
	DdbExpression *expr;		/* expr->text is the key */
} ExprCacheEntry;

static MemoryContext expr_cache_context = NULL;
static ExprCacheEntry **expr_cache_buckets = NULL;
static int	expr_cache_entries = 0;
static Size expr_cache_bytes = 0;


static void RaiseInvalid(ExprParser *p, const char *fmt,...)
			pg_attribute_printf(2, 3) pg_attribute_noreturn();
static void SyntaxError(ExprParser *p, int tokidx) pg_attribute_noreturn();
static void RaiseRedundant(ExprParser *p) pg_attribute_noreturn();
static void RaiseTooDeep(ExprParser *p) pg_attribute_noreturn();
static CstNode *ParseOr(ExprParser *p);
static CstNode *ParseOperand(ExprParser *p);
static CstNode *ParseSetValue(ExprParser *p);


/*
 * DdbExprKindName returns the name DynamoDB's messages give an expression
 * kind, e.g. "ConditionExpression".
 */
const char *
DdbExprKindName(DdbExprKind kind)
{
	switch (kind)
	{
		case DDB_EXPR_CONDITION:
			return "ConditionExpression";
		case DDB_EXPR_FILTER:
			return "FilterExpression";
		case DDB_EXPR_KEY_CONDITION:
			return "KeyConditionExpression";
		case DDB_EXPR_UPDATE:
			return "UpdateExpression";
		case DDB_EXPR_PROJECTION:
			return "ProjectionExpression";
	}
	return "Expression";
}

/*
 * Whether an expression kind is a condition (ConditionExpression,
 * FilterExpression, KeyConditionExpression).
 */
static bool
IsConditionKind(DdbExprKind kind)
{
	return kind == DDB_EXPR_CONDITION || kind == DDB_EXPR_FILTER ||
		kind == DDB_EXPR_KEY_CONDITION;
}


/* ---------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------
 */

/*
 * Raise "ValidationException: Invalid <Kind>: <message>".
 */
static void
RaiseInvalid(ExprParser *p, const char *fmt,...)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	DdbValidationError("Invalid %s: %s", DdbExprKindName(p->kind), buf.data);
}

/*
 * Raise DynamoDB's syntax error at a token: 'Syntax error; token: "<tok>",
 * near: "<text>"', where the text runs from the start of the previous token
 * to the end of the next one (to the end of the expression when the next
 * one is the end).
 */
static void
SyntaxError(ExprParser *p, int tokidx)
{
	const ExprToken *t = &p->tokens[tokidx];
	int			from;
	int			to;
	char	   *token;
	char	   *near;

	from = tokidx > 0 ? p->tokens[tokidx - 1].start : t->start;
	if (t->kind == TOK_EOF || p->tokens[tokidx + 1].kind == TOK_EOF)
		to = p->len;
	else
		to = p->tokens[tokidx + 1].start + p->tokens[tokidx + 1].len;

	token = t->kind == TOK_EOF ? pstrdup("<EOF>") : pnstrdup(p->text + t->start, t->len);
	near = pnstrdup(p->text + from, to - from);
	RaiseInvalid(p, "Syntax error; token: \"%s\", near: \"%s\"", token, near);
}

/*
 * Raise the error for doubled parentheses, e.g. "((a = :v))".
 */
static void
RaiseRedundant(ExprParser *p)
{
	RaiseInvalid(p, "The expression has redundant parentheses;");
}


/* ---------------------------------------------------------------------
 * Lexer
 * ---------------------------------------------------------------------
 */

/*
 * Whether a byte may start a bare name.
 */
static inline bool
IsNameStart(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Whether a byte may continue a name or a placeholder.
 */
static inline bool
IsNameChar(char c)
{
	return IsNameStart(c) || (c >= '0' && c <= '9') || c == '_';
}

/*
 * The token kind of a word: a keyword, or a name.
 */
static ExprTokenKind
KeywordOrName(const char *s, int len)
{
	int			i;

	for (i = 0; i < lengthof(expr_keywords); i++)
	{
		if (strlen(expr_keywords[i].word) == len &&
			pg_strncasecmp(s, expr_keywords[i].word, len) == 0)
			return expr_keywords[i].kind;
	}
	return TOK_ID;
}

/*
 * Length of the character at s (at most avail bytes): one UTF-8 sequence
 * when it is well formed, else one byte, so that an unknown character is
 * reported whole.
 */
static int
CharLength(const char *s, int avail)
{
	unsigned char c = (unsigned char) s[0];
	int			n;
	int			i;

	if (c < 0xC0)
		n = 1;
	else if (c < 0xE0)
		n = 2;
	else if (c < 0xF0)
		n = 3;
	else if (c < 0xF8)
		n = 4;
	else
		n = 1;
	if (n > avail)
		return 1;
	for (i = 1; i < n; i++)
	{
		if (((unsigned char) s[i] & 0xC0) != 0x80)
			return 1;
	}
	return n;
}

/*
 * Split the text into tokens, ending with EOF. Like DynamoDB's lexer this
 * never fails: a character that starts no token is an UNKNOWN token of its
 * own, for the parser to report.
 */
static void
Tokenize(ExprParser *p)
{
	const char *s = p->text;
	int			len = p->len;
	int			i = 0;

	/* every token takes at least one byte, plus the EOF */
	p->tokens = palloc((len + 1) * sizeof(ExprToken));
	p->ntokens = 0;

	while (i < len)
	{
		char		c = s[i];
		int			start = i;
		ExprTokenKind kind;

		CHECK_FOR_INTERRUPTS();

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
		{
			i++;
			continue;
		}

		if (IsNameStart(c))
		{
			while (i < len && IsNameChar(s[i]))
				i++;
			kind = KeywordOrName(s + start, i - start);
		}
		else if (c == '0')
		{
			i++;
			kind = TOK_INDEX;
		}
		else if (c >= '1' && c <= '9')
		{
			while (i < len && s[i] >= '0' && s[i] <= '9')
				i++;
			kind = TOK_INDEX;
		}
		else if ((c == '#' || c == ':') && i + 1 < len && IsNameChar(s[i + 1]))
		{
			i++;
			while (i < len && IsNameChar(s[i]))
				i++;
			kind = c == '#' ? TOK_NAME_REF : TOK_VALUE_REF;
		}
		else if (c == '"' || c == '\'')
		{
			const char *close = memchr(s + i + 1, c, len - i - 1);

			if (close != NULL)
			{
				i = close - s + 1;
				kind = TOK_STRING;
			}
			else
			{
				i++;
				kind = TOK_UNKNOWN;
			}
		}
		else
		{
			i++;
			switch (c)
			{
				case '=':
					kind = TOK_EQ;
					break;
				case '<':
					if (i < len && s[i] == '>')
					{
						i++;
						kind = TOK_NE;
					}
					else if (i < len && s[i] == '=')
					{
						i++;
						kind = TOK_LE;
					}
					else
						kind = TOK_LT;
					break;
				case '>':
					if (i < len && s[i] == '=')
					{
						i++;
						kind = TOK_GE;
					}
					else
						kind = TOK_GT;
					break;
				case '+':
					kind = TOK_PLUS;
					break;
				case '-':
					kind = TOK_MINUS;
					break;
				case '(':
					kind = TOK_LPAREN;
					break;
				case ')':
					kind = TOK_RPAREN;
					break;
				case '[':
					kind = TOK_LBRACKET;
					break;
				case ']':
					kind = TOK_RBRACKET;
					break;
				case ',':
					kind = TOK_COMMA;
					break;
				case '.':
					kind = TOK_DOT;
					break;
				default:
					i = start + CharLength(s + start, len - start);
					kind = TOK_UNKNOWN;
					break;
			}
		}

		p->tokens[p->ntokens].kind = kind;
		p->tokens[p->ntokens].start = start;
		p->tokens[p->ntokens].len = i - start;
		p->ntokens++;
	}

	p->tokens[p->ntokens].kind = TOK_EOF;
	p->tokens[p->ntokens].start = len;
	p->tokens[p->ntokens].len = 0;
	p->ntokens++;
}


/* ---------------------------------------------------------------------
 * Parser helpers
 * ---------------------------------------------------------------------
 */

/*
 * Kind of the current token.
 */
static inline ExprTokenKind
Peek(ExprParser *p)
{
	return p->tokens[p->pos].kind;
}

/*
 * Kind of the token after the current one (EOF at the end).
 */
static inline ExprTokenKind
PeekNext(ExprParser *p)
{
	if (p->pos + 1 < p->ntokens)
		return p->tokens[p->pos + 1].kind;
	return TOK_EOF;
}

/*
 * Whether a token is one of = <> < <= > >=.
 */
static inline bool
IsComparator(ExprTokenKind kind)
{
	return kind >= TOK_EQ && kind <= TOK_GE;
}

/*
 * Whether a token, after an operand, makes it the left side of a comparison,
 * BETWEEN or IN.
 */
static inline bool
IsComparisonStart(ExprTokenKind kind)
{
	return IsComparator(kind) || kind == TOK_BETWEEN || kind == TOK_IN;
}

/*
 * Whether consuming a token settles the role of every open parenthesis:
 * an operator inside one makes it a grouped condition (or, in an update, a
 * grouped arithmetic value).
 */
static inline bool
IsDecidingToken(ExprTokenKind kind)
{
	return IsComparisonStart(kind) || kind == TOK_AND || kind == TOK_OR ||
		kind == TOK_NOT || kind == TOK_PLUS || kind == TOK_MINUS;
}

/*
 * Whether a token starts an update section.
 */
static inline bool
IsSectionKeyword(ExprTokenKind kind)
{
	return kind == TOK_SET || kind == TOK_REMOVE || kind == TOK_ADD ||
		kind == TOK_DELETE;
}

/*
 * Consume the current token. A token that settles the role of open
 * parentheses reports doubled parentheses seen in them.
 */
static void
Advance(ExprParser *p)
{
	if (p->undecided > 0 && IsDecidingToken(Peek(p)))
	{
		if (p->pending_redundant)
			RaiseRedundant(p);
		p->undecided = 0;
	}
	if (Peek(p) != TOK_EOF)
		p->pos++;
}

/*
 * Consume a token of the given kind, or report a syntax error at the
 * current token.
 */
static void
Expect(ExprParser *p, ExprTokenKind kind)
{
	if (Peek(p) != kind)
		SyntaxError(p, p->pos);
	Advance(p);
}

/*
 * Enter one more level of nesting (a parenthesis, NOT or argument list).
 */
static void
EnterNesting(ExprParser *p)
{
	if (++p->nesting > DDB_EXPR_MAX_NESTING)
		RaiseTooDeep(p);
	check_stack_depth();
}

/*
 * Leave a level of nesting.
 */
static inline void
LeaveNesting(ExprParser *p)
{
	p->nesting--;
}

/*
 * Make a syntax tree node.
 */
static CstNode *
MakeNode(CstKind kind, int tok)
{
	CstNode    *node = palloc0(sizeof(CstNode));

	node->kind = kind;
	node->tok = tok;
	return node;
}

/*
 * The n-th child of a node.
 */
static inline CstNode *
Child(const CstNode *node, int n)
{
	return (CstNode *) list_nth(node->children, n);
}

/*
 * The node inside any parentheses.
 */
static CstNode *
Unparen(CstNode *node)
{
	while (node->kind == CST_PAREN)
		node = Child(node, 0);
	return node;
}

/*
 * Whether a node can be an operand: a path, value or function call, in
 * parentheses or not.
 */
static bool
IsOperandish(CstNode *node)
{
	CstKind		kind = Unparen(node)->kind;

	return kind == CST_PATH || kind == CST_VALUE || kind == CST_CALL;
}

/*
 * Whether a node can be a condition: anything but a bare path or value (a
 * function call is both).
 */
static bool
IsConditionCapable(CstNode *node)
{
	CstKind		kind = Unparen(node)->kind;

	return kind != CST_PATH && kind != CST_VALUE && kind != CST_ARITH;
}

/*
 * The node is used as a condition (an operand of AND, OR or NOT, or the
 * whole expression): a bare operand is a syntax error at the token after it.
 */
static void
RequireCondition(ExprParser *p, CstNode *node)
{
	if (!IsConditionCapable(node))
		SyntaxError(p, p->pos);
}

/*
 * A parenthesis was closed around an already parenthesized node. Doubled
 * parentheses around a condition (or arithmetic) are reported at once;
 * around an operand they are reported when the token after the region
 * shows the expression goes on (DynamoDB decides late whether "((x))" is
 * a value or a condition, and reports a syntax error first if the next
 * token fits neither).
 */
static void
DoubledParentheses(ExprParser *p, CstNode *inner)
{
	if (!IsOperandish(inner) || p->undecided == 0)
		RaiseRedundant(p);
	p->pending_redundant = true;
}

/*
 * Close a region opened at the start of a condition primary (a parenthesis
 * or function call). When it was the outermost undecided one and it held
 * doubled parentheses, the current token decides: if it can follow the
 * region, the doubled parentheses are reported, otherwise the token is a
 * syntax error.
 */
static void
CloseConditionRegion(ExprParser *p, CstNode *node)
{
	ExprTokenKind next = Peek(p);
	bool		fits;

	p->undecided = Max(p->undecided - 1, 0);
	if (p->undecided > 0 || !p->pending_redundant)
		return;

	if (IsComparisonStart(next))
		fits = IsOperandish(node);
	else if (next == TOK_AND || next == TOK_OR)
		fits = IsConditionCapable(node);
	else if (next == TOK_RPAREN)
		fits = IsConditionCapable(node) && p->paren_depth > 0;
	else if (next == TOK_EOF)
		fits = IsConditionCapable(node) && p->paren_depth == 0;
	else
		fits = false;

	if (fits)
		RaiseRedundant(p);
	SyntaxError(p, p->pos);
}

/*
 * The same for a region opened at the start of a SET value.
 */
static void
CloseValueRegion(ExprParser *p, CstNode *node)
{
	ExprTokenKind next = Peek(p);
	bool		fits;

	p->undecided = Max(p->undecided - 1, 0);
	if (p->undecided > 0 || !p->pending_redundant)
		return;

	if (next == TOK_PLUS || next == TOK_MINUS)
		fits = IsOperandish(node);
	else
		fits = next == TOK_COMMA || next == TOK_EOF || IsSectionKeyword(next);

	if (fits)
		RaiseRedundant(p);
	SyntaxError(p, p->pos);
}


/* ---------------------------------------------------------------------
 * Parser: paths and operands
 * ---------------------------------------------------------------------
 */

/*
 * path ::= name-or-#name { . name-or-#name | [ index ] }
 */
static CstNode *
ParsePath(ExprParser *p)
{
	CstNode    *node;
	int			cap = 4;

	if (Peek(p) != TOK_ID && Peek(p) != TOK_NAME_REF)
		SyntaxError(p, p->pos);

	node = MakeNode(CST_PATH, p->pos);
	node->elems = palloc(cap * sizeof(int));
	node->elems[node->nelems++] = p->pos;
	Advance(p);

	for (;;)
	{
		int			elem;

		CHECK_FOR_INTERRUPTS();
		if (Peek(p) == TOK_DOT)
		{
			Advance(p);
			if (Peek(p) != TOK_ID && Peek(p) != TOK_NAME_REF)
				SyntaxError(p, p->pos);
			elem = p->pos;
			Advance(p);
		}
		else if (Peek(p) == TOK_LBRACKET)
		{
			Advance(p);
			if (Peek(p) != TOK_INDEX)
				SyntaxError(p, p->pos);
			elem = p->pos;
			Advance(p);
			Expect(p, TOK_RBRACKET);
		}
		else
			break;

		if (node->nelems == cap)
		{
			cap *= 2;
			node->elems = repalloc(node->elems, cap * sizeof(int));
		}
		node->elems[node->nelems++] = elem;
	}
	return node;
}

/*
 * name ( operand {, operand} ); the current token is the name.
 */
static CstNode *
ParseCall(ExprParser *p)
{
	CstNode    *node = MakeNode(CST_CALL, p->pos);

	Advance(p);					/* the name */
	Expect(p, TOK_LPAREN);
	EnterNesting(p);
	node->children = lappend(node->children, ParseOperand(p));
	while (Peek(p) == TOK_COMMA)
	{
		CHECK_FOR_INTERRUPTS();
		Advance(p);
		node->children = lappend(node->children, ParseOperand(p));
	}
	Expect(p, TOK_RPAREN);
	LeaveNesting(p);
	return node;
}

/*
 * operand ::= path | :value | name ( operand {, operand} ) | ( operand )
 */
static CstNode *
ParseOperand(ExprParser *p)
{
	CstNode    *node;

	check_stack_depth();
	switch (Peek(p))
	{
		case TOK_LPAREN:
			node = MakeNode(CST_PAREN, p->pos);
			Advance(p);
			EnterNesting(p);
			node->children = list_make1(ParseOperand(p));
			Expect(p, TOK_RPAREN);
			LeaveNesting(p);
			if (Child(node, 0)->kind == CST_PAREN)
				DoubledParentheses(p, Child(node, 0));
			return node;
		case TOK_VALUE_REF:
			node = MakeNode(CST_VALUE, p->pos);
			Advance(p);
			return node;
		case TOK_ID:
			if (PeekNext(p) == TOK_LPAREN)
				return ParseCall(p);
			return ParsePath(p);
		case TOK_NAME_REF:
			return ParsePath(p);
		default:
			SyntaxError(p, p->pos);
	}
	pg_unreachable();
}


/* ---------------------------------------------------------------------
 * Parser: conditions
 * ---------------------------------------------------------------------
 */

/*
 * The rest of a comparison, BETWEEN or IN whose left operand is parsed.
 */
static CstNode *
ParseComparisonTail(ExprParser *p, CstNode *left)
{
	CstNode    *node;

	if (IsComparator(Peek(p)))
	{
		node = MakeNode(CST_COMPARE, p->pos);
		Advance(p);
		node->children = list_make2(left, ParseOperand(p));
	}
	else if (Peek(p) == TOK_BETWEEN)
	{
		node = MakeNode(CST_BETWEEN, p->pos);
		Advance(p);
		node->children = list_make2(left, ParseOperand(p));
		Expect(p, TOK_AND);
		node->children = lappend(node->children, ParseOperand(p));
	}
	else
	{
		node = MakeNode(CST_IN, p->pos);
		Advance(p);
		Expect(p, TOK_LPAREN);
		node->children = list_make2(left, ParseOperand(p));
		while (Peek(p) == TOK_COMMA)
		{
			CHECK_FOR_INTERRUPTS();
			Advance(p);
			node->children = lappend(node->children, ParseOperand(p));
		}
		Expect(p, TOK_RPAREN);
	}
	return node;
}

/*
 * A condition primary: a comparison, BETWEEN or IN, a function call, or a
 * parenthesis. A parenthesis may hold a condition or an operand ("(a) = :v"),
 * which only what follows it tells apart; so a parenthesis (or call) at the
 * start opens an undecided region, and what it holds may come back as a
 * bare operand, which the caller rejects where a condition is needed.
 */
static CstNode *
ParsePrimary(ExprParser *p)
{
	CstNode    *node;

	check_stack_depth();
	if (Peek(p) == TOK_LPAREN || (Peek(p) == TOK_ID && PeekNext(p) == TOK_LPAREN))
	{
		p->undecided++;
		if (Peek(p) == TOK_LPAREN)
		{
			node = MakeNode(CST_PAREN, p->pos);
			Advance(p);
			EnterNesting(p);
			p->paren_depth++;
			node->children = list_make1(ParseOr(p));
			Expect(p, TOK_RPAREN);
			p->paren_depth--;
			LeaveNesting(p);
			if (Child(node, 0)->kind == CST_PAREN)
				DoubledParentheses(p, Child(node, 0));
		}
		else
			node = ParseCall(p);
		CloseConditionRegion(p, node);
		if (IsOperandish(node) && IsComparisonStart(Peek(p)))
			return ParseComparisonTail(p, node);
		return node;
	}

	node = ParseOperand(p);
	if (IsComparisonStart(Peek(p)))
		return ParseComparisonTail(p, node);
	return node;
}

/*
 * NOT condition | primary
 */
static CstNode *
ParseNot(ExprParser *p)
{
	CstNode    *node;

	if (Peek(p) != TOK_NOT)
		return ParsePrimary(p);

	node = MakeNode(CST_NOT, p->pos);
	Advance(p);
	EnterNesting(p);
	node->children = list_make1(ParseNot(p));
	RequireCondition(p, Child(node, 0));
	LeaveNesting(p);
	return node;
}

/*
 * condition AND condition ...; a single operand comes back as it is.
 */
static CstNode *
ParseAnd(ExprParser *p)
{
	CstNode    *first = ParseNot(p);
	CstNode    *node;

	if (Peek(p) != TOK_AND)
		return first;

	RequireCondition(p, first);
	node = MakeNode(CST_AND, p->pos);
	node->children = list_make1(first);
	while (Peek(p) == TOK_AND)
	{
		CstNode    *next;

		CHECK_FOR_INTERRUPTS();
		Advance(p);
		next = ParseNot(p);
		RequireCondition(p, next);
		node->children = lappend(node->children, next);
	}
	return node;
}

/*
 * condition OR condition ...; a single operand comes back as it is.
 */
static CstNode *
ParseOr(ExprParser *p)
{
	CstNode    *first;
	CstNode    *node;

	check_stack_depth();
	first = ParseAnd(p);
	if (Peek(p) != TOK_OR)
		return first;

	RequireCondition(p, first);
	node = MakeNode(CST_OR, p->pos);
	node->children = list_make1(first);
	while (Peek(p) == TOK_OR)
	{
		CstNode    *next;

		CHECK_FOR_INTERRUPTS();
		Advance(p);
		next = ParseAnd(p);
		RequireCondition(p, next);
		node->children = lappend(node->children, next);
	}
	return node;
}

/*
 * A whole ConditionExpression, FilterExpression or KeyConditionExpression.
 */
static CstNode *
ParseConditionExpression(ExprParser *p)
{
	CstNode    *node = ParseOr(p);

	RequireCondition(p, node);
	if (Peek(p) != TOK_EOF)
		SyntaxError(p, p->pos);
	return node;
}


/* ---------------------------------------------------------------------
 * Parser: updates and projections
 * ---------------------------------------------------------------------
 */

/*
 * value ::= operand | operand + operand | operand - operand | ( value )
 *
 * Like a condition primary, a leading parenthesis or call opens an
 * undecided region: "(a)" may be an operand, "(a + b)" is arithmetic.
 */
static CstNode *
ParseSetValue(ExprParser *p)
{
	CstNode    *node;

	check_stack_depth();
	if (Peek(p) == TOK_LPAREN || (Peek(p) == TOK_ID && PeekNext(p) == TOK_LPAREN))
	{
		p->undecided++;
		if (Peek(p) == TOK_LPAREN)
		{
			node = MakeNode(CST_PAREN, p->pos);
			Advance(p);
			EnterNesting(p);
			node->children = list_make1(ParseSetValue(p));
			Expect(p, TOK_RPAREN);
			LeaveNesting(p);
			if (Child(node, 0)->kind == CST_PAREN)
				DoubledParentheses(p, Child(node, 0));
		}
		else
			node = ParseCall(p);
		CloseValueRegion(p, node);
	}
	else
		node = ParseOperand(p);

	if (IsOperandish(node) && (Peek(p) == TOK_PLUS || Peek(p) == TOK_MINUS))
	{
		CstNode    *arith = MakeNode(CST_ARITH, p->pos);

		Advance(p);
		arith->children = list_make2(node, ParseOperand(p));
		node = arith;
	}
	return node;
}

/*
 * One action of a section: SET path = value, REMOVE path, ADD/DELETE path
 * :value.
 */
static CstAction *
ParseAction(ExprParser *p, ExprTokenKind keyword)
{
	CstAction  *action = palloc0(sizeof(CstAction));

	action->path = ParsePath(p);
	switch (keyword)
	{
		case TOK_SET:
			Expect(p, TOK_EQ);
			action->value = ParseSetValue(p);
			break;
		case TOK_ADD:
		case TOK_DELETE:
			if (Peek(p) != TOK_VALUE_REF)
				SyntaxError(p, p->pos);
			action->value = MakeNode(CST_VALUE, p->pos);
			Advance(p);
			break;
		default:
			break;
	}
	return action;
}

/*
 * A whole UpdateExpression: one or more sections, in any order.
 */
static List *
ParseUpdateExpression(ExprParser *p)
{
	List	   *sections = NIL;

	do
	{
		CstSection *section;

		CHECK_FOR_INTERRUPTS();
		if (!IsSectionKeyword(Peek(p)))
			SyntaxError(p, p->pos);

		section = palloc0(sizeof(CstSection));
		section->keyword = Peek(p);
		section->tok = p->pos;
		Advance(p);
		section->actions = list_make1(ParseAction(p, section->keyword));
		while (Peek(p) == TOK_COMMA)
		{
			CHECK_FOR_INTERRUPTS();
			Advance(p);
			section->actions = lappend(section->actions, ParseAction(p, section->keyword));
		}
		sections = lappend(sections, section);
	} while (Peek(p) != TOK_EOF);

	return sections;
}

/*
 * A whole ProjectionExpression: path {, path}.
 */
static List *
ParseProjectionExpression(ExprParser *p)
{
	List	   *paths = list_make1(ParsePath(p));

	while (Peek(p) == TOK_COMMA)
	{
		CHECK_FOR_INTERRUPTS();
		Advance(p);
		paths = lappend(paths, ParsePath(p));
	}
	if (Peek(p) != TOK_EOF)
		SyntaxError(p, p->pos);
	return paths;
}


/* ---------------------------------------------------------------------
 * Nesting beyond DDB_EXPR_MAX_NESTING
 * ---------------------------------------------------------------------
 */

/*
 * Look up a function by name (case-sensitive); NULL if unknown.
 */
static const ExprFunction *
LookupFunction(const char *name, int len)
{
	int			i;

	for (i = 0; i < lengthof(expr_functions); i++)
	{
		if (strlen(expr_functions[i].name) == len &&
			memcmp(expr_functions[i].name, name, len) == 0)
			return &expr_functions[i];
	}
	return NULL;
}

/*
 * The expression nests deeper than the parser goes. No expression DynamoDB
 * accepts does (each level needs an operator or function, and it allows
 * 300), so report what DynamoDB most likely finds: reading the tokens in
 * order, an unknown function, a reserved word or the 301st operator; else
 * doubled parentheses, or a syntax error here.
 */
static void
RaiseTooDeep(ExprParser *p)
{
	int			operators = 0;
	int			i;

	for (i = 0; i + 1 < p->ntokens; i++)
	{
		const ExprToken *t = &p->tokens[i];

		if (t->kind == TOK_ID && p->tokens[i + 1].kind == TOK_LPAREN)
		{
			if (LookupFunction(p->text + t->start, t->len) == NULL)
				RaiseInvalid(p, "Invalid function name; function: %s",
							 pnstrdup(p->text + t->start, t->len));
			operators++;
		}
		else if (t->kind == TOK_ID && DdbIsReservedWord(p->text + t->start, t->len))
			RaiseInvalid(p, "Attribute name is a reserved keyword; reserved keyword: %s",
						 pnstrdup(p->text + t->start, t->len));
		else if (IsDecidingToken(t->kind))
			operators++;
		if (operators > DDB_MAX_EXPRESSION_OPERATORS)
			RaiseInvalid(p, "The expression contains too many operators; operator count: %d",
						 operators);
	}

	if (Peek(p) == TOK_LPAREN && p->pos > 0 && p->tokens[p->pos - 1].kind == TOK_LPAREN)
		RaiseRedundant(p);
	SyntaxError(p, p->pos);
}


/* ---------------------------------------------------------------------
 * Checks in the order written (DynamoDB's first pass)
 * ---------------------------------------------------------------------
 */

/*
 * Text of a token, NUL-terminated.
 */
static char *
TokenText(ExprParser *p, int tokidx)
{
	return pnstrdup(p->text + p->tokens[tokidx].start, p->tokens[tokidx].len);
}

/*
 * Count one operator or function against DynamoDB's limit of 300.
 */
static void
CountOperator(ExprParser *p)
{
	if (++p->noperators > DDB_MAX_EXPRESSION_OPERATORS)
		RaiseInvalid(p, "The expression contains too many operators; operator count: %d",
					 p->noperators);
}

/*
 * First-pass checks of a path: reserved words and list index ranges.
 */
static void
CheckPathWritten(ExprParser *p, CstNode *path)
{
	int			i;

	for (i = 0; i < path->nelems; i++)
	{
		const ExprToken *t = &p->tokens[path->elems[i]];

		if (t->kind == TOK_ID)
		{
			if (DdbIsReservedWord(p->text + t->start, t->len))
				RaiseInvalid(p, "Attribute name is a reserved keyword; reserved keyword: %s",
							 TokenText(p, path->elems[i]));
		}
		else if (t->kind == TOK_INDEX)
		{
			bool		too_big = t->len > 10;

			if (!too_big)
			{
				char	   *digits = TokenText(p, path->elems[i]);

				too_big = strtoll(digits, NULL, 10) > DDB_EXPR_MAX_LIST_INDEX;
			}
			if (too_big)
				RaiseInvalid(p, "List index is not within the allowable range; index: [%s]",
							 TokenText(p, path->elems[i]));
		}
	}
}

/*
 * First-pass checks of a node and what is below it, in the order written.
 * place says whether the node stands where a condition or a value is
 * expected.
 */
static void
CheckWritten(ExprParser *p, CstNode *node, CallPlace place)
{
	ListCell   *lc;

	check_stack_depth();
	switch (node->kind)
	{
		case CST_PATH:
			CheckPathWritten(p, node);
			break;
		case CST_VALUE:
			break;
		case CST_PAREN:
			CheckWritten(p, Child(node, 0), place);
			break;
		case CST_CALL:
			{
				const ExprToken *t = &p->tokens[node->tok];
				const ExprFunction *f = LookupFunction(p->text + t->start, t->len);
				char	   *name = TokenText(p, node->tok);

				if (f == NULL)
					RaiseInvalid(p, "Invalid function name; function: %s", name);
				if (p->kind == DDB_EXPR_UPDATE)
				{
					if (!f->update)
						RaiseInvalid(p, "The function is not allowed in an update expression; function: %s",
									 name);
				}
				else
				{
					if (f->update)
						RaiseInvalid(p, "The function is not allowed in a condition expression; function: %s",
									 name);
					if (f->condition != (place == PLACE_CONDITION))
						RaiseInvalid(p, "The function is not allowed to be used this way in an expression; function: %s",
									 name);
				}
				CountOperator(p);
				if (p->kind != DDB_EXPR_UPDATE && list_length(node->children) != f->nargs)
					RaiseInvalid(p, "Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d",
								 name, list_length(node->children));
				foreach(lc, node->children)
					CheckWritten(p, (CstNode *) lfirst(lc), PLACE_OPERAND);
				break;
			}
		case CST_NOT:
			CountOperator(p);
			CheckWritten(p, Child(node, 0), PLACE_CONDITION);
			break;
		case CST_AND:
		case CST_OR:
			foreach(lc, node->children)
			{
				if (foreach_current_index(lc) > 0)
					CountOperator(p);
				CheckWritten(p, (CstNode *) lfirst(lc), PLACE_CONDITION);
			}
			break;
		case CST_COMPARE:
		case CST_BETWEEN:
		case CST_IN:
		case CST_ARITH:
			foreach(lc, node->children)
			{
				if (foreach_current_index(lc) == 1)
					CountOperator(p);
				CheckWritten(p, (CstNode *) lfirst(lc), PLACE_OPERAND);
			}
			break;
	}
}

/*
 * Name of an update section keyword, as DynamoDB prints it.
 */
static const char *
SectionName(ExprTokenKind keyword)
{
	switch (keyword)
	{
		case TOK_SET:
			return "SET";
		case TOK_REMOVE:
			return "REMOVE";
		case TOK_ADD:
			return "ADD";
		default:
			return "DELETE";
	}
}

/*
 * First-pass checks of an update: section by section, in the order each
 * kind of section first appears; after each, a repeated section.
 */
static void
CheckUpdateWritten(ExprParser *p, List *sections)
{
	ListCell   *lc;

	foreach(lc, sections)
	{
		CstSection *first = (CstSection *) lfirst(lc);
		ListCell   *lc2;
		int			count = 0;
		bool		seen_before = false;

		/* each kind once, where it first appears */
		foreach(lc2, sections)
		{
			CstSection *other = (CstSection *) lfirst(lc2);

			if (other == first)
				break;
			if (other->keyword == first->keyword)
				seen_before = true;
		}
		if (seen_before)
			continue;

		for_each_from(lc2, sections, foreach_current_index(lc))
		{
			CstSection *section = (CstSection *) lfirst(lc2);
			ListCell   *lc3;

			if (section->keyword != first->keyword)
				continue;
			count++;
			foreach(lc3, section->actions)
			{
				CstAction  *action = (CstAction *) lfirst(lc3);

				CheckWritten(p, action->path, PLACE_OPERAND);
				if (action->value)
					CheckWritten(p, action->value, PLACE_OPERAND);
			}
		}
		if (count > 1)
			RaiseInvalid(p, "The \"%s\" section can only be used once in an update expression;",
						 SectionName(first->keyword));
	}
}


/* ---------------------------------------------------------------------
 * Checks of operands (DynamoDB's second pass)
 * ---------------------------------------------------------------------
 */

/*
 * Second-pass checks of a node and what is below it.
 */
static void
CheckOperands(ExprParser *p, CstNode *node)
{
	ListCell   *lc;

	check_stack_depth();
	switch (node->kind)
	{
		case CST_PATH:
			if (node->nelems > DDB_MAX_PATH_DEPTH)
				RaiseInvalid(p, "The document path has too many nesting levels; nesting levels: %d",
							 node->nelems);
			break;
		case CST_VALUE:
			break;
		case CST_CALL:
			{
				const ExprToken *t = &p->tokens[node->tok];
				const ExprFunction *f = LookupFunction(p->text + t->start, t->len);
				char	   *name = TokenText(p, node->tok);
				CstNode    *first;

				Assert(f != NULL);
				if (list_length(node->children) != f->nargs)
					RaiseInvalid(p, "Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d",
								 name, list_length(node->children));
				foreach(lc, node->children)
					CheckOperands(p, (CstNode *) lfirst(lc));

				first = Unparen(Child(node, 0));

				/*
				 * size() takes a path or a :value; the only function that can
				 * stand in its argument is size() itself, whose result is a
				 * number
				 */
				if (strcmp(name, "size") == 0 && first->kind == CST_CALL)
					RaiseInvalid(p, "Incorrect operand type for operator or function; operator or function: size, operand type: N");
				if ((strcmp(name, "attribute_exists") == 0 ||
					 strcmp(name, "attribute_not_exists") == 0 ||
					 strcmp(name, "if_not_exists") == 0) &&
					first->kind != CST_PATH)
					RaiseInvalid(p, "Operator or function requires a document path; operator or function: %s",
								 name);

				/*
				 * list_append() may take if_not_exists(), but not another
				 * list_append(), as an argument
				 */
				if (strcmp(name, "list_append") == 0)
				{
					foreach(lc, node->children)
					{
						CstNode    *arg = Unparen((CstNode *) lfirst(lc));

						if (arg->kind == CST_CALL &&
							strcmp(TokenText(p, arg->tok), "list_append") == 0)
							RaiseInvalid(p, "The function is not allowed to be used this way in an expression; function: list_append");
					}
				}
				break;
			}
		case CST_IN:
			foreach(lc, node->children)
				CheckOperands(p, (CstNode *) lfirst(lc));
			if (list_length(node->children) > DDB_MAX_IN_OPERANDS)
				RaiseInvalid(p, "The IN operator is provided with too many operands; number of operands: %d",
							 list_length(node->children));
			break;
		default:
			foreach(lc, node->children)
				CheckOperands(p, (CstNode *) lfirst(lc));
			break;
	}
}


/* ---------------------------------------------------------------------
 * Building the tree of expr.h
 * ---------------------------------------------------------------------
 */

/*
 * Fill a DdbPath from a path node.
 */
static void
BuildPath(ExprParser *p, CstNode *node, DdbPath *path)
{
	int			i;

	Assert(node->kind == CST_PATH);
	path->nelems = node->nelems;
	path->elems = palloc0(node->nelems * sizeof(DdbPathElem));
	for (i = 0; i < node->nelems; i++)
	{
		const ExprToken *t = &p->tokens[node->elems[i]];
		DdbPathElem *elem = &path->elems[i];

		if (t->kind == TOK_INDEX)
		{
			elem->kind = DDB_PATH_INDEX;
			elem->index = (int) strtol(TokenText(p, node->elems[i]), NULL, 10);
		}
		else
		{
			elem->kind = DDB_PATH_NAME;
			elem->name = TokenText(p, node->elems[i]);
			elem->name_len = t->len;
			elem->is_placeholder = t->kind == TOK_NAME_REF;
		}
	}
}

/*
 * Build an operand (a value in a condition or update).
 */
static DdbOperand *
BuildOperand(ExprParser *p, CstNode *node)
{
	DdbOperand *op = palloc0(sizeof(DdbOperand));

	check_stack_depth();
	node = Unparen(node);
	switch (node->kind)
	{
		case CST_PATH:
			op->kind = DDB_OPERAND_PATH;
			BuildPath(p, node, &op->path);
			break;
		case CST_VALUE:
			op->kind = DDB_OPERAND_VALUE;
			op->value_name = TokenText(p, node->tok);
			break;
		case CST_ARITH:
			op->kind = p->tokens[node->tok].kind == TOK_PLUS ?
				DDB_OPERAND_PLUS : DDB_OPERAND_MINUS;
			op->left = BuildOperand(p, Child(node, 0));
			op->right = BuildOperand(p, Child(node, 1));
			break;
		case CST_CALL:
			{
				char	   *name = TokenText(p, node->tok);

				if (strcmp(name, "size") == 0)
				{
					CstNode    *arg = Unparen(Child(node, 0));

					op->kind = DDB_OPERAND_SIZE;
					if (arg->kind == CST_VALUE)
						op->left = BuildOperand(p, arg);
					else
						BuildPath(p, arg, &op->path);
				}
				else if (strcmp(name, "if_not_exists") == 0)
				{
					op->kind = DDB_OPERAND_IF_NOT_EXISTS;
					BuildPath(p, Unparen(Child(node, 0)), &op->path);
					op->left = BuildOperand(p, Child(node, 1));
				}
				else if (strcmp(name, "list_append") == 0)
				{
					op->kind = DDB_OPERAND_LIST_APPEND;
					op->left = BuildOperand(p, Child(node, 0));
					op->right = BuildOperand(p, Child(node, 1));
				}
				else
					elog(ERROR, "unexpected function \"%s\" as an operand", name);
				break;
			}
		default:
			elog(ERROR, "unexpected expression node %d as an operand", (int) node->kind);
	}
	return op;
}

/*
 * Make a condition with the given operands.
 */
static DdbCondition *
MakeCondition(ExprParser *p, DdbConditionKind kind, CstNode *node)
{
	DdbCondition *cond = palloc0(sizeof(DdbCondition));
	ListCell   *lc;

	cond->kind = kind;
	cond->noperands = list_length(node->children);
	cond->operands = palloc(cond->noperands * sizeof(DdbOperand *));
	foreach(lc, node->children)
		cond->operands[foreach_current_index(lc)] = BuildOperand(p, (CstNode *) lfirst(lc));
	return cond;
}

static DdbCondition *BuildCondition(ExprParser *p, CstNode *node);

/*
 * Build a chain of AND or OR from the given child on, grouping to the right
 * as DynamoDB does: a AND (b AND c).
 */
static DdbCondition *
BuildChain(ExprParser *p, CstNode *node, DdbConditionKind kind, int from)
{
	DdbCondition *result = BuildCondition(p, llast(node->children));
	int			i;

	for (i = list_length(node->children) - 2; i >= from; i--)
	{
		DdbCondition *cond = palloc0(sizeof(DdbCondition));

		cond->kind = kind;
		cond->left = BuildCondition(p, Child(node, i));
		cond->right = result;
		result = cond;
	}
	return result;
}

/*
 * Build a condition.
 */
static DdbCondition *
BuildCondition(ExprParser *p, CstNode *node)
{
	DdbCondition *cond;

	check_stack_depth();
	node = Unparen(node);
	switch (node->kind)
	{
		case CST_AND:
			return BuildChain(p, node, DDB_COND_AND, 0);
		case CST_OR:
			return BuildChain(p, node, DDB_COND_OR, 0);
		case CST_NOT:
			cond = palloc0(sizeof(DdbCondition));
			cond->kind = DDB_COND_NOT;
			cond->left = BuildCondition(p, Child(node, 0));
			return cond;
		case CST_COMPARE:
			cond = MakeCondition(p, DDB_COND_COMPARE, node);
			switch (p->tokens[node->tok].kind)
			{
				case TOK_EQ:
					cond->op = DDB_CMP_EQ;
					break;
				case TOK_NE:
					cond->op = DDB_CMP_NE;
					break;
				case TOK_LT:
					cond->op = DDB_CMP_LT;
					break;
				case TOK_LE:
					cond->op = DDB_CMP_LE;
					break;
				case TOK_GT:
					cond->op = DDB_CMP_GT;
					break;
				default:
					cond->op = DDB_CMP_GE;
					break;
			}
			return cond;
		case CST_BETWEEN:
			return MakeCondition(p, DDB_COND_BETWEEN, node);
		case CST_IN:
			return MakeCondition(p, DDB_COND_IN, node);
		case CST_CALL:
			{
				char	   *name = TokenText(p, node->tok);

				if (strcmp(name, "attribute_exists") == 0)
					return MakeCondition(p, DDB_COND_ATTRIBUTE_EXISTS, node);
				if (strcmp(name, "attribute_not_exists") == 0)
					return MakeCondition(p, DDB_COND_ATTRIBUTE_NOT_EXISTS, node);
				if (strcmp(name, "attribute_type") == 0)
					return MakeCondition(p, DDB_COND_ATTRIBUTE_TYPE, node);
				if (strcmp(name, "begins_with") == 0)
					return MakeCondition(p, DDB_COND_BEGINS_WITH, node);
				if (strcmp(name, "contains") == 0)
					return MakeCondition(p, DDB_COND_CONTAINS, node);
				elog(ERROR, "unexpected function \"%s\" as a condition", name);
			}
			break;
		default:
			break;
	}
	elog(ERROR, "unexpected expression node %d as a condition", (int) node->kind);
	pg_unreachable();
}

/*
 * Build an update: its actions in the order written.
 */
static DdbUpdate *
BuildUpdate(ExprParser *p, List *sections)
{
	DdbUpdate  *update = palloc0(sizeof(DdbUpdate));
	ListCell   *lc;
	int			n = 0;

	foreach(lc, sections)
		n += list_length(((CstSection *) lfirst(lc))->actions);

	update->actions = palloc0(n * sizeof(DdbUpdateAction));
	foreach(lc, sections)
	{
		CstSection *section = (CstSection *) lfirst(lc);
		ListCell   *lc2;

		foreach(lc2, section->actions)
		{
			CstAction  *cst = (CstAction *) lfirst(lc2);
			DdbUpdateAction *action = &update->actions[update->nactions++];

			switch (section->keyword)
			{
				case TOK_SET:
					action->kind = DDB_UPDATE_SET;
					break;
				case TOK_REMOVE:
					action->kind = DDB_UPDATE_REMOVE;
					break;
				case TOK_ADD:
					action->kind = DDB_UPDATE_ADD;
					break;
				default:
					action->kind = DDB_UPDATE_DELETE;
					break;
			}
			BuildPath(p, cst->path, &action->path);
			if (cst->value)
				action->value = BuildOperand(p, cst->value);
		}
	}
	return update;
}


/* ---------------------------------------------------------------------
 * Parsing one expression
 * ---------------------------------------------------------------------
 */

/*
 * Reject an empty expression, or one over DynamoDB's size limit.
 */
static void
CheckSize(ExprParser *p)
{
	int			i;

	if (p->len > DDB_MAX_EXPRESSION_SIZE)
		RaiseInvalid(p, "Expression size has exceeded the maximum allowed size; expression size: %d",
					 p->len);
	for (i = 0; i < p->len; i++)
	{
		char		c = p->text[i];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return;
	}
	RaiseInvalid(p, "The expression can not be empty;");
}

/*
 * Parse and check an expression; the tree is allocated in target, the
 * scratch work in CurrentMemoryContext.
 */
static DdbExpression *
ParseAndBuild(DdbExprKind kind, const char *text, int len, MemoryContext target)
{
	ExprParser	parser;
	ExprParser *p = &parser;
	DdbExpression *expr;
	CstNode    *condition = NULL;
	List	   *sections = NIL;
	List	   *paths = NIL;
	MemoryContext old;
	ListCell   *lc;

	memset(p, 0, sizeof(ExprParser));
	p->kind = kind;
	p->text = text;
	p->len = len;

	if (len == 0)
		RaiseInvalid(p, "The expression can not be empty;");
	CheckSize(p);
	Tokenize(p);

	/* syntax */
	if (IsConditionKind(kind))
		condition = ParseConditionExpression(p);
	else if (kind == DDB_EXPR_UPDATE)
		sections = ParseUpdateExpression(p);
	else
		paths = ParseProjectionExpression(p);
	if (p->pending_redundant)
		RaiseRedundant(p);

	/* checks in the order written */
	if (condition)
		CheckWritten(p, condition, PLACE_CONDITION);
	else if (sections)
		CheckUpdateWritten(p, sections);
	else
	{
		foreach(lc, paths)
			CheckWritten(p, (CstNode *) lfirst(lc), PLACE_OPERAND);
	}

	/* checks of operands; an update's from its last action to its first */
	if (condition)
		CheckOperands(p, condition);
	else if (sections)
	{
		int			i;

		for (i = list_length(sections) - 1; i >= 0; i--)
		{
			CstSection *section = (CstSection *) list_nth(sections, i);
			int			j;

			for (j = list_length(section->actions) - 1; j >= 0; j--)
			{
				CstAction  *action = (CstAction *) list_nth(section->actions, j);

				CheckOperands(p, action->path);
				if (action->value)
					CheckOperands(p, action->value);
			}
		}
	}
	else
	{
		foreach(lc, paths)
			CheckOperands(p, (CstNode *) lfirst(lc));
	}

	/* the result */
	old = MemoryContextSwitchTo(target);
	expr = palloc0(sizeof(DdbExpression));
	expr->kind = kind;
	expr->text = pnstrdup(text, len);
	if (condition)
		expr->condition = BuildCondition(p, condition);
	else if (kind == DDB_EXPR_UPDATE)
		expr->update = BuildUpdate(p, sections);
	else
	{
		DdbProjection *proj = palloc0(sizeof(DdbProjection));

		proj->npaths = list_length(paths);
		proj->paths = palloc0(proj->npaths * sizeof(DdbPath));
		foreach(lc, paths)
			BuildPath(p, (CstNode *) lfirst(lc), &proj->paths[foreach_current_index(lc)]);
		expr->projection = proj;
	}
	MemoryContextSwitchTo(old);
	return expr;
}


/* ---------------------------------------------------------------------
 * Cache
 * ---------------------------------------------------------------------
 */

/*
 * Create an empty cache.
 */
static void
CacheInit(void)
{
	if (CacheMemoryContext == NULL)
		CreateCacheMemoryContext();
	expr_cache_context = AllocSetContextCreate(CacheMemoryContext,
											   "ddb expression cache",
											   ALLOCSET_SMALL_SIZES);
	expr_cache_buckets = MemoryContextAllocZero(expr_cache_context,
												DDB_EXPR_CACHE_BUCKETS * sizeof(ExprCacheEntry *));
	expr_cache_entries = 0;
	expr_cache_bytes = 0;
}

/* The memory of the outermost ddb call in progress, or NULL */
static MemoryContext expr_cache_call_context = NULL;

/*
 * DdbExpressionCacheCallContext tells the cache the memory context of the
 * outermost ddb call now starting (NULL: it ended). Every tree a call, or a
 * call nested in it by a trigger, has been given stays in use until then.
 */
void
DdbExpressionCacheCallContext(MemoryContext context)
{
	expr_cache_call_context = context;
}

/*
 * DdbExpressionCacheCurrentCallContext returns the memory context of the
 * outermost ddb call in progress, or NULL.
 */
MemoryContext
DdbExpressionCacheCurrentCallContext(void)
{
	return expr_cache_call_context;
}

/*
 * Replace a full cache by an empty one. Trees already returned may still be
 * in use by the calls in progress, so the old cache is freed with the
 * outermost call's memory; with no call in progress (ddb.parse_expression)
 * nothing holds a tree, and it is freed now.
 */
static void
CacheRetire(void)
{
	if (expr_cache_call_context != NULL)
		MemoryContextSetParent(expr_cache_context, expr_cache_call_context);
	else
		MemoryContextDelete(expr_cache_context);
	CacheInit();
}

/*
 * Hash of (kind, text).
 */
static uint32
CacheHash(DdbExprKind kind, const char *text, int len)
{
	return hash_combine(hash_bytes((const unsigned char *) text, len), (uint32) kind);
}

/*
 * The cached tree of (kind, text), or NULL.
 */
static const DdbExpression *
CacheLookup(DdbExprKind kind, const char *text, int len, uint32 hash)
{
	ExprCacheEntry *entry;

	if (expr_cache_context == NULL)
		return NULL;
	for (entry = expr_cache_buckets[hash % DDB_EXPR_CACHE_BUCKETS]; entry; entry = entry->next)
	{
		if (entry->hash == hash && entry->kind == kind && entry->len == len &&
			memcmp(entry->expr->text, text, len) == 0)
			return entry->expr;
	}
	return NULL;
}

/*
 * Add a tree to the cache; context holds the tree and nothing else, and
 * becomes part of the cache.
 */
static void
CacheInsert(DdbExpression *expr, int len, uint32 hash, MemoryContext context)
{
	ExprCacheEntry *entry;
	Size		size;

	if (expr_cache_context == NULL)
		CacheInit();
	else if (expr_cache_entries >= DDB_EXPR_CACHE_MAX_ENTRIES ||
			 expr_cache_bytes >= DDB_EXPR_CACHE_MAX_BYTES)
		CacheRetire();

	entry = MemoryContextAlloc(context, sizeof(ExprCacheEntry));
	entry->hash = hash;
	entry->kind = expr->kind;
	entry->len = len;
	entry->expr = expr;
	size = MemoryContextMemAllocated(context, false);

	MemoryContextSetParent(context, expr_cache_context);
	entry->next = expr_cache_buckets[hash % DDB_EXPR_CACHE_BUCKETS];
	expr_cache_buckets[hash % DDB_EXPR_CACHE_BUCKETS] = entry;
	expr_cache_entries++;
	expr_cache_bytes += size;
}

/*
 * Parse an expression into a memory context of its own (a child of the
 * caller's), which is dropped, with the scratch memory, if the parse fails.
 * Returns the tree; *context receives its context.
 */
static DdbExpression *
ParseIntoOwnContext(DdbExprKind kind, const char *text, int len, MemoryContext *context)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext tree_context;
	MemoryContext scratch_context;
	DdbExpression *volatile expr = NULL;

	tree_context = AllocSetContextCreate(caller, "ddb expression",
										 ALLOCSET_SMALL_SIZES);
	scratch_context = AllocSetContextCreate(caller, "ddb expression parse",
											ALLOCSET_DEFAULT_SIZES);
	PG_TRY();
	{
		MemoryContextSwitchTo(scratch_context);
		expr = ParseAndBuild(kind, text, len, tree_context);
		MemoryContextSwitchTo(caller);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(caller);
		MemoryContextDelete(scratch_context);
		MemoryContextDelete(tree_context);
		PG_RE_THROW();
	}
	PG_END_TRY();

	MemoryContextDelete(scratch_context);
	*context = tree_context;
	return expr;
}

/*
 * DdbParseExpression parses an expression, or finds it in the backend's
 * cache. The tree belongs to the cache: callers must not modify it (bind
 * a copy), and may rely on it until the end of the current transaction.
 * Errors are DynamoDB's ValidationExceptions.
 */
const DdbExpression *
DdbParseExpression(DdbExprKind kind, const char *text, int len)
{
	const DdbExpression *cached;
	DdbExpression *expr;
	MemoryContext context;
	uint32		hash;

	Assert(len >= 0);
	if (len == 0 || len > DDB_MAX_EXPRESSION_SIZE)
	{
		/* always an error */
		(void) ParseIntoOwnContext(kind, text, len, &context);
		pg_unreachable();
	}

	hash = CacheHash(kind, text, len);
	cached = CacheLookup(kind, text, len, hash);
	if (cached)
		return cached;

	expr = ParseIntoOwnContext(kind, text, len, &context);
	CacheInsert(expr, len, hash, context);
	return expr;
}


/* ---------------------------------------------------------------------
 * ddb.parse_expression: the tree as text, for tests
 * ---------------------------------------------------------------------
 */

/*
 * Append a path: a.b[2].#c
 */
static void
RenderPath(StringInfo buf, const DdbPath *path)
{
	int			i;

	for (i = 0; i < path->nelems; i++)
	{
		const DdbPathElem *elem = &path->elems[i];

		if (elem->kind == DDB_PATH_INDEX)
			appendStringInfo(buf, "[%d]", elem->index);
		else
		{
			if (i > 0)
				appendStringInfoChar(buf, '.');
			appendBinaryStringInfo(buf, elem->name, elem->name_len);
		}
	}
}

/*
 * Append an operand; arithmetic in parentheses.
 */
static void
RenderOperand(StringInfo buf, const DdbOperand *op)
{
	check_stack_depth();
	switch (op->kind)
	{
		case DDB_OPERAND_PATH:
			RenderPath(buf, &op->path);
			break;
		case DDB_OPERAND_VALUE:
			appendStringInfoString(buf, op->value_name);
			break;
		case DDB_OPERAND_SIZE:
			appendStringInfoString(buf, "size(");
			if (op->left != NULL)
				RenderOperand(buf, op->left);
			else
				RenderPath(buf, &op->path);
			appendStringInfoChar(buf, ')');
			break;
		case DDB_OPERAND_IF_NOT_EXISTS:
			appendStringInfoString(buf, "if_not_exists(");
			RenderPath(buf, &op->path);
			appendStringInfoString(buf, ", ");
			RenderOperand(buf, op->left);
			appendStringInfoChar(buf, ')');
			break;
		case DDB_OPERAND_LIST_APPEND:
			appendStringInfoString(buf, "list_append(");
			RenderOperand(buf, op->left);
			appendStringInfoString(buf, ", ");
			RenderOperand(buf, op->right);
			appendStringInfoChar(buf, ')');
			break;
		case DDB_OPERAND_PLUS:
		case DDB_OPERAND_MINUS:
			appendStringInfoChar(buf, '(');
			RenderOperand(buf, op->left);
			appendStringInfoString(buf, op->kind == DDB_OPERAND_PLUS ? " + " : " - ");
			RenderOperand(buf, op->right);
			appendStringInfoChar(buf, ')');
			break;
	}
}

/*
 * Append the operands of a function condition: name(a, b).
 */
static void
RenderFunction(StringInfo buf, const char *name, const DdbCondition *cond)
{
	int			i;

	appendStringInfo(buf, "%s(", name);
	for (i = 0; i < cond->noperands; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, ", ");
		RenderOperand(buf, cond->operands[i]);
	}
	appendStringInfoChar(buf, ')');
}

/*
 * Append a condition, every operator in parentheses.
 */
static void
RenderCondition(StringInfo buf, const DdbCondition *cond)
{
	static const char *const comparators[] = {"=", "<>", "<", "<=", ">", ">="};
	int			i;

	check_stack_depth();
	switch (cond->kind)
	{
		case DDB_COND_AND:
		case DDB_COND_OR:
			appendStringInfoChar(buf, '(');
			RenderCondition(buf, cond->left);
			appendStringInfoString(buf, cond->kind == DDB_COND_AND ? " AND " : " OR ");
			RenderCondition(buf, cond->right);
			appendStringInfoChar(buf, ')');
			break;
		case DDB_COND_NOT:
			appendStringInfoString(buf, "(NOT ");
			RenderCondition(buf, cond->left);
			appendStringInfoChar(buf, ')');
			break;
		case DDB_COND_COMPARE:
			appendStringInfoChar(buf, '(');
			RenderOperand(buf, cond->operands[0]);
			appendStringInfo(buf, " %s ", comparators[cond->op]);
			RenderOperand(buf, cond->operands[1]);
			appendStringInfoChar(buf, ')');
			break;
		case DDB_COND_BETWEEN:
			appendStringInfoChar(buf, '(');
			RenderOperand(buf, cond->operands[0]);
			appendStringInfoString(buf, " BETWEEN ");
			RenderOperand(buf, cond->operands[1]);
			appendStringInfoString(buf, " AND ");
			RenderOperand(buf, cond->operands[2]);
			appendStringInfoChar(buf, ')');
			break;
		case DDB_COND_IN:
			appendStringInfoChar(buf, '(');
			RenderOperand(buf, cond->operands[0]);
			appendStringInfoString(buf, " IN (");
			for (i = 1; i < cond->noperands; i++)
			{
				if (i > 1)
					appendStringInfoString(buf, ", ");
				RenderOperand(buf, cond->operands[i]);
			}
			appendStringInfoString(buf, "))");
			break;
		case DDB_COND_ATTRIBUTE_EXISTS:
			RenderFunction(buf, "attribute_exists", cond);
			break;
		case DDB_COND_ATTRIBUTE_NOT_EXISTS:
			RenderFunction(buf, "attribute_not_exists", cond);
			break;
		case DDB_COND_ATTRIBUTE_TYPE:
			RenderFunction(buf, "attribute_type", cond);
			break;
		case DDB_COND_BEGINS_WITH:
			RenderFunction(buf, "begins_with", cond);
			break;
		case DDB_COND_CONTAINS:
			RenderFunction(buf, "contains", cond);
			break;
	}
}

/*
 * Append an update: its sections in the order written, "; "-separated.
 */
static void
RenderUpdate(StringInfo buf, const DdbUpdate *update)
{
	static const char *const keywords[] = {"SET", "REMOVE", "ADD", "DELETE"};
	int			i;

	for (i = 0; i < update->nactions; i++)
	{
		const DdbUpdateAction *action = &update->actions[i];

		if (i == 0 || update->actions[i - 1].kind != action->kind)
			appendStringInfo(buf, "%s%s ", i > 0 ? "; " : "", keywords[action->kind]);
		else
			appendStringInfoString(buf, ", ");
		RenderPath(buf, &action->path);
		if (action->kind == DDB_UPDATE_SET)
			appendStringInfoString(buf, " = ");
		else if (action->value)
			appendStringInfoChar(buf, ' ');
		if (action->value)
			RenderOperand(buf, action->value);
	}
}

/*
 * ddb_parse_expression(kind text, expression text) RETURNS text: parse an
 * expression of the given kind ('condition', 'filter', 'key_condition',
 * 'update' or 'projection') and return its tree as canonical, fully
 * parenthesized text; errors are the ValidationExceptions DynamoDB would
 * return.
 */
Datum
ddb_parse_expression(PG_FUNCTION_ARGS)
{
	char	   *kind_name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	text	   *source = PG_GETARG_TEXT_PP(1);
	DdbExprKind kind;
	const DdbExpression *expr;
	StringInfoData buf;
	int			i;

	if (strcmp(kind_name, "condition") == 0)
		kind = DDB_EXPR_CONDITION;
	else if (strcmp(kind_name, "filter") == 0)
		kind = DDB_EXPR_FILTER;
	else if (strcmp(kind_name, "key_condition") == 0)
		kind = DDB_EXPR_KEY_CONDITION;
	else if (strcmp(kind_name, "update") == 0)
		kind = DDB_EXPR_UPDATE;
	else if (strcmp(kind_name, "projection") == 0)
		kind = DDB_EXPR_PROJECTION;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unrecognized expression kind \"%s\"", kind_name),
				 errhint("Valid kinds are condition, filter, key_condition, update and projection.")));

	expr = DdbParseExpression(kind, VARDATA_ANY(source), VARSIZE_ANY_EXHDR(source));

	initStringInfo(&buf);
	if (expr->condition)
		RenderCondition(&buf, expr->condition);
	else if (expr->update)
		RenderUpdate(&buf, expr->update);
	else
	{
		for (i = 0; i < expr->projection->npaths; i++)
		{
			if (i > 0)
				appendStringInfoString(&buf, ", ");
			RenderPath(&buf, &expr->projection->paths[i]);
		}
	}
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}
