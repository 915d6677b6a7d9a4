#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked GNOME keyring (the real OS
# keyring backend OpsDesk uses on Linux) and, when no display exists, a virtual X display.
# Used by the test command and for screenshots on machines without a desktop.
set -euo pipefail

if [ -z "${OPSDESK_IN_SESSION:-}" ]; then
  export OPSDESK_IN_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi

export NO_AT_BRIDGE=1
# A throwaway keyring: a fresh XDG_DATA_HOME so no real user keyring is touched.
export XDG_DATA_HOME="${OPSDESK_SESSION_DIR:-$(mktemp -d)}/xdg-data"
mkdir -p "$XDG_DATA_HOME"
# The daemon needs a non-empty password to create and unlock the login keyring.
eval "$(printf 'throwaway' | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
export GNOME_KEYRING_CONTROL SSH_AUTH_SOCK 2>/dev/null || true

xvfb_pid=""
if [ -z "${DISPLAY:-}" ]; then
  for n in $(seq 90 120); do
    if [ ! -e "/tmp/.X11-unix/X$n" ] && [ ! -e "/tmp/.X$n-lock" ]; then
      Xvfb ":$n" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
      xvfb_pid=$!
      export DISPLAY=":$n"
      # Wait until the server answers instead of sleeping a fixed time.
      for _ in $(seq 1 100); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.05; done
      break
    fi
  done
fi
trap '[ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true' EXIT
"$@"
