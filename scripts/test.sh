#!/usr/bin/env bash
# scripts/test.sh: the README's test command, and what CI runs (.ci/run).
# Owns the whole test run:
#   1. installs missing packages, `make clean`, builds with -Werror (a
#      compiler warning fails the run) and installs ddb (setup.sh); builds
#      and installs Citus once per machine when it is missing and its
#      source is beside the repository (ddb_install_citus, for
#      test/citus.sh, which skips without it);
#   2. creates a throwaway cluster in a temporary directory, configured by
#      test/ddb.conf, on a free port, run by an unprivileged user (`postgres`
#      when started as root), and a copy of the source tree it can write to;
#      its HTTP endpoint listens on another free port (DDB_HTTP_PORT) and
#      serves database ddb_http, created before the server starts;
#   3. against that one server runs
#        regress    pg_regress over the Makefile's REGRESS list (make installcheck)
#        isolation  pg_isolation_regress over its ISOLATION list (make installcheck)
#        pgtap      pg_prove over test/pgtap/*.sql, each file in a fresh
#                   database `ddb_tap` with extensions pgtap and ddb created
#        shell      every executable test/*.sh, run from the source copy with
#                   PGHOST, PGPORT, PGUSER, PGBIN (and PGDATABASE=postgres,
#                   TMPDIR a scratch directory, DDB_HTTP_PORT, DDB_SERVER_LOG)
#                   set
#      A step with nothing to run is skipped, not failed;
#   4. prints a summary (and the diffs of failed pg_regress runs, which are
#      also copied back to tmp_regress/ and tmp_isolation/), always stops the
#      server and removes the temporary directory, and exits non-zero if
#      anything failed.
# DDB_TEST_TIMEOUT (seconds, default 1800) bounds each test command.
set -euo pipefail

# shellcheck source=scripts/setup.sh
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

cd /  # the server's OS user may not be able to enter the caller's directory
export LC_ALL=C.UTF-8
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGOPTIONS PGPASSWORD PGPASSFILE
TIMEOUT=${DDB_TEST_TIMEOUT:-1800}

WORK=""          # temporary directory: data/, src/, scratch/, postgresql.log
SRC=""           # the copy of the source tree the tests run in
started=0        # 1 once the server is up
phase="setup"    # what was going on, for a failure outside the test steps
summary=()       # one line per step: PASS|FAIL|SKIP  name
failed=0

record() {
    summary+=("$(printf '%-4s  %s' "$1" "$2")")
    if [ "$1" = FAIL ]; then failed=1; fi
}

# Run a command as the server's OS user, from the source copy, with the test
# server's connection settings and the per-command timeout. It runs in the
# background so that an interrupt reaches on_signal at once, which passes it
# on (timeout runs the command in a process group of its own, which Ctrl-C
# does not reach).
child=""
as_tester() {
    local rc=0
    (cd "$SRC" && exec "${DDB_AS_PG[@]}" env PGHOST="$WORK" PGPORT="$PORT" PGUSER=postgres \
        PGBIN="$PGBIN" timeout -k 10 "$TIMEOUT" "$@") &
    child=$!
    wait "$child" || rc=$?
    child=""
    if [ "$rc" -eq 124 ]; then echo "timed out after ${TIMEOUT}s: $*" >&2; fi
    return "$rc"
}

