/*-------------------------------------------------------------------------
 *
 * import_read.c
 *	  ImportTable's reading of its source: the files under
 *	  <ddb.export_directory>/<S3Bucket> whose key (path relative to the
 *	  bucket) starts with S3KeyPrefix, decompressed (GZIP, ZSTD or NONE)
 *	  and split into DYNAMODB_JSON lines or CSV records, each made into an
 *	  item valid for the table imported into.
 *
 * Nothing outside the root directory is read: the bucket and each file
 * are resolved (realpath) and must lie under the resolved root; the walk
 * does not enter symbolic links to directories, and follows a symbolic
 * link to a file only when its target is under the root. Files are opened
 * with O_NOFOLLOW once resolved.
 *
 * Memory stays bounded whatever the size of a file: files are streamed in
 * 64 kB blocks, one line or record at a time, and a line or record longer
 * than DDB_IMPORT_MAX_RECORD is one error, skipped without being kept.
 * Each line or record that stands for an item counts in ProcessedItemCount;
 * one that cannot be made into a valid item (malformed JSON or CSV, not an
 * {"Item": {...}} line, an invalid AttributeValue, a missing or mistyped
 * key, an item over 400 KB) counts in ErrorCount instead of being passed
 * on. A file whose compressed data is corrupt or cut short counts one error
 * and the rest of it is skipped, as DynamoDB may skip "the remaining
 * portion of the object". Blank lines are not items.
 *
 * Errors are caught around the parsing and validation of one line only,
 * which allocate memory and raise nothing else (no locks, no buffers), and
 * only those of ddb (SQLSTATE class YD), of data (22) and of program limits
 * (54); anything else is re-thrown.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "backups/backups.h"
#include "backups/import_private.h"
#include "errors.h"
#include "item.h"
#include "json_util.h"
#include "key.h"
#include "string_escape.h"

/* errors of an import written to the server log, at most */
#define IMPORT_LOGGED_ERRORS 100

/* bytes read from a file (or decompressed) at a time */
#define IMPORT_BLOCK_SIZE 65536

const char *DdbImportFailureCode = NULL;

/*
 * DdbImportFail raises the error that fails an import, remembering its
 * FailureCode.
 */
void
DdbImportFail(const char *code, const char *fmt,...)
{
	va_list		args;
	StringInfoData message;

	initStringInfo(&message);
	for (;;)
	{
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&message, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&message, needed);
	}
	DdbImportFailureCode = code;
	ereport(ERROR,
			(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
			 errmsg("%s", message.data)));
	pg_unreachable();
}

/*
 * DdbImportItemError counts a line or record that was not imported and
 * writes why to the server log, for the first IMPORT_LOGGED_ERRORS errors
 * of an import (DynamoDB writes them to CloudWatch Logs).
 */
void
DdbImportItemError(DdbImportSpec *spec, DdbImportCounts *counts, const char *where,
				   const char *why)
{
	counts->errors++;
	if (counts->logged_errors < IMPORT_LOGGED_ERRORS)
		ereport(LOG,
				(errmsg("ddb import %s: %s: %s", spec->import_arn, where, why)));
	else if (counts->logged_errors == IMPORT_LOGGED_ERRORS)
		ereport(LOG,
				(errmsg("ddb import %s: further errors are counted, not logged",
						spec->import_arn)));
	counts->logged_errors++;
}

/* ---- the files ---- */

/*
 * The resolved path of path, or NULL when it cannot be resolved (missing).
 */
static char *
Resolve(const char *path)
{
	char		resolved[PATH_MAX];

	if (realpath(path, resolved) == NULL)
		return NULL;
	return pstrdup(resolved);
}

/*
 * Whether a directory whose key is dir_key ("a/b/") may hold files whose
 * key starts with prefix: the one is a prefix of the other.
 */
