#!/usr/bin/env bash
# jpki beside other clients of the same card: each reads jpki's virtual card through one pcscd.
#
#   benches/pcscd-side-by-side.sh [PAIRS]            (default 21 pairs per comparison)
#
# Prints what docs/performance.md and docs/comparison.md quote: versions, APDUs per command
# (counted on the card side), paired timings, the jpki-cli double send, and OpenSC's bind on cards
# with a locked PIN answering 69 83 / 69 84 or without a sign PIN.
#
# Timing: the two commands of a comparison run in turn, A B A B ..., after one warm-up pair, ahead
# of the machine's other work (benches/private-pcscd.sh: timing_first); each
# run is timed start to exit with bash's $EPOCHREALTIME. Reported: the median wall time of A and of B, and
# the median of the per-pair ratio A/B (robust when the machine's speed drifts). Quote ratios,
# not absolute times: on a shared machine those move.
#
# Needs pcscd, vsmartcard-vpcd, opensc, openssl, python3 and cargo; no root (pcscd runs on a private socket,
# handed over the way systemd does, and every client finds it through PCSCLITE_CSOCK_NAME:
# benches/private-pcscd.sh).
# Optional: jpki-cli 0.4.3 (siketyan/jpki-rs) in $JPKI_CLI or on PATH, installed outside this
# repository, e.g. `cargo install jpki-cli --version 0.4.3 --root /tmp/peers`; without it its
# rows are skipped with a note. `script` (util-linux) types the PIN into jpki-cli's prompt.
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-21}
cargo build --quiet --release --locked --bins
cargo build --quiet --release --locked --manifest-path tests/peers/myna-peer/Cargo.toml \
  --target-dir target/myna-peer
bin=$PWD/target/release
peer=$PWD/target/myna-peer/release/myna-peer
jpki_cli=${JPKI_CLI:-$(command -v jpki-cli || true)}
command -v pkcs15-tool >/dev/null || { echo "missing: apt-get install opensc" >&2; exit 1; }
command -v openssl >/dev/null || { echo "missing: apt-get install openssl" >&2; exit 1; }

# shellcheck source=benches/private-pcscd.sh
source benches/private-pcscd.sh
start_pcscd

# apdus COMMAND: APDUs the card received for one run (after a warm-up run).
apdus() {
  eval "$1" >/dev/null 2>&1 || true
  local before
  before=$(sent)
  eval "$1" >/dev/null 2>&1 || true
  echo $(($(sent) - before))
}

# Microseconds, read from bash itself in place: no process, not even a subshell, reads the clock.

# pair NAME A B: the paired timing row, with the APDUs of each side.
pair() {
  local name=$1 a=$2 b=$3 i t0 t1 t2
  local na nb
  na=$(apdus "$a")
  nb=$(apdus "$b")
  : >"$work/times"
  timing_first
  for i in $(seq 0 "$pairs"); do
    t0=${EPOCHREALTIME/./}; eval "$a" >/dev/null 2>&1 || true
    t1=${EPOCHREALTIME/./}; eval "$b" >/dev/null 2>&1 || true
    t2=${EPOCHREALTIME/./}
    [ "$i" -eq 0 ] && continue # the warm-up pair
    echo "$((t1 - t0)) $((t2 - t1))" >>"$work/times"
  done
  timing_done
  awk -v name="$name" -v na="$na" -v nb="$nb" '
    function median(v, n,   i, j, t) {
      for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j-1] > v[j]; j--) { t = v[j]; v[j] = v[j-1]; v[j-1] = t }
      return n % 2 ? v[(n+1)/2] : (v[n/2] + v[n/2+1]) / 2
    }
    { a[NR] = $1; b[NR] = $2; r[NR] = $1 / $2 }
    END { printf "| %s | %d / %d | %.2f | %.2f | %.3f |\n", name, na, nb, median(a, NR)/1e3, median(b, NR)/1e3, median(r, NR) }
  ' "$work/times"
}

J="'$bin/jpki' --reader '$reader'"
P15="pkcs15-tool --reader '$reader' --list-pins"
P15J="OPENSC_DRIVER=jpki $P15"
PEER="'$peer' '$reader'"

echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $pairs pairs per row"
echo
echo "versions: $("$bin/jpki" --version | head -1); myna $(sed -n '/name = "myna"/{n;p}' tests/peers/myna-peer/Cargo.lock | tr -d ' "' | sed 's/version=//')"
dpkg-query -W -f='  ${Package} ${Version}\n' pcscd libpcsclite1 vsmartcard-vpcd opensc 2>/dev/null || true
[ -n "$jpki_cli" ] && echo "  jpki-cli: $("$jpki_cli" --version 2>&1 | head -1)"

