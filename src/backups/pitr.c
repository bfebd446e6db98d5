/*-------------------------------------------------------------------------
 *
 * pitr.c
 *	  DynamoDB's point-in-time recovery: UpdateContinuousBackups,
 *	  DescribeContinuousBackups and RestoreTableToPointInTime, the trigger
 *	  that keeps a table's history while it is enabled, and the background
 *	  worker's roll of old history into the base copy.
 *
 * While point-in-time recovery is enabled for a table, ddb keeps, in schema
 * ddb_backups and owned by the item table's owner,
 *
 *	  - a base copy, "pitr_<TableId>_base" (item jsonb): the table's items as
 *		of the earliest restorable time;
 *	  - a history, "pitr_<TableId>_history" (item jsonb, deleted boolean,
 *		xid xid8, lsn pg_lsn): one row per item written since, appended by
 *		the C trigger ddb.pitr_record (AFTER INSERT OR UPDATE OR DELETE, FOR
 *		EACH ROW) in the writing transaction: the new item (the old one,
 *		with deleted, for a delete), the writing transaction's top-level
 *		xid and the WAL insert position at the write.
 *
 * and a row of ddb.continuous_backups. The state of the table at time T is
 * the base, with every key that has a history row of a transaction
 * committed at or before T replaced by its latest such row (by lsn), or
 * removed when that row is a delete. Commit times come from PostgreSQL's
 * commit timestamps (track_commit_timestamp must be on), so a restore holds
 * exactly the transactions committed by T: every transaction wholly or not
 * at all. Two writes of one key are ordered by lsn: the second waits for
 * the first's row lock, so it writes after the first has committed.
 *
 * Enabling takes the item table's SHARE ROW EXCLUSIVE lock (CREATE TRIGGER),
 * which waits for every writer and blocks new ones until it commits, then
 * copies the items into the base: the base is the table as of the enabling
 * commit, which is the earliest restorable time, and every later write has
 * a history row. Disabling drops the trigger, the base and the history.
 *
 * The background worker rolls the base forward: when the earliest
 * restorable time is more than an hour older than the recovery period, one
 * statement folds the history committed before now minus the period into
 * the base and deletes it, and the earliest restorable time becomes that
 * instant. A restore holds the catalog row FOR SHARE, the roll FOR UPDATE.
 *
 * A restore whose source's base and history hold more than
 * ddb.backup_sync_limit rows is left to the worker, as a large restore
 * from a backup is (backup_restore.c): the call makes the table and
 * records the restore time in ddb.table_restores; the worker fills the
 * table from the base and history at that time, which give exactly the
 * same state whenever it runs. Until then the roll forward stops at the
 * earliest pending restore time, and DeleteTable and disabling of the
 * source are refused.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/commit_ts.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/pg_lsn.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/xid8.h"

#include "backups/backups.h"
#include "catalog.h"
#include "errors.h"
#include "guc.h"
#include "json_util.h"
#include "operations.h"
#include "request.h"
#include "worker/worker.h"

PG_FUNCTION_INFO_V1(ddb_pitr_record);
PG_FUNCTION_INFO_V1(ddb_pitr_roll_forward);

/*
 * LatestRestorableDateTime is now minus this: a transaction whose commit
 * time is at most T is visible to a snapshot taken this much later
 */
#define PITR_LATEST_DELAY_USEC	INT64CONST(1000000)

/* the worker rolls the base when it is this much older than the period */
#define PITR_ROLL_SLACK "1 hour"

/*
 * Whether the history row h is of a transaction committed at or before $3
 * (COMMITTED_BY_PARAM: another parameter).
 * A visible row is of a committed transaction or of the caller's own; one
 * whose status or commit time PostgreSQL no longer keeps is older than any
 * restorable time.
 */
#define COMMITTED_BY_PARAM(param) \
	"(CASE pg_catalog.pg_xact_status(h.xid)" \
	" WHEN 'in progress' THEN false WHEN 'aborted' THEN false" \
	" ELSE COALESCE(pg_catalog.pg_xact_commit_timestamp(pg_catalog.xid(h.xid))" \
	"               OPERATOR(pg_catalog.<=) $" param ", true) END)"
#define COMMITTED_BY COMMITTED_BY_PARAM("3")

/*
 * DdbPitrReadState reads the point-in-time recovery state of a table; lock
 * is "", " FOR SHARE OF p" or " FOR UPDATE OF p". The catalog row is read
 * with owner access when it is locked.
 */
void
DdbPitrReadState(const char *table_name, const char *lock, DdbPitrState *state)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(table_name)};
	DdbOwnerAccess owner_access;
	bool		isnull;
	Datum		earliest;
	char	   *sql;

	memset(state, 0, sizeof(DdbPitrState));
	sql = psprintf("SELECT p.recovery_period_days, p.base::pg_catalog.oid, p.history::pg_catalog.oid,"
				   "       c.relowner, t.item_table::pg_catalog.oid,"
				   "       COALESCE(p.base_time, pg_catalog.pg_xact_commit_timestamp(pg_catalog.xid(p.enabled_xid)))"
				   "  FROM ddb.continuous_backups p"
				   "  JOIN ddb.tables t ON t.table_name OPERATOR(pg_catalog.=) p.table_name"
				   "  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.item_table::pg_catalog.oid"
				   " WHERE p.table_name OPERATOR(pg_catalog.=) $1%s", lock);
	if (*lock)
		DdbCatalogBeginOwnerAccess(&owner_access);
	DdbExecute(sql, 1, argtypes, args, NULL, SPI_OK_SELECT);
	if (*lock)
		DdbCatalogEndOwnerAccess(&owner_access);
	if (SPI_processed == 0)
		return;
	state->enabled = true;
	state->period_days = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	state->base = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	state->history = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
	state->owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull));
	state->item_table = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5, &isnull));
	earliest = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 6, &isnull);
	state->earliest_known = !isnull;
	if (!isnull)
		state->earliest = DatumGetTimestampTz(earliest);
}

