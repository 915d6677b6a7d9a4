#!/usr/bin/env bash
# Start-up and memory of OpsDesk beside the smallest Tauri app built the same way (issue #18: at
# most 1.2x in time to a usable screen and in memory). Both release builds, each started RUNS
# times under the same display with a fresh profile. A measurement, not a test:
#   scripts/headless-session.sh scripts/measure-startup.sh [RUNS]
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
pss_kb() {
  local t=0 v
  for p in "$1" $(pgrep -P "$1"); do
    v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || true)
    t=$((t + ${v:-0}))
  done
  echo "$t"
}

# measure NAME TITLE BINARY
measure() {
  local name=$1 title=$2 bin=$3 i dir start pid win ready pss
  for i in $(seq 1 "$runs"); do
    dir="$(mktemp -d)"
    start=$(now_ms)
    OPSDESK_DATA_DIR="$dir" "$bin" >"$dir/out.txt" 2>&1 &
    pid=$!
    # An app that dies before its window (GTK once failed to start here) must not hang the
    # measurement: a run that takes over a minute is reported and skipped.
    until xwininfo -root -tree 2>/dev/null | grep -q "\"$title\""; do
      if (($(now_ms) - start > 60000)) || ! kill -0 "$pid" 2>/dev/null; then
        echo "$name run $i: no window ($(tail -n 1 "$dir/out.txt" 2>/dev/null))"
        kill "$pid" 2>/dev/null || true
        rm -rf "$dir"
        continue 2
      fi
      sleep 0.005
    done
    win=$(($(now_ms) - start))
    until grep -rqs "first screen shown" "$dir/out.txt" "$dir/logs"; do
      if (($(now_ms) - start > 60000)); then
        echo "$name run $i: the first screen never showed"
        kill "$pid" 2>/dev/null || true
        rm -rf "$dir"
        continue 2
      fi
      sleep 0.01
    done
    ready=$(($(now_ms) - start))
    sleep 10
    pss=$(pss_kb "$pid")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    # Where the time went (page load, the script, OpsDesk's status call, the paint).
    grep -rhos "first screen shown.*" "$dir/logs" "$dir/out.txt" | sort -u | sed 's/^/  /' || true
    rm -rf "$dir"
    printf '%-8s run %d: window %4d ms, ready %4d ms, PSS %4d MB\n' "$name" "$i" "$win" "$ready" $((pss / 1024))
  done
}

measure minimal Minimal "$target/release/minimal-tauri"
measure OpsDesk OpsDesk "$target/release/opsdesk"
