/*-------------------------------------------------------------------------
 *
 * partiql_parser.c
 *	  Stage 1 of PartiQL: statement text to the DdbStatement of partiql.h,
 *	  built from the expression language's trees, and the per-backend
 *	  cache of parsed statements.
 *
 * The grammar (DynamoDB's dialect of PartiQL), read by a hand-written
 * lexer and a recursive-descent parser:
 *
 *	  statement ::= select | insert | update | delete
 *				  | EXISTS ( select )								[;]
 *	  select	::= SELECT ( * | path {, path} ) FROM table
 *					[WHERE cond] [ORDER BY name [ASC|DESC] {, ...}]
 *	  insert	::= INSERT INTO table VALUE map
 *	  update	::= UPDATE table { SET assign {, assign} | REMOVE path {, path} }...
 *					[WHERE cond] [RETURNING (ALL|MODIFIED) (OLD|NEW) *]
 *	  delete	::= DELETE FROM table [WHERE cond] [RETURNING ALL OLD *]
 *	  table		::= name [. name]
 *	  cond		::= cond OR cond | cond AND cond | NOT cond | ( cond )
 *				  | operand (= | <> | != | < | <= | > | >=) operand
 *				  | operand [NOT] BETWEEN operand AND operand
 *				  | operand [NOT] IN ( [ operand {, operand} ] | ( ... ) )
 *				  | operand IS [NOT] (MISSING | NULL)
 *				  | begins_with ( operand , operand ) | contains (...)
 *				  | attribute_type ( operand , operand )
 *	  operand	::= path | value | size ( path )
 *	  assign	::= path = term { (+|-) term }
 *	  term		::= operand | ( term... ) | list_append ( term , term )
 *				  | set_add ( path , value ) | set_delete ( path , value )
 *	  value		::= ? | 'string' | number | TRUE | FALSE | NULL
 *				  | [ value {, value} ] | { 'name' : value {, ...} }
 *				  | << value {, value} >>
 *	  path		::= name { . name | [ index ] | [ 'name' ] }
 *	  name		::= bare-identifier | "quoted identifier"
 *
 * NOT binds tighter than AND, AND tighter than OR. Keywords and function
 * names are case-insensitive; identifiers, quoted or bare, are taken as
 * written (DynamoDB's names are case-sensitive). A keyword is never a bare
 * name; quote it ("value"). Strings double a quote to hold one ('it''s'),
 * quoted identifiers double a double quote.
 *
 * The result is the expression language's: WHERE is a DdbCondition
 * (IS MISSING is attribute_not_exists, IS NULL is a NULL value or a
 * missing one, as in PartiQL), the SELECT list a DdbProjection, SET and
 * REMOVE a DdbUpdate (a = a + 1 is a PLUS operand, list_append a
 * LIST_APPEND, set_add and set_delete the update language's ADD and
 * DELETE of set elements). Literals are normalized AttributeValues at
 * once (numbers through number.c: 38 digits, DynamoDB's range), so their
 * errors are DynamoDB's.
 *
 * Bounds: a statement is at most 8192 characters, so at most 8192
 * tokens; parentheses, NOT and nested literals are limited to
 * DDB_PARTIQL_MAX_NESTING levels, and check_stack_depth() guards every
 * recursive function.
 *
 * Cache: parsed statements are kept per backend by text, as expressions
 * are (expr_parser.c): each in a small memory context of its own under one
 * cache context; a full cache is replaced by an empty one and the old one
 * handed to the outermost ddb call in progress, so statements already
 * returned stay valid until it ends.
 *
 * IDENTIFICATION
 *	  src/partiql/partiql_parser.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "utils/catcache.h"
#include "utils/memutils.h"

#include "errors.h"
#include "expr.h"
#include "item.h"
#include "json_util.h"
#include "partiql/partiql.h"

/* Cache bounds */
#define PQ_CACHE_BUCKETS		256
#define PQ_CACHE_MAX_ENTRIES	500
#define PQ_CACHE_MAX_BYTES		(8 * 1024 * 1024)

/* ---- tokens ---- */

typedef enum PqTokenKind
{
	PQ_TOK_EOF,
	PQ_TOK_IDENT,				/* bare identifier or keyword */
	PQ_TOK_QIDENT,				/* "quoted identifier" */
	PQ_TOK_STRING,				/* 'string' */
	PQ_TOK_NUMBER,
	PQ_TOK_PARAM,				/* ? */
	PQ_TOK_STAR,
	PQ_TOK_COMMA,
	PQ_TOK_DOT,
	PQ_TOK_COLON,
	PQ_TOK_SEMICOLON,
	PQ_TOK_LPAREN,
	PQ_TOK_RPAREN,
	PQ_TOK_LBRACKET,
	PQ_TOK_RBRACKET,
	PQ_TOK_LBRACE,
	PQ_TOK_RBRACE,
	PQ_TOK_LSET,				/* << */
	PQ_TOK_RSET,				/* >> */
	PQ_TOK_EQ,
	PQ_TOK_NE,
	PQ_TOK_LT,
	PQ_TOK_LE,
	PQ_TOK_GT,
	PQ_TOK_GE,
	PQ_TOK_PLUS,
	PQ_TOK_MINUS
} PqTokenKind;

typedef struct PqToken
{
	PqTokenKind kind;
	int			start;			/* byte offset in the text */
	int			len;			/* bytes of the token as written */
	char	   *value;			/* IDENT, QIDENT, STRING, NUMBER: the text, unescaped */
	int			value_len;
} PqToken;

/* Words that are never bare names */
static const char *const pq_keywords[] = {
	"ALL", "AND", "ASC", "BETWEEN", "BY", "DELETE", "DESC", "EXISTS", "FALSE",
	"FROM", "IN", "INSERT", "INTO", "IS", "MISSING", "MODIFIED", "NEW", "NOT",
	"NULL", "OLD", "OR", "ORDER", "REMOVE", "RETURNING", "SELECT", "SET",
	"TRUE", "UPDATE", "VALUE", "VALUES", "WHERE", NULL
};

typedef struct PqParser
{
	const char *text;
	int			len;
	PqToken    *tokens;
	int			ntokens;
	int			pos;
	int			depth;			/* nesting of parentheses, NOT and literals */
	int			nparameters;
	List	   *values;			/* of DdbPqValue: operands to resolve */
} PqParser;

/* ---- cache ---- */

typedef struct PqCacheEntry
{
	struct PqCacheEntry *next;
	uint32		hash;
	DdbStatement *statement;	/* statement->text is the key */
} PqCacheEntry;

static MemoryContext pq_cache_context = NULL;
static PqCacheEntry **pq_cache_buckets = NULL;
static int	pq_cache_entries = 0;
static Size pq_cache_bytes = 0;

static void SyntaxError(PqParser *p, const char *detail) pg_attribute_noreturn();
static void UnexpectedToken(PqParser *p) pg_attribute_noreturn();
static DdbCondition *ParseOr(PqParser *p);
static DdbPqValue *ParseValue(PqParser *p);
static DdbOperand *ParseSetTerm(PqParser *p);
static DdbOperand *ParseSetValue(PqParser *p);