static bool
DirectoryMayMatch(const char *dir_key, const char *prefix)
{
	size_t		dlen = strlen(dir_key);
	size_t		plen = strlen(prefix);

	return strncmp(dir_key, prefix, Min(dlen, plen)) == 0;
}

/*
 * Add the files under directory dir (resolved, key dir_key: "" or ending
 * with '/') whose key starts with the prefix.
 */
static void
WalkDirectory(DdbImportSpec *spec, const char *dir, const char *dir_key, List **files)
{
	DIR		   *d;
	struct dirent *de;

	check_stack_depth();
	d = AllocateDir(dir);

	while ((de = ReadDir(d, dir)) != NULL)
	{
		char	   *path;
		char	   *key;
		struct stat st;

		CHECK_FOR_INTERRUPTS();
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		path = psprintf("%s/%s", dir, de->d_name);
		key = psprintf("%s%s", dir_key, de->d_name);
		if (lstat(path, &st) != 0)
			continue;			/* gone meanwhile */
		if (S_ISDIR(st.st_mode))
		{
			char	   *sub_key = psprintf("%s/", key);

			if (DirectoryMayMatch(sub_key, spec->key_prefix))
				WalkDirectory(spec, path, sub_key, files);
		}
		else if (strncmp(key, spec->key_prefix, strlen(spec->key_prefix)) == 0)
		{
			DdbImportFile *file;

			if (S_ISLNK(st.st_mode))
			{
				char	   *target = Resolve(path);

				/* only a link to a file under the root */
				if (target == NULL || !DdbPathWithin(target, spec->root) ||
					stat(target, &st) != 0 || !S_ISREG(st.st_mode))
					continue;
				path = target;
			}
			else if (!S_ISREG(st.st_mode))
				continue;
			file = palloc(sizeof(DdbImportFile));
			file->key = key;
			file->path = path;
			*files = lappend(*files, file);
		}
	}
	FreeDir(d);
}

/*
 * Order files by key, as S3 lists objects.
 */
static int
CompareFiles(const ListCell *a, const ListCell *b)
{
	return strcmp(((DdbImportFile *) lfirst(a))->key, ((DdbImportFile *) lfirst(b))->key);
}

/*
 * DdbImportListFiles lists the files of an import, in key order.
 */
List *
DdbImportListFiles(DdbImportSpec *spec)
{
	char	   *bucket;
	char	   *start;
	char	   *start_key;
	const char *slash;
	List	   *files = NIL;
	struct stat st;

	bucket = Resolve(psprintf("%s/%s", spec->root, spec->bucket));
	if (bucket == NULL || stat(bucket, &st) != 0 || !S_ISDIR(st.st_mode))
		DdbImportFail("S3NoSuchBucket", "The specified bucket does not exist: %s", spec->bucket);
	if (!DdbPathWithin(bucket, spec->root) || strcmp(bucket, spec->root) == 0)
		DdbImportFail("S3AccessDenied", "Access denied to bucket %s: it is not a directory under ddb.export_directory",
					  spec->bucket);

	/* the walk starts at the prefix's directory part */
	slash = strrchr(spec->key_prefix, '/');
	start_key = slash == NULL ? pstrdup("") : pnstrdup(spec->key_prefix, slash - spec->key_prefix + 1);
	start = start_key[0] == '\0' ? bucket : Resolve(psprintf("%s/%s", bucket, start_key));
	if (start != NULL && DdbPathWithin(start, bucket) && stat(start, &st) == 0 && S_ISDIR(st.st_mode))
		WalkDirectory(spec, start, start_key, &files);
	list_sort(files, CompareFiles);
	return files;
}

/* ---- decompression ---- */