/* DdbPitrLatestRestorable: LatestRestorableDateTime */
TimestampTz
DdbPitrLatestRestorable(void)
{
	return GetCurrentTransactionStartTimestamp() > GetCurrentStatementStartTimestamp()
		? GetCurrentTransactionStartTimestamp() - PITR_LATEST_DELAY_USEC
		: GetCurrentStatementStartTimestamp() - PITR_LATEST_DELAY_USEC;
}

static void
PushEpoch(JsonbParseState **st, const char *key, TimestampTz t)
{
	/* epoch seconds with milliseconds, as DynamoDB's timestamps */
	int64		ms = t / 1000 + (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * 1000;

	DdbPushKey(st, key);
	DdbPushNumberText(st, WJB_VALUE, psprintf("%lld.%03d", (long long) (ms / 1000), (int) (ms % 1000)));
}

/*
 * The ContinuousBackupsDescription response of a table.
 */
static Jsonb *
Describe(const char *table_name)
{
	DdbPitrState	state;
	JsonbParseState *st = NULL;

	DdbPitrReadState(table_name, "", &state);
	DdbPushBeginObject(&st);
	DdbPushKey(&st, "ContinuousBackupsDescription");
	DdbPushBeginObject(&st);
	DdbPushKey(&st, "ContinuousBackupsStatus");
	DdbPushString(&st, WJB_VALUE, "ENABLED");
	DdbPushKey(&st, "PointInTimeRecoveryDescription");
	DdbPushBeginObject(&st);
	DdbPushKey(&st, "PointInTimeRecoveryStatus");
	DdbPushString(&st, WJB_VALUE, state.enabled ? "ENABLED" : "DISABLED");
	if (state.enabled)
	{
		/* within the enabling transaction: the earliest time is its own */
		TimestampTz earliest = state.earliest_known ? state.earliest : GetCurrentTransactionStartTimestamp();

		DdbPushKey(&st, "RecoveryPeriodInDays");
		DdbPushInt64(&st, WJB_VALUE, state.period_days);
		PushEpoch(&st, "EarliestRestorableDateTime", earliest);
		PushEpoch(&st, "LatestRestorableDateTime", Max(DdbPitrLatestRestorable(), earliest));
	}
	(void) DdbPushEndObject(&st);
	(void) DdbPushEndObject(&st);
	return JsonbValueToJsonb(DdbPushEndObject(&st));
}

/*
 * Raise unless the current role has the privileges of a table's owner.
 */
static void
CheckOwner(Oid owner, const char *table_name)
{
	if (!has_privs_of_role(GetUserId(), owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of table %s", quote_identifier(table_name)),
				 errdetail("Only the owner of a table and its members may change or use its point-in-time recovery.")));
}

/*
 * Run a statement as a role, security-restricted, with a safe search_path.
 */
static void
ExecuteAs(Oid role, const char *sql, int nargs, Oid *argtypes, Datum *args, const char *nulls,
		  int expected)
{
	Oid			saved_user;
	int			saved_context;
	int			guc_nest_level;

	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(role, saved_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	guc_nest_level = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	DdbExecute(sql, nargs, argtypes, args, nulls, expected);
	AtEOXact_GUC(true, guc_nest_level);
	SetUserIdAndSecContext(saved_user, saved_context);
}

/*
 * Enable point-in-time recovery of a table: the history, the base copied
 * under the trigger's lock, the trigger and the catalog row.
 */
static void
Enable(DdbTable *table, const char *table_name, int period_days)
{
	Oid			argtypes[4] = {TEXTOID, INT4OID, REGCLASSOID, REGCLASSOID};
	Datum		args[4];
	Oid			nspid = get_namespace_oid(DDB_BACKUPS_SCHEMA, false);
	Oid			owner;
	char	   *table_id;
	char	   *base_name;
	char	   *history_name;
	Oid			base;
	Oid			history;
	DdbOwnerAccess owner_access;
	bool		isnull;

	args[0] = CStringGetTextDatum(table_name);
	DdbExecute("SELECT t.table_id::pg_catalog.text, c.relowner FROM ddb.tables t"
			"  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.item_table::pg_catalog.oid"
			" WHERE t.table_name OPERATOR(pg_catalog.=) $1", 1, argtypes, args, NULL, SPI_OK_SELECT);
	if (SPI_processed != 1)
		elog(ERROR, "table %s has no catalog row", table_name);
	table_id = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	CheckOwner(owner, table_name);
	base_name = psprintf("pitr_%s_base", table_id);
	history_name = psprintf("pitr_%s_history", table_id);

	/* writers wait from here to the commit; earlier ones are committed */
	LockRelationOid(table->relid, ShareRowExclusiveLock);

	DdbCatalogBeginOwnerAccess(&owner_access);
	{
		const char *owner_name = quote_identifier(GetUserNameFromId(owner, false));
		char	   *base_q = quote_qualified_identifier(DDB_BACKUPS_SCHEMA, base_name);
		char	   *history_q = quote_qualified_identifier(DDB_BACKUPS_SCHEMA, history_name);

		DdbExecute(psprintf("CREATE TABLE %s (item pg_catalog.jsonb NOT NULL)", base_q),
				0, NULL, NULL, NULL, SPI_OK_UTILITY);
		DdbExecute(psprintf("CREATE TABLE %s (item pg_catalog.jsonb NOT NULL,"
						 " deleted boolean NOT NULL, xid pg_catalog.xid8 NOT NULL,"
						 " lsn pg_catalog.pg_lsn NOT NULL)", history_q),
				0, NULL, NULL, NULL, SPI_OK_UTILITY);
		DdbExecute(psprintf("ALTER TABLE %s OWNER TO %s", base_q, owner_name),
				0, NULL, NULL, NULL, SPI_OK_UTILITY);
		DdbExecute(psprintf("ALTER TABLE %s OWNER TO %s", history_q, owner_name),
				0, NULL, NULL, NULL, SPI_OK_UTILITY);
		base = get_relname_relid(base_name, nspid);
		history = get_relname_relid(history_name, nspid);
	}
	DdbCatalogEndOwnerAccess(&owner_access);

	/* the trigger, and the base as of this snapshot, as the table's owner */
	ExecuteAs(owner, psprintf("CREATE TRIGGER ddb_pitr AFTER INSERT OR UPDATE OR DELETE ON %s"
							  " FOR EACH ROW EXECUTE FUNCTION ddb.pitr_record(%s)",
							  DdbQualifiedRelationName(table->relid), quote_literal_cstr(history_name)),
			  0, NULL, NULL, NULL, SPI_OK_UTILITY);
	ExecuteAs(owner, psprintf("INSERT INTO %s (item) SELECT item FROM %s",
							  DdbQualifiedRelationName(base), DdbQualifiedRelationName(table->relid)),
			  0, NULL, NULL, NULL, SPI_OK_INSERT);

	args[1] = Int32GetDatum(period_days);
	args[2] = ObjectIdGetDatum(base);
	args[3] = ObjectIdGetDatum(history);
	DdbCatalogBeginOwnerAccess(&owner_access);
	DdbExecute("INSERT INTO ddb.continuous_backups (table_name, recovery_period_days, enabled_xid,"
			"  base, history) VALUES ($1, $2, pg_catalog.pg_current_xact_id(), $3, $4)",
			4, argtypes, args, NULL, SPI_OK_INSERT);
	DdbCatalogEndOwnerAccess(&owner_access);
}

/*
 * Disable point-in-time recovery of a table: the trigger, and the catalog
 * row, whose deletion drops the base and the history.
 */
static void
Disable(DdbTable *table, const char *table_name, DdbPitrState *state)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(table_name)};
	DdbOwnerAccess owner_access;

	CheckOwner(state->owner, table_name);
	ExecuteAs(state->owner, psprintf("DROP TRIGGER IF EXISTS ddb_pitr ON %s", DdbQualifiedRelationName(table->relid)),
			  0, NULL, NULL, NULL, SPI_OK_UTILITY);
	DdbCatalogBeginOwnerAccess(&owner_access);
	DdbExecute("DELETE FROM ddb.continuous_backups WHERE table_name OPERATOR(pg_catalog.=) $1",
			1, argtypes, args, NULL, SPI_OK_DELETE);
	DdbCatalogEndOwnerAccess(&owner_access);
}