/* ---------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------
 */

/*
 * Raise DynamoDB's syntax error.
 */
static void
SyntaxError(PqParser *p, const char *detail)
{
	DdbValidationError("Statement wasn't well formed, can't be processed: %s", detail);
}

/*
 * Whether a bare identifier token is a keyword.
 */
static bool
IsKeywordToken(const PqToken *t)
{
	if (t->kind != PQ_TOK_IDENT)
		return false;
	for (int i = 0; pq_keywords[i]; i++)
	{
		if (pg_strcasecmp(pq_keywords[i], t->value) == 0)
			return true;
	}
	return false;
}

/*
 * Raise the syntax error for the current token, which cannot continue the
 * statement.
 */
static void
UnexpectedToken(PqParser *p)
{
	const PqToken *t = &p->tokens[p->pos];

	if (t->kind == PQ_TOK_EOF)
		SyntaxError(p, "Unexpected end of statement");
	if (IsKeywordToken(t))
		SyntaxError(p, psprintf("Unexpected keyword: %s", t->value));
	SyntaxError(p, psprintf("Unexpected token: %s",
							DdbEchoText(p->text + t->start, t->len)));
}


/* ---------------------------------------------------------------------
 * Lexer
 * ---------------------------------------------------------------------
 */

static inline bool
IsIdentStart(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static inline bool
IsIdentChar(char c)
{
	return IsIdentStart(c) || (c >= '0' && c <= '9') || c == '$';
}

static inline bool
IsDigit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Read a quoted token ('string' or "identifier") starting at i, undoubling
 * doubled quotes; returns the offset after it.
 */
static int
LexQuoted(PqParser *p, int i, PqToken *t)
{
	char		quote = p->text[i];
	StringInfoData buf;

	initStringInfo(&buf);
	i++;
	for (;;)
	{
		if (i >= p->len)
			SyntaxError(p, quote == '\'' ? "Unterminated string literal" :
						"Unterminated quoted identifier");
		if (p->text[i] == quote)
		{
			if (i + 1 < p->len && p->text[i + 1] == quote)
			{
				appendStringInfoChar(&buf, quote);
				i += 2;
				continue;
			}
			i++;
			break;
		}
		appendStringInfoChar(&buf, p->text[i]);
		i++;
	}
	t->value = buf.data;
	t->value_len = buf.len;
	return i;
}

/*
 * Read a number: digits [. digits] [e [+-] digits], or . digits ...
 */
static int
LexNumber(PqParser *p, int i, PqToken *t)
{
	int			start = i;
	bool		digits = false;

	while (i < p->len && IsDigit(p->text[i]))
		i++, digits = true;
	if (i < p->len && p->text[i] == '.')
	{
		i++;
		while (i < p->len && IsDigit(p->text[i]))
			i++, digits = true;
	}
	if (!digits)
		SyntaxError(p, "Invalid numeric literal");
	if (i < p->len && (p->text[i] == 'e' || p->text[i] == 'E'))
	{
		bool		exponent_digits = false;

		i++;
		if (i < p->len && (p->text[i] == '+' || p->text[i] == '-'))
			i++;
		while (i < p->len && IsDigit(p->text[i]))
			i++, exponent_digits = true;
		if (!exponent_digits)
			SyntaxError(p, "Invalid numeric literal");
	}
	if (i < p->len && IsIdentChar(p->text[i]))
		SyntaxError(p, "Invalid numeric literal");
	t->value = pnstrdup(p->text + start, i - start);
	t->value_len = i - start;
	return i;
}

/*
 * Split the statement into tokens, ending with an EOF token.
 */
static void
Tokenize(PqParser *p)
{
	int			i = 0;
	int			capacity = 64;

	p->tokens = palloc(sizeof(PqToken) * capacity);
	p->ntokens = 0;
	for (;;)
	{
		PqToken    *t;
		char		c;

		/* white space and comments */
		while (i < p->len)
		{
			c = p->text[i];
			if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f')
				i++;
			else if (c == '-' && i + 1 < p->len && p->text[i + 1] == '-')
			{
				while (i < p->len && p->text[i] != '\n')
					i++;
			}
			else if (c == '/' && i + 1 < p->len && p->text[i + 1] == '*')
			{
				i += 2;
				while (i + 1 < p->len && !(p->text[i] == '*' && p->text[i + 1] == '/'))
					i++;
				if (i + 1 >= p->len)
					SyntaxError(p, "Unterminated comment");
				i += 2;
			}
			else
				break;
		}

		if (p->ntokens == capacity)
		{
			capacity *= 2;
			p->tokens = repalloc(p->tokens, sizeof(PqToken) * capacity);
		}
		t = &p->tokens[p->ntokens++];
		memset(t, 0, sizeof(PqToken));
		t->start = i;
		if (i >= p->len)
		{
			t->kind = PQ_TOK_EOF;
			return;
		}
		c = p->text[i];
		if (IsIdentStart(c))
		{
			int			start = i;

			while (i < p->len && IsIdentChar(p->text[i]))
				i++;
			t->kind = PQ_TOK_IDENT;
			t->value = pnstrdup(p->text + start, i - start);
			t->value_len = i - start;
		}
		else if (c == '"' || c == '\'')
		{
			t->kind = c == '"' ? PQ_TOK_QIDENT : PQ_TOK_STRING;
			i = LexQuoted(p, i, t);
		}
		else if (IsDigit(c) || (c == '.' && i + 1 < p->len && IsDigit(p->text[i + 1])))
		{
			t->kind = PQ_TOK_NUMBER;
			i = LexNumber(p, i, t);
		}
		else
		{
			char		next = i + 1 < p->len ? p->text[i + 1] : '\0';
			int			width = 1;

			switch (c)
			{
				case '?':
					t->kind = PQ_TOK_PARAM;
					break;
				case '*':
					t->kind = PQ_TOK_STAR;
					break;
				case ',':
					t->kind = PQ_TOK_COMMA;
					break;
				case '.':
					t->kind = PQ_TOK_DOT;
					break;
				case ':':
					t->kind = PQ_TOK_COLON;
					break;
				case ';':
					t->kind = PQ_TOK_SEMICOLON;
					break;
				case '(':
					t->kind = PQ_TOK_LPAREN;
					break;
				case ')':
					t->kind = PQ_TOK_RPAREN;
					break;
				case '[':
					t->kind = PQ_TOK_LBRACKET;
					break;
				case ']':
					t->kind = PQ_TOK_RBRACKET;
					break;
				case '{':
					t->kind = PQ_TOK_LBRACE;
					break;
				case '}':
					t->kind = PQ_TOK_RBRACE;
					break;
				case '+':
					t->kind = PQ_TOK_PLUS;
					break;
				case '-':
					t->kind = PQ_TOK_MINUS;
					break;
				case '=':
					t->kind = PQ_TOK_EQ;
					break;
				case '!':
					if (next != '=')
						SyntaxError(p, psprintf("Invalid character: %c", c));
					t->kind = PQ_TOK_NE;
					width = 2;
					break;
				case '<':
					if (next == '<')
						t->kind = PQ_TOK_LSET, width = 2;
					else if (next == '=')
						t->kind = PQ_TOK_LE, width = 2;
					else if (next == '>')
						t->kind = PQ_TOK_NE, width = 2;
					else
						t->kind = PQ_TOK_LT;
					break;
				case '>':
					if (next == '>')
						t->kind = PQ_TOK_RSET, width = 2;
					else if (next == '=')
						t->kind = PQ_TOK_GE, width = 2;
					else
						t->kind = PQ_TOK_GT;
					break;
				default:
					SyntaxError(p, psprintf("Invalid character: %s",
											pnstrdup(p->text + i, pg_mblen(p->text + i))));
			}
			i += width;
		}
		t->len = i - t->start;
	}
}


/* ---------------------------------------------------------------------
 * Token helpers
 * ---------------------------------------------------------------------
 */

static inline PqToken *
Peek(PqParser *p)
{
	return &p->tokens[p->pos];
}

static inline PqToken *
PeekAt(PqParser *p, int ahead)
{
	int			i = Min(p->pos + ahead, p->ntokens - 1);

	return &p->tokens[i];
}

static inline PqToken *
Advance(PqParser *p)
{
	PqToken    *t = &p->tokens[p->pos];

	if (t->kind != PQ_TOK_EOF)
		p->pos++;
	return t;
}

/* Whether a token is the keyword (any case) */
static bool
IsWord(const PqToken *t, const char *word)
{
	return t->kind == PQ_TOK_IDENT && pg_strcasecmp(t->value, word) == 0;
}

/* Consume a keyword if it is next */
static bool
AcceptWord(PqParser *p, const char *word)
{
	if (!IsWord(Peek(p), word))
		return false;
	Advance(p);
	return true;
}

/* Consume a keyword or fail */
static void
ExpectWord(PqParser *p, const char *word)
{
	if (!AcceptWord(p, word))
		UnexpectedToken(p);
}

/* Consume a token of a kind if it is next */
static bool
Accept(PqParser *p, PqTokenKind kind)
{
	if (Peek(p)->kind != kind)
		return false;
	Advance(p);
	return true;
}

/* Consume a token of a kind or fail */
static PqToken *
Expect(PqParser *p, PqTokenKind kind)
{
	if (Peek(p)->kind != kind)
		UnexpectedToken(p);
	return Advance(p);
}

/*
 * Enter one more level of nesting, within the bound.
 */
static void
Enter(PqParser *p)
{
	check_stack_depth();
	if (++p->depth > DDB_PARTIQL_MAX_NESTING)
		SyntaxError(p, "Statement nesting exceeds the supported depth");
}

static inline void
Leave(PqParser *p)
{
	p->depth--;
}

/*
 * A name: a quoted identifier, or a bare one that is not a keyword.
 */
static PqToken *
ExpectName(PqParser *p)
{
	PqToken    *t = Peek(p);

	if (t->kind == PQ_TOK_QIDENT || (t->kind == PQ_TOK_IDENT && !IsKeywordToken(t)))
		return Advance(p);
	UnexpectedToken(p);
}


/* ---------------------------------------------------------------------
 * Values
 * ---------------------------------------------------------------------
 */

/*
 * The normalized AttributeValue {"<type>": payload} of a JSON value built
 * with pushJsonbValue; errors are DynamoDB's.
 */
static Jsonb *
NormalizeBuilt(JsonbValue *built)
{
	Jsonb	   *raw = JsonbValueToJsonb(built);
	JsonbValue	v;
	Size		size;

	v.type = jbvBinary;
	v.val.binary.data = &raw->root;
	v.val.binary.len = VARSIZE(raw) - VARHDRSZ;
	return DdbAttributeValueNormalizeToJsonb(&v, &size);
}

/*
 * A scalar literal: {"S": text}, {"N": text}, {"BOOL": b}, {"NULL": true}.
 */
static Jsonb *
ScalarLiteral(const char *type, const char *text, int len, bool boolean)
{
	JsonbParseState *st = NULL;

	DdbPushBeginObject(&st);
	DdbPushKey(&st, type);
	if (text != NULL)
		DdbPushStringLen(&st, WJB_VALUE, text, len);
	else
		DdbPushBool(&st, WJB_VALUE, boolean);
	return NormalizeBuilt(DdbPushEndObject(&st));
}

/*
 * The set type (SS, NS, BS) of a set of elements of a scalar type.
 */
static const char *
SetTypeOf(DdbAttributeType type)
{
	switch (type)
	{
		case DDB_TYPE_S:
			return "SS";
		case DDB_TYPE_N:
			return "NS";
		case DDB_TYPE_B:
			return "BS";
		default:
			return NULL;
	}
}

/*
 * DdbPqValueBuild builds the normalized AttributeValue a statement value
 * stands for, with parameters[i] (normalized AttributeValues) for the
 * i-th ?. Errors are DynamoDB's AttributeValue errors.
 */
Jsonb *
DdbPqValueBuild(const DdbPqValue *value, Jsonb **parameters)
{
	JsonbParseState *st = NULL;
	Jsonb	  **elems;
	const char *set_type = NULL;

	check_stack_depth();
	if (value->kind == DDB_PQ_LITERAL)
		return value->literal;
	if (value->kind == DDB_PQ_PARAMETER)
		return parameters[value->parameter];

	elems = palloc(sizeof(Jsonb *) * Max(value->nelems, 1));
	for (int i = 0; i < value->nelems; i++)
		elems[i] = DdbPqValueBuild(value->elems[i], parameters);

	DdbPushBeginObject(&st);
	switch (value->kind)
	{
		case DDB_PQ_LIST:
			DdbPushKey(&st, "L");
			DdbPushBeginArray(&st);
			for (int i = 0; i < value->nelems; i++)
				DdbPushStoredContainer(&st, WJB_ELEM, &elems[i]->root);
			DdbPushEndArray(&st);
			break;
		case DDB_PQ_MAP:
			DdbPushKey(&st, "M");
			DdbPushBeginObject(&st);
			for (int i = 0; i < value->nelems; i++)
			{
				JsonbValue	key;

				key.type = jbvString;
				key.val.string.val = value->keys[i];
				key.val.string.len = value->key_lens[i];
				pushJsonbValue(&st, WJB_KEY, &key);
				DdbPushStoredContainer(&st, WJB_VALUE, &elems[i]->root);
			}
			DdbPushEndObject(&st);
			break;
		case DDB_PQ_SET:
			for (int i = 0; i < value->nelems; i++)
			{
				JsonbValue	av;
				JsonbValue	payload;
				const char *type;

				av.type = jbvBinary;
				av.val.binary.data = &elems[i]->root;
				av.val.binary.len = VARSIZE(elems[i]) - VARHDRSZ;
				type = SetTypeOf(DdbAttributeValueType(&av, &payload));
				if (type == NULL || (set_type != NULL && strcmp(type, set_type) != 0))
					DdbValidationError("One or more parameter values were invalid: A set may only hold strings, numbers or binaries, all of one type");
				set_type = type;
			}
			if (set_type == NULL)
				DdbValidationError("One or more parameter values were invalid: An string set  may not be empty");
			DdbPushKey(&st, set_type);
			DdbPushBeginArray(&st);
			for (int i = 0; i < value->nelems; i++)
			{
				JsonbValue	av;
				JsonbValue	payload;

				av.type = jbvBinary;
				av.val.binary.data = &elems[i]->root;
				av.val.binary.len = VARSIZE(elems[i]) - VARHDRSZ;
				(void) DdbAttributeValueType(&av, &payload);
				pushJsonbValue(&st, WJB_ELEM, &payload);
			}
			DdbPushEndArray(&st);
			break;
		default:
			break;
	}
	{
		JsonbValue *built = DdbPushEndObject(&st);
		Jsonb	   *raw = DdbBuildJsonb(built);
		JsonbValue	v;
		Size		size;

		v.type = jbvBinary;
		v.val.binary.data = &raw->root;
		v.val.binary.len = VARSIZE(raw) - VARHDRSZ;
		return DdbAttributeValueNormalizeToJsonb(&v, &size);
	}
}

/*
 * Whether a value holds a parameter anywhere.
 */
static bool
HoldsParameter(const DdbPqValue *value)
{
	if (value->kind == DDB_PQ_PARAMETER)
		return true;
	for (int i = 0; i < value->nelems; i++)
	{
		if (HoldsParameter(value->elems[i]))
			return true;
	}
	return false;
}

/*
 * A list, map or set value: folded into a literal when it holds no
 * parameter.
 */
static DdbPqValue *
FinishComposite(DdbPqValue *value)
{
	if (!HoldsParameter(value))
	{
		Jsonb	   *literal = DdbPqValueBuild(value, NULL);

		value->kind = DDB_PQ_LITERAL;
		value->literal = literal;
		value->nelems = 0;
	}
	return value;
}

/*
 * A comma-separated list of values up to a closing token.
 */
static List *
ParseValueList(PqParser *p, PqTokenKind close)
{
	List	   *list = NIL;

	if (Accept(p, close))
		return NIL;
	for (;;)
	{
		list = lappend(list, ParseValue(p));
		if (Accept(p, close))
			return list;
		Expect(p, PQ_TOK_COMMA);
	}
}

/*
 * Whether the next token starts a value.
 */
static bool
StartsValue(PqParser *p)
{
	PqToken    *t = Peek(p);

	switch (t->kind)
	{
		case PQ_TOK_PARAM:
		case PQ_TOK_STRING:
		case PQ_TOK_NUMBER:
		case PQ_TOK_LBRACKET:
		case PQ_TOK_LBRACE:
		case PQ_TOK_LSET:
			return true;
		case PQ_TOK_MINUS:
		case PQ_TOK_PLUS:
			return PeekAt(p, 1)->kind == PQ_TOK_NUMBER;
		case PQ_TOK_IDENT:
			return IsWord(t, "TRUE") || IsWord(t, "FALSE") || IsWord(t, "NULL");
		default:
			return false;
	}
}

/*
 * value ::= ? | 'string' | [-]number | TRUE | FALSE | NULL | list | map | set
 */
static DdbPqValue *
ParseValue(PqParser *p)
{
	DdbPqValue *value = palloc0(sizeof(DdbPqValue));
	PqToken    *t = Peek(p);
	List	   *elems;
	ListCell   *lc;

	Enter(p);
	switch (t->kind)
	{
		case PQ_TOK_PARAM:
			Advance(p);
			value->kind = DDB_PQ_PARAMETER;
			value->parameter = p->nparameters++;
			break;
		case PQ_TOK_STRING:
			Advance(p);
			value->kind = DDB_PQ_LITERAL;
			value->literal = ScalarLiteral("S", t->value, t->value_len, false);
			break;
		case PQ_TOK_PLUS:
		case PQ_TOK_MINUS:
		case PQ_TOK_NUMBER:
			{
				bool		negative = (t->kind == PQ_TOK_MINUS);
				char	   *text;

				if (t->kind != PQ_TOK_NUMBER)
				{
					Advance(p);
					t = Peek(p);
					if (t->kind != PQ_TOK_NUMBER)
						UnexpectedToken(p);
				}
				Advance(p);
				text = negative ? psprintf("-%s", t->value) : t->value;
				value->kind = DDB_PQ_LITERAL;
				value->literal = ScalarLiteral("N", text, strlen(text), false);
			}
			break;
		case PQ_TOK_LBRACKET:
		case PQ_TOK_LSET:
			Advance(p);
			value->kind = t->kind == PQ_TOK_LBRACKET ? DDB_PQ_LIST : DDB_PQ_SET;
			elems = ParseValueList(p, t->kind == PQ_TOK_LBRACKET ? PQ_TOK_RBRACKET : PQ_TOK_RSET);
			value->nelems = list_length(elems);
			value->elems = palloc(sizeof(DdbPqValue *) * Max(value->nelems, 1));
			foreach(lc, elems)
				value->elems[foreach_current_index(lc)] = lfirst(lc);
			value = FinishComposite(value);
			break;
		case PQ_TOK_LBRACE:
			{
				int			capacity = 8;

				Advance(p);
				value->kind = DDB_PQ_MAP;
				value->elems = palloc(sizeof(DdbPqValue *) * capacity);
				value->keys = palloc(sizeof(char *) * capacity);
				value->key_lens = palloc(sizeof(int) * capacity);
				if (!Accept(p, PQ_TOK_RBRACE))
				{
					for (;;)
					{
						PqToken    *key = Peek(p);

						if (key->kind != PQ_TOK_STRING && key->kind != PQ_TOK_QIDENT)
							UnexpectedToken(p);
						Advance(p);
						Expect(p, PQ_TOK_COLON);
						if (value->nelems == capacity)
						{
							capacity *= 2;
							value->elems = repalloc(value->elems, sizeof(DdbPqValue *) * capacity);
							value->keys = repalloc(value->keys, sizeof(char *) * capacity);
							value->key_lens = repalloc(value->key_lens, sizeof(int) * capacity);
						}
						for (int i = 0; i < value->nelems; i++)
						{
							if (value->key_lens[i] == key->value_len &&
								memcmp(value->keys[i], key->value, key->value_len) == 0)
								DdbValidationError("Statement wasn't well formed, can't be processed: Duplicate key in map literal: %s",
												   DdbEchoText(key->value, key->value_len));
						}
						if (key->value_len == 0)
							DdbValidationError("One or more parameter values were invalid: An AttributeValue may not contain an empty attribute name");
						value->keys[value->nelems] = key->value;
						value->key_lens[value->nelems] = key->value_len;
						value->elems[value->nelems++] = ParseValue(p);
						if (Accept(p, PQ_TOK_RBRACE))
							break;
						Expect(p, PQ_TOK_COMMA);
					}
				}
				value = FinishComposite(value);
			}
			break;
		case PQ_TOK_IDENT:
			if (IsWord(t, "TRUE") || IsWord(t, "FALSE"))
			{
				Advance(p);
				value->kind = DDB_PQ_LITERAL;
				value->literal = ScalarLiteral("BOOL", NULL, 0, IsWord(t, "TRUE"));
				break;
			}
			if (IsWord(t, "NULL"))
			{
				Advance(p);
				value->kind = DDB_PQ_LITERAL;
				value->literal = ScalarLiteral("NULL", NULL, 0, true);
				break;
			}
			UnexpectedToken(p);
		default:
			UnexpectedToken(p);
	}
	Leave(p);
	return value;
}


/* ---------------------------------------------------------------------
 * Paths and operands
 * ---------------------------------------------------------------------
 */

/*
 * path ::= name { . name | [ index ] | [ 'name' ] }
 */
static void
ParsePath(PqParser *p, DdbPath *path)
{
	int			capacity = 4;
	PqToken    *t = ExpectName(p);

	path->elems = palloc0(sizeof(DdbPathElem) * capacity);
	path->nelems = 1;
	path->elems[0].kind = DDB_PATH_NAME;
	path->elems[0].name = t->value;
	path->elems[0].name_len = t->value_len;
	for (;;)
	{
		DdbPathElem elem = {0};

		if (Accept(p, PQ_TOK_DOT))
		{
			t = Peek(p);
			if (t->kind != PQ_TOK_IDENT && t->kind != PQ_TOK_QIDENT)
				UnexpectedToken(p);
			Advance(p);
			elem.kind = DDB_PATH_NAME;
			elem.name = t->value;
			elem.name_len = t->value_len;
		}
		else if (Accept(p, PQ_TOK_LBRACKET))
		{
			t = Peek(p);
			if (t->kind == PQ_TOK_STRING)
			{
				Advance(p);
				elem.kind = DDB_PATH_NAME;
				elem.name = t->value;
				elem.name_len = t->value_len;
			}
			else if (t->kind == PQ_TOK_NUMBER)
			{
				long		index;
				char	   *end;

				Advance(p);
				errno = 0;
				index = strtol(t->value, &end, 10);
				if (*end != '\0' || errno != 0 || index > PG_INT32_MAX)
					SyntaxError(p, psprintf("Invalid list index: %s", t->value));
				elem.kind = DDB_PATH_INDEX;
				elem.index = (int) index;
			}
			else
				UnexpectedToken(p);
			Expect(p, PQ_TOK_RBRACKET);
		}
		else
			break;
		if (elem.kind == DDB_PATH_NAME && elem.name_len == 0)
			DdbValidationError("Statement wasn't well formed, can't be processed: Empty attribute name in a document path");
		if (path->nelems == DDB_MAX_PATH_DEPTH)
			DdbValidationError("Statement wasn't well formed, can't be processed: The document path has too many nesting levels; nesting levels: %d",
							   DDB_MAX_PATH_DEPTH + 1);
		if (path->nelems == capacity)
		{
			capacity *= 2;
			path->elems = repalloc(path->elems, sizeof(DdbPathElem) * capacity);
		}
		path->elems[path->nelems++] = elem;
	}
	if (path->elems[0].name_len == 0)
		DdbValidationError("Statement wasn't well formed, can't be processed: Empty attribute name in a document path");
}

/*
 * The operand of a value: a literal's AttributeValue at once, anything else
 * a "$n" reference into the statement's values.
 */
static DdbOperand *
ValueOperand(PqParser *p, DdbPqValue *value)
{
	DdbOperand *operand = palloc0(sizeof(DdbOperand));

	operand->kind = DDB_OPERAND_VALUE;
	if (value->kind == DDB_PQ_LITERAL)
	{
		operand->value = palloc(sizeof(JsonbValue));
		operand->value->type = jbvBinary;
		operand->value->val.binary.data = &value->literal->root;
		operand->value->val.binary.len = VARSIZE(value->literal) - VARHDRSZ;
		operand->value_name = "literal";
	}
	else
	{
		operand->value_name = psprintf("$%d", list_length(p->values));
		p->values = lappend(p->values, value);
	}
	return operand;
}

/*
 * operand ::= value | size ( path ) | path
 */
static DdbOperand *
ParseOperand(PqParser *p)
{
	DdbOperand *operand;
	PqToken    *t = Peek(p);

	if (StartsValue(p))
		return ValueOperand(p, ParseValue(p));
	operand = palloc0(sizeof(DdbOperand));
	if (IsWord(t, "size") && PeekAt(p, 1)->kind == PQ_TOK_LPAREN)
	{
		Advance(p);
		Advance(p);
		operand->kind = DDB_OPERAND_SIZE;
		ParsePath(p, &operand->path);
		Expect(p, PQ_TOK_RPAREN);
		return operand;
	}
	operand->kind = DDB_OPERAND_PATH;
	ParsePath(p, &operand->path);
	return operand;
}


/* ---------------------------------------------------------------------
 * Conditions
 * ---------------------------------------------------------------------
 */

static DdbCondition *
NewCondition(DdbConditionKind kind, int noperands)
{
	DdbCondition *cond = palloc0(sizeof(DdbCondition));

	cond->kind = kind;
	cond->noperands = noperands;
	if (noperands > 0)
		cond->operands = palloc0(sizeof(DdbOperand *) * noperands);
	return cond;
}

static DdbCondition *
Logical(DdbConditionKind kind, DdbCondition *left, DdbCondition *right)
{
	DdbCondition *cond = NewCondition(kind, 0);

	cond->left = left;
	cond->right = right;
	return cond;
}

/*
 * An operand that must be a document path (IS MISSING, the first argument
 * of a function), or fail.
 */
static DdbOperand *
RequirePath(PqParser *p, DdbOperand *operand, int tokidx)
{
	if (operand->kind != DDB_OPERAND_PATH)
	{
		p->pos = tokidx;
		UnexpectedToken(p);
	}
	return operand;
}

/*
 * A literal string operand, for attribute_type(path, 'NULL').
 */
static DdbOperand *
StringOperand(PqParser *p, const char *s)
{
	DdbPqValue *value = palloc0(sizeof(DdbPqValue));

	value->kind = DDB_PQ_LITERAL;
	value->literal = ScalarLiteral("S", s, strlen(s), false);
	return ValueOperand(p, value);
}

/*
 * path IS NULL: a NULL value, or no value at all (PartiQL's MISSING IS
 * NULL).
 */
static DdbCondition *
IsNullCondition(PqParser *p, DdbOperand *path)
{
	DdbCondition *missing = NewCondition(DDB_COND_ATTRIBUTE_NOT_EXISTS, 1);
	DdbCondition *null_type = NewCondition(DDB_COND_ATTRIBUTE_TYPE, 2);

	missing->operands[0] = path;
	null_type->operands[0] = path;
	null_type->operands[1] = StringOperand(p, "NULL");
	return Logical(DDB_COND_OR, missing, null_type);
}

/*
 * A function used as a condition: begins_with, contains, attribute_type.
 */
static DdbCondition *
ParseFunctionCondition(PqParser *p, DdbConditionKind kind)
{
	DdbCondition *cond = NewCondition(kind, 2);

	Advance(p);
	Expect(p, PQ_TOK_LPAREN);
	Enter(p);
	cond->operands[0] = ParseOperand(p);
	Expect(p, PQ_TOK_COMMA);
	cond->operands[1] = ParseOperand(p);
	Expect(p, PQ_TOK_RPAREN);
	Leave(p);
	return cond;
}

/*
 * The comparator a token is, or -1.
 */
static int
Comparator(PqTokenKind kind)
{
	switch (kind)
	{
		case PQ_TOK_EQ:
			return DDB_CMP_EQ;
		case PQ_TOK_NE:
			return DDB_CMP_NE;
		case PQ_TOK_LT:
			return DDB_CMP_LT;
		case PQ_TOK_LE:
			return DDB_CMP_LE;
		case PQ_TOK_GT:
			return DDB_CMP_GT;
		case PQ_TOK_GE:
			return DDB_CMP_GE;
		default:
			return -1;
	}
}

/*
 * A predicate: a parenthesized condition, NOT, a function, or an operand
 * followed by a comparison, BETWEEN, IN or IS.
 */
static DdbCondition *
ParsePredicate(PqParser *p)
{
	PqToken    *t = Peek(p);
	DdbOperand *left;
	DdbCondition *cond;
	int			start = p->pos;
	int			cmp;
	bool		negated = false;

	if (AcceptWord(p, "NOT"))
	{
		Enter(p);
		cond = Logical(DDB_COND_NOT, ParsePredicate(p), NULL);
		Leave(p);
		return cond;
	}
	if (t->kind == PQ_TOK_LPAREN)
	{
		Advance(p);
		Enter(p);
		cond = ParseOr(p);
		Expect(p, PQ_TOK_RPAREN);
		Leave(p);
		return cond;
	}
	if (t->kind == PQ_TOK_IDENT && PeekAt(p, 1)->kind == PQ_TOK_LPAREN)
	{
		if (IsWord(t, "begins_with"))
			return ParseFunctionCondition(p, DDB_COND_BEGINS_WITH);
		if (IsWord(t, "contains"))
			return ParseFunctionCondition(p, DDB_COND_CONTAINS);
		if (IsWord(t, "attribute_type"))
			return ParseFunctionCondition(p, DDB_COND_ATTRIBUTE_TYPE);
		if (!IsWord(t, "size"))
			DdbValidationError("Statement wasn't well formed, can't be processed: Unsupported function: %s",
							   t->value);
	}

	left = ParseOperand(p);
	t = Peek(p);
	cmp = Comparator(t->kind);
	if (cmp >= 0)
	{
		Advance(p);
		cond = NewCondition(DDB_COND_COMPARE, 2);
		cond->op = (DdbCompareOp) cmp;
		cond->operands[0] = left;
		cond->operands[1] = ParseOperand(p);
		return cond;
	}
	if (AcceptWord(p, "IS"))
	{
		bool		is_not = AcceptWord(p, "NOT");

		RequirePath(p, left, start);
		if (AcceptWord(p, "MISSING"))
		{
			cond = NewCondition(is_not ? DDB_COND_ATTRIBUTE_EXISTS :
								DDB_COND_ATTRIBUTE_NOT_EXISTS, 1);
			cond->operands[0] = left;
			return cond;
		}
		ExpectWord(p, "NULL");
		cond = IsNullCondition(p, left);
		return is_not ? Logical(DDB_COND_NOT, cond, NULL) : cond;
	}
	if (AcceptWord(p, "NOT"))
		negated = true;
	if (AcceptWord(p, "BETWEEN"))
	{
		cond = NewCondition(DDB_COND_BETWEEN, 3);
		cond->operands[0] = left;
		cond->operands[1] = ParseOperand(p);
		ExpectWord(p, "AND");
		cond->operands[2] = ParseOperand(p);
	}
	else if (AcceptWord(p, "IN"))
	{
		PqTokenKind close;
		List	   *operands = NIL;
		ListCell   *lc;

		if (Accept(p, PQ_TOK_LBRACKET))
			close = PQ_TOK_RBRACKET;
		else
		{
			Expect(p, PQ_TOK_LPAREN);
			close = PQ_TOK_RPAREN;
		}
		for (;;)
		{
			operands = lappend(operands, ParseOperand(p));
			if (Accept(p, close))
				break;
			Expect(p, PQ_TOK_COMMA);
		}
		if (list_length(operands) > DDB_PARTIQL_MAX_IN)
			DdbValidationError("The IN operator is provided with too many operands; number of operands: %d",
							   list_length(operands));
		cond = NewCondition(DDB_COND_IN, list_length(operands) + 1);
		cond->operands[0] = left;
		foreach(lc, operands)
			cond->operands[foreach_current_index(lc) + 1] = lfirst(lc);
	}
	else
		UnexpectedToken(p);
	return negated ? Logical(DDB_COND_NOT, cond, NULL) : cond;
}

/*
 * and ::= predicate { AND predicate }
 */
static DdbCondition *
ParseAnd(PqParser *p)
{
	DdbCondition *cond = ParsePredicate(p);

	while (AcceptWord(p, "AND"))
		cond = Logical(DDB_COND_AND, cond, ParsePredicate(p));
	return cond;
}

/*
 * or ::= and { OR and }
 */
static DdbCondition *
ParseOr(PqParser *p)
{
	DdbCondition *cond = ParseAnd(p);

	while (AcceptWord(p, "OR"))
		cond = Logical(DDB_COND_OR, cond, ParseAnd(p));
	return cond;
}


/* ---------------------------------------------------------------------
 * Statements
 * ---------------------------------------------------------------------
 */

/*
 * table ::= name [. name]
 */
static void
ParseTable(PqParser *p, DdbStatement *stmt, bool index_allowed)
{
	PqToken    *t = ExpectName(p);

	stmt->table_name = t->value;
	if (Peek(p)->kind == PQ_TOK_DOT)
	{
		if (!index_allowed)
			UnexpectedToken(p);
		Advance(p);
		t = ExpectName(p);
		stmt->index_name = t->value;
	}
}

/*
 * SELECT ( * | path {, path} ) FROM table [WHERE cond] [ORDER BY ...]
 */
static void
ParseSelect(PqParser *p, DdbStatement *stmt)
{
	ExpectWord(p, "SELECT");
	if (!Accept(p, PQ_TOK_STAR))
	{
		List	   *paths = NIL;
		ListCell   *lc;

		for (;;)
		{
			DdbPath    *path = palloc0(sizeof(DdbPath));

			ParsePath(p, path);
			paths = lappend(paths, path);
			if (!Accept(p, PQ_TOK_COMMA))
				break;
		}
		stmt->projection = palloc0(sizeof(DdbProjection));
		stmt->projection->npaths = list_length(paths);
		stmt->projection->paths = palloc(sizeof(DdbPath) * list_length(paths));
		foreach(lc, paths)
			stmt->projection->paths[foreach_current_index(lc)] = *(DdbPath *) lfirst(lc);
	}
	ExpectWord(p, "FROM");
	ParseTable(p, stmt, true);
	if (AcceptWord(p, "WHERE"))
		stmt->where = ParseOr(p);
	if (AcceptWord(p, "ORDER"))
	{
		List	   *order = NIL;
		ListCell   *lc;

		ExpectWord(p, "BY");
		for (;;)
		{
			DdbOrderBy *o = palloc0(sizeof(DdbOrderBy));

			o->name = ExpectName(p)->value;
			if (AcceptWord(p, "DESC"))
				o->descending = true;
			else
				(void) AcceptWord(p, "ASC");
			order = lappend(order, o);
			if (!Accept(p, PQ_TOK_COMMA))
				break;
		}
		stmt->norder = list_length(order);
		stmt->order = palloc(sizeof(DdbOrderBy) * stmt->norder);
		foreach(lc, order)
			stmt->order[foreach_current_index(lc)] = *(DdbOrderBy *) lfirst(lc);
	}
}

/*
 * INSERT INTO table VALUE map
 */
static void
ParseInsert(PqParser *p, DdbStatement *stmt)
{
	ExpectWord(p, "INSERT");
	ExpectWord(p, "INTO");
	ParseTable(p, stmt, false);
	if (IsWord(Peek(p), "VALUES") || (IsWord(Peek(p), "VALUE") && PeekAt(p, 1)->kind == PQ_TOK_LSET))
		DdbValidationError("Unsupported operation: Inserting multiple items in a single statement is not supported, use \"INSERT INTO tableName VALUE item\" instead");
	ExpectWord(p, "VALUE");
	if (Peek(p)->kind != PQ_TOK_LBRACE)
		UnexpectedToken(p);
	stmt->item = ParseValue(p);
}

/*
 * A SET value's term: ( value ), list_append, set_add, set_delete, or an
 * operand.
 */
static DdbOperand *
ParseSetTerm(PqParser *p)
{
	PqToken    *t = Peek(p);
	DdbOperand *operand;

	if (t->kind == PQ_TOK_LPAREN)
	{
		Advance(p);
		Enter(p);
		operand = ParseSetValue(p);
		Expect(p, PQ_TOK_RPAREN);
		Leave(p);
		return operand;
	}
	if (t->kind == PQ_TOK_IDENT && PeekAt(p, 1)->kind == PQ_TOK_LPAREN)
	{
		if (IsWord(t, "list_append"))
		{
			Advance(p);
			Advance(p);
			Enter(p);
			operand = palloc0(sizeof(DdbOperand));
			operand->kind = DDB_OPERAND_LIST_APPEND;
			operand->left = ParseSetValue(p);
			Expect(p, PQ_TOK_COMMA);
			operand->right = ParseSetValue(p);
			Expect(p, PQ_TOK_RPAREN);
			Leave(p);
			return operand;
		}
		if (IsWord(t, "set_add") || IsWord(t, "set_delete"))
			DdbValidationError("Statement wasn't well formed, can't be processed: %s must be the whole value of a SET assignment to the path it names",
							   t->value);
		if (!IsWord(t, "size"))
			DdbValidationError("Statement wasn't well formed, can't be processed: Unsupported function: %s",
							   t->value);
	}
	operand = ParseOperand(p);
	if (operand->kind == DDB_OPERAND_SIZE)
		DdbValidationError("Statement wasn't well formed, can't be processed: Unsupported function in a SET value: size");
	return operand;
}

/*
 * term { (+|-) term }
 */
static DdbOperand *
ParseSetValue(PqParser *p)
{
	DdbOperand *operand = ParseSetTerm(p);

	for (;;)
	{
		DdbOperand *arith;
		PqTokenKind kind = Peek(p)->kind;

		if (kind != PQ_TOK_PLUS && kind != PQ_TOK_MINUS)
			return operand;
		Advance(p);
		arith = palloc0(sizeof(DdbOperand));
		arith->kind = kind == PQ_TOK_PLUS ? DDB_OPERAND_PLUS : DDB_OPERAND_MINUS;
		arith->left = operand;
		arith->right = ParseSetTerm(p);
		operand = arith;
	}
}

/*
 * path = value: a SET action, or, for set_add(path, set) and
 * set_delete(path, set), the update language's ADD or DELETE.
 */
static void
ParseAssignment(PqParser *p, DdbUpdateAction *action)
{
	PqToken    *t;

	ParsePath(p, &action->path);
	Expect(p, PQ_TOK_EQ);
	t = Peek(p);
	if ((IsWord(t, "set_add") || IsWord(t, "set_delete")) &&
		PeekAt(p, 1)->kind == PQ_TOK_LPAREN)
	{
		DdbPath		target;

		Advance(p);
		Advance(p);
		ParsePath(p, &target);
		if (!DdbPathEquals(&target, &action->path))
			DdbValidationError("Statement wasn't well formed, can't be processed: %s must be the whole value of a SET assignment to the path it names",
							   t->value);
		Expect(p, PQ_TOK_COMMA);
		action->kind = IsWord(t, "set_add") ? DDB_UPDATE_ADD : DDB_UPDATE_DELETE;
		action->value = ValueOperand(p, ParseValue(p));
		Expect(p, PQ_TOK_RPAREN);
		return;
	}
	action->kind = DDB_UPDATE_SET;
	action->value = ParseSetValue(p);
}

/*
 * [RETURNING (ALL|MODIFIED) (OLD|NEW) *]
 */
static DdbReturning
ParseReturning(PqParser *p)
{
	bool		all;
	bool		old;

	if (!AcceptWord(p, "RETURNING"))
		return DDB_RETURNING_NONE;
	if (AcceptWord(p, "ALL"))
		all = true;
	else
	{
		ExpectWord(p, "MODIFIED");
		all = false;
	}
	if (AcceptWord(p, "OLD"))
		old = true;
	else
	{
		ExpectWord(p, "NEW");
		old = false;
	}
	Expect(p, PQ_TOK_STAR);
	if (all)
		return old ? DDB_RETURNING_ALL_OLD : DDB_RETURNING_ALL_NEW;
	return old ? DDB_RETURNING_MODIFIED_OLD : DDB_RETURNING_MODIFIED_NEW;
}

/*
 * UPDATE table { SET ... | REMOVE ... }... [WHERE cond] [RETURNING ...]
 */
static void
ParseUpdate(PqParser *p, DdbStatement *stmt)
{
	List	   *actions = NIL;
	ListCell   *lc;

	ExpectWord(p, "UPDATE");
	ParseTable(p, stmt, false);
	for (;;)
	{
		if (AcceptWord(p, "SET"))
		{
			do
			{
				DdbUpdateAction *action = palloc0(sizeof(DdbUpdateAction));

				ParseAssignment(p, action);
				actions = lappend(actions, action);
			} while (Accept(p, PQ_TOK_COMMA));
		}
		else if (AcceptWord(p, "REMOVE"))
		{
			do
			{
				DdbUpdateAction *action = palloc0(sizeof(DdbUpdateAction));

				action->kind = DDB_UPDATE_REMOVE;
				ParsePath(p, &action->path);
				actions = lappend(actions, action);
			} while (Accept(p, PQ_TOK_COMMA));
		}
		else
			break;
	}
	if (actions == NIL)
		UnexpectedToken(p);
	stmt->update = palloc0(sizeof(DdbUpdate));
	stmt->update->nactions = list_length(actions);
	stmt->update->actions = palloc(sizeof(DdbUpdateAction) * list_length(actions));
	foreach(lc, actions)
		stmt->update->actions[foreach_current_index(lc)] = *(DdbUpdateAction *) lfirst(lc);
	if (AcceptWord(p, "WHERE"))
		stmt->where = ParseOr(p);
	stmt->returning = ParseReturning(p);
}

/*
 * DELETE FROM table [WHERE cond] [RETURNING ALL OLD *]
 */
static void
ParseDelete(PqParser *p, DdbStatement *stmt)
{
	static const char *const names[] = {
		"", "ALL OLD", "MODIFIED OLD", "ALL NEW", "MODIFIED NEW"
	};

	ExpectWord(p, "DELETE");
	ExpectWord(p, "FROM");
	ParseTable(p, stmt, false);
	if (AcceptWord(p, "WHERE"))
		stmt->where = ParseOr(p);
	stmt->returning = ParseReturning(p);
	if (stmt->returning != DDB_RETURNING_NONE && stmt->returning != DDB_RETURNING_ALL_OLD)
		DdbValidationError("Invalid returning clause: RETURNING %s *. Only RETURNING ALL OLD * is allowed in DELETE statements.",
						   names[stmt->returning]);
}

/*
 * Parse a whole statement.
 */
static DdbStatement *
ParseStatement(PqParser *p)
{
	DdbStatement *stmt = palloc0(sizeof(DdbStatement));
	PqToken    *t = Peek(p);
	ListCell   *lc;

	if (IsWord(t, "SELECT"))
	{
		stmt->kind = DDB_STATEMENT_SELECT;
		ParseSelect(p, stmt);
	}
	else if (IsWord(t, "INSERT"))
	{
		stmt->kind = DDB_STATEMENT_INSERT;
		ParseInsert(p, stmt);
	}
	else if (IsWord(t, "UPDATE"))
	{
		stmt->kind = DDB_STATEMENT_UPDATE;
		ParseUpdate(p, stmt);
	}
	else if (IsWord(t, "DELETE"))
	{
		stmt->kind = DDB_STATEMENT_DELETE;
		ParseDelete(p, stmt);
	}
	else if (IsWord(t, "EXISTS"))
	{
		Advance(p);
		Expect(p, PQ_TOK_LPAREN);
		stmt->kind = DDB_STATEMENT_EXISTS;
		ParseSelect(p, stmt);
		Expect(p, PQ_TOK_RPAREN);
	}
	else if (t->kind == PQ_TOK_EOF)
		SyntaxError(p, "Unexpected end of statement");
	else
		SyntaxError(p, "Expected data manipulation");

	(void) Accept(p, PQ_TOK_SEMICOLON);
	if (Peek(p)->kind != PQ_TOK_EOF)
		UnexpectedToken(p);

	stmt->nparameters = p->nparameters;
	stmt->nvalues = list_length(p->values);
	stmt->values = palloc(sizeof(DdbPqValue *) * Max(stmt->nvalues, 1));
	foreach(lc, p->values)
		stmt->values[foreach_current_index(lc)] = lfirst(lc);
	return stmt;
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
	pq_cache_context = AllocSetContextCreate(CacheMemoryContext, "ddb PartiQL statement cache",
											 ALLOCSET_SMALL_SIZES);
	pq_cache_buckets = MemoryContextAllocZero(pq_cache_context,
											  PQ_CACHE_BUCKETS * sizeof(PqCacheEntry *));
	pq_cache_entries = 0;
	pq_cache_bytes = 0;
}

/*
 * Replace a full cache by an empty one; statements already returned stay
 * valid until the outermost ddb call in progress ends.
 */
static void
CacheRetire(void)
{
	MemoryContext call = DdbExpressionCacheCurrentCallContext();

	if (call != NULL)
		MemoryContextSetParent(pq_cache_context, call);
	else
		MemoryContextDelete(pq_cache_context);
	CacheInit();
}

/*
 * Parse a statement into a memory context of its own (a child of the
 * caller's), deleted if the parse fails.
 */
static DdbStatement *
ParseIntoOwnContext(const char *text, int len, MemoryContext *context)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext tree_context;
	DdbStatement *volatile stmt = NULL;

	tree_context = AllocSetContextCreate(caller, "ddb PartiQL statement", ALLOCSET_SMALL_SIZES);
	PG_TRY();
	{
		PqParser	parser;

		MemoryContextSwitchTo(tree_context);
		memset(&parser, 0, sizeof(parser));
		parser.text = pnstrdup(text, len);
		parser.len = len;
		Tokenize(&parser);
		stmt = ParseStatement(&parser);
		stmt->text = parser.text;
		stmt->len = len;
		pfree(parser.tokens);
		MemoryContextSwitchTo(caller);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(caller);
		MemoryContextDelete(tree_context);
		PG_RE_THROW();
	}
	PG_END_TRY();
	*context = tree_context;
	return stmt;
}

