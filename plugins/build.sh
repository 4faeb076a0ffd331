#!/usr/bin/env bash
# Builds the example plugins (AssemblyScript → Wasm) and checks each module against its
# manifest: only extism:host/env and extism:host/user imports, only granted host
# functions, and an export for every node.
#
#   plugins/build.sh                  build every example
#   plugins/build.sh crm-lookup ...   build the named ones
set -euo pipefail
cd "$(dirname "$0")"

EXAMPLES=(doc-validator keyword-router crm-lookup)

# -O3 with light shrinking; the incremental runtime frees memory, so a module the host
# keeps between calls does not grow; `--use abort=` swaps AssemblyScript's `env.abort`
# import (which the host refuses) for the SDK's handler, named by its internal path.
ASC_FLAGS=(
  --optimizeLevel 3
  --shrinkLevel 1
  --runtime incremental
  --use abort=lib/tucan/abortHandler
  --exportStart tucan_init
  --noColors
)

# npm records what it installed in node_modules/.package-lock.json: reinstall when that
# is missing or older than the lock file.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi

if [[ $# -gt 0 ]]; then targets=("$@"); else targets=("${EXAMPLES[@]}"); fi

for dir in "${targets[@]}"; do
  dir=${dir%/}
  if [[ ! -f $dir/plugin.ts || ! -f $dir/plugin.json ]]; then
    echo "build.sh: $dir has no plugin.ts and plugin.json" >&2
    exit 1
  fi
  node_modules/.bin/asc "$dir/plugin.ts" --outFile "$dir/plugin.wasm" "${ASC_FLAGS[@]}"
  echo "built $dir/plugin.wasm with: asc $dir/plugin.ts --outFile $dir/plugin.wasm ${ASC_FLAGS[*]}"
  node inspect.mjs "$dir/plugin.wasm" "$dir/plugin.json"
done
