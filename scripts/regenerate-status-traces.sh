#!/usr/bin/env bash
# Regenerate the `@source simulator` traces in apdu-traces/status/ by recording
# `jpki status --pins-only` over the virtual card, one state per case.
#   scripts/regenerate-status-traces.sh
# unexpected-answer.trace and juki-one-unreadable.trace stay hand-written: no faithful card
# answers 90 00 to an empty VERIFY.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --bins
bin=target/debug
out=apdu-traces/status
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# record NAME "DESCRIPTION" [jpki-vcard init options...]
record() {
  local name=$1 description=$2
  shift 2
  "$bin/jpki-vcard" init "$@" "$work/$name.state"
  # A card that is not a My Number card makes jpki exit 8; the trace is written all the same.
  "$bin/jpki" --virtual-card "$work/$name.state" --record "$work/$name.trace" \
    status --pins-only >/dev/null 2>&1 || true
  {
    echo "# $description"
    echo "# Recorded from the virtual card (jpki-vcard init $*) by scripts/regenerate-status-traces.sh."
    cat "$work/$name.trace"
  } >"$out/$name.trace"
  echo "wrote $out/$name.trace"
}

record fresh "A card as issued: every counter at its maximum (five key references)."
record some-tries-used "Some tries used: sign 3 of 5, auth on its last try, juki 2 of 3 in both key references." \
  --tries sign=3 --tries auth=1 --tries juki=2
record locked-63c0 "The auth PIN locked, answered as 63 C0 (no tries left)." --tries auth=0
record locked-6983 "The juki PIN locked in both key references, answered as 69 83 (authentication method blocked)." \
  --tries juki=0 --locked-probe 6983
record locked-6984 "The sign password locked, answered as 69 84 (reference data not usable)." \
  --tries sign=0 --locked-probe 6984
record juki-counters-differ "The juki PIN's two key references disagree: the 住基 AP's counter is full (63 C3), the 共通 AP's has 2 tries left (63 C2)." \
  --profile juki-counters-differ
record no-juki-ap "A card without the 住基 AP: its SELECT answers 6A 82, juki is the 共通 AP's counter alone." \
  --without juki_ap
record no-common-ap "A card without the 共通 AP: its SELECT answers 6A 82, juki is the 住基 AP's counter alone." \
  --without common_ap
record no-juki-application "A card with neither juki application: both SELECTs answer 6A 82, juki is not issued." \
  --without juki
record sign-not-issued "A child's card (under 15): no signature certificate, so the sign PIN EF is not found." \
  --profile under-15
record not-my-number-card "Some other card: SELECT of the JPKI application answers 6A 82, so jpki stops." \
  --profile other-card
