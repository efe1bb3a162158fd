#!/usr/bin/env bash
# Generate the shell completions and man pages into one directory (default target/assets/),
# both from jpki's own clap definitions. Uses $JPKI if set, else builds and runs jpki with cargo.
#
#   scripts/gen-assets.sh [OUT_DIR]
#
# OUT_DIR/completions/: jpki.bash, _jpki (zsh), jpki.fish, _jpki.ps1 (PowerShell), jpki.elv
# OUT_DIR/man/:         jpki.1 and one page per command (jpki-status.1, ...)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/assets}

jpki() {
  if [ -n "${JPKI:-}" ]; then
    "$JPKI" "$@"
  else
    cargo run --quiet --bin jpki -- "$@"
  fi
}

mkdir -p "$out/completions" "$out/man"
jpki completions bash >"$out/completions/jpki.bash"
jpki completions zsh >"$out/completions/_jpki"
jpki completions fish >"$out/completions/jpki.fish"
jpki completions powershell >"$out/completions/_jpki.ps1"
jpki completions elvish >"$out/completions/jpki.elv"
jpki manpage --out-dir "$out/man"
echo "wrote $out/completions/ and $out/man/"