/*
 * DdbUpdateContinuousBackups implements UpdateContinuousBackups.
 */
Jsonb *
DdbUpdateContinuousBackups(JsonbContainer *request)
{
	static const char *const allowed[] = {"TableName", "PointInTimeRecoverySpecification", NULL};
	static const char *const spec_allowed[] = {"PointInTimeRecoveryEnabled", "RecoveryPeriodInDays", NULL};
	DdbConstraintErrors errors;
	char	   *table_name;
	JsonbContainer *spec;
	bool		enable = false;
	bool		has_enable = false;
	int64		period = 35;
	bool		has_period = false;
	DdbTable   *table;
	DdbPitrState	state;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	table_name = DdbValidateTableName(DdbJsonGetString(request, "TableName"), "tableName", &errors);
	spec = DdbJsonGetObject(request, "PointInTimeRecoverySpecification");
	if (spec == NULL)
		DdbConstraintAdd(&errors, "null", "pointInTimeRecoverySpecification", "Member must not be null");
	else
	{
		DdbJsonCheckMembers(spec, spec_allowed);
		has_enable = DdbJsonGetBool(spec, "PointInTimeRecoveryEnabled", &enable);
		if (!has_enable)
			DdbConstraintAdd(&errors, "null", "pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled",
							 "Member must not be null");
		has_period = DdbJsonGetInt64(spec, "RecoveryPeriodInDays", &period);
		if (has_period && period < 1)
			DdbConstraintAdd(&errors, psprintf("'%lld'", (long long) period),
							 "pointInTimeRecoverySpecification.recoveryPeriodInDays",
							 "Member must have value greater than or equal to 1");
		else if (has_period && period > 35)
			DdbConstraintAdd(&errors, psprintf("'%lld'", (long long) period),
							 "pointInTimeRecoverySpecification.recoveryPeriodInDays",
							 "Member must have value less than or equal to 35");
	}
	DdbConstraintRaise(&errors);
	if (has_period && !enable)
		DdbValidationError("RecoveryPeriodInDays can only be specified when PointInTimeRecoveryEnabled is true");

	DdbLockTableName(table_name);
	table = DdbTableLookupOptional(table_name);
	if (table == NULL)
		DdbRaise(DDB_TABLE_NOT_FOUND, "Table not found: %s", table_name);
	if (table->restoring)
		DdbRaise(DDB_CONTINUOUS_BACKUPS_UNAVAILABLE,
				 "Backups are being enabled for the table: %s. Please retry later", table_name);

	/*
	 * The history must stay while a restore from it is left to the worker
	 * (which holds the catalog row while it reads it); such a restore took
	 * the table name's lock, so it is seen here once committed
	 */
	if (!enable && DdbPitrRestorePending(table_name, NULL))
		DdbRaise(DDB_CONTINUOUS_BACKUPS_UNAVAILABLE,
				 "A point in time restore of the table is in progress: %s. Please retry later", table_name);
	DdbPitrReadState(table_name, " FOR UPDATE OF p", &state);
	if (enable && !track_commit_timestamp)
		DdbRaise(DDB_CONTINUOUS_BACKUPS_UNAVAILABLE,
				 "Point in time recovery needs the server setting track_commit_timestamp = on");

	if (enable && !state.enabled && IsolationUsesXactSnapshot())
		DdbRaise(DDB_CONTINUOUS_BACKUPS_UNAVAILABLE,
				 "Point in time recovery cannot be enabled in a REPEATABLE READ or SERIALIZABLE transaction");
	if (enable && !state.enabled && table->distributed)
		DdbRaise(DDB_CONTINUOUS_BACKUPS_UNAVAILABLE,
				 "Point in time recovery is not supported on a distributed table yet: %s", table_name);
	if (enable && !state.enabled)
		Enable(table, table_name, (int) period);
	else if (enable && state.enabled)
	{
		Oid			argtypes[2] = {TEXTOID, INT4OID};
		Datum		args[2];
		DdbOwnerAccess owner_access;

		CheckOwner(state.owner, table_name);
		args[0] = CStringGetTextDatum(table_name);
		args[1] = Int32GetDatum((int) period);
		DdbCatalogBeginOwnerAccess(&owner_access);
		DdbExecute("UPDATE ddb.continuous_backups SET recovery_period_days = $2"
				" WHERE table_name OPERATOR(pg_catalog.=) $1", 2, argtypes, args, NULL, SPI_OK_UPDATE);
		DdbCatalogEndOwnerAccess(&owner_access);
		DdbWorkerWakeOnCommit();
	}
	else if (!enable && state.enabled)
		Disable(table, table_name, &state);
	return Describe(table_name);
}

