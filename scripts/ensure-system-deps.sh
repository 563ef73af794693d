#!/usr/bin/env bash
# Installs the Debian packages the tests need, when they are missing. Idempotent: a machine
# that has them all is left alone. Needs root (CI runs as root); otherwise it names what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

# keytar, the keychain binding, is an optional dependency built from source against libsecret:
# an `npm install` that ran before libsecret-1-dev was here skipped it. Install again once it can build.
ensure_keytar() {
  { [ -d node_modules ] && [ ! -f node_modules/keytar/build/Release/keytar.node ] && [ -f /usr/include/libsecret-1/libsecret/secret.h ]; } || return 0
  echo "building keytar (the keychain binding) now that libsecret-1-dev is installed"
  npm install --no-audit --no-fund --silent || echo "keytar did not build: the app and its tests use @napi-rs/keyring" >&2
}

# command-to-check  package(s)
need=(
  "chromium:chromium"
  "slapd:slapd"
  "ldapwhoami:ldap-utils"
  "samba:samba winbind krb5-user ldb-tools"
  "oathtool:oathtool"
  "gnome-keyring-daemon:gnome-keyring"
  "dbus-run-session:dbus dbus-x11"
  "postgres-initdb:postgresql"
  "samba-ad-dc:samba-ad-provision samba-dsdb-modules samba-vfs-modules"
  "noto-cjk-font:fonts-noto-cjk"
  "libsecret-headers:libsecret-1-dev"
)
missing=()
for entry in "${need[@]}"; do
  cmd=${entry%%:*}
  pkgs=${entry#*:}
  # Japanese text in the UI and its screenshots: the font the renderer's stack names for Linux.
  if [ "$cmd" = noto-cjk-font ]; then
    [ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing+=($pkgs)
    continue
  fi
  # keytar's native part builds from source against libsecret (npm install compiles it).
  if [ "$cmd" = libsecret-headers ]; then
    [ -f /usr/include/libsecret-1/libsecret/secret.h ] || missing+=($pkgs)
    continue
  fi
  if [ "$cmd" = postgres-initdb ]; then
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=($pkgs)
    continue
  fi
  # A Samba AD DC needs these recommends of samba (this script installs without recommends).
  if [ "$cmd" = samba-ad-dc ]; then
    { [ -d /usr/share/samba/setup/ad-schema ] && ls /usr/lib/*/samba/vfs/acl_xattr.so /usr/lib/*/samba/ldb/samba_dsdb.so >/dev/null 2>&1; } || missing+=($pkgs)
    continue
  fi
  if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then
    missing+=($pkgs)
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  ensure_keytar
  exit 0
fi

if [ "$(id -u)" != "0" ]; then
  echo "missing system packages: ${missing[*]} — run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Installing slapd or samba must not start system-wide daemons: tests start their own.
policy=/usr/sbin/policy-rc.d
had_policy=0
[ -e "$policy" ] && had_policy=1
if [ $had_policy = 0 ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; fi
trap '[ $had_policy = 0 ] && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Belt and braces: stop daemons a post-install script may still have started.
pkill -x slapd 2>/dev/null || true
pkill -x samba 2>/dev/null || true
echo "system packages ready"
ensure_keytar
