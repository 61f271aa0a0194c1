#!/usr/bin/env bash
# The one test command (README "Quick start"; CI calls it): brings up the real servers
# (idempotent), type-checks, lints, then runs unit, integration and e2e tests in one jest run.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false
export OTEL_SDK_DISABLED="${OTEL_SDK_DISABLED:-true}"

started=$(date +%s)
# Keycloak too: the OpenID Connect tests (libs/auth keycloak.int-spec, e2e/oidc-dashboard) sign in
# against it. It boots beside Cassandra (both probed in parallel by `up`).
bash deploy/local/infra.sh up kafka cassandra redis keycloak

echo "== type-check"
npx tsc -p tsconfig.check.json
echo "== lint"
# ESLint reads the Nx project graph from its cache and silently skips the module-boundaries rule
# when there is none (a fresh clone): compute it first.
npx nx show projects >/dev/null
npx eslint --max-warnings=0 --no-error-on-unmatched-pattern apps libs tools e2e deploy/tests bench
# Formatting (.prettierrc.json, .prettierignore): `npm run format` fixes what this reports.
npx prettier --check --log-level=warn .

echo "== tests"
mkdir -p tmp
set +e
npx jest --ci --maxWorkers=2 --json --outputFile=tmp/jest-results.json "$@"
rc=$?
set -e
node -e '
  const r = require("./tmp/jest-results.json");
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`suites: ${r.numPassedTestSuites} passed, ${r.numFailedTestSuites} failed`);
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' || true
echo "test command took $(( $(date +%s) - started )) s"
exit $rc
