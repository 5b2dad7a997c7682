#!/usr/bin/env bash
# Node.js tools of tests/Infrastructure.Tests: the HCL parser that reads every Terraform file (the terraform CLI is not
# installable here). Installs Node.js + npm from Debian when they are missing, then `npm ci` in
# tests/Infrastructure.Tests/hcl (@cdktf/hcl2json: HashiCorp's HCL parser as WebAssembly, runs offline).
# Sourced by test.sh (set -euo pipefail, as root, no stdin); idempotent: `npm ci` runs again only when
# package-lock.json changed since the last install. Defines nothing in the caller's shell.

bv_node_tools_install() {
  local here dir stamp want
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  dir="$here/../Infrastructure.Tests/hcl"
  dir="$(cd "$dir" && pwd)"

  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "node-tools: node/npm not found; installing Debian's nodejs and npm"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  echo "node-tools: node $(node --version), npm $(npm --version)"

  stamp="$dir/node_modules/.bitcoinvolume-lock.sha256"
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$dir/node_modules/@cdktf/hcl2json/package.json" ]; then
    echo "node-tools: $dir/node_modules is up to date"
    return 0
  fi

  echo "node-tools: npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
  echo "$want" >"$stamp"
}

bv_node_tools_install
unset -f bv_node_tools_install
