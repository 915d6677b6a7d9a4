#!/usr/bin/env bash
# CPU that OpsDesk (app, web and network processes) uses while it sits on its start page with
# COUNT cached checks (issue #18: under 1 % of a core at 1,000,000). A measurement, not a test:
#   scripts/headless-session.sh scripts/measure-idle.sh [COUNT] [SECONDS]
# Runs the development build (the one WebDriver drives); a release build only does less.
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000000}"
secs="${2:-60}"
target="${CARGO_TARGET_DIR:-target}"
cargo build -q --features custom-protocol
cargo build -q --release -p opsdesk-core --example fill_checks
dir="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT

# A first start makes the cache and puts its key in the keyring.
OPSDESK_DATA_DIR="$dir" "$target/debug/opsdesk" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 300); do [ -f "$dir/opsdesk.db" ] && break; sleep 0.1; done
sleep 2
kill "$pid"; wait "$pid" 2>/dev/null || true
"$target/release/examples/fill_checks" "$dir" "com.opsdesk.desktop.dev@$dir" "$count"

OPSDESK_DATA_DIR="$dir" "$target/debug/opsdesk" >/dev/null 2>&1 &
pid=$!
# Start-up, the check of the cache after an unclean exit, the first follow-ups: then idle.
sleep 45
ticks() {
  local t=0
  for p in "$pid" $(pgrep -P "$pid"); do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$t"
}
hz=$(getconf CLK_TCK)
before=$(ticks)
sleep "$secs"
after=$(ticks)
awk -v d=$((after - before)) -v hz="$hz" -v s="$secs" -v n="$count" \
  'BEGIN { printf "idle CPU with %d cached checks: %.2f %% of a core over %d s\n", n, 100 * d / hz / s, s }'