/*
 * DdbParseStatement parses a statement or finds it in the backend's cache.
 * The statement belongs to the cache: callers must not modify it, and may
 * rely on it until the outermost ddb call in progress ends.
 */
const DdbStatement *
DdbParseStatement(const char *text, int len)
{
	uint32		hash = hash_bytes((const unsigned char *) text, len);
	PqCacheEntry *entry;
	DdbStatement *stmt;
	MemoryContext context;

	if (pq_cache_context != NULL)
	{
		for (entry = pq_cache_buckets[hash % PQ_CACHE_BUCKETS]; entry; entry = entry->next)
		{
			if (entry->hash == hash && entry->statement->len == len &&
				memcmp(entry->statement->text, text, len) == 0)
				return entry->statement;
		}
	}

	stmt = ParseIntoOwnContext(text, len, &context);

	if (pq_cache_context == NULL)
		CacheInit();
	else if (pq_cache_entries >= PQ_CACHE_MAX_ENTRIES || pq_cache_bytes >= PQ_CACHE_MAX_BYTES)
		CacheRetire();
	entry = MemoryContextAlloc(context, sizeof(PqCacheEntry));
	entry->hash = hash;
	entry->statement = stmt;
	pq_cache_bytes += MemoryContextMemAllocated(context, false);
	MemoryContextSetParent(context, pq_cache_context);
	entry->next = pq_cache_buckets[hash % PQ_CACHE_BUCKETS];
	pq_cache_buckets[hash % PQ_CACHE_BUCKETS] = entry;
	pq_cache_entries++;
	return stmt;
}