/* A file being read, decompressed */
typedef struct ImportReader
{
	int			fd;				/* the file (a transient file) */
	DdbImportCompression compression;
	gzFile		gz;				/* GZIP: zlib's stream on a dup of fd */
	ZSTD_DStream *zstd;			/* ZSTD: the decompression stream */
	ZSTD_inBuffer zin;			/* and its input */
	size_t		zstd_pending;	/* ZSTD_decompressStream's last hint: 0 at the
								 * end of a frame */
	bool		checked;		/* GZIP: the data was found to be gzip */
	const char *broken;			/* why the data cannot be read on, or NULL */
} ImportReader;

/*
 * Read up to len bytes of a file's raw data; raises on an I/O error.
 */
static ssize_t
ReadRaw(ImportReader *reader, const char *path, char *buf, size_t len)
{
	ssize_t		n;

	do
		n = read(reader->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read file \"%s\": %m", path)));
	return n;
}

/*
 * Read up to len bytes of a file's (decompressed) data: the count, 0 at its
 * end, or -1 when the data is corrupt (reader->broken says why).
 */
static ssize_t
ReaderRead(ImportReader *reader, const char *path, char *buf, size_t len)
{
	switch (reader->compression)
	{
		case DDB_IMPORT_NONE:
			return ReadRaw(reader, path, buf, len);
		case DDB_IMPORT_GZIP:
			{
				int			n = gzread(reader->gz, buf, (unsigned) len);
				int			errnum;
				const char *message;

				if (!reader->checked)
				{
					if (n > 0 && gzdirect(reader->gz))
					{
						reader->broken = "the file is not in gzip format";
						return -1;
					}
					reader->checked = true;
				}
				message = gzerror(reader->gz, &errnum);
				if (n < 0 || (n == 0 && errnum != Z_OK))
				{
					reader->broken = errnum == Z_BUF_ERROR ? "the gzip data is cut short" :
						psprintf("the gzip data is corrupt: %s", message);
					return -1;
				}
				return n;
			}
		case DDB_IMPORT_ZSTD:
			{
				ZSTD_outBuffer out = {buf, len, 0};
				char	   *in = (char *) reader->zin.src;

				while (out.pos == 0)
				{
					size_t		ret;

					if (reader->zin.pos == reader->zin.size)
					{
						ssize_t		n = ReadRaw(reader, path, in, IMPORT_BLOCK_SIZE);

						if (n == 0)
						{
							if (reader->zstd_pending != 0)
							{
								reader->broken = "the zstd data is cut short";
								return -1;
							}
							return 0;
						}
						reader->zin.size = n;
						reader->zin.pos = 0;
					}
					ret = ZSTD_decompressStream(reader->zstd, &out, &reader->zin);
					if (ZSTD_isError(ret))
					{
						reader->broken = psprintf("the zstd data is corrupt: %s", ZSTD_getErrorName(ret));
						return -1;
					}
					reader->zstd_pending = ret;
				}
				return out.pos;
			}
	}
	return -1;
}

/* ---- lines and records ---- */

/* Lines of a file */
typedef struct LineReader
{
	ImportReader *reader;
	const char *path;
	DdbImportCounts *counts;
	char	   *block;			/* IMPORT_BLOCK_SIZE bytes read ahead */
	int			pos;			/* next byte of block */
	int			len;			/* bytes in block */
	bool		done;			/* the end, or data that cannot be read on */
	int64		line_number;	/* of the last line returned */
} LineReader;

/*
 * Read the next line into line (without its "\n" or "\r\n"): false at the
 * end of the file or of its readable data. *too_long is set for a line
 * longer than DDB_IMPORT_MAX_RECORD, whose bytes were skipped.
 */
