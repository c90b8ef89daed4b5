#!/usr/bin/env bash
# Every test, then the protocol suite a second time on PostgreSQL; `make test` runs this inside
# scripts/with-postgres.sh. The suite is every class deriving from LedgerBackendTestCase
# (Tests/TollgateIntegrationTests/TestSupport/LedgerBackend.swift): the first run puts their
# servers on SQLite, the second (TOLLGATE_TEST_LEDGER=postgres) on a database of the cluster.
# Both runs always happen; the status is the first failure's.
set -uo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}

status=0
"$SWIFT" test --skip-build "$@" || status=$?

suite=$(grep -rhoE '^(final )?class [A-Za-z0-9_]+: LedgerBackendTestCase' Tests | sed -E 's/^(final )?class ([A-Za-z0-9_]+):.*/\2/' | sort -u | paste -sd'|')
if [ -z "$suite" ]; then
    echo "run-tests.sh: no class derives from LedgerBackendTestCase; the protocol suite is missing" >&2
    exit 1
fi
echo "run-tests.sh: the protocol suite on PostgreSQL: ${suite//|/, }"
TOLLGATE_TEST_LEDGER=postgres "$SWIFT" test --skip-build --filter "^TollgateIntegrationTests\.($suite)/" "$@" || { s=$?; [ $status -ne 0 ] || status=$s; }
exit $status
