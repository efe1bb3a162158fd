#!/usr/bin/env bash
# Run the fuzz targets (fuzz/fuzz_targets/) with cargo-fuzz, each for a bounded time, starting
# from its committed seed corpus (fuzz/corpus/TARGET/):
#
#   scripts/fuzz.sh all [SECONDS]       every target in turn, SECONDS each (default 45)
#   scripts/fuzz.sh TARGET [SECONDS]    one target
#
# Exits non-zero when a target panics (a failed assertion included), hangs on one input (10 s),
# or goes past 2 GiB, and prints the input libFuzzer saved and the command that replays it. New
# inputs the runs find go to a scratch corpus, so fuzz/corpus/ stays as committed.
#
# Needs cargo-fuzz (`cargo install --locked cargo-fuzz`) and the nightly toolchain; without
# nightly it builds on the default toolchain with RUSTC_BOOTSTRAP=1, as cargo-fuzz allows.
set -euo pipefail
cd "$(dirname "$0")/.."

usage="usage: scripts/fuzz.sh all|TARGET [SECONDS]"
fail() {
  echo "fuzz: $*" >&2
  exit 1
}

[ $# -ge 1 ] && [ $# -le 2 ] || fail "$usage"
seconds=${2:-45}
[[ $seconds =~ ^[1-9][0-9]*$ ]] || fail "SECONDS must be a whole number of seconds, not '$seconds'"
mapfile -t known < <(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -vx jpki-fuzz)
if [ "$1" = all ]; then
  targets=("${known[@]}")
else
  printf '%s\n' "${known[@]}" | grep -qxF -- "$1" || fail "no fuzz target '$1' (there are: ${known[*]})"
  targets=("$1")
fi
for target in "${targets[@]}"; do
  [ -f "fuzz/fuzz_targets/$target.rs" ] || fail "fuzz/Cargo.toml names $target, but fuzz/fuzz_targets/$target.rs is missing"
  [ -n "$(ls -A "fuzz/corpus/$target" 2>/dev/null)" ] || fail "$target has no seed corpus in fuzz/corpus/$target/"
done

cargo fuzz --version >/dev/null 2>&1 || fail "cargo-fuzz is not installed: cargo install --locked cargo-fuzz"
toolchain=()
replay="cargo +nightly fuzz run"
if rustup run nightly rustc --version >/dev/null 2>&1; then
  toolchain=(+nightly)
else
  replay="RUSTC_BOOTSTRAP=1 cargo fuzz run"
  echo "fuzz: no nightly toolchain; building with RUSTC_BOOTSTRAP=1 on $(rustc --version)"
  export RUSTC_BOOTSTRAP=1
fi
# cargo-fuzz has no --locked: check the fuzz crate's lock file is current before it builds.
cargo metadata --locked --format-version 1 --manifest-path fuzz/Cargo.toml >/dev/null ||
  fail "fuzz/Cargo.lock is out of date with fuzz/Cargo.toml"

echo "== building the fuzz targets ($(cargo "${toolchain[@]}" fuzz --version), $(rustc "${toolchain[@]}" --version))"
cargo "${toolchain[@]}" fuzz build

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=()
for target in "${targets[@]}"; do
  echo "== $target, $seconds s, from fuzz/corpus/$target/ ($(ls "fuzz/corpus/$target" | wc -l) seeds)"
  artifacts=fuzz/artifacts/$target
  mkdir -p "$artifacts" "$scratch/$target"
  touch "$scratch/start"
  log=$scratch/$target.log
  set +e
  # The scratch corpus comes first: libFuzzer writes what it finds to the first directory.
  cargo "${toolchain[@]}" fuzz run "$target" "$scratch/$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1
  status=$?
  set -e
  # The run's closing figures: libFuzzer's "Done N runs in T second(s)" and its last status line.
  grep -E '^(Done [0-9]+ runs|#[0-9]+.*(DONE|pulse|NEW|REDUCE))' "$log" | tail -n 2 || true
  grep -E '^stat::(number_of_executed_units|peak_rss_mb|new_units_added):' "$log" || true
  mapfile -t found < <(find "$artifacts" -type f -newer "$scratch/start")
  if [ "$status" -ne 0 ] || [ ${#found[@]} -gt 0 ]; then
    tail -n 60 "$log" >&2
    echo "fuzz: $target FAILED (exit $status)" >&2
    for input in "${found[@]}"; do
      echo "fuzz: reproducer: $input" >&2
      echo "fuzz:   replay with: $replay $target $input" >&2
    done
    [ ${#found[@]} -gt 0 ] || echo "fuzz: libFuzzer saved no input; its log is above" >&2
    failed+=("$target")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  fail "${#failed[@]} of ${#targets[@]} targets failed: ${failed[*]}"
fi
echo "fuzz: ${#targets[@]} targets ran $seconds s each with no failure"
