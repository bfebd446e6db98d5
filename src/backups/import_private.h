/*-------------------------------------------------------------------------
 *
 * import_private.h
 *	  What the two halves of ImportTable share: the API and the worker's
 *	  unit of work (import.c), and the reading of the source files into
 *	  items (import_read.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_IMPORT_PRIVATE_H
#define DDB_IMPORT_PRIVATE_H

#include "postgres.h"

#include "nodes/pg_list.h"
#include "utils/jsonb.h"

#include "catalog.h"

/* InputFormat */
typedef enum DdbImportFormat
{
	DDB_IMPORT_DYNAMODB_JSON,
	DDB_IMPORT_CSV
} DdbImportFormat;

/* InputCompressionType */
typedef enum DdbImportCompression
{
	DDB_IMPORT_NONE,
	DDB_IMPORT_GZIP,
	DDB_IMPORT_ZSTD
} DdbImportCompression;

/*
 * The longest line (DYNAMODB_JSON) or record (CSV) read: longer ones are
 * one error each, skipped without being held in memory. An item is at
 * most 400 KB; its DynamoDB JSON is larger (base64, escapes, type keys).
 */
#define DDB_IMPORT_MAX_RECORD (4 * 1024 * 1024)

/* What to read, and how */
typedef struct DdbImportSpec
{
	const char *import_arn;		/* for log lines */
	char	   *root;			/* ddb.export_directory, resolved */
	char	   *bucket;			/* S3Bucket: a directory under root */
	char	   *key_prefix;		/* S3KeyPrefix ("" when none): a prefix of the
								 * files' paths relative to the bucket */
	DdbImportFormat format;
	DdbImportCompression compression;
	char		delimiter;		/* CSV: Delimiter (default ',') */
	int			nheaders;		/* CSV: HeaderList (0: each file's first line) */
	char	  **headers;		/* in the stored form of strings */
	int			ntyped;			/* CSV: key attributes of the table and its */
	char	  **typed_names;	/* indexes, stored form, and their */
	char	   *typed_types;	/* AttributeDefinitions types ('S', 'N', 'B') */
	DdbTable   *table;			/* the table imported into */
} DdbImportSpec;

/* What the reading did so far */
typedef struct DdbImportCounts
{
	int64		processed_bytes;	/* bytes read (uncompressed) */
	int64		processed_items;	/* lines or records that stood for an item */
	int64		errors;			/* of those, the ones that were not imported */
	int64		logged_errors;	/* errors written to the server log */
} DdbImportCounts;

/* One file to read */
typedef struct DdbImportFile
{
	char	   *key;			/* its S3 key: its path relative to the bucket */
	char	   *path;			/* where it is read from (symbolic links resolved) */
} DdbImportFile;

/*
 * Receives each valid item (stored form, normalized), and where it was
 * read ("<key> line <n>")
 */
typedef void (*DdbImportItemSink) (Jsonb *item, const char *where, void *arg);

/*
 * import_read.c: the files of an import (DdbImportFile), sorted by key;
 * raises an import failure (below) when the bucket is not there
 */
extern List *DdbImportListFiles(DdbImportSpec *spec);

/*
 * import_read.c: read one file, passing each valid item to sink and
 * counting the rest as errors
 */
extern void DdbImportReadFile(DdbImportSpec *spec, DdbImportFile *file, DdbImportCounts *counts,
							  DdbImportItemSink sink, void *sink_arg);

/*
 * import_read.c: count an item that was not imported, and write why to the
 * server log (the first few of an import)
 */
extern void DdbImportItemError(DdbImportSpec *spec, DdbImportCounts *counts, const char *where,
							   const char *why);

/*
 * Fail the import being run: raise an error whose message becomes its
 * FailureMessage, with code its FailureCode
 */
extern void DdbImportFail(const char *code, const char *fmt,...)
			pg_attribute_printf(2, 3) pg_attribute_noreturn();

/* The FailureCode of the last DdbImportFail (NULL: none since reset) */
extern const char *DdbImportFailureCode;

#endif							/* DDB_IMPORT_PRIVATE_H */