/*
 * DdbDescribeContinuousBackups implements DescribeContinuousBackups.
 */
Jsonb *
DdbDescribeContinuousBackups(JsonbContainer *request)
{
	static const char *const allowed[] = {"TableName", NULL};
	DdbConstraintErrors errors;
	char	   *table_name;
	DdbTable   *table;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	table_name = DdbValidateTableName(DdbJsonGetString(request, "TableName"), "tableName", &errors);
	DdbConstraintRaise(&errors);
	table = DdbTableLookupOptional(table_name);
	if (table == NULL)
		DdbRaise(DDB_TABLE_NOT_FOUND, "Table not found: %s", table_name);
	return Describe(table_name);
}

/*
 * The expressions of the key columns' values computed from the items of
 * row aliases h, b and c (keys[alias][key])
 */
static void
KeyExpressions(DdbTable *table, const char *const *aliases, int naliases, char *keys[][2])
{
	for (int a = 0; a < naliases; a++)
		for (int i = 0; i < table->nkeys; i++)
		{
			StringInfoData k;

			initStringInfo(&k);
			appendStringInfoChar(&k, '(');
			DdbRestoreAppendKey(&k, aliases[a], table->keys[i].type, i + 1);
			appendStringInfoChar(&k, ')');
			keys[a][i] = k.data;
		}
}

/*
 * DdbPitrStateQuery returns the state of a table at $<time_param> (3 or 4)
 * from its base and history, as a parenthesized query with a column item;
 * $1 and $2 are the key attribute names (stored form; $2 NULL without a
 * sort key). A restore fills a table from it, an export writes it out.
 */
char *
DdbPitrStateQuery(DdbTable *table, Oid base, Oid history, int time_param)
{
	StringInfoData sql;
	const char *aliases[3] = {"h", "b", "c"};
	char	   *keys[3][2];

	KeyExpressions(table, aliases, 3, keys);
	initStringInfo(&sql);
	appendStringInfoString(&sql, "(WITH changed AS (SELECT DISTINCT ON (");
	for (int i = 0; i < table->nkeys; i++)
		appendStringInfo(&sql, "%s%s", i ? ", " : "", keys[0][i]);
	appendStringInfoString(&sql, ") h.item, h.deleted");
	appendStringInfo(&sql, " FROM %s h WHERE %s ORDER BY ", DdbQualifiedRelationName(history),
					 time_param == 4 ? COMMITTED_BY_PARAM("4") : COMMITTED_BY);
	for (int i = 0; i < table->nkeys; i++)
		appendStringInfo(&sql, "%s, ", keys[0][i]);
	appendStringInfo(&sql, "h.lsn DESC) SELECT b.item FROM %s b WHERE NOT EXISTS (SELECT 1 FROM changed c WHERE ",
					 DdbQualifiedRelationName(base));
	for (int i = 0; i < table->nkeys; i++)
		appendStringInfo(&sql, "%s%s OPERATOR(pg_catalog.=) %s", i ? " AND " : "", keys[2][i], keys[1][i]);
	appendStringInfoString(&sql, ") UNION ALL SELECT c.item FROM changed c WHERE NOT c.deleted)");
	return sql.data;
}

/*
 * DdbPitrChangesQuery returns the changes of a table committed after $4 and
 * at or before $3, from its base and history, as a parenthesized query
 * with one row per item changed (key) and columns keys (the key
 * attributes), new_item (the item as of $3, NULL when deleted), old_item
 * (as of $4, NULL when it did not exist) and write_micros (the commit time
 * of the item's last write, microseconds since 1970); $1 and $2 are the
 * key attribute names. An item created and deleted in between has no row.
 * An incremental export writes it out.
 */
