#!/usr/bin/env bash
# partiql_fuzz: a short run of the PartiQL fuzz harness (test/fuzz/, see
# fuzz_partiql.sh) against the test server: COUNT (default 15,000) random
# and mutated requests to ExecuteStatement, BatchExecuteStatement and
# ExecuteTransaction must each end with a response or a DynamoDB error, and
# no backend may crash. COUNT=200000 for a longer run.
set -euo pipefail
cd "$(dirname "$0")/.."
exec test/fuzz/fuzz_partiql.sh "${COUNT:-15000}"
