#!/usr/bin/env bash
# Benchmark: APDU count and median wall time of `jpki status --pins-only` through a real pcscd and
# the virtual card (vpcd), beside OpenSC's `pkcs15-tool --list-pins` on the same card.
#   benches/status-through-pcscd.sh [RUNS]        (default 21 runs each; needs root for pcscd)
# Starts its own pcscd and jpki-vcard and stops both by PID. Needs pcscd, vsmartcard-vpcd, opensc,
# and no other pcscd running. Figures go to docs/performance.md by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-21}
profile=${PROFILE:-debug}
if [ "$profile" = release ]; then cargo build --quiet --release --bins; else cargo build --quiet --bins; fi
bin=target/$profile
driver=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
reader="Virtual PCD 00 00"
for need in pcscd pkcs15-tool; do
  command -v "$need" >/dev/null || [ -x "/usr/sbin/$need" ] || { echo "missing $need: apt-get install pcscd vsmartcard-vpcd opensc" >&2; exit 1; }
done
[ -e "$driver" ] || { echo "missing $driver: apt-get install vsmartcard-vpcd" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir "$work/conf"
printf 'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:%s\nLIBPATH %s\nCHANNELID %s\n' \
  "$port" "$driver" "$port" >"$work/conf/vpcd"
"$bin/jpki-vcard" init --tries sign=4 --tries auth=2 "$work/card.state"
pcscd --foreground --config "$work/conf" >"$work/pcscd.log" 2>&1 &
pids+=($!)
"$bin/jpki-vcard" serve --log --port "$port" "$work/card.state" 2>"$work/apdus.log" &
pids+=($!)
for _ in $(seq 100); do
  "$bin/jpki" --json readers 2>/dev/null | grep -q '"card_present":true' && break
  sleep 0.1
done

apdus() { grep -c '^>' "$work/apdus.log" || true; }

# measure NAME COMMAND...: prints "NAME  APDUs  median ms  min ms  max ms"
measure() {
  local name=$1
  shift
  local before after count times=()
  "$@" >/dev/null 2>&1 # warm-up: pcscd powers the card up on first use
  before=$(apdus)
  "$@" >/dev/null 2>&1
  after=$(apdus)
  count=$((after - before))
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    times+=($(((end - start) / 1000)))
  done
  sorted=($(printf '%s\n' "${times[@]}" | sort -n))
  median=${sorted[$((runs / 2))]}
  printf '| %s | %d | %d.%03d | %d.%03d | %d.%03d |\n' "$name" "$count" \
    $((median / 1000)) $((median % 1000)) \
    $((sorted[0] / 1000)) $((sorted[0] % 1000)) \
    $((sorted[runs - 1] / 1000)) $((sorted[runs - 1] % 1000))
}

echo "$runs runs each, $profile build, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "| command | APDUs | median ms | min ms | max ms |"
echo "|---|---|---|---|---|"
measure "jpki status --pins-only" "$bin/jpki" --reader "$reader" status --pins-only
measure "pkcs15-tool --list-pins" pkcs15-tool --reader "$reader" --list-pins
