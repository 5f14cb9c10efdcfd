#!/usr/bin/env bash
# One command from a fresh clone to a working detcal: pnpm, the Python cross-check stack,
# dependencies (native ones compiled against Node's own headers), and a build of every package.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.21.0
node -e 'const [maj]=process.versions.node.split(".").map(Number); if (maj < 20) { console.error(`detcal needs Node >= 20, found ${process.versions.node}`); process.exit(1) }'

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION with npm"
  npm install -g --no-fund --no-audit "pnpm@$PNPM_VERSION" >/dev/null
fi

# h5py/numpy are the facility stack: tests open every file detcal writes with them.
if ! /usr/bin/python3 -c 'import h5py, numpy' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing python3-h5py and python3-numpy from Debian"
    apt-get install -y -qq --no-install-recommends python3-numpy python3-h5py >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends python3-numpy python3-h5py >/dev/null; }
  else
    echo "setup: WARNING python3 h5py/numpy missing and not root; h5py cross-check tests will be skipped (apt-get install python3-h5py)"
  fi
fi

# Native addons (better-sqlite3) compile against the headers Node ships in /usr/include/node.
if [ -d /usr/include/node ]; then export npm_config_nodedir=/usr; fi

export NX_DAEMON=false
pnpm install --frozen-lockfile=false --reporter=append-only
pnpm run build
echo "setup: done. Run the tests with: npm test"
