#!/usr/bin/env bash
# Installs the Debian 12 packages Balcony needs to build, run and test,
# but only those that are missing (idempotent). Used by `make run`/`make test`.
set -euo pipefail

packages=(
  # build
  pkg-config libgtk-4-dev libadwaita-1-dev libsqlite3-dev blueprint-compiler gettext libomemo-c-dev
  meson ninja-build desktop-file-utils appstream libglib2.0-bin
  # tests: X server, D-Bus session, XMPP server, screenshots, locales
  xvfb xauth dbus dbus-x11 prosody lua-dbi-sqlite3 ejabberd imagemagick xdotool x11-utils librsvg2-bin locales openssl
  gnome-keyring libsecret-tools prosody-modules
  # tests: an independent OpenPGP implementation (Kontalk keys), curl (the upload benchmark)
  gnupg curl
  # tests: an independent OMEMO implementation (interop peer)
  python3-omemo python3-oldmemo python3-twomemo python3-slixmpp python3-x3dh python3-doubleratchet python3-xeddsa python3-xmlschema
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

sudo=""
if [ "$(id -u)" != 0 ]; then
  sudo="sudo"
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  # policy-rc.d keeps the package scripts from starting a system Prosody.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "deps: all Debian packages present"
fi

# The German UI test needs a German locale.
if ! locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$'; then
  echo "deps: generating the de_DE.UTF-8 locale"
  $sudo sed -i 's/^# *\(de_DE.UTF-8 UTF-8\)/\1/' /etc/locale.gen
  grep -q '^de_DE.UTF-8 UTF-8' /etc/locale.gen || echo 'de_DE.UTF-8 UTF-8' | $sudo tee -a /etc/locale.gen >/dev/null
  $sudo locale-gen >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "deps: cargo is missing; install Rust from https://rustup.rs" >&2
  exit 1
fi
