/*-------------------------------------------------------------------------
 *
 * string_escape.h
 *	  The stored form of strings: an order-preserving escape that lets
 *	  jsonb and text hold DynamoDB strings containing U+0000.
 *
 * DynamoDB strings may contain any character, U+0000 included; jsonb and
 * text cannot hold U+0000. Inside ddb (requests once parsed, stored items,
 * key columns, the catalog) every string is kept in its stored form:
 *
 *	  U+0000 -> U+0001 U+0001
 *	  U+0001 -> U+0001 U+0002
 *
 * and every other character stands for itself, so a string without U+0000
 * and U+0001 is its own stored form. The code words are prefix-free and
 * ordered like the characters they replace, so byte order, equality and
 * prefixes of stored forms are those of the strings (comparisons, key
 * order, Query ranges and begins_with work on stored forms unchanged);
 * lengths, sizes and substring search need the helpers below.
 *
 * Requests are escaped where they enter (DdbEscapeJsonText for JSON text,
 * DdbEscapeJsonb for jsonb) and responses unescaped where they leave
 * (DdbUnescapeJsonText, DdbUnescapeJsonb).
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_STRING_ESCAPE_H
#define DDB_STRING_ESCAPE_H

#include "postgres.h"

#include "utils/jsonb.h"

#define DDB_ESCAPE_CHAR		'\x01'	/* starts a code word of two bytes */
#define DDB_ESCAPED_NUL		'\x01'	/* second byte: U+0000 */
#define DDB_ESCAPED_ESCAPE	'\x02'	/* second byte: U+0001 */

/*
 * JSON text with \u0000 and \u0001 escapes rewritten to the stored form
 * (\u0001\u0001, \u0001\u0002); the input itself when it has none.
 */
extern char *DdbEscapeJsonText(char *json);

/*
 * JSON text as JsonbToCString renders a stored-form value, with the stored
 * form undone (\u0001\u0001 -> \u0000, \u0001\u0002 -> \u0001); the input
 * itself when it has none.
 */
extern char *DdbUnescapeJsonText(char *json);

/* jsonb whose strings hold U+0001, in the stored form; jb itself if none */
extern Jsonb *DdbEscapeJsonb(Jsonb *jb);

/*
 * A stored-form jsonb value as jsonb (jb itself when nothing is escaped);
 * raises an error naming the text entry points when a string holds U+0000,
 * which jsonb cannot hold.
 */
extern Jsonb *DdbUnescapeJsonb(Jsonb *jb);

/* Whether len bytes are a well-formed stored form */
extern bool DdbStoredStringIsValid(const char *s, int len);

/* UTF-8 bytes of the string a stored form stands for */
extern int	DdbStoredStringSize(const char *s, int len);

/* Characters of the string a stored form stands for */
extern int	DdbStoredStringChars(const char *s, int len);

/* Whether the string of one stored form occurs in that of another */
extern bool DdbStoredStringContains(const char *haystack, int hlen,
									const char *needle, int nlen);

#endif							/* DDB_STRING_ESCAPE_H */