char *
DdbPitrChangesQuery(DdbTable *table, Oid base, Oid history)
{
	StringInfoData sql;
	const char *aliases[3] = {"h", "c", "o"};
	char	   *keys[3][2];

	KeyExpressions(table, aliases, 3, keys);
	initStringInfo(&sql);
	appendStringInfoString(&sql, "(WITH last AS (SELECT DISTINCT ON (");
	for (int i = 0; i < table->nkeys; i++)
		appendStringInfo(&sql, "%s%s", i ? ", " : "", keys[0][i]);
	appendStringInfo(&sql, ") h.item, h.deleted, pg_catalog.pg_xact_commit_timestamp(pg_catalog.xid(h.xid)) AS at"
					 " FROM %s h WHERE %s ORDER BY ", DdbQualifiedRelationName(history), COMMITTED_BY);
	for (int i = 0; i < table->nkeys; i++)
		appendStringInfo(&sql, "%s, ", keys[0][i]);
	appendStringInfoString(&sql, "h.lsn DESC)"
						   " SELECT pg_catalog.jsonb_build_object($1::pg_catalog.text, c.item OPERATOR(pg_catalog.->) $1::pg_catalog.text)"
						   "        OPERATOR(pg_catalog.||) CASE WHEN $2 IS NULL THEN '{}'::pg_catalog.jsonb"
						   "        ELSE pg_catalog.jsonb_build_object($2::pg_catalog.text, c.item OPERATOR(pg_catalog.->) $2::pg_catalog.text) END AS keys,"
						   "        CASE WHEN NOT c.deleted THEN c.item END AS new_item, o.item AS old_item,"
						   "        (EXTRACT(epoch FROM c.at) OPERATOR(pg_catalog.*) 1000000)::pg_catalog.int8 AS write_micros"
						   "   FROM last c LEFT JOIN ");
	appendStringInfoString(&sql, DdbPitrStateQuery(table, base, history, 4));
	appendStringInfoString(&sql, " o ON ");
	for (int i = 0; i < table->nkeys; i++)
		appendStringInfo(&sql, "%s%s OPERATOR(pg_catalog.=) %s", i ? " AND " : "", keys[1][i], keys[2][i]);
	appendStringInfoString(&sql, " WHERE c.at OPERATOR(pg_catalog.>) $4"
						   "   AND NOT (c.deleted AND o.item IS NULL))");
	return sql.data;
}

/*
 * DdbTableNameFromArn returns the table name of a table ARN, or NULL when
 * it is not one; the caller checks that the table's ARN is the one given.
 */
char *
DdbTableNameFromArn(const char *arn)
{
	const char *slash = strstr(arn, ":table/");
	char	   *name;

	if (slash == NULL)
		return NULL;
	name = pstrdup(slash + strlen(":table/"));
	if (strchr(name, '/') != NULL || *name == '\0')
		return NULL;
	return name;
}

/*
 * Whether the state of a table at any time holds at most limit items, by
 * counting at most limit + 1 rows of its base and history (an upper bound
 * of the items at any instant), as the table's owner.
 */
static bool
StateRowsAtMost(DdbPitrState *state, int limit)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum((int64) limit + 1)};
	Oid			saved_user;
	int			saved_context;
	bool		isnull;
	int64		rows;

	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(state->owner, saved_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	DdbExecute(psprintf("SELECT pg_catalog.count(*) FROM (SELECT FROM %s UNION ALL SELECT FROM %s LIMIT $1) s",
						DdbQualifiedRelationName(state->base), DdbQualifiedRelationName(state->history)),
			   1, argtypes, args, NULL, SPI_OK_SELECT);
	rows = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SetUserIdAndSecContext(saved_user, saved_context);
	return rows <= limit;
}

/*
 * DdbPitrRestorePending tells whether a point-in-time restore from a table
 * is left to the worker, and gives the earliest restore time of those.
 */
bool
DdbPitrRestorePending(const char *table_name, TimestampTz *restore_time)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(DdbTableArn(table_name))};
	bool		isnull;
	Datum		earliest;

	if (!DdbBackupsCatalogExists())
		return false;
	DdbExecute("SELECT pg_catalog.min(requested_at) FROM ddb.table_restores"
			" WHERE in_progress AND source_backup_arn IS NULL"
			"   AND source_table_arn OPERATOR(pg_catalog.=) $1",
			1, argtypes, args, NULL, SPI_OK_SELECT);
	earliest = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		return false;
	if (restore_time != NULL)
		*restore_time = DatumGetTimestampTz(earliest);
	return true;
}

/*
 * DdbPitrRestoreSource is the state at restore_time of the source of a
 * point-in-time restore the worker finishes, as a FROM item; its catalog
 * row is locked FOR SHARE, as the call's was. The source cannot be deleted
 * nor its point-in-time recovery disabled while the restore is pending,
 * and the roll forward stops at its time, so this raises only when the
 * history is gone otherwise (a dropped item table, a dump restored).
 */
char *
DdbPitrRestoreSource(const char *source_table_arn, TimestampTz restore_time)
{
	char	   *source = DdbTableNameFromArn(source_table_arn);
	DdbTable   *table = source != NULL ? DdbTableLookupOptional(source) : NULL;
	DdbPitrState	state;

	if (table != NULL)
		DdbPitrReadState(source, " FOR SHARE OF p", &state);
	if (table == NULL || !state.enabled || !state.earliest_known)
		DdbRaise(DDB_INTERNAL_SERVER_ERROR,
				 "the point-in-time recovery history of %s is gone: the restore cannot be finished",
				 source_table_arn);
	if (restore_time < state.earliest)
		DdbRaise(DDB_INTERNAL_SERVER_ERROR,
				 "the point-in-time recovery history of %s no longer reaches back to %s: the restore cannot be finished",
				 source_table_arn, timestamptz_to_str(restore_time));
	return DdbPitrStateQuery(table, state.base, state.history, 3);
}

/*
 * DdbRestoreTableToPointInTime implements RestoreTableToPointInTime.
 */
