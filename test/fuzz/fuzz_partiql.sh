#!/usr/bin/env bash
# test/fuzz/fuzz_partiql.sh: fuzz test of PartiQL (src/partiql/: parser,
# binding and execution). Sends COUNT random and mutated requests
# (gen_partiql.py) to ExecuteStatement, BatchExecuteStatement and
# ExecuteTransaction through ddb.call_text in a real server, against tables
# holding items, and counts the outcomes:
#   result     the call returned a response (valid JSON)
#   ddb error  a DynamoDB error: an SQLSTATE of class YD other than YD000
#              (InternalServerError), with a "<ErrorType>: " message
#   other      anything else (an internal or PostgreSQL error, a response
#              that is not JSON): a bug
# and fails if "other" is not zero or a backend crashed (its batch's psql
# session breaks; the server log, when known, shows "terminated by signal";
# the checkpointer, restarted with every other process after a crash, has a
# new pid; the postmaster's start time changed).
#
#   test/fuzz/fuzz_partiql.sh [COUNT]        # default 100000
#
# Environment:
#   FUZZ_SEED    seed of the generator (default 1); the same seed, the same inputs
#   FUZZ_BATCH   inputs per batch, one psql session and one set of tables
#                each (default 2000)
#   FUZZ_JOBS    batches run at once (default: number of CPUs)
#   FUZZ_LOG     the server's log file, to look for crashes in (default:
#                $PGHOST/postgresql.log when readable, as scripts/test.sh
#                writes it; the throwaway cluster's own log)
#   PGHOST/PGPORT (and PGUSER)  use that running server (which must preload
#                ddb) and a scratch database ddb_fuzz_partiql on it, dropped at
#                the end (kept with FUZZ_KEEP=1, with every request and its outcome
#                in table fuzz_kept); without them a throwaway cluster is created, run by
#                `postgres` when started as root, and removed at the end.
# ddb must be installed (make install, or scripts/setup.sh). See README.md.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/setup.sh
. "$HERE/../../scripts/setup.sh"

COUNT=${1:-100000}
SEED=${FUZZ_SEED:-1}
BATCH=${FUZZ_BATCH:-2000}
JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
DB=ddb_fuzz_partiql

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ddb-fuzz-partiql.XXXXXX")
started=0
external=0
[ -n "${PGHOST:-}${PGPORT:-}" ] && external=1

