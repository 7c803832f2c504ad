#!/usr/bin/env bash
# What the tests need beyond the .NET SDK and Node.js, from Debian's packages: chromium (driven by playwright-core,
# never a downloaded browser), postgresql (the auction's store, run by tools/postgres.sh as a throwaway server) and
# redis-server (the Redis engine's tests start throwaway servers; the package's own service is left stopped),
# rabbitmq-server (the queue tests start a throwaway broker the same way) and python3-pika (seed 002's producer, run
# by /usr/bin/python3).
# Installs only what is missing; uses sudo when not root.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
/usr/bin/python3 -c 'import pika' >/dev/null 2>&1 || missing+=(python3-pika)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing ${missing[*]} (apt-get)"
$sudo apt-get update -qq
# RUNLEVEL=1: where a package's service could start (no policy-rc.d), invoke-rc.d does not start it; the tests
# start their own throwaway servers, and a service that failed to start would fail the install.
$sudo env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