static bool
NextLine(LineReader *lr, StringInfo line, bool *too_long)
{
	bool		any = false;

	resetStringInfo(line);
	*too_long = false;
	for (;;)
	{
		char	   *newline;
		int			take;

		if (lr->pos == lr->len)
		{
			ssize_t		n;

			if (lr->done)
				break;
			n = ReaderRead(lr->reader, lr->path, lr->block, IMPORT_BLOCK_SIZE);
			if (n <= 0)
			{
				lr->done = true;
				if (n < 0)
					return false;	/* the partial line is part of what is lost */
				break;
			}
			lr->counts->processed_bytes += n;
			lr->pos = 0;
			lr->len = (int) n;
		}
		any = true;
		newline = memchr(lr->block + lr->pos, '\n', lr->len - lr->pos);
		take = newline != NULL ? (int) (newline - (lr->block + lr->pos)) : lr->len - lr->pos;
		if (!*too_long && line->len + take > DDB_IMPORT_MAX_RECORD)
		{
			*too_long = true;
			resetStringInfo(line);
		}
		if (!*too_long)
			appendBinaryStringInfo(line, lr->block + lr->pos, take);
		lr->pos += take;
		if (newline != NULL)
		{
			lr->pos++;
			break;
		}
	}
	if (!any)
		return false;
	lr->line_number++;
	if (line->len > 0 && line->data[line->len - 1] == '\r')
		line->data[--line->len] = '\0';
	return true;
}

/*
 * A raw string (any bytes) in the stored form of strings; ValidationException
 * unless it is UTF-8.
 */
static char *
StoredString(const char *s, int len, int *stored_len)
{
	StringInfoData out;

	if (!pg_verify_mbstr(PG_UTF8, s, len, true))
		DdbValidationError("a value is not valid UTF-8");
	initStringInfo(&out);
	for (int i = 0; i < len; i++)
	{
		if (s[i] == '\0' || s[i] == DDB_ESCAPE_CHAR)
		{
			appendStringInfoChar(&out, DDB_ESCAPE_CHAR);
			appendStringInfoChar(&out, s[i] == '\0' ? DDB_ESCAPED_NUL : DDB_ESCAPED_ESCAPE);
		}
		else
			appendStringInfoChar(&out, s[i]);
	}
	*stored_len = out.len;
	return out.data;
}

/*
 * The item of a DYNAMODB_JSON line, {"Item": {...}}, normalized and
 * checked against the table's key schema; raises what is wrong.
 */
static Jsonb *
JsonLineItem(DdbImportSpec *spec, StringInfo line)
{
	Jsonb	   *parsed;
	JsonbValue	item;
	Jsonb	   *normalized;
	Size		size;
	DdbKey		key;

	if (memchr(line->data, '\0', line->len) != NULL)
		DdbValidationError("the line holds a NUL byte");
	parsed = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
												CStringGetDatum(DdbEscapeJsonText(line->data))));
	if (!JB_ROOT_IS_OBJECT(parsed) || JB_ROOT_IS_SCALAR(parsed) ||
		JsonContainerSize(&parsed->root) != 1 ||
		!DdbJsonGet(&parsed->root, "Item", &item) ||
		item.type != jbvBinary || !JsonContainerIsObject(item.val.binary.data))
		DdbValidationError("the line is not an object {\"Item\": {...}}");
	normalized = DdbItemNormalize(item.val.binary.data, &size);
	DdbKeyFromItem(spec->table, &normalized->root, &key);
	return normalized;
}

/*
 * Split a CSV record into fields (raw bytes); false when it is malformed.
 * A field may be quoted ("..."), with "" standing for a quote; a quoted
 * field may hold the delimiter and line breaks.
 */
static bool
SplitCsv(const char *s, int len, char delimiter, List **fields)
{
	int			i = 0;

	*fields = NIL;
	for (;;)
	{
		StringInfo	field = makeStringInfo();

		if (i < len && s[i] == '"')
		{
			i++;
			for (;;)
			{
				if (i >= len)
					return false;	/* unterminated */
				if (s[i] == '"')
				{
					if (i + 1 < len && s[i + 1] == '"')
					{
						appendStringInfoChar(field, '"');
						i += 2;
						continue;
					}
					i++;
					break;
				}
				appendStringInfoChar(field, s[i++]);
			}
			if (i < len && s[i] != delimiter)
				return false;	/* text after the closing quote */
		}
		else
		{
			while (i < len && s[i] != delimiter)
				appendStringInfoChar(field, s[i++]);
		}
		*fields = lappend(*fields, field);
		if (i >= len)
			return true;
		i++;					/* the delimiter */
	}
}

