#!/usr/bin/env bash
# bench/large_items.sh: times requests over large items, the cases of
# test/memory_bounds.sh (GetItem, BatchGetItem, TransactGetItems,
# UpdateItem, TransactWriteItems and list_append updates over items of
# about 380 KB holding 189,952 {"NULL": true}), and prints each one's time
# next to the growth of the backend's peak memory.
#
#   ./scripts/run.sh &&  ./bench/large_items.sh     on the development cluster
#   PGHOST=... PGPORT=... ./bench/large_items.sh    on another server with ddb
#
# It runs test/memory_bounds.sh with MEMORY_BOUNDS_TIMES=1 against a running
# server (default: the one scripts/run.sh starts, port 54329, socket in
# /tmp), in a scratch database it creates and drops. The role (PGUSER,
# default postgres) must be a superuser, to read the backend's
# /proc/self/status. MEMORY_BOUNDS_ONLY (a regular expression) picks cases.
# Times are wall-clock times of single requests in fresh connections on a
# warm cache; the test only ever asserts the memory bounds.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PGHOST=${PGHOST:-/tmp}
export PGPORT=${PGPORT:-54329}
export PGUSER=${PGUSER:-postgres}
export PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
export MEMORY_BOUNDS_TIMES=1
exec "$REPO/test/memory_bounds.sh"
