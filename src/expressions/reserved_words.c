/*-------------------------------------------------------------------------
 *
 * reserved_words.c
 *	  DynamoDB's reserved words: the names an expression may not use as a
 *	  bare attribute name (a #placeholder must stand in for them).
 *
 * The table is the list in the DynamoDB Developer Guide, "Reserved words in
 * DynamoDB" (docs.aws.amazon.com/amazondynamodb/latest/developerguide/
 * ReservedWords.html; awsdocs/amazon-dynamodb-developer-guide,
 * doc_source/ReservedWords.md): 573 words, ABORT ... ZONE, including the
 * guide's own misspellings (FLATTERN, INNTER, LOGED), which DynamoDB
 * reserves as written. The list is not case-sensitive.
 *
 * The words are kept in upper case and in byte order, so one binary search
 * with an upper-casing comparison finds any spelling.
 *
 * IDENTIFICATION
 *	  src/reserved_words.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "expr.h"

/* Number of words in DynamoDB's list */
#define DDB_RESERVED_WORD_COUNT 573

/* Length of the longest word (LOCALTIMESTAMP) */
#define DDB_RESERVED_WORD_MAX_LEN 14

static const char *const ddb_reserved_words[] = {
	"ABORT", "ABSOLUTE", "ACTION", "ADD", "AFTER", "AGENT", "AGGREGATE",
	"ALL", "ALLOCATE", "ALTER", "ANALYZE", "AND", "ANY", "ARCHIVE", "ARE",
	"ARRAY", "AS", "ASC", "ASCII", "ASENSITIVE", "ASSERTION", "ASYMMETRIC",
	"AT", "ATOMIC", "ATTACH", "ATTRIBUTE", "AUTH", "AUTHORIZATION",
	"AUTHORIZE", "AUTO", "AVG", "BACK", "BACKUP", "BASE", "BATCH", "BEFORE",
	"BEGIN", "BETWEEN", "BIGINT", "BINARY", "BIT", "BLOB", "BLOCK",
	"BOOLEAN", "BOTH", "BREADTH", "BUCKET", "BULK", "BY", "BYTE", "CALL",
	"CALLED", "CALLING", "CAPACITY", "CASCADE", "CASCADED", "CASE", "CAST",
	"CATALOG", "CHAR", "CHARACTER", "CHECK", "CLASS", "CLOB", "CLOSE",
	"CLUSTER", "CLUSTERED", "CLUSTERING", "CLUSTERS", "COALESCE", "COLLATE",
	"COLLATION", "COLLECTION", "COLUMN", "COLUMNS", "COMBINE", "COMMENT",
	"COMMIT", "COMPACT", "COMPILE", "COMPRESS", "CONDITION", "CONFLICT",
	"CONNECT", "CONNECTION", "CONSISTENCY", "CONSISTENT", "CONSTRAINT",
	"CONSTRAINTS", "CONSTRUCTOR", "CONSUMED", "CONTINUE", "CONVERT", "COPY",
	"CORRESPONDING", "COUNT", "COUNTER", "CREATE", "CROSS", "CUBE",
	"CURRENT", "CURSOR", "CYCLE", "DATA", "DATABASE", "DATE", "DATETIME",
	"DAY", "DEALLOCATE", "DEC", "DECIMAL", "DECLARE", "DEFAULT",
	"DEFERRABLE", "DEFERRED", "DEFINE", "DEFINED", "DEFINITION", "DELETE",
	"DELIMITED", "DEPTH", "DEREF", "DESC", "DESCRIBE", "DESCRIPTOR",
	"DETACH", "DETERMINISTIC", "DIAGNOSTICS", "DIRECTORIES", "DISABLE",
	"DISCONNECT", "DISTINCT", "DISTRIBUTE", "DO", "DOMAIN", "DOUBLE", "DROP",
	"DUMP", "DURATION", "DYNAMIC", "EACH", "ELEMENT", "ELSE", "ELSEIF",
	"EMPTY", "ENABLE", "END", "EQUAL", "EQUALS", "ERROR", "ESCAPE",
	"ESCAPED", "EVAL", "EVALUATE", "EXCEEDED", "EXCEPT", "EXCEPTION",
	"EXCEPTIONS", "EXCLUSIVE", "EXEC", "EXECUTE", "EXISTS", "EXIT",
	"EXPLAIN", "EXPLODE", "EXPORT", "EXPRESSION", "EXTENDED", "EXTERNAL",
	"EXTRACT", "FAIL", "FALSE", "FAMILY", "FETCH", "FIELDS", "FILE",
	"FILTER", "FILTERING", "FINAL", "FINISH", "FIRST", "FIXED", "FLATTERN",
	"FLOAT", "FOR", "FORCE", "FOREIGN", "FORMAT", "FORWARD", "FOUND", "FREE",
	"FROM", "FULL", "FUNCTION", "FUNCTIONS", "GENERAL", "GENERATE", "GET",
	"GLOB", "GLOBAL", "GO", "GOTO", "GRANT", "GREATER", "GROUP", "GROUPING",
	"HANDLER", "HASH", "HAVE", "HAVING", "HEAP", "HIDDEN", "HOLD", "HOUR",
	"IDENTIFIED", "IDENTITY", "IF", "IGNORE", "IMMEDIATE", "IMPORT", "IN",
	"INCLUDING", "INCLUSIVE", "INCREMENT", "INCREMENTAL", "INDEX", "INDEXED",
	"INDEXES", "INDICATOR", "INFINITE", "INITIALLY", "INLINE", "INNER",
	"INNTER", "INOUT", "INPUT", "INSENSITIVE", "INSERT", "INSTEAD", "INT",
	"INTEGER", "INTERSECT", "INTERVAL", "INTO", "INVALIDATE", "IS",
	"ISOLATION", "ITEM", "ITEMS", "ITERATE", "JOIN", "KEY", "KEYS", "LAG",
	"LANGUAGE", "LARGE", "LAST", "LATERAL", "LEAD", "LEADING", "LEAVE",
	"LEFT", "LENGTH", "LESS", "LEVEL", "LIKE", "LIMIT", "LIMITED", "LINES",
	"LIST", "LOAD", "LOCAL", "LOCALTIME", "LOCALTIMESTAMP", "LOCATION",
	"LOCATOR", "LOCK", "LOCKS", "LOG", "LOGED", "LONG", "LOOP", "LOWER",
	"MAP", "MATCH", "MATERIALIZED", "MAX", "MAXLEN", "MEMBER", "MERGE",
	"METHOD", "METRICS", "MIN", "MINUS", "MINUTE", "MISSING", "MOD", "MODE",
	"MODIFIES", "MODIFY", "MODULE", "MONTH", "MULTI", "MULTISET", "NAME",
	"NAMES", "NATIONAL", "NATURAL", "NCHAR", "NCLOB", "NEW", "NEXT", "NO",
	"NONE", "NOT", "NULL", "NULLIF", "NUMBER", "NUMERIC", "OBJECT", "OF",
	"OFFLINE", "OFFSET", "OLD", "ON", "ONLINE", "ONLY", "OPAQUE", "OPEN",
	"OPERATOR", "OPTION", "OR", "ORDER", "ORDINALITY", "OTHER", "OTHERS",
	"OUT", "OUTER", "OUTPUT", "OVER", "OVERLAPS", "OVERRIDE", "OWNER", "PAD",
	"PARALLEL", "PARAMETER", "PARAMETERS", "PARTIAL", "PARTITION",
	"PARTITIONED", "PARTITIONS", "PATH", "PERCENT", "PERCENTILE",
	"PERMISSION", "PERMISSIONS", "PIPE", "PIPELINED", "PLAN", "POOL",
	"POSITION", "PRECISION", "PREPARE", "PRESERVE", "PRIMARY", "PRIOR",
	"PRIVATE", "PRIVILEGES", "PROCEDURE", "PROCESSED", "PROJECT",
	"PROJECTION", "PROPERTY", "PROVISIONING", "PUBLIC", "PUT", "QUERY",
	"QUIT", "QUORUM", "RAISE", "RANDOM", "RANGE", "RANK", "RAW", "READ",
	"READS", "REAL", "REBUILD", "RECORD", "RECURSIVE", "REDUCE", "REF",
	"REFERENCE", "REFERENCES", "REFERENCING", "REGEXP", "REGION", "REINDEX",
	"RELATIVE", "RELEASE", "REMAINDER", "RENAME", "REPEAT", "REPLACE",
	"REQUEST", "RESET", "RESIGNAL", "RESOURCE", "RESPONSE", "RESTORE",
	"RESTRICT", "RESULT", "RETURN", "RETURNING", "RETURNS", "REVERSE",
	"REVOKE", "RIGHT", "ROLE", "ROLES", "ROLLBACK", "ROLLUP", "ROUTINE",
	"ROW", "ROWS", "RULE", "RULES", "SAMPLE", "SATISFIES", "SAVE",
	"SAVEPOINT", "SCAN", "SCHEMA", "SCOPE", "SCROLL", "SEARCH", "SECOND",
	"SECTION", "SEGMENT", "SEGMENTS", "SELECT", "SELF", "SEMI", "SENSITIVE",
	"SEPARATE", "SEQUENCE", "SERIALIZABLE", "SESSION", "SET", "SETS",
	"SHARD", "SHARE", "SHARED", "SHORT", "SHOW", "SIGNAL", "SIMILAR", "SIZE",
	"SKEWED", "SMALLINT", "SNAPSHOT", "SOME", "SOURCE", "SPACE", "SPACES",
	"SPARSE", "SPECIFIC", "SPECIFICTYPE", "SPLIT", "SQL", "SQLCODE",
	"SQLERROR", "SQLEXCEPTION", "SQLSTATE", "SQLWARNING", "START", "STATE",
	"STATIC", "STATUS", "STORAGE", "STORE", "STORED", "STREAM", "STRING",
	"STRUCT", "STYLE", "SUB", "SUBMULTISET", "SUBPARTITION", "SUBSTRING",
	"SUBTYPE", "SUM", "SUPER", "SYMMETRIC", "SYNONYM", "SYSTEM", "TABLE",
	"TABLESAMPLE", "TEMP", "TEMPORARY", "TERMINATED", "TEXT", "THAN", "THEN",
	"THROUGHPUT", "TIME", "TIMESTAMP", "TIMEZONE", "TINYINT", "TO", "TOKEN",
	"TOTAL", "TOUCH", "TRAILING", "TRANSACTION", "TRANSFORM", "TRANSLATE",
	"TRANSLATION", "TREAT", "TRIGGER", "TRIM", "TRUE", "TRUNCATE", "TTL",
	"TUPLE", "TYPE", "UNDER", "UNDO", "UNION", "UNIQUE", "UNIT", "UNKNOWN",
	"UNLOGGED", "UNNEST", "UNPROCESSED", "UNSIGNED", "UNTIL", "UPDATE",
	"UPPER", "URL", "USAGE", "USE", "USER", "USERS", "USING", "UUID",
	"VACUUM", "VALUE", "VALUED", "VALUES", "VARCHAR", "VARIABLE", "VARIANCE",
	"VARINT", "VARYING", "VIEW", "VIEWS", "VIRTUAL", "VOID", "WAIT", "WHEN",
	"WHENEVER", "WHERE", "WHILE", "WINDOW", "WITH", "WITHIN", "WITHOUT",
	"WORK", "WRAPPED", "WRITE", "YEAR", "ZONE",
};

