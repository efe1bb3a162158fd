#!/usr/bin/env bash
# Install what building jpki needs beyond Rust itself, and nothing that is already there.
#
#   scripts/install-build-deps.sh
#
# Debian and Ubuntu: pkg-config and the pcsc-lite headers (libpcsclite-dev), a C linker when
# there is none, and dpkg-dev, whose dpkg-shlibdeps tells `cargo deb` what the Debian package
# depends on, through apt-get (with sudo when not root). macOS and Windows need nothing: their
# PC/SC library is part of the system. Elsewhere it checks and says what to install.
set -euo pipefail

# What the build needs: a linker for rustc, and pkg-config finding libpcsclite for pcsc-sys.
have_linker() { command -v cc >/dev/null 2>&1; }
have_pcsclite() { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libpcsclite; }
# Without dpkg-shlibdeps, cargo deb only warns and writes a package that depends on nothing.
have_shlibdeps() { command -v dpkg-shlibdeps >/dev/null 2>&1; }
is_debian() { command -v apt-get >/dev/null 2>&1; }

case "$(uname -s)" in
  Darwin | MINGW* | MSYS* | CYGWIN*)
    echo "build dependencies: nothing to install on $(uname -s) (PC/SC is part of the system)"
    exit 0
    ;;
esac

if have_linker && have_pcsclite && { have_shlibdeps || ! is_debian; }; then
  echo "build dependencies: already installed (pkg-config finds libpcsclite $(pkg-config --modversion libpcsclite))"
  exit 0
fi

if ! is_debian; then
  echo "build dependencies missing: a C linker (cc), pkg-config and the pcsc-lite headers." >&2
  echo "This script installs them on Debian and Ubuntu only; README.md lists the packages for" >&2
  echo "Fedora and Arch Linux (section \"Install what it needs\")." >&2
  exit 1
fi

# Package names; an installed package is left alone.
missing=()
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
have_linker || missing+=(gcc libc6-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
installed libpcsclite-dev || missing+=(libpcsclite-dev)
have_shlibdeps || missing+=(dpkg-dev)
if [ ${#missing[@]} -eq 0 ]; then
  echo "build dependencies: the packages are installed, yet pkg-config cannot find libpcsclite;" >&2
  echo "check 'pkg-config --exists --print-errors libpcsclite'." >&2
  exit 1
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "build dependencies missing: ${missing[*]}; as root, run:" >&2
    echo "  apt-get update && apt-get install ${missing[*]}" >&2
    exit 1
  fi
  as_root=(sudo)
fi

echo "build dependencies: installing ${missing[*]}"
# Wait for another apt run (such as unattended upgrades on a machine just booted) to finish.
apt_get=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300)
"${apt_get[@]}" update -qq
"${apt_get[@]}" install -y -qq --no-install-recommends "${missing[@]}"
have_pcsclite || {
  echo "build dependencies: installed ${missing[*]}, yet pkg-config cannot find libpcsclite" >&2
  exit 1
}
echo "build dependencies: ready (libpcsclite $(pkg-config --modversion libpcsclite))"
