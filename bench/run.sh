#!/usr/bin/env bash
# Runs every benchmark scenario against Outcry, Node's socket.io 4.8 and ASP.NET Core SignalR, on this machine, one
# server at a time (each scenario on a freshly started server), and writes docs/BENCHMARKS.md and
# docs/benchmarks/latency.svg. The raw results stay in bench/results/<time>/results.jsonl.
#   bench/run.sh            the full set (25-35 minutes on 2 cores)
#   bench/run.sh --quick    smaller workloads, to check the setup (about 5 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
quick=${1:-}
out=bench/results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out" docs/benchmarks

tools/install-test-deps.sh # redis-server, for the cluster runs
dotnet build -c Release -nologo -clp:ErrorsOnly tools/Outcry.Bench
dotnet build -c Release -nologo -clp:ErrorsOnly src/Outcry.Server
dotnet build -c Release -nologo -clp:ErrorsOnly bench/peers/SignalR
(cd bench/peers/socketio && npm ci --no-audit --no-fund --loglevel=error)
command -v cc >/dev/null || apt-get install -y -q gcc libc6-dev >/dev/null
cc -O2 -Wall -o "$out/floor" bench/floor/floor.c
bench=(dotnet tools/Outcry.Bench/bin/Release/net10.0/Outcry.Bench.dll)

declare -A port=([outcry]=3000 [socketio]=3001 [signalr]=3002)
start() {
  if curl -sf "http://127.0.0.1:${port[$1]}/healthz" >/dev/null 2>&1; then
    echo "port ${port[$1]} is taken by a running server: stop it first" >&2
    exit 1
  fi
  case $1 in
    outcry) exec dotnet src/Outcry.Server/bin/Release/net10.0/Outcry.Server.dll --urls http://127.0.0.1:3000 --Logging:LogLevel:Default=Warning ;;
    socketio) PORT=3001 exec node --expose-gc bench/peers/socketio/server.js ;;
    signalr) exec dotnet bench/peers/SignalR/bin/Release/net10.0/SignalRPeer.dll --urls http://127.0.0.1:3002 ;;
  esac >"$out/$1.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:${port[$1]}/healthz" >/dev/null && return
    sleep 0.1
  done
  echo "$1 did not start: see $out/$1.log" >&2
  exit 1
}
stop() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}

# The kernel's floor for a rooms or broadcast scenario (bench/floor/floor.c), under the setup the bench wrote for
# Outcry's run of it, so that the report puts it beside the servers; once per measured run (the report takes medians).
floor() {
  local name=$1 clients=0 rooms=1 rate=0 seconds=0 runs=3 setup
  shift
  while [ $# -gt 0 ]; do
    case $1 in
      --clients) clients=$2 ;; --rooms) rooms=$2 ;; --rate) rate=$2 ;; --seconds) seconds=$2 ;; --runs) runs=$2 ;;
    esac
    shift 2
  done
  setup=$(grep "\"scenario\":\"$name\",\"target\":\"outcry\"" "$out/results.jsonl" | tail -1 | sed 's/.*"setup":"\([^"]*\)".*/\1/')
  [ -n "$setup" ] || return 0
  echo "== floor: $name $setup" >&2
  for _ in $(seq "$runs"); do
    "$out/floor" "$name" "$setup" "$clients" $((clients / rooms)) "$rate" "$seconds" >>"$out/results.jsonl" || true
  done
}

# A cluster: Redis and three nodes of one server, joined by its own Redis mechanism (Outcry's engine, socket.io's
# Redis adapter, SignalR's Redis backplane). Sets nodes (their URLs) and pids (theirs and Redis's).
cluster=()
start_cluster() {
  redis-server --port 6390 --bind 127.0.0.1 --save "" --appendonly no >"$out/redis.log" 2>&1 &
  cluster=($!)
  for _ in $(seq 100); do redis-cli -p 6390 ping >/dev/null 2>&1 && break; sleep 0.1; done
  nodes=() pids=("${cluster[0]}")
  for i in 0 1 2; do
    local p=$((${port[$1]} + 10 * (i + 1)))
    case $1 in
      outcry) exec dotnet src/Outcry.Server/bin/Release/net10.0/Outcry.Server.dll --urls "http://127.0.0.1:$p" --Logging:LogLevel:Default=Warning \
                --Outcry:Engine=redis --Outcry:Redis:Configuration=127.0.0.1:6390 ;;
      socketio) PORT=$p REDIS_URL=redis://127.0.0.1:6390 exec node --expose-gc bench/peers/socketio/server.js ;;
      signalr) exec dotnet bench/peers/SignalR/bin/Release/net10.0/SignalRPeer.dll --urls "http://127.0.0.1:$p" --Redis 127.0.0.1:6390 ;;
    esac >"$out/$1-node$i.log" 2>&1 &
    cluster+=($!) pids+=($!) nodes+=("http://127.0.0.1:$p")
    for _ in $(seq 150); do curl -sf "http://127.0.0.1:$p/healthz" >/dev/null && break; sleep 0.1; done
  done
}
stop_cluster() {
  kill "${cluster[@]}" 2>/dev/null || true
  wait "${cluster[@]}" 2>/dev/null || true
  cluster=()
}
trap 'stop; stop_cluster' EXIT