/*
 * Whether a CSV record is incomplete: inside a quoted field at its end. A
 * quote opens a quoted field only at the start of a field (elsewhere it is
 * malformed, and SplitCsv says so).
 */
static bool
CsvOpen(StringInfo record, char delimiter)
{
	bool		field_start = true;
	bool		quoted = false;

	for (int i = 0; i < record->len; i++)
	{
		char		c = record->data[i];

		if (quoted)
		{
			if (c == '"')
			{
				if (i + 1 < record->len && record->data[i + 1] == '"')
					i++;
				else
					quoted = false;
			}
		}
		else if (c == '"' && field_start)
			quoted = true;
		field_start = !quoted && c == delimiter;
	}
	return quoted;
}

/*
 * The item of a CSV record, with the header's names: every value a string
 * (S), except those of the key attributes of the table and of its indexes,
 * which take their AttributeDefinitions type (N: a number, B: base64); an
 * empty value is no attribute. Normalized and checked against the key
 * schema; raises what is wrong.
 */
static Jsonb *
CsvRecordItem(DdbImportSpec *spec, StringInfo record, char **names, int nnames)
{
	List	   *fields;
	JsonbParseState *st = NULL;
	Jsonb	   *built;
	Jsonb	   *normalized;
	Size		size;
	DdbKey		key;
	int			i = 0;
	ListCell   *lc;

	if (!SplitCsv(record->data, record->len, spec->delimiter, &fields))
		DdbValidationError("the record is not valid CSV");
	if (list_length(fields) != nnames)
		DdbValidationError("the record has %d fields, the header %d", list_length(fields), nnames);
	DdbPushBeginObject(&st);
	foreach(lc, fields)
	{
		StringInfo	field = (StringInfo) lfirst(lc);
		const char *name = names[i++];
		const char *type = "S";
		char	   *value;
		int			value_len;

		if (field->len == 0)
			continue;
		for (int t = 0; t < spec->ntyped; t++)
		{
			/* the pushed key must outlive this loop: a literal */
			if (strcmp(spec->typed_names[t], name) == 0)
				type = spec->typed_types[t] == 'N' ? "N" : spec->typed_types[t] == 'B' ? "B" : "S";
		}
		value = StoredString(field->data, field->len, &value_len);
		DdbPushKey(&st, name);
		DdbPushBeginObject(&st);
		DdbPushKey(&st, type);
		DdbPushStringLen(&st, WJB_VALUE, value, value_len);
		(void) DdbPushEndObject(&st);
	}
	built = JsonbValueToJsonb(DdbPushEndObject(&st));
	normalized = DdbItemNormalize(&built->root, &size);
	DdbKeyFromItem(spec->table, &normalized->root, &key);
	return normalized;
}

/*
 * The names of a CSV header record (stored form); raises when malformed.
 */
static char **
CsvHeader(DdbImportSpec *spec, StringInfo record, int *nnames)
{
	List	   *fields;
	char	  **names;
	int			i = 0;
	ListCell   *lc;

	if (!SplitCsv(record->data, record->len, spec->delimiter, &fields))
		DdbValidationError("the header is not valid CSV");
	names = palloc(sizeof(char *) * list_length(fields));
	foreach(lc, fields)
	{
		StringInfo	field = (StringInfo) lfirst(lc);
		int			len;

		if (field->len == 0)
			DdbValidationError("the header has an empty name");
		names[i] = StoredString(field->data, field->len, &len);
		if (memchr(names[i], '\0', len) != NULL)
			DdbValidationError("the header has a name with a NUL");
		i++;
	}
	*nnames = i;
	return names;
}