Jsonb *
DdbRestoreTableToPointInTime(JsonbContainer *request)
{
	static const char *const allowed[] = {
		"SourceTableArn", "SourceTableName", "TargetTableName", "UseLatestRestorableTime",
		"RestoreDateTime", "BillingModeOverride", "GlobalSecondaryIndexOverride",
		"LocalSecondaryIndexOverride", "ProvisionedThroughputOverride",
		"OnDemandThroughputOverride", "SSESpecificationOverride", NULL
	};
	static const char *const unsupported[] = {"OnDemandThroughputOverride", NULL};
	static const char *const modes[] = {"PROVISIONED", "PAY_PER_REQUEST", NULL};
	DdbConstraintErrors errors;
	char	   *source;
	char	   *source_arn;
	char	   *target;
	bool		use_latest = false;
	JsonbValue	time_value;
	bool		has_time;
	TimestampTz restore_time;
	TimestampTz latest;
	DdbTable   *table;
	DdbPitrState	state;
	Oid			item_table;
	bool		sync;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	source = DdbJsonGetString(request, "SourceTableName");
	if (source != NULL)
		source = DdbValidateTableName(source, "sourceTableName", &errors);
	source_arn = DdbJsonGetString(request, "SourceTableArn");
	if (source_arn != NULL)
		DdbRequestCheckString(&errors, source_arn, "sourceTableArn", 1, 1024, NULL, NULL);
	target = DdbValidateTableName(DdbJsonGetString(request, "TargetTableName"), "targetTableName", &errors);
	DdbRequestEnum(request, "BillingModeOverride", "billingModeOverride", modes,
				   "[PROVISIONED, PAY_PER_REQUEST]", &errors);
	(void) DdbJsonGetArray(request, "GlobalSecondaryIndexOverride");
	(void) DdbJsonGetArray(request, "LocalSecondaryIndexOverride");
	(void) DdbJsonGetObject(request, "ProvisionedThroughputOverride");
	(void) DdbJsonGetObject(request, "SSESpecificationOverride");
	(void) DdbJsonGetBool(request, "UseLatestRestorableTime", &use_latest);
	has_time = DdbJsonGet(request, "RestoreDateTime", &time_value);
	DdbConstraintRaise(&errors);
	DdbRequestRejectUnsupported(request, unsupported);
	if ((source == NULL) == (source_arn == NULL))
		DdbValidationError("Exactly one of SourceTableName and SourceTableArn must be specified");
	if (has_time && time_value.type != jbvNumeric)
		DdbSerializationError("RestoreDateTime must be a number of seconds since the epoch");
	if (has_time && use_latest)
		DdbValidationError("Only one of RestoreDateTime and UseLatestRestorableTime can be specified");
	if (!has_time && !use_latest)
		DdbValidationError("Either RestoreDateTime or UseLatestRestorableTime must be specified");
	if (source_arn != NULL)
	{
		source = DdbTableNameFromArn(source_arn);
		if (source == NULL || DdbTableLookupOptional(source) == NULL ||
			strcmp(DdbTableArn(source), source_arn) != 0)
			DdbRaise(DDB_TABLE_NOT_FOUND, "Table not found: %s", source_arn);
	}

	/* DeleteTable and disabling of the source wait, and see a pending restore */
	DdbLockTableName(source);
	table = DdbTableLookupOptional(source);
	if (table == NULL)
		DdbRaise(DDB_TABLE_NOT_FOUND, "Table not found: %s", source);
	/* the roll forward and disabling wait */
	DdbPitrReadState(source, " FOR SHARE OF p", &state);
	if (!state.enabled || !state.earliest_known)
		DdbRaise(DDB_POINT_IN_TIME_RECOVERY_UNAVAILABLE,
				 "Point in time recovery is not enabled for table '%s'", source);
	CheckOwner(state.owner, source);

	latest = DdbPitrLatestRestorable();
	if (use_latest)
		restore_time = Max(latest, state.earliest);
	else
	{
		float8		seconds = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
																 NumericGetDatum(time_value.val.numeric)));

		restore_time = DatumGetTimestampTz(DirectFunctionCall1(float8_timestamptz,
															   Float8GetDatum(seconds)));
		/* (timestamptz_to_str answers in a buffer of its own: copy each) */
		if (restore_time < state.earliest || restore_time > Max(latest, state.earliest))
			DdbRaise(DDB_INVALID_RESTORE_TIME,
					 "Invalid RestoreDateTime: %s is not between EarliestRestorableDateTime %s and LatestRestorableDateTime %s",
					 pstrdup(timestamptz_to_str(restore_time)),
					 pstrdup(timestamptz_to_str(state.earliest)),
					 pstrdup(timestamptz_to_str(Max(latest, state.earliest))));
	}

	DdbLockTableName(target);
	if (DdbTableLookupOptional(target) != NULL)
		DdbRaise(DDB_TABLE_ALREADY_EXISTS, "Table already exists: %s", target);

	/*
	 * Filled now, or, when the state may hold more than
	 * ddb.backup_sync_limit items, by the worker, from the base and the
	 * history at restore_time, which stay until it has
	 */
	item_table = DdbRestoreCreateTable(DdbBackupTableDefinition(source), request, target);
	sync = StateRowsAtMost(&state, DdbBackupSyncLimit);
	if (sync)
		(void) DdbRestoreFillFrom(item_table, DdbPitrStateQuery(table, state.base, state.history, 3), restore_time);
	DdbRestoreRecord(target, NULL, DdbTableArn(source), restore_time, !sync, InvalidOid);
	return DdbRestoreTableDescription(target);
}

/*
 * Fold the history of a table committed at or before up_to into its base,
 * as the table's owner, in one statement; the earliest restorable time
 * becomes up_to. Returns false when the table has no point-in-time
 * recovery or its earliest restorable time is not before up_to.
 */