if [ "$quick" = "--quick" ]; then
  scenarios=(
    "fanout --clients 2000 --messages 100 --runs 3"
    "rooms --clients 2000 --rooms 20 --rate 500 --seconds 5"
    "broadcast --clients 2000 --rate 5 --seconds 5"
    "idle --clients 5000"
    "idle --clients 5000 --transport polling"
    "storm --clients 5000 --over 0"
    "publish --seconds 3"
    "rooms-curve --clients 1000 --rooms 10 --rate 200 --seconds 4"
    "rooms-curve --clients 3000 --rooms 30 --rate 200 --seconds 4"
  )
  cluster_scenarios=("fanout --clients 2000 --messages 100 --runs 3")
else
  scenarios=(
    "fanout --clients 5000 --messages 200 --runs 3"
    "fanout --clients 10000 --messages 100 --runs 3"
    "rooms --clients 10000 --rooms 100 --rate 1000 --seconds 10"
    "broadcast --clients 10000 --rate 5 --seconds 10"
    "idle --clients 19000"
    "idle --clients 19000 --transport polling"
    "storm --clients 19000 --over 0"
    "storm --clients 19000 --over 5"
    "publish --seconds 5"
    "rooms-curve --clients 1000 --rooms 10 --rate 100 --seconds 5"
    "rooms-curve --clients 2500 --rooms 25 --rate 250 --seconds 5"
    "rooms-curve --clients 5000 --rooms 50 --rate 500 --seconds 5"
    "rooms-curve --clients 10000 --rooms 100 --rate 1000 --seconds 5"
  )
  cluster_scenarios=("fanout --clients 5000 --messages 200 --runs 3")
fi

for scenario in "${scenarios[@]}"; do
  for target in outcry socketio signalr; do
    [[ $target == signalr && $scenario == *polling* ]] && continue # SignalR's long polling is another protocol
    start "$target"
    echo "== $target: $scenario" >&2
    # shellcheck disable=SC2086
    "${bench[@]}" $scenario --target "$target" --url "http://127.0.0.1:${port[$target]}" --pid "$server" --json >>"$out/results.jsonl" || true
    stop
  done
  # shellcheck disable=SC2086
  case $scenario in rooms* | broadcast*) floor $scenario ;; esac
done

for scenario in "${cluster_scenarios[@]}"; do
  for target in outcry socketio signalr; do
    start_cluster "$target"
    echo "== $target, three nodes and Redis: $scenario" >&2
    # Clients spread over the three nodes; the backend publishes through the last one.
    # shellcheck disable=SC2086
    "${bench[@]}" $scenario --target "$target" --nodes "$(IFS=,; echo "${nodes[*]}")" --url "${nodes[2]}" \
      --pid "$(IFS=,; echo "${pids[*]}")" --json >>"$out/results.jsonl" || true
    stop_cluster
  done
done

{
  echo "# Benchmarks"
  echo
  echo "Outcry measured against Node's socket.io 4.8 (seed 000's push service: room from \`?itemId\`, \`POST /pub\`) and"
  echo "an ASP.NET Core SignalR hub with groups, **in the same run, on the same machine**, with the same load generator"
  echo "(\`tools/Outcry.Bench\`: raw WebSocket clients, JSON, no compression). Generated by \`bench/run.sh${quick:+ $quick}\` on $(date -u +%Y-%m-%d);"
  echo "the raw results are in \`$out/results.jsonl\` (not committed). Reproduce with:"
  echo
  echo '```sh'
  echo "bench/run.sh${quick:+ $quick}"
  echo '```'
  echo
  echo "**Machine**: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB,"
  echo "Linux $(uname -r), .NET $(dotnet --version), Node $(node --version). The generator shares the cores with the server,"
  echo "so *server µs/delivery* (the server's own CPU time from \`/proc/<pid>/stat\` divided by deliveries) is the fair"
  echo "efficiency figure. Latency is measured from each message's *intended* send time; every delivery is checked by"
  echo "sequence number. Fanout, rooms and broadcast figures are medians of 3 runs after a warm-up (the rooms and broadcast scenarios publish for 10 s"
  echo "at their rate before they measure), and *p99 ms, slowest run* shows the worst of the three. Ratios are Outcry ÷ peer: above 1× is"
  echo "better for rates, below 1× is better for latency, CPU and memory. In the rooms and broadcast tables, *C floor* is"
  echo "\`bench/floor/floor.c\`: the same deliveries made by two C processes with nothing but \`send\`, \`recv\` and \`epoll\`,"
  echo "the best any server could do on this machine."
  echo
  echo "Where these figures stand against Outcry's targets, and what bounds each one not met, is written by hand after the"
  echo "tables: [Against the targets](#against-the-targets)."
  echo
  echo "![p99 latency against connections](benchmarks/latency.svg)"
  echo
  echo "## Scenarios"
  echo
  for scenario in "${scenarios[@]}"; do echo "- \`dotnet tools/Outcry.Bench/bin/Release/net10.0/Outcry.Bench.dll $scenario --target T --url U --pid P\`"; done
  for scenario in "${cluster_scenarios[@]}"; do echo "- \`dotnet tools/Outcry.Bench/bin/Release/net10.0/Outcry.Bench.dll $scenario --target T --nodes N1,N2,N3 --url N3 --pid P1,P2,P3,REDIS\` (three nodes and Redis)"; done
  echo
  echo "## Results"
} >"$out/preamble.md"
"${bench[@]}" report "$out/results.jsonl" docs/BENCHMARKS.md docs/benchmarks/latency.svg "$out/preamble.md"
cat bench/notes.md >>docs/BENCHMARKS.md # the targets, and what bounds Outcry today (written by hand)
echo "wrote docs/BENCHMARKS.md" >&2
