#!/usr/bin/env bash
# expression_fuzz: a short run of the expression-parser fuzz harness
# (test/fuzz/, 1,000,000 inputs when run on its own) against the test server:
# 50,000 random and mutated expressions must each parse or fail with a
# ValidationException, and the backend must survive them all.
set -euo pipefail
cd "$(dirname "$0")/.."
exec test/fuzz/fuzz_expressions.sh "${DDB_FUZZ_INPUTS:-50000}"