/*
 * Whether an error raised while making an item is about the item (ddb's
 * errors, data exceptions, program limits) rather than about the server.
 */
static bool
IsItemError(ErrorData *error)
{
	int			category = ERRCODE_TO_CATEGORY(error->sqlerrcode);

	return category == ERRCODE_TO_CATEGORY(MAKE_SQLSTATE('Y', 'D', '0', '0', '0')) ||
		category == ERRCODE_DATA_EXCEPTION ||
		category == ERRCODE_PROGRAM_LIMIT_EXCEEDED;
}

/* What a file's lines are read with */
typedef struct FileState
{
	DdbImportSpec *spec;
	DdbImportFile *file;
	DdbImportCounts *counts;
	LineReader *lines;
	MemoryContext file_context; /* lives as long as the file is read */
	MemoryContext record_context;	/* reset for each line or record */
	char	  **names;			/* CSV: the header (this file's or HeaderList) */
	int			nnames;
	DdbImportItemSink sink;
	void	   *sink_arg;
} FileState;

/*
 * Where the last line was read: "<key> line <n>".
 */
static char *
Where(FileState *fs)
{
	return psprintf("%s line %lld", fs->file->key, (long long) fs->lines->line_number);
}

/*
 * Make one line or record into an item and pass it on, or count it as an
 * error. header: a CSV header to read instead (false when it is bad: the
 * file is skipped).
 */
static bool
TakeRecord(FileState *fs, StringInfo record, bool header)
{
	MemoryContext context = CurrentMemoryContext;
	volatile bool ok = true;
	Jsonb	   *volatile item = NULL;

	PG_TRY();
	{
		if (header)
		{
			MemoryContext old = MemoryContextSwitchTo(fs->file_context);

			fs->names = CsvHeader(fs->spec, record, &fs->nnames);
			MemoryContextSwitchTo(old);
		}
		else if (fs->spec->format == DDB_IMPORT_CSV)
			item = CsvRecordItem(fs->spec, record, fs->names, fs->nnames);
		else
			item = JsonLineItem(fs->spec, record);
	}
	PG_CATCH();
	{
		ErrorData  *error;

		MemoryContextSwitchTo(context);
		error = CopyErrorData();
		if (!IsItemError(error))
			PG_RE_THROW();
		FlushErrorState();
		DdbImportItemError(fs->spec, fs->counts, Where(fs), error->message);
		ok = false;
	}
	PG_END_TRY();
	/* outside the catch: what the sink raises (its inserts) is not an item's */
	if (item != NULL)
		fs->sink(item, Where(fs), fs->sink_arg);
	return ok;
}

/*
 * Read the lines or records of an opened file.
 */
static void
ReadRecords(FileState *fs)
{
	StringInfoData line;
	StringInfoData record;
	bool		need_header = fs->spec->format == DDB_IMPORT_CSV && fs->spec->nheaders == 0;
	bool		too_long;

	initStringInfo(&line);
	initStringInfo(&record);
	while (NextLine(fs->lines, &line, &too_long))
	{
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		if (too_long)
		{
			fs->counts->processed_items++;
			DdbImportItemError(fs->spec, fs->counts, Where(fs), "the line is too long");
			if (need_header)
				return;
			continue;
		}
		resetStringInfo(&record);
		appendBinaryStringInfo(&record, line.data, line.len);
		/* a CSV record goes on while a quoted field is open */
		if (fs->spec->format == DDB_IMPORT_CSV)
		{
			/* (at the end of the file, an open record is left malformed) */
			while (CsvOpen(&record, fs->spec->delimiter) && NextLine(fs->lines, &line, &too_long))
			{
				if (too_long || record.len + 1 + line.len > DDB_IMPORT_MAX_RECORD)
				{
					too_long = true;
					break;
				}
				appendStringInfoChar(&record, '\n');
				appendBinaryStringInfo(&record, line.data, line.len);
			}
			if (too_long)
			{
				fs->counts->processed_items++;
				DdbImportItemError(fs->spec, fs->counts, Where(fs), "the record is too long");
				if (need_header)
					return;
				continue;
			}
		}
		if (record.len == 0)
			continue;			/* a blank line */
		MemoryContextReset(fs->record_context);
		old = MemoryContextSwitchTo(fs->record_context);
		if (need_header)
		{
			if (!TakeRecord(fs, &record, true))
			{
				/* counted as an error: so it is one processed */
				fs->counts->processed_items++;
				MemoryContextSwitchTo(old);
				return;			/* no names for this file's records */
			}
			need_header = false;
		}
		else
		{
			fs->counts->processed_items++;
			(void) TakeRecord(fs, &record, false);
		}
		MemoryContextSwitchTo(old);
	}
	pfree(line.data);
	pfree(record.data);
}

