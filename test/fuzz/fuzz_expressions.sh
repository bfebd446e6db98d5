#!/usr/bin/env bash
# test/fuzz/fuzz_expressions.sh: fuzz test of the expression parser
# (src/expressions/expr_parser.c). Feeds COUNT random and mutated expressions
# (gen_expressions.py) through ddb.parse_expression in a real server and
# counts the outcomes:
#   parsed     the expression parsed; its canonical text must parse again
#              to the same text (the round trip)
#   invalid    ValidationException (SQLSTATE YD001, "Invalid <Kind>: ...")
#   other      any other error, or a failed round trip: a bug
# and fails if "other" is not zero or the backend dies.
#
#   test/fuzz/fuzz_expressions.sh [COUNT]        # default 1000000
#
# Environment:
#   FUZZ_SEED    seed of the generator (default 1); the same seed, the same inputs
#   FUZZ_BATCH   inputs per batch, one psql session each (default 20000)
#   FUZZ_JOBS    batches run at once (default: number of CPUs)
#   PGHOST/PGPORT (and PGUSER)  use that running server (which must preload
#                ddb) and a scratch database ddb_fuzz on it, dropped at the end;
#                without them a throwaway cluster is created, run by `postgres`
#                when started as root, and removed at the end.
# ddb must be installed (make install, or scripts/setup.sh). See README.md.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/setup.sh
. "$HERE/../../scripts/setup.sh"

COUNT=${1:-1000000}
SEED=${FUZZ_SEED:-1}
BATCH=${FUZZ_BATCH:-20000}
JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
DB=ddb_fuzz

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ddb-fuzz.XXXXXX")
started=0
external=0
[ -n "${PGHOST:-}${PGPORT:-}" ] && external=1

cleanup() {
    local rc=$?
    set +e
    if [ "$external" -eq 1 ]; then
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

# Where the server writes its log, when we know
server_log() {
    if [ "$external" -eq 0 ]; then echo "$WORK/postgresql.log"; fi
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
    ddb_say "throwaway server: socket $WORK, port $PORT, run by $(ddb_pg_user)"
else
    ddb_say "server: ${PGHOST:-default host}:${PGPORT:-5432}, database $DB"
fi

# ---- the database: ddb, the test function, the runner -----------------------
psql_db postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
psql_db "$DB" <<'SQL'
CREATE EXTENSION ddb;
-- ddb.parse_expression comes with the extension; create it if this build's
-- install script does not have it yet
DO $$
BEGIN
    IF to_regprocedure('ddb.parse_expression(text, text)') IS NULL THEN
        CREATE FUNCTION ddb.parse_expression(kind text, expression text) RETURNS text
            AS '$libdir/ddb', 'ddb_parse_expression' LANGUAGE C IMMUTABLE STRICT;
    END IF;
END $$;

CREATE TABLE fuzz_failures (kind text, expr text, sqlstate text, message text);

-- Parse every input of the batch (read from stdin into fuzz_input);
-- returns the counts; anything unexpected goes into fuzz_failures.
CREATE FUNCTION fuzz_run(OUT parsed bigint, OUT invalid bigint, OUT other bigint)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    tree text;
    again text;
    state text;
    msg text;
BEGIN
    parsed := 0;
    invalid := 0;
    other := 0;
    FOR r IN SELECT kind, expr FROM fuzz_input LOOP
        BEGIN
            tree := ddb.parse_expression(r.kind, r.expr);
            parsed := parsed + 1;
        EXCEPTION
            WHEN SQLSTATE 'YD001' THEN
                GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
                IF msg LIKE 'ValidationException: Invalid %Expression: %' THEN
                    invalid := invalid + 1;
                ELSE
                    other := other + 1;
                    INSERT INTO fuzz_failures VALUES (r.kind, r.expr, 'YD001', msg);
                END IF;
                CONTINUE;
            WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
                other := other + 1;
                INSERT INTO fuzz_failures VALUES (r.kind, r.expr, state, msg);
                CONTINUE;
        END;

        -- the round trip: the canonical text (sections separated by
        -- spaces instead of "; ") parses to itself
        CONTINUE WHEN octet_length(tree) > 4096;
        BEGIN
            again := ddb.parse_expression(r.kind,
                CASE WHEN r.kind = 'update' THEN replace(tree, '; ', ' ') ELSE tree END);
            IF again IS DISTINCT FROM tree THEN
                other := other + 1;
                INSERT INTO fuzz_failures VALUES (r.kind, r.expr, 'round trip', tree || ' => ' || again);
            END IF;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
            other := other + 1;
            INSERT INTO fuzz_failures VALUES (r.kind, r.expr, 'round trip', tree || ' => ' || msg);
        END;
    END LOOP;
END $$;
SQL

# ---- the batches -------------------------------------------------------------
# One batch: generate, load through stdin into a temporary table, run; the
# counts go to $WORK/counts.<n>, psql's errors (a dead backend) to
# $WORK/batch.<n>.err.
run_batch() {
    local n=$1 size=$2
    python3 "$HERE/gen_expressions.py" "$size" $((SEED * 1000003 + n)) |
        psql_db "$DB" -At -F ' ' \
            -c 'CREATE TEMP TABLE fuzz_input (kind text, expr text)' \
            -c '\copy fuzz_input FROM pstdin WITH (FORMAT csv)' \
            -c 'SELECT * FROM fuzz_run()' >"$WORK/counts.$n" 2>"$WORK/batch.$n.err"
}

start=$(date +%s)
nbatches=$(((COUNT + BATCH - 1) / BATCH))
ddb_say "fuzzing: $COUNT inputs in $nbatches batches of $BATCH, $JOBS at a time, seed $SEED"
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
parsed=0 invalid=0 other=0
for ((n = 0; n < nbatches; n++)); do
    if read -r p i o <"$WORK/counts.$n" && [ -n "${o:-}" ]; then
        parsed=$((parsed + p)) invalid=$((invalid + i)) other=$((other + o))
    else
        echo "batch $n did not finish:" >&2
        sed 's/^/    /' "$WORK/batch.$n.err" >&2
    fi
done
total=$((parsed + invalid + other))

printf '\ninputs:    %d in %d s (%d per second)\n' "$total" "$elapsed" $((total / (elapsed > 0 ? elapsed : 1)))
printf 'parsed:    %d\ninvalid:   %d (ValidationException)\nother:     %d\n' "$parsed" "$invalid" "$other"
printf 'batches that failed: %d\n' "$failed_batches"

crashed=0
log=$(server_log)
if [ -n "$log" ] && grep -Eq 'terminated by signal|PANIC|was terminated|server process .* exited' "$log"; then
    crashed=1
    echo "the server log shows a crashed backend:" >&2
    grep -E -B2 -A5 'terminated by signal|PANIC|was terminated|exited with exit code' "$log" | head -40 >&2
fi

if [ "$other" -gt 0 ]; then
    echo "unexpected outcomes (first 20):" >&2
    psql_db "$DB" -c "SELECT sqlstate, left(message, 200) AS message, kind, left(expr, 200) AS expression
                        FROM fuzz_failures LIMIT 20" >&2
fi

if [ "$other" -gt 0 ] || [ "$failed_batches" -gt 0 ] || [ "$crashed" -eq 1 ] || [ "$total" -ne "$COUNT" ]; then
    echo "FAIL" >&2
    exit 1
fi
echo "PASS"
