#!/usr/bin/env bash
# Mutation testing with cargo-mutants: plant one small bug at a time in the code that protects
# the holder's card and check that the tests catch it (docs/testing.md, "Mutation testing",
# records the last run and every mutant that survived it).
#
#   scripts/mutants.sh safety [ARGS...]   the safety code: the guard, counters, change, verify,
#                                         which bytes are a PIN, Outgoing, the transaction's
#                                         ending, T=0 completion
#   scripts/mutants.sh all [ARGS...]      the library's card/ and transport/ and the command's
#                                         failure classification (src/cli/failure.rs)
#
# Each mutant is built and tested with the plain `cargo test` of the package it is in (the
# pcscd tests stay ignored): a library mutant must be caught by the library's own tests. ARGS go
# to cargo-mutants as they are, e.g. `--in-place` in a work tree of your own (faster: no copy,
# no fresh build; the tree is put back after each mutant, but do not edit it meanwhile), or
# `-- --lib` to run the unit tests alone. One job at a time (cargo-mutants' default; `--jobs 2`
# in a copy, where the machine has cores to spare), a test timeout of 120 s; the
# results go to target/mutants/mutants.out (caught.txt, missed.txt, timeout.txt, unviable.txt).
# Exits non-zero when a mutant was missed or timed out, as cargo-mutants does.
#
# Needs cargo-mutants at the version below: `cargo install --locked cargo-mutants --version V`.
set -euo pipefail
cd "$(dirname "$0")/.."

version=25.3.1
usage="usage: scripts/mutants.sh safety|all [CARGO-MUTANTS ARGS...]"
fail() {
  echo "mutants: $*" >&2
  exit 1
}

[ $# -ge 1 ] || fail "$usage"
scope=$1
shift
case $scope in
  safety)
    files=(
      crates/jpki-card/src/card/guarded.rs
      crates/jpki-card/src/card/counter.rs
      crates/jpki-card/src/card/change.rs
      crates/jpki-card/src/card/verify.rs
      crates/jpki-card/src/apdu/secret.rs
      crates/jpki-card/src/apdu/outgoing.rs
      crates/jpki-card/src/transport/pcsc/ending.rs
      crates/jpki-card/src/transport/completion.rs
    )
    ;;
  all)
    files=(
      'crates/jpki-card/src/card/**'
      'crates/jpki-card/src/transport/**'
      src/cli/failure.rs
    )
    ;;
  *) fail "$usage" ;;
esac

installed=$(cargo mutants --version 2>/dev/null || true)
[ "$installed" = "cargo-mutants $version" ] ||
  fail "needs cargo-mutants $version (found: ${installed:-none}); cargo install --locked cargo-mutants --version $version"

globs=()
for file in "${files[@]}"; do
  globs+=(--file "$file")
done
# cargo-mutants makes its output folder but not the parent: a fresh clone has no target/ yet.
mkdir -p target
exec cargo mutants --workspace "${globs[@]}" --timeout 120 --output target/mutants "$@"