static bool
RollForward(const char *table_name, TimestampTz up_to)
{
	DdbPitrState	state;
	DdbTable   *table;
	StringInfoData sql;
	const char *aliases[3] = {"h", "b", "c"};
	char	   *keys[3][2];
	Oid			argtypes[3] = {TEXTOID, TEXTOID, TIMESTAMPTZOID};
	Datum		args[3];
	char		nulls[4] = "   ";
	bool		isnull;
	TimestampTz pending_time;
	DdbOwnerAccess owner_access;

	table = DdbTableLookupOptional(table_name);
	if (table == NULL)
		return false;
	DdbPitrReadState(table_name, " FOR UPDATE OF p", &state);
	/* a restore the worker has yet to do needs the history after its time */
	if (DdbPitrRestorePending(table_name, &pending_time))
		up_to = Min(up_to, pending_time);
	if (!state.enabled || !state.earliest_known || state.earliest >= up_to)
		return false;

	for (int a = 0; a < 3; a++)
		for (int i = 0; i < table->nkeys; i++)
		{
			StringInfoData k;

			initStringInfo(&k);
			appendStringInfoChar(&k, '(');
			DdbRestoreAppendKey(&k, aliases[a], table->keys[i].type, i + 1);
			appendStringInfoChar(&k, ')');
			keys[a][i] = k.data;
		}
	initStringInfo(&sql);
	appendStringInfoString(&sql, "WITH changed AS (SELECT DISTINCT ON (");
	for (int i = 0; i < table->nkeys; i++)
		appendStringInfo(&sql, "%s%s", i ? ", " : "", keys[0][i]);
	appendStringInfo(&sql, ") h.item, h.deleted FROM %s h WHERE %s ORDER BY ",
					 DdbQualifiedRelationName(state.history), COMMITTED_BY);
	for (int i = 0; i < table->nkeys; i++)
		appendStringInfo(&sql, "%s, ", keys[0][i]);
	appendStringInfo(&sql, "h.lsn DESC), purged AS (DELETE FROM %s h WHERE %s),"
					 " replaced AS (DELETE FROM %s b WHERE EXISTS (SELECT 1 FROM changed c WHERE ",
					 DdbQualifiedRelationName(state.history), COMMITTED_BY, DdbQualifiedRelationName(state.base));
	for (int i = 0; i < table->nkeys; i++)
		appendStringInfo(&sql, "%s%s OPERATOR(pg_catalog.=) %s", i ? " AND " : "", keys[2][i], keys[1][i]);
	appendStringInfo(&sql, ")) INSERT INTO %s (item) SELECT c.item FROM changed c WHERE NOT c.deleted",
					 DdbQualifiedRelationName(state.base));

	/* the key attribute names in the stored form, as the fill takes them */
	args[0] = CStringGetTextDatum(table_name);
	DdbExecute("SELECT hash_key, range_key FROM ddb.tables WHERE table_name OPERATOR(pg_catalog.=) $1",
			1, argtypes, args, NULL, SPI_OK_SELECT);
	args[0] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	args[1] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	if (isnull)
		nulls[1] = 'n';
	args[2] = TimestampTzGetDatum(up_to);
	ExecuteAs(state.owner, sql.data, 3, argtypes, args, nulls, SPI_OK_INSERT);

	{
		Oid			uargtypes[2] = {TEXTOID, TIMESTAMPTZOID};
		Datum		uargs[2];

		uargs[0] = CStringGetTextDatum(table_name);
		uargs[1] = TimestampTzGetDatum(up_to);
		DdbCatalogBeginOwnerAccess(&owner_access);
		DdbExecute("UPDATE ddb.continuous_backups SET base_time = $2, rolled_at = pg_catalog.now()"
				" WHERE table_name OPERATOR(pg_catalog.=) $1", 2, uargtypes, uargs, NULL, SPI_OK_UPDATE);
		DdbCatalogEndOwnerAccess(&owner_access);
	}
	return true;
}

/*
 * ddb.pitr_roll_forward(table_name, up_to): what the worker does, now, up
 * to a time of the caller's (at most LatestRestorableDateTime)
 */
Datum
ddb_pitr_roll_forward(PG_FUNCTION_ARGS)
{
	char	   *table_name;
	TimestampTz up_to;
	DdbTable   *table;
	bool		rolled;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	table_name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	up_to = PG_GETARG_TIMESTAMPTZ(1);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	table = DdbTableLookupOptional(table_name);
	if (table == NULL)
		DdbRaise(DDB_TABLE_NOT_FOUND, "Table not found: %s", table_name);
	if (up_to > DdbPitrLatestRestorable())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("point-in-time recovery can be rolled forward up to LatestRestorableDateTime only")));
	rolled = RollForward(table_name, up_to);
	SPI_finish();
	PG_RETURN_BOOL(rolled);
}

/*
 * Whether an UPDATE changed a column of the item table other than item
 * (the key columns): by the bytes of the values, so a change of stored
 * representation alone counts too, which records a harmless extra delete.
 */
static bool
KeyColumnsChanged(TupleDesc desc, AttrNumber item_attnum, HeapTuple old_row, HeapTuple new_row)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(desc, i);
		bool		old_null;
		bool		new_null;
		Datum		old_value;
		Datum		new_value;

		if (attr->attisdropped || attr->attnum == item_attnum)
			continue;
		old_value = heap_getattr(old_row, attr->attnum, desc, &old_null);
		new_value = heap_getattr(new_row, attr->attnum, desc, &new_null);
		if (old_null != new_null)
			return true;
		if (!old_null && !datum_image_eq(old_value, new_value, attr->attbyval, attr->attlen))
			return true;
	}
	return false;
}

/*
 * Append one record (item, deleted, xid) to a history, with the current
 * WAL insert position as its lsn.
 */
static void
AppendHistory(Relation history, Datum *values, bool *nulls)
{
	HeapTuple	row;

	values[3] = LSNGetDatum(GetXLogInsertRecPtr());
	nulls[3] = false;
	row = heap_form_tuple(RelationGetDescr(history), values, nulls);
	simple_heap_insert(history, row);
	heap_freetuple(row);
}

/*
 * ddb.pitr_record(): the trigger that appends a written row's item to the
 * history named by its argument (in ddb_backups). It writes the history's
 * heap directly: no permission on it is needed, and it has no index.
 */
