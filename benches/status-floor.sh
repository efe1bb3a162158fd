#!/usr/bin/env bash
# `jpki status --pins-only` against the floor: benches/status-floor.c, the least one process does
# through PC/SC to read the same five counters (establish a context, list the readers, connect,
# begin a transaction, the same 14 APDUs, end it, disconnect leaving the card as it is).
#
#   benches/status-floor.sh [RUNS [PAIRS]]      (default 5 runs of 31 pairs)
#
# JPKI=PATH measures that jpki binary (an older build, say) instead of this checkout's.
#
# Both read jpki's virtual card through one pcscd of this script's own (benches/private-pcscd.sh).
# Wall time: in each run, jpki and the floor run in turn (A B A B ...) after a warm-up pair, ahead
# of the machine's other work (benches/private-pcscd.sh: timing_first), each
# timed from start to exit with bash's $EPOCHREALTIME (no process is started to read the clock);
# a run reports the median of jpki's times, of the floor's, and of the per-pair ratios jpki/floor
# (robust when the machine's speed drifts), and the result is the median of the runs' ratios.
# Instructions: each program once per run (at most 3) under valgrind's callgrind, which counts
# every instruction of the process from the dynamic loader on (pcscd's work is not counted);
# the result is the median ratio. Quote ratios, not absolute times: on a shared machine those move.
#
# Needs pcscd, vsmartcard-vpcd, python3, valgrind, a C compiler, libpcsclite-dev and cargo;
# no root. valgrind comes from Debian: `apt-get install valgrind` (.ci/run installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
pairs=${2:-31}
valgrind=$(command -v valgrind) || { echo "missing: apt-get install valgrind" >&2; exit 1; }
cc=$(command -v cc || command -v gcc) || { echo "missing: apt-get install gcc" >&2; exit 1; }
[ -e /usr/include/PCSC/winscard.h ] || { echo "missing: apt-get install libpcsclite-dev" >&2; exit 1; }

cargo build --quiet --release --locked --bins
bin=$PWD/target/release
floor=$PWD/target/bench/status-floor
mkdir -p "$(dirname "$floor")"
"$cc" -O2 -Wall -Wextra -Werror -I/usr/include/PCSC -o "$floor" benches/status-floor.c -lpcsclite

# What any Rust process costs more than a C one before it does anything: a program of each that
# prints one line (Rust's std sets up its runtime and loads the unwinder, libgcc_s).
hello=$PWD/target/bench/hello
printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' >"$hello.c"
printf 'fn main() {\n    println!("hello");\n}\n' >"$hello.rs"
"$cc" -O2 -o "$hello-c" "$hello.c"
rustc --edition 2021 -C opt-level=3 -C strip=debuginfo -o "$hello-rs" "$hello.rs"

# shellcheck source=benches/private-pcscd.sh
source benches/private-pcscd.sh
start_pcscd
serve --tries sign=4 --tries auth=2

jpki_bin=${JPKI:-$bin/jpki}
jpki=("$jpki_bin" --reader "$reader" status --pins-only)
base=("$floor" "$reader")

# The two read the same counters, with the same APDUs.
floor_read=$("${base[@]}" | paste -sd' ')
jpki_read=$("$jpki_bin" --reader "$reader" --json status --pins-only | python3 -c '
import json, sys
for pin in json.load(sys.stdin)["pins"]:
    for key in pin["key_refs"] or [pin]:
        print(pin["id"], key["tries_left"])' | paste -sd' ')
[ "$floor_read" = "$jpki_read" ] ||
  { echo "the floor read \"$floor_read\", jpki \"$jpki_read\"" >&2; exit 1; }
apdus() {
  local before
  before=$(sent)
  "$@" >/dev/null
  echo $(($(sent) - before))
}
jpki_apdus=$(apdus "${jpki[@]}")
floor_apdus=$(apdus "${base[@]}")
[ "$jpki_apdus" = 14 ] && [ "$floor_apdus" = 14 ] ||
  { echo "APDUs: jpki $jpki_apdus, the floor $floor_apdus; both should send 14" >&2; exit 1; }

# instructions COMMAND...: what callgrind counted for one run of COMMAND.
instructions() {
  "$valgrind" --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
    sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}

# Times are read as ${EPOCHREALTIME/./} (microseconds) in place: a $(...) would start a subshell.

median() { sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2 }'; }

echo "# jpki status --pins-only against the floor, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "machine: $(nproc) cores, Debian $(cat /etc/debian_version 2>/dev/null || echo '?'), $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
dpkg-query -W -f='  ${Package} ${Version}\n' pcscd libpcsclite1 vsmartcard-vpcd valgrind 2>/dev/null || true
echo "jpki: ${jpki_bin#"$PWD"/}, $("$jpki_bin" --version | head -1); floor: $("$cc" --version | head -1)"
echo "both read \"$floor_read\" with 14 APDUs (counted on the card side)"
echo
echo "| run | jpki median ms | floor median ms | wall jpki/floor (median of $pairs pairs) | instructions jpki | instructions floor | instructions jpki/floor |"
echo "|---|---|---|---|---|---|---|"
: >"$work/wall-ratios"
: >"$work/instruction-ratios"
for run in $(seq "$runs"); do
  : >"$work/times"
  timing_first
  for i in $(seq 0 "$pairs"); do
    t0=${EPOCHREALTIME/./}
    "${jpki[@]}" >/dev/null
    t1=${EPOCHREALTIME/./}
    "${base[@]}" >/dev/null
    t2=${EPOCHREALTIME/./}
    [ "$i" -eq 0 ] && continue # the warm-up pair
    echo "$((t1 - t0)) $((t2 - t1))" >>"$work/times"
  done
  timing_done
  a=$(awk '{ print $1 / 1000 }' "$work/times" | median)
  b=$(awk '{ print $2 / 1000 }' "$work/times" | median)
  ratio=$(awk '{ print $1 / $2 }' "$work/times" | median)
  echo "$ratio" >>"$work/wall-ratios"
  if [ "$run" -le 3 ]; then
    ia=$(instructions "${jpki[@]}")
    ib=$(instructions "${base[@]}")
    iratio=$(awk -v a="$ia" -v b="$ib" 'BEGIN { print a / b }')
    echo "$iratio" >>"$work/instruction-ratios"
  else
    ia=- ib=- iratio=-
  fi
  [ "$iratio" = - ] || iratio=$(printf '%.2f' "$iratio")
  printf '| %d | %.2f | %.2f | %.3f | %s | %s | %s |\n' "$run" "$a" "$b" "$ratio" "$ia" "$ib" "$iratio"
done
wall=$(median <"$work/wall-ratios")
insns=$(median <"$work/instruction-ratios")
echo
printf 'wall time jpki/floor: %.3f (median of %d runs; goal at most 1.15)\n' "$wall" "$runs"
printf 'instructions jpki/floor: %.2f (callgrind; goal at most 3)\n' "$insns"
hello_rs=$(instructions "$hello-rs")
hello_c=$(instructions "$hello-c")
printf 'start-up alone: a Rust program printing a line runs %s instructions, a C one %s (%.2f times)\n' \
  "$hello_rs" "$hello_c" "$(awk -v a="$hello_rs" -v b="$hello_c" 'BEGIN { print a / b }')"
