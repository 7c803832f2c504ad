#!/usr/bin/env bash
# Runs every test of Outcry: the xunit suites, then the integration suite that drives the conformance
# server with the official socket.io-client (tests/clients, node --test). Needs the .NET SDK and Node.js;
# npm packages, and Debian's chromium for the browser tests, are installed here. Ends with one line: "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

tools/install-test-deps.sh

dotnet build Outcry.slnx -c Release -nologo -clp:ErrorsOnly
dotnet test Outcry.slnx -c Release --no-build -nologo 2>&1 | tee "$log/dotnet.txt"
dotnet_status=${PIPESTATUS[0]}

(cd tests/clients && npm ci --no-audit --no-fund --loglevel=error && npm test --silent) 2>&1 | tee "$log/node.txt"
node_status=${PIPESTATUS[0]}

sum() { grep -oE "$1" "$2" | grep -oE '[0-9]+$' | awk '{s+=$1} END {print s+0}'; }
passed=$(( $(sum 'Passed: +[0-9]+' "$log/dotnet.txt") + $(sum '^# pass [0-9]+' "$log/node.txt") ))
failed=$(( $(sum 'Failed: +[0-9]+' "$log/dotnet.txt") + $(sum '^# fail [0-9]+' "$log/node.txt") ))
echo
echo "$passed passed, $failed failed"
if [ "$dotnet_status" -ne 0 ] || [ "$node_status" -ne 0 ] || [ "$failed" -ne 0 ]; then
  exit 1
fi