psql_t() {
    PGOPTIONS='-c client_min_messages=warning' as_tester "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

# Print every regression.diffs under a directory.
show_diffs() {
    local f
    while IFS= read -r f; do
        echo "---- ${f#"$SRC"/} ----"
        cat "$f"
    done < <(find "$1" -name regression.diffs 2>/dev/null)
}

on_exit() {
    local rc=$?
    set +e
    if [ "$started" -eq 1 ]; then
        ddb_as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
            ddb_as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1
    fi
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        # Keep the outputs of the last run in the work tree (gitignored).
        local d
        for d in tmp_regress tmp_isolation; do
            rm -rf "${DDB_REPO:?}/$d"
            [ -d "$SRC/$d" ] && cp -r "$SRC/$d" "$DDB_REPO/$d"
        done
        mkdir -p "$DDB_REPO/.ddb"
        [ -f "$WORK/postgresql.log" ] && cp "$WORK/postgresql.log" "$DDB_REPO/.ddb/test-postgresql.log"
        rm -rf "$WORK"
    fi
    if [ "$rc" -ne 0 ] && [ "$phase" != finished ]; then
        echo "test.sh: FAILED during $phase" >&2
    fi
    exit "$rc"
}
# On Ctrl-C or TERM, stop the running test command first (see as_tester).
on_signal() {
    if [ -n "$child" ]; then
        kill -TERM "$child" 2>/dev/null || true
        wait "$child" 2>/dev/null || true
    fi
    exit "$1"
}
trap on_exit EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

# ---- 1. packages, -Werror build, install ----------------------------------
phase="package installation"
ddb_install_packages
phase="build (make clean; make DDB_CFLAGS=-Werror; make install)"
ddb_make clean
ddb_build DDB_CFLAGS=-Werror
record PASS "build (-Werror) and install"
phase="Citus installation (for test/citus.sh)"
ddb_install_citus || true

# ---- 2. throwaway cluster and source copy ---------------------------------
phase="test cluster setup"
WORK=$(mktemp -d /tmp/ddb-test.XXXXXX)
ddb_is_root && chown postgres:postgres "$WORK"
SRC=$WORK/src
ddb_as_pg mkdir "$SRC" "$WORK/scratch"
tar -C "$DDB_REPO" --exclude=./.git --exclude=./.ddb --exclude=./tmp_regress \
    --exclude=./tmp_isolation --exclude=./results -cf - . |
    ddb_as_pg tar -C "$SRC" -xf -

if ! ddb_as_pg "$PGBIN/initdb" -D "$WORK/data" -U postgres --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 -N >"$WORK/initdb.log" 2>&1; then
    ddb_show_log "$WORK/initdb.log"
    exit 1
fi
ddb_as_pg cp "$SRC/test/ddb.conf" "$WORK/data/ddb.conf"
ddb_output_plugin_setting | ddb_as_pg tee -a "$WORK/data/ddb.conf" >/dev/null
echo "include 'ddb.conf'" | ddb_as_pg tee -a "$WORK/data/postgresql.conf" >/dev/null

# The HTTP endpoint: a free port, and its database made before the workers
# start (in single-user mode), so that they find it at once.
for _ in 1 2 3 4 5 6 7 8; do
    DDB_HTTP_PORT=$((40000 + RANDOM % 10000))
    (exec 3<>"/dev/tcp/127.0.0.1/$DDB_HTTP_PORT") 2>/dev/null || break
done
echo "ddb.http_port = $DDB_HTTP_PORT" | ddb_as_pg tee -a "$WORK/data/ddb.conf" >/dev/null
if ! echo "CREATE DATABASE ddb_http" | ddb_as_pg "$PGBIN/postgres" --single -D "$WORK/data" \
        -c ddb.http_port=0 postgres >"$WORK/single.log" 2>&1; then
    ddb_show_log "$WORK/single.log"
    exit 1
fi

ddb_start_server "$WORK/data" "$WORK" "$WORK/postgresql.log" localhost || exit 1
started=1
ddb_say "test server: port $PORT, socket $WORK, run by $(ddb_pg_user), HTTP endpoint on port $DDB_HTTP_PORT"
psql_t -d ddb_http -c 'CREATE EXTENSION ddb'

# ---- 3. test steps ---------------------------------------------------------
phase="tests"
banner() { printf '\n======== %s ========\n' "$*"; }

# pg_regress / pg_isolation_regress through PGXS `make installcheck`; $1 is
# the Makefile list to run (REGRESS or ISOLATION), the other one is emptied.
installcheck() {
    local list=$1 other=REGRESS outdir
    [ "$list" = REGRESS ] && other=ISOLATION
    outdir=$(ddb_make_var "${list}_OPTS" | sed -n 's/.*--outputdir=\([^ ]*\).*/\1/p')
    if as_tester make -s --no-print-directory PG_CONFIG="$PG_CONFIG" \
            installcheck "$other="; then
        return 0
    fi
    show_diffs "$SRC/${outdir:-.}"
    return 1
}

for list in REGRESS ISOLATION; do
    name=$(echo "$list" | tr '[:upper:]' '[:lower:]')
    tests=$(ddb_make_var "$list")
    if [ -z "$tests" ]; then
        record SKIP "$name: the Makefile's $list list is empty"
        continue
    fi
    banner "$name: $tests"
    if installcheck "$list"; then
        record PASS "$name ($tests)"
    else
        record FAIL "$name ($tests)"
    fi
done

# pgTAP: each file in its own fresh database.
shopt -s nullglob
tap_files=("$SRC"/test/pgtap/*.sql)
if [ ${#tap_files[@]} -eq 0 ]; then
    record SKIP "pgtap: no test/pgtap/*.sql"
else
    banner "pgtap: ${#tap_files[@]} file(s)"
    for f in "${tap_files[@]}"; do
        rel=${f#"$SRC"/}
        if psql_t -d postgres -c 'DROP DATABASE IF EXISTS ddb_tap' -c 'CREATE DATABASE ddb_tap' &&
           psql_t -d ddb_tap -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION ddb' &&
           as_tester pg_prove --psql-bin "$PGBIN/psql" -d ddb_tap \
                --failures --comments "$rel"; then
            record PASS "pgtap: $rel"
        else
            record FAIL "pgtap: $rel"
        fi
    done
    psql_t -d postgres -c 'DROP DATABASE IF EXISTS ddb_tap' || true
fi

# Shell tests.
sh_files=("$SRC"/test/*.sh)
if [ ${#sh_files[@]} -eq 0 ]; then
    record SKIP "shell: no test/*.sh"
fi
for f in "${sh_files[@]}"; do
    rel=${f#"$SRC"/}
    if [ ! -x "$f" ]; then
        record SKIP "shell: $rel is not executable (chmod +x to run it)"
        continue
    fi
    banner "shell: $rel"
    if as_tester env PGDATABASE=postgres TMPDIR="$WORK/scratch" DDB_HTTP_PORT="$DDB_HTTP_PORT" \
            DDB_SERVER_LOG="$WORK/postgresql.log" "$f"; then
        record PASS "shell: $rel"
    else
        record FAIL "shell: $rel"
    fi
done

# ---- 4. summary ------------------------------------------------------------
phase=finished
if [ "$failed" -ne 0 ]; then
    banner "server log (last 40 lines)"
    tail -n 40 "$WORK/postgresql.log" || true
fi
banner "ddb test summary"
printf '%s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
    echo "RESULT: FAILED (pg_regress outputs are in tmp_regress/ and tmp_isolation/, the server log in .ddb/test-postgresql.log)"
    exit 1
fi
echo "RESULT: all tests passed"