cleanup() {
    local rc=$?
    set +e
    if [ "$external" -eq 1 ] && [ "${FUZZ_KEEP:-0}" != 1 ]; then
        psql_db postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
    elif [ "$started" -eq 1 ]; then
        ddb_as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
            ddb_as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# psql against database $1 of the server under test (further arguments to psql)
psql_db() {
    local db=$1
    shift
    if [ "$external" -eq 1 ]; then
        PGOPTIONS='-c client_min_messages=warning' \
            "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"
    else
        ddb_as_pg env PGHOST="$WORK" PGPORT="$PORT" PGUSER=postgres \
            PGOPTIONS='-c client_min_messages=warning' \
            "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"
    fi
}

[ -f "$("$PG_CONFIG" --pkglibdir)/ddb.so" ] ||
    ddb_die "ddb is not installed: run make install (or scripts/setup.sh) first"

# ---- the server -------------------------------------------------------------
if [ "$external" -eq 0 ]; then
    ddb_is_root && chown postgres:postgres "$WORK"
    cd /
    if ! ddb_as_pg "$PGBIN/initdb" -D "$WORK/data" -U postgres --auth=trust \
            --encoding=UTF8 --locale=C.UTF-8 -N >"$WORK/initdb.log" 2>&1; then
        ddb_show_log "$WORK/initdb.log"
        exit 1
    fi
    ddb_as_pg tee -a "$WORK/data/postgresql.conf" >/dev/null <<EOF
shared_preload_libraries = 'ddb'
fsync = off
synchronous_commit = off
lc_messages = 'C'
log_min_messages = warning
EOF
    ddb_start_server "$WORK/data" "$WORK" "$WORK/postgresql.log" '' || exit 1
    started=1
    LOG=$WORK/postgresql.log
    ddb_say "throwaway server: socket $WORK, port $PORT, run by $(ddb_pg_user)"
else
    LOG=${FUZZ_LOG:-}
    if [ -z "$LOG" ] && [ -r "${PGHOST:-/nonexistent}/postgresql.log" ]; then
        LOG=$PGHOST/postgresql.log
    fi
    ddb_say "server: ${PGHOST:-default host}:${PGPORT:-5432}, database $DB, log ${LOG:-unknown}"
fi
log_offset=0
if [ -n "$LOG" ] && [ -r "$LOG" ]; then
    log_offset=$(stat -c %s "$LOG")
fi

# ---- the database: ddb, the tables' maker, the runner -------------------------
psql_db postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
psql_db "$DB" <<'SQL'
CREATE EXTENSION ddb;

CREATE TABLE fuzz_failures (n int, op text, request text, sqlstate text, message text);
CREATE TABLE fuzz_outcomes (op text, outcome text, count bigint);
CREATE TABLE fuzz_kept (batch text, n int, op text, request text, outcome text, ms float8);

-- The tables of one batch (see gen_partiql.py), with a few items each:
--   <prefix>_h  pk (S), global secondary index byG on g
--   <prefix>_r  pk (S) + sk (N), local secondary index byL on l
--   <prefix>_b  pk (B)
CREATE FUNCTION fuzz_setup(prefix text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ddb.create_table(jsonb_build_object('TableName', prefix || '_h', 'BillingMode', 'PAY_PER_REQUEST',
        'KeySchema', '[{"AttributeName": "pk", "KeyType": "HASH"}]'::jsonb,
        'AttributeDefinitions', '[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "g", "AttributeType": "S"}]'::jsonb,
        'GlobalSecondaryIndexes', '[{"IndexName": "byG", "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}]'::jsonb));
    PERFORM ddb.create_table(jsonb_build_object('TableName', prefix || '_r', 'BillingMode', 'PAY_PER_REQUEST',
        'KeySchema', '[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]'::jsonb,
        'AttributeDefinitions', '[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "N"},
                                  {"AttributeName": "l", "AttributeType": "N"}]'::jsonb,
        'LocalSecondaryIndexes', '[{"IndexName": "byL", "Projection": {"ProjectionType": "KEYS_ONLY"},
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}]}]'::jsonb));
    PERFORM ddb.create_table(jsonb_build_object('TableName', prefix || '_b', 'BillingMode', 'PAY_PER_REQUEST',
        'KeySchema', '[{"AttributeName": "pk", "KeyType": "HASH"}]'::jsonb,
        'AttributeDefinitions', '[{"AttributeName": "pk", "AttributeType": "B"}]'::jsonb));
    PERFORM ddb.put(prefix || '_h', jsonb_build_object('pk', 'k' || i, 'g', 'g' || (i % 3), 'a', i,
                    'n', i, 's', 'x' || i, 'm', jsonb_build_object('k', i, 'a', jsonb_build_array(1, 2)),
                    'lst', jsonb_build_array(i, 'x', jsonb_build_object('k', 'v'))))
       FROM generate_series(0, 9) i;
    PERFORM ddb.put(prefix || '_r', jsonb_build_object('pk', 'k' || (i % 4), 'sk', i, 'l', i * 10,
                    'a', i, 's', 'x' || i))
       FROM generate_series(0, 19) i;
    PERFORM ddb.call('PutItem', jsonb_build_object('TableName', prefix || '_b',
                     'Item', jsonb_build_object('pk', jsonb_build_object('B', encode(int4send(i), 'base64')),
                                                'a', jsonb_build_object('N', i::text))))
       FROM generate_series(0, 4) i;
END $$;

-- Send every input of the batch (read from stdin into fuzz_input); returns
-- the counts; anything unexpected goes into fuzz_failures, and with keep
-- every request and its outcome (the response or error, cut) into fuzz_kept.
CREATE FUNCTION fuzz_run(batch text, keep boolean,
                         OUT results bigint, OUT ddb_errors bigint, OUT other bigint)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    response text;
    token text;
    state text;
    msg text;
    outcome text;
    counts jsonb := '{}';
    started timestamptz;
