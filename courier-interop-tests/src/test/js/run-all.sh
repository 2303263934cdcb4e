#!/usr/bin/env bash
# Runs every scenario in every transport mode, for manual use and `npm test`.
#
#   ./run-all.sh [URL]
#
# With a URL, the scenarios target that server (e.g. a Courier started by hand). Without one, the
# script starts reference-server.js twice: with the contract's heartbeat for the scenarios, and with
# the Socket.IO default heartbeat for many-clients.js (see its header for why).
#
# Env: COURIER_MODES (default "polling websocket upgrade"), COURIER_MANY_URL (server for
# many-clients.js; default: URL), plus anything the scenarios read (COURIER_CLIENTS, ...).
# Prints one line per run and exits 1 if any run failed.
set -u
cd "$(dirname "$0")"

scenarios=(basics binary server-acks namespaces rooms disconnect reconnect many-clients)
read -r -a modes <<< "${COURIER_MODES:-polling websocket upgrade}"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT

if [ $# -ge 1 ]; then
  url=$1
  many_url=${COURIER_MANY_URL:-$url}
else
  # Started here rather than in a $(...) subshell, so the pids stay ours to clean up.
  out=$(mktemp); node reference-server.js 0 > "$out" & pids+=($!)
  out2=$(mktemp); node reference-server.js 0 --ping-interval=25000 --ping-timeout=20000 > "$out2" & pids+=($!)
  for _ in $(seq 200); do grep -q port "$out" && grep -q port "$out2" && break; sleep 0.05; done
  grep -q port "$out" && grep -q port "$out2" || { echo "reference servers did not start" >&2; exit 1; }
  url="http://127.0.0.1:$(sed 's/[^0-9]//g' "$out")"
  many_url=${COURIER_MANY_URL:-"http://127.0.0.1:$(sed 's/[^0-9]//g' "$out2")"}
  rm -f "$out" "$out2"
  echo "reference servers: $url (contract), $many_url (many-clients)"
fi

failed=0
for scenario in "${scenarios[@]}"; do
  target=$url
  [ "$scenario" = many-clients ] && target=$many_url
  for mode in "${modes[@]}"; do
    output=$(COURIER_URL=$target COURIER_TRANSPORTS=$mode node "$scenario.js")
    status=$?
    line=$(printf '%s\n' "$output" | tail -n 1)
    printf '%-13s %-9s exit=%s %s\n' "$scenario" "$mode" "$status" "$line"
    [ "$status" -eq 0 ] || failed=1
  done
done
exit $failed
