#!/usr/bin/env bash
# Start-up and memory of OpsDesk beside the smallest Tauri app built the same way (issue #18: at
# most 1.2x in time to a usable screen and in memory). Both release builds, each started RUNS
# times under the same display with a fresh profile. A measurement, not a test:
#   scripts/headless-session.sh scripts/measure-startup.sh [RUNS] [CHECKS]
# "window": the window exists (xwininfo); "ready": the first screen has its data and is painted
# (the page calls `ui_ready`, which logs or prints "first screen shown"); PSS is summed over the
# app and its web and network processes, 10 s after ready.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
target="${CARGO_TARGET_DIR:-target}"
(cd ui && npm run build --silent >/dev/null)
cargo build -q --release --features custom-protocol
cargo build -q --release --manifest-path scripts/minimal-tauri/Cargo.toml

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# pss_of PID: one process's proportional memory in KB (0 once it is gone).
pss_of() {
  local v
  v=$(awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || true)
  echo "${v:-0}"
}
# pss_kb PID: the app's and its child processes' (WebKit's web and network processes), summed.
pss_kb() {
  local t=0 p
  for p in "$1" $(pgrep -P "$1"); do t=$((t + $(pss_of "$p"))); done
  echo "$t"
}

# awaits PID SINCE COMMAND...: polls COMMAND until it succeeds; fails once the app PID is gone
# or a minute has passed since SINCE (GTK once failed to start here, and a measurement must not
# hang on an app that never shows).
awaits() {
  local pid=$1 since=$2
  shift 2
  until "$@"; do
    if (($(now_ms) - since > 60000)) || ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.005
  done
}
has_window() { xwininfo -root -tree 2>/dev/null | grep -q "\"$1\""; }
shown() { grep -rqs "first screen shown" "$@"; }

# measure NAME TITLE BINARY RUN: one start, one line; its figures are kept for the medians.
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
measure() {
  local name=$1 title=$2 bin=$3 i=$4 dir start pid win ready pss problem=""
  dir="$(mktemp -d)"
  start=$(now_ms)
  OPSDESK_DATA_DIR="$dir" "$bin" >"$dir/out.txt" 2>&1 &
  pid=$!
  if ! awaits "$pid" "$start" has_window "$title"; then
    # A panic's place and message, not only Rust's closing "note:" line.
    problem="no window ($(grep -A1 'panicked at' "$dir/out.txt" 2>/dev/null | tr '\n' ' ' || true)$(tail -n 1 "$dir/out.txt" 2>/dev/null))"
  else
    win=$(($(now_ms) - start))
    awaits "$pid" "$start" shown "$dir/out.txt" "$dir/logs" || problem="the first screen never showed"
  fi
  if [ -n "$problem" ]; then
    echo "$name run $i: $problem"
    kill "$pid" 2>/dev/null || true
    rm -rf "$dir"
    return
  fi
  ready=$(($(now_ms) - start))
  sleep 10
  pss=$(pss_kb "$pid")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  # Where the time went (page load, the script, OpsDesk's status call, the paint).
  grep -rhos "first screen shown.*" "$dir/logs" "$dir/out.txt" | sort -u | sed 's/^/  /' || true
  rm -rf "$dir"
  printf '%-8s run %d: window %4d ms, ready %4d ms, PSS %4d MB\n' "$name" "$i" "$win" "$ready" $((pss / 1024))
  echo "$name $win $ready $((pss / 1024))" >>"$results"
}

# The two apps take turns, so a machine that slows down or speeds up during the run weighs on
# both alike (runs here vary by 300-500 ms from one session to the next).
for i in $(seq 1 "$runs"); do
  measure minimal Minimal "$target/release/minimal-tauri" "$i"
  measure OpsDesk OpsDesk "$target/release/opsdesk" "$i"
done

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
for col in 2 3 4; do
  m=$(awk -v c=$col '$1 == "minimal" { print $c }' "$results" | median)
  o=$(awk -v c=$col '$1 == "OpsDesk" { print $c }' "$results" | median)
  label=$(echo "window ready PSS" | cut -d' ' -f$((col - 1)))
  awk -v l="$label" -v m="${m:-0}" -v o="${o:-0}" 'BEGIN {
    printf "median %-6s minimal %5d, OpsDesk %5d", l, m, o
    if (m > 0) printf ": %.2fx", o / m
    printf "\n" }'
done

# Memory with CHECKS cached checks (second argument, 100,000 unless given; 0 skips this), after
# the checks list was opened and scrolled as a user would, beside the minimal app's idle figure
# above. The release build cannot be driven by WebDriver: xdotool clicks and turns the wheel.
checks="${2:-100000}"
# until_shown FILE...: the first screen of this phase's app, or the script stops saying so.
until_shown() {
  awaits "$pid" "$(now_ms)" shown "$@" && return
  echo "OpsDesk with $checks cached checks: the first screen never showed"
  exit 1
}
if ((checks > 0)); then
  cargo build -q --release -p opsdesk-core --example fill_checks
  dir="$(mktemp -d)"
  pid=""
  trap 'rm -f "$results"; [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
  # A first start makes the cache and puts its key in the keyring; then the checks go in.
  OPSDESK_DATA_DIR="$dir" "$target/release/opsdesk" >/dev/null 2>&1 &
  pid=$!
  until_shown "$dir/logs"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  "$target/release/examples/fill_checks" "$dir" "com.opsdesk.desktop@$dir" "$checks"
  # This start's own output: the log folder still holds the first start's lines. "Ready" is
  # timed as in the runs above, from the launch.
  start=$(now_ms)
  OPSDESK_DATA_DIR="$dir" "$target/release/opsdesk" >"$dir/second.txt" 2>&1 &
  pid=$!
  until_shown "$dir/second.txt"
  ready=$(($(now_ms) - start))
  win=$(xwininfo -root -tree | awk '/"OpsDesk": / { print $1; exit }')
  if [ -z "$win" ]; then
    echo "OpsDesk with $checks cached checks: no window named OpsDesk"
    exit 1
  fi
  # "Background checks" in the sidebar (the window is 1200x780 at the screen's corner), then
  # the wheel over the list: about 3,000 notches, the list fetching page after page.
  xdotool mousemove --window "$win" 120 115
  sleep 0.5
  xdotool click 1
  sleep 3
  xdotool mousemove --window "$win" 700 500
  sleep 0.5
  for _ in $(seq 1 60); do
    xdotool click --repeat 50 --delay 5 5
    sleep 0.2
  done
  sleep 10
  pss=$(pss_kb "$pid")
  for p in "$pid" $(pgrep -P "$pid"); do
    printf '  %s: %d MB\n' "$(tr -d '\0' <"/proc/$p/comm" 2>/dev/null || echo gone)" $(($(pss_of "$p") / 1024))
  done
  shot="${OPSDESK_SCREENSHOTS:-$dir}/startup-checks-scrolled.png"
  import -window root "$shot" 2>/dev/null || true
  m=$(awk '$1 == "minimal" { print $4 }' "$results" | median)
  awk -v n="$checks" -v r="$ready" -v p=$((pss / 1024)) -v m="${m:-0}" 'BEGIN {
    printf "OpsDesk with %d cached checks: ready %d ms; list opened and scrolled: PSS %d MB", n, r, p
    if (m > 0) printf ", %.2fx the minimal app idle", p / m
    printf "\n" }'
fi