StaticAssertDecl(lengthof(ddb_reserved_words) == DDB_RESERVED_WORD_COUNT,
				 "DynamoDB reserves 573 words");

/*
 * Compare a name (any case, not NUL-terminated) with an upper-case word,
 * as strcmp does.
 */
static int
CompareWord(const char *name, int len, const char *word)
{
	int			i;

	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) name[i];
		unsigned char w = (unsigned char) word[i];

		if (c >= 'a' && c <= 'z')
			c = c - 'a' + 'A';
		if (w == '\0')
			return 1;
		if (c != w)
			return c < w ? -1 : 1;
	}
	return word[len] == '\0' ? 0 : -1;
}

/*
 * DdbIsReservedWord says whether a bare name is one of DynamoDB's reserved
 * words, in any case.
 */
bool
DdbIsReservedWord(const char *name, int len)
{
	int			low = 0;
	int			high = lengthof(ddb_reserved_words) - 1;

	if (len < 2 || len > DDB_RESERVED_WORD_MAX_LEN)
		return false;

	while (low <= high)
	{
		int			mid = (low + high) / 2;
		int			cmp = CompareWord(name, len, ddb_reserved_words[mid]);

		if (cmp == 0)
			return true;
		if (cmp < 0)
			high = mid - 1;
		else
			low = mid + 1;
	}
	return false;
}