BEGIN
    results := 0;
    ddb_errors := 0;
    other := 0;
    FOR r IN SELECT n, op, req, forge FROM fuzz_input ORDER BY n LOOP
        started := clock_timestamp();
        BEGIN
            response := ddb.call_text(r.op, r.req);
            PERFORM response::json;
            -- a forged NextToken: the first page's statement hash, the
            -- forge's partition and start key (see gen_partiql.py)
            -- (read as text: json's operators refuse \u0000 anywhere in it)
            token := substring(response from '"NextToken": "([A-Za-z0-9+/=]*)"');
            IF coalesce(r.forge, '') <> '' AND token IS NOT NULL THEN
                IF r.forge <> 'keep' THEN
                    token := translate(encode(convert_to('{"h": ' ||
                        (convert_from(decode(token, 'base64'), 'UTF8')::json -> 'h')::text || ', ', 'UTF8')
                        || decode(r.forge, 'hex'), 'base64'), E'\n', '');
                END IF;
                response := ddb.call_text(r.op, left(r.req, -1) || ', "NextToken": ' || to_json(token)::text || '}');
                PERFORM response::json;
            END IF;
            results := results + 1;
            outcome := 'result';
            msg := left(response, 300);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
            IF state LIKE 'YD%' AND state <> 'YD000' AND msg ~ '^[A-Za-z]+: ' THEN
                ddb_errors := ddb_errors + 1;
                outcome := split_part(msg, ':', 1);
            ELSE
                other := other + 1;
                outcome := 'other';
                INSERT INTO fuzz_failures VALUES (r.n, r.op, r.req, state, msg);
            END IF;
        END;
        IF keep THEN
            INSERT INTO fuzz_kept VALUES (batch, r.n, r.op, r.req, left(msg, 300),
                                          extract(epoch FROM clock_timestamp() - started) * 1000);
        END IF;
        counts := jsonb_set(counts, ARRAY[r.op || '/' || outcome],
                            to_jsonb(coalesce((counts ->> (r.op || '/' || outcome))::bigint, 0) + 1));
    END LOOP;
    INSERT INTO fuzz_outcomes
        SELECT split_part(key, '/', 1), split_part(key, '/', 2), value::bigint
          FROM jsonb_each_text(counts);
END $$;
SQL

# A sign of a crash that the log may not show: every server process but the
# postmaster is restarted after one, the checkpointer too
server_identity() {
    psql_db "$DB" -At -c "SELECT pg_postmaster_start_time() || ' ' ||
        coalesce((SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer')::text, '?')"
}
identity_before=$(server_identity)

# ---- the batches -------------------------------------------------------------
# One batch: generate, load through stdin into a temporary table, make the
# batch's tables, run; the counts go to $WORK/counts.<n>, psql's errors (a
# dead backend) to $WORK/batch.<n>.err.
run_batch() {
    local n=$1 size=$2
    python3 "$HERE/gen_partiql.py" "$size" $((SEED * 1000003 + n)) "fz$n" |
        psql_db "$DB" -At -F ' ' \
            -c 'CREATE TEMP TABLE fuzz_input (n int, op text, req text, forge text)' \
            -c '\copy fuzz_input FROM pstdin WITH (FORMAT csv)' \
            -c "SELECT fuzz_setup('fz$n')" \
            -c "SELECT * FROM fuzz_run('fz$n', ${FUZZ_KEEP:-0}::int::boolean)" \
            >"$WORK/counts.$n" 2>"$WORK/batch.$n.err"
}

start=$(date +%s)
nbatches=$(((COUNT + BATCH - 1) / BATCH))
ddb_say "fuzzing: $COUNT requests in $nbatches batches of $BATCH, $JOBS at a time, seed $SEED"
failed_batches=0
running=0
for ((n = 0; n < nbatches; n++)); do
    size=$BATCH
    [ $(((n + 1) * BATCH)) -gt "$COUNT" ] && size=$((COUNT - n * BATCH))
    run_batch "$n" "$size" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait -n || failed_batches=$((failed_batches + 1))
        running=$((running - 1))
    fi
done
while [ "$running" -gt 0 ]; do
    wait -n || failed_batches=$((failed_batches + 1))
    running=$((running - 1))
done
elapsed=$(($(date +%s) - start))

# ---- the verdict -------------------------------------------------------------
results=0 errors=0 other=0
for ((n = 0; n < nbatches; n++)); do
    if read -r r e o < <(tail -n 1 "$WORK/counts.$n") && [ -n "${o:-}" ]; then
        results=$((results + r)) errors=$((errors + e)) other=$((other + o))
    else
        echo "batch $n did not finish:" >&2
        sed 's/^/    /' "$WORK/batch.$n.err" >&2
    fi
done
total=$((results + errors + other))

printf '\nrequests:  %d in %d s (%d per second)\n' "$total" "$elapsed" $((total / (elapsed > 0 ? elapsed : 1)))
printf 'results:   %d\nddb errors: %d\nother:     %d\n' "$results" "$errors" "$other"
printf 'batches that failed: %d\n' "$failed_batches"
psql_db "$DB" -c "SELECT op AS operation, outcome, sum(count) AS count FROM fuzz_outcomes
                   GROUP BY op, outcome ORDER BY op, outcome" || true

crashed=0
identity_after=$(server_identity 2>/dev/null || echo "unreachable")
if [ "$identity_after" != "$identity_before" ]; then
    crashed=1
    echo "the server restarted (postmaster start and checkpointer: $identity_before, now $identity_after)" >&2
fi
if [ -n "$LOG" ] && [ -r "$LOG" ] &&
        tail -c +$((log_offset + 1)) "$LOG" | grep -Eq 'terminated by signal|PANIC|was terminated|server process .* exited'; then
    crashed=1
    echo "the server log shows a crashed backend:" >&2
    tail -c +$((log_offset + 1)) "$LOG" |
        grep -E -B2 -A5 'terminated by signal|PANIC|was terminated|exited with exit code' | head -40 >&2
fi

if [ "$other" -gt 0 ]; then
    echo "unexpected outcomes (first 20):" >&2
    psql_db "$DB" -c "SELECT n, op, sqlstate, left(message, 200) AS message, left(request, 300) AS request
                        FROM fuzz_failures ORDER BY n LIMIT 20" >&2
fi

if [ "$other" -gt 0 ] || [ "$failed_batches" -gt 0 ] || [ "$crashed" -eq 1 ] || [ "$total" -ne "$COUNT" ]; then
    echo "FAIL" >&2
    exit 1
fi
echo "PASS"