static Oid	cached_trigger = InvalidOid;
static Oid	cached_history = InvalidOid;
static Oid	cached_namespace = InvalidOid;
static AttrNumber cached_item_attnum = InvalidAttrNumber;

Datum
ddb_pitr_record(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	written;
	Oid			nspid;
	Oid			history_oid;
	Relation	history;
	TupleDesc	desc;
	AttrNumber	item_attnum;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	bool		deleted;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) || trigdata->tg_trigger->tgnargs != 1)
		elog(ERROR, "ddb.pitr_record must be an AFTER ... FOR EACH ROW trigger with one argument");
	deleted = TRIGGER_FIRED_BY_DELETE(trigdata->tg_event);
	written = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;

	/* the item column, found again when the last one found is not it */
	desc = RelationGetDescr(trigdata->tg_relation);
	item_attnum = cached_item_attnum;
	if (item_attnum <= 0 || item_attnum > desc->natts ||
		TupleDescAttr(desc, item_attnum - 1)->attisdropped ||
		strcmp(NameStr(TupleDescAttr(desc, item_attnum - 1)->attname), "item") != 0)
	{
		item_attnum = SPI_fnumber(desc, "item");
		if (item_attnum <= 0)
			elog(ERROR, "table \"%s\" has no column item", RelationGetRelationName(trigdata->tg_relation));
		cached_item_attnum = item_attnum;
	}
	values[0] = heap_getattr(written, item_attnum, desc, &nulls[0]);
	if (nulls[0])
		return PointerGetDatum(NULL);
	values[1] = BoolGetDatum(deleted);
	values[2] = FullTransactionIdGetDatum(GetTopFullTransactionId());

	/*
	 * The history: the one this trigger wrote last when it still has the
	 * name and schema the trigger names, else looked up by name
	 */
	history = NULL;
	if (trigdata->tg_trigger->tgoid == cached_trigger && OidIsValid(cached_history))
	{
		history = try_table_open(cached_history, RowExclusiveLock);
		if (history != NULL &&
			(strcmp(RelationGetRelationName(history), trigdata->tg_trigger->tgargs[0]) != 0 ||
			 RelationGetNamespace(history) != cached_namespace))
		{
			table_close(history, RowExclusiveLock);
			history = NULL;
		}
	}
	if (history == NULL)
	{
		nspid = get_namespace_oid(DDB_BACKUPS_SCHEMA, true);
		history_oid = OidIsValid(nspid) ? get_relname_relid(trigdata->tg_trigger->tgargs[0], nspid) : InvalidOid;
		cached_trigger = InvalidOid;
		if (!OidIsValid(history_oid))
			return PointerGetDatum(NULL);	/* e.g. a trigger pg_dump restored */
		history = table_open(history_oid, RowExclusiveLock);
		cached_trigger = trigdata->tg_trigger->tgoid;
		cached_history = history_oid;
		cached_namespace = nspid;
	}
	if (RelationGetDescr(history)->natts != 4)
		elog(ERROR, "the point-in-time recovery history \"%s\" has an unexpected shape",
			 RelationGetRelationName(history));
	/* a trigger on a table of another role must not write this history */
	if (history->rd_rel->relowner != trigdata->tg_relation->rd_rel->relowner)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("table \"%s\" may not write the point-in-time recovery history \"%s\"",
						RelationGetRelationName(trigdata->tg_relation), RelationGetRelationName(history)),
				 errdetail("A history is written by the triggers of tables of the history's owner.")));

	/*
	 * An UPDATE that moved the row to another key (plain SQL can): the old
	 * key's item is gone, recorded as a delete before the new one is
	 * recorded (the lsn orders them)
	 */
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) &&
		KeyColumnsChanged(desc, item_attnum, trigdata->tg_trigtuple, trigdata->tg_newtuple))
	{
		Datum		old_values[4];
		bool		old_nulls[4] = {false, false, false, false};

		old_values[0] = heap_getattr(trigdata->tg_trigtuple, item_attnum, desc, &old_nulls[0]);
		old_values[1] = BoolGetDatum(true);
		old_values[2] = values[2];
		if (!old_nulls[0])
			AppendHistory(history, old_values, old_nulls);
	}
	AppendHistory(history, values, nulls);
	table_close(history, RowExclusiveLock);
	return PointerGetDatum(NULL);
}

/* The worker: tables whose base is due to be rolled forward */
static List *
FindPitrWork(MemoryContext context)
{
	if (!DdbBackupsCatalogExists())
		return NIL;
	return DdbWorkUnitsFromQuery("ddb.continuous_backups",
								 "SELECT table_name FROM ddb.continuous_backups"
								 " WHERE COALESCE(base_time, pg_catalog.pg_xact_commit_timestamp(pg_catalog.xid(enabled_xid)))"
								 "   OPERATOR(pg_catalog.<) (pg_catalog.now()"
								 "     OPERATOR(pg_catalog.-) pg_catalog.make_interval(days => recovery_period_days)"
								 "     OPERATOR(pg_catalog.-) interval '" PITR_ROLL_SLACK "')"
								 " ORDER BY table_name",
								 "the tables with point-in-time recovery", context);
}

static char *
DescribePitrWork(void *arg, MemoryContext context)
{
	return MemoryContextStrdup(context, psprintf("ddb point-in-time recovery: table %s", (char *) arg));
}

static bool
RunPitrStep(void *arg)
{
	const char *table_name = (const char *) arg;
	DdbPitrState	state;

	DdbPitrReadState(table_name, "", &state);
	if (state.enabled)
		(void) RollForward(table_name, GetCurrentTimestamp() -
						   (TimestampTz) state.period_days * USECS_PER_DAY);
	return false;
}

const DdbWorkKind DdbPitrWork = {
	.name = "point-in-time recovery",
	.find_units = FindPitrWork,
	.describe = DescribePitrWork,
	.run_step = RunPitrStep,
	.max_sleep_ms = NULL,
};