serve --tries sign=4 --tries auth=2
echo
echo "## Paired timings (card: sign 4, auth 2, juki 3, kenhojo 3)"
echo
echo "| A vs B | APDUs A / B | A median ms | B median ms | A/B (median of pairs) |"
echo "|---|---|---|---|---|"
pair "jpki status --pins-only vs pkcs15-tool --list-pins" "$J status --pins-only" "$P15"
pair "jpki status --pins-only vs OPENSC_DRIVER=jpki pkcs15-tool --list-pins" "$J status --pins-only" "$P15J"
pair "jpki status vs pkcs15-tool --list-pins" "$J status" "$P15"
pair "jpki status vs OPENSC_DRIVER=jpki pkcs15-tool --list-pins" "$J status" "$P15J"
pair "jpki status --pins-only vs myna program (pins)" "$J status --pins-only" "$PEER pins"
# Both print PEM on stdout; pkcs15-tool's certificate 01 is the auth certificate, 03 its CA's.
P15C="pkcs15-tool --reader '$reader' --read-certificate"
pair "jpki certificate export auth vs pkcs15-tool --read-certificate 01" "$J certificate export auth" "$P15C 01"
pair "jpki certificate export auth-ca vs pkcs15-tool --read-certificate 03" "$J certificate export auth-ca" "$P15C 03"
pair "jpki certificate export auth vs OPENSC_DRIVER=jpki pkcs15-tool --read-certificate 01" "$J certificate export auth" "OPENSC_DRIVER=jpki $P15C 01"
if [ -n "$jpki_cli" ]; then
  C="'$jpki_cli'"
  pair "jpki status --pins-only vs jpki-cli crypto stat" "$J status --pins-only" "$C crypto stat"
  pair "jpki status --pins-only vs 3 jpki-cli runs (sign, auth, kenhojo)" "$J status --pins-only" \
    "$C crypto stat; $C crypto --auth stat; $C support stat"
else
  echo "(jpki-cli not found: set JPKI_CLI to compare with it)"
fi

echo
echo "## What each reads (the same card)"
echo
echo '```'
"$bin/jpki" --reader "$reader" --json status --pins-only | python3 -c 'import json,sys; print("jpki:", {p["id"]: p["tries_left"] for p in json.load(sys.stdin)["pins"]})'
pkcs15-tool --reader "$reader" --list-pins 2>&1 | grep -E '^PIN|Tries left' | paste - - | sed 's/^/pkcs15-tool: /'
"$peer" "$reader" pins | tr '\n' ' ' | sed 's/^/myna: /; s/$/\n/'
# The certificate in a PEM on stdin, as the first 16 hex digits of its DER's SHA-256.
der_digest() { openssl x509 -outform der | sha256sum | cut -c1-16; }
for cert in "auth 01" "auth-ca 03"; do
  ours=$("$bin/jpki" --reader "$reader" certificate export "${cert% *}" | der_digest)
  theirs=$(pkcs15-tool --reader "$reader" --read-certificate "${cert#* }" 2>/dev/null | der_digest)
  [ "$ours" = "$theirs" ] || { echo "the ${cert% *} certificate differs: jpki $ours, pkcs15-tool $theirs" >&2; exit 1; }
  echo "${cert% *} certificate, DER SHA-256 (first 16 digits): jpki $ours, pkcs15-tool $theirs"
done
echo '```'

if [ -n "$jpki_cli" ]; then
  echo
  echo "## jpki-cli: one wrong PIN typed once (kenhojo, fresh card)"
  serve
  # Its prompt reads the terminal in raw mode and drops what was typed before it: type after it.
  set +e
  (sleep 1; printf '0000\r'; sleep 2) | timeout 15 script -qec "'$jpki_cli' support get my-number" /dev/null >/dev/null 2>&1
  cli_code=$?
  echo
  echo '```'
  echo "jpki-cli exit code: $cli_code"
  set -e
  echo "VERIFY commands with data the card received: $(grep -c '^> 00 20 00 80 04' "$work/apdus.log" || true)"
  grep -A1 '^> 00 20 00 80 04' "$work/apdus.log" || true
  "$bin/jpki" --reader "$reader" --json status --pins-only |
    python3 -c 'import json,sys; print("kenhojo tries left after:", [p["tries_left"] for p in json.load(sys.stdin)["pins"] if p["id"]=="kenhojo"][0], "of 3")'
  echo '```'
fi

echo
echo "## Cards OpenSC cannot bind"
echo
echo "| card | jpki status --pins-only | pkcs15-tool --list-pins |"
echo "|---|---|---|"
for card in "auth locked, answers 69 83|--tries auth=0 --locked-probe 6983" \
  "auth locked, answers 69 84|--tries auth=0 --locked-probe 6984" \
  "auth locked, answers 63 C0|--tries auth=0" \
  "no sign PIN (under 15)|--profile under-15"; do
  # shellcheck disable=SC2086 # the init flags are words
  serve ${card#*|}
  ours=$("$bin/jpki" --reader "$reader" --json status --pins-only |
    python3 -c 'import json,sys; print(", ".join(p["id"]+" "+str(p["tries_left"] if p["tries_left"] is not None else p["state"]) for p in json.load(sys.stdin)["pins"]))')
  set +e
  theirs=$(pkcs15-tool --reader "$reader" --list-pins 2>&1)
  code=$?
  set -e
  if [ "$code" -eq 0 ]; then
    theirs=$(echo "$theirs" | grep -E 'Tries left' | awk '{print $NF}' | paste -sd/ | sed 's|^|auth/sign |')
  else
    theirs="exit $code: $(echo "$theirs" | grep -v '^Using reader' | head -1)"
  fi
  echo "| ${card%%|*} | $ours | $theirs |"
done