/*
 * DdbImportReadFile reads one file, passing its items to sink.
 */
void
DdbImportReadFile(DdbImportSpec *spec, DdbImportFile *file, DdbImportCounts *counts,
				  DdbImportItemSink sink, void *sink_arg)
{
	ImportReader reader = {0};
	LineReader *lines = palloc0(sizeof(LineReader));
	FileState	fs = {0};
	struct stat st;

	reader.fd = OpenTransientFile(file->path, O_RDONLY | PG_BINARY | O_NOFOLLOW);
	if (reader.fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\": %m", file->path)));
	if (fstat(reader.fd, &st) != 0 || !S_ISREG(st.st_mode))
	{
		CloseTransientFile(reader.fd);
		return;
	}
	reader.compression = spec->compression;
	lines->reader = &reader;
	lines->path = file->path;
	lines->counts = counts;
	lines->block = palloc(IMPORT_BLOCK_SIZE);
	fs.spec = spec;
	fs.file = file;
	fs.counts = counts;
	fs.lines = lines;
	fs.sink = sink;
	fs.sink_arg = sink_arg;
	fs.names = spec->headers;
	fs.nnames = spec->nheaders;
	fs.file_context = CurrentMemoryContext;
	fs.record_context = AllocSetContextCreate(CurrentMemoryContext, "ddb import record",
											  ALLOCSET_DEFAULT_SIZES);
	PG_TRY();
	{
		if (reader.compression == DDB_IMPORT_GZIP)
		{
			int			fd = dup(reader.fd);

			if (fd < 0 || (reader.gz = gzdopen(fd, "rb")) == NULL)
			{
				if (fd >= 0)
					close(fd);
				ereport(ERROR,
						(errcode(ERRCODE_OUT_OF_MEMORY),
						 errmsg("could not read gzip file \"%s\"", file->path)));
			}
			(void) gzbuffer(reader.gz, IMPORT_BLOCK_SIZE);
		}
		else if (reader.compression == DDB_IMPORT_ZSTD)
		{
			reader.zstd = ZSTD_createDStream();
			if (reader.zstd == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_OUT_OF_MEMORY),
						 errmsg("could not read zstd file \"%s\"", file->path)));
			(void) ZSTD_initDStream(reader.zstd);
			reader.zin.src = palloc(IMPORT_BLOCK_SIZE);
			reader.zin.size = reader.zin.pos = 0;
		}
		ReadRecords(&fs);
		if (reader.broken != NULL)
		{
			counts->processed_items++;
			DdbImportItemError(spec, counts,
							   psprintf("%s after line %lld", file->key, (long long) lines->line_number),
							   psprintf("%s; the rest of the file is skipped", reader.broken));
		}
	}
	PG_FINALLY();
	{
		if (reader.gz != NULL)
			gzclose(reader.gz);
		if (reader.zstd != NULL)
			ZSTD_freeDStream(reader.zstd);
		CloseTransientFile(reader.fd);
	}
	PG_END_TRY();
	MemoryContextDelete(fs.record_context);
}
