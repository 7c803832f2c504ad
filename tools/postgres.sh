#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests, from Debian's postgresql package (tools/install-test-deps.sh installs it):
#   tools/postgres.sh start DIR PORT   a new cluster in DIR (an empty or missing folder), 127.0.0.1:PORT, trust auth,
#                                      no fsync; prints its Npgsql connection string
#   tools/postgres.sh stop DIR         stops it (the caller deletes DIR)
# No system service is involved; as root the server runs as the postgres user, as PostgreSQL requires.
set -euo pipefail
cmd=$1 dir=$2
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ]; then
  echo "PostgreSQL is not installed: run tools/install-test-deps.sh (apt-get install postgresql)" >&2
  exit 2
fi
as=()
[ "$(id -u)" -ne 0 ] || as=(runuser -u postgres --)
case $cmd in
start)
  port=$3
  mkdir -p "$dir"
  [ "$(id -u)" -ne 0 ] || chown postgres "$dir"
  "${as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-sync >/dev/null
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
  echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
  ;;
stop)
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
  ;;
*)
  echo "usage: $0 start DIR PORT | stop DIR" >&2
  exit 2
  ;;
esac
