#!/usr/bin/env bash
# Load on the whole switch over loopback: sipp places calls into the IVR at RATE calls/s for
# SECONDS seconds; each call is answered, hears the prompt (RTP from the switch, 50 packets/s)
# for HOLD_MS, then hangs up. Reports calls placed/succeeded/failed, the switch's CPU time
# and peak memory. Bounded in count and time; loopback only.
#
#   scripts/bench/ivr_load.sh [RATE=50] [SECONDS=20] [HOLD_MS=4000]
set -euo pipefail
cd "$(dirname "$0")/../.."
RATE=${1:-50}
SECONDS_=${2:-20}
HOLD_MS=${3:-4000}
PORT=15070
cargo build --release -q -p switchboard
BIN=target/release/switchboard
LOG=$(mktemp)
"$BIN" --sip-addr 127.0.0.1:$PORT --rtp-ports 30000-39999 --log-level warn 2>"$LOG" &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -f "$LOG"' EXIT
sleep 1
CALLS=$((RATE * SECONDS_))
STATS=$(mktemp)
timeout $((SECONDS_ + HOLD_MS / 1000 + 60)) sipp 127.0.0.1:$PORT -sf scripts/sipp/bench_ivr_call.xml \
    -s 100 -i 127.0.0.1 -p 15080 -mp 51000 -r "$RATE" -m "$CALLS" -d "$HOLD_MS" \
    -buff_size 4194304 -nostdin -trace_stat -stf "$STATS" -fd 1 >/dev/null 2>&1 || true
TICKS=$(getconf CLK_TCK)
read -r UTIME STIME < <(awk '{print $14, $15}' /proc/$PID/stat)
RSS_KB=$(awk '/VmHWM/ {print $2}' /proc/$PID/status)
LAST=$(tail -1 "$STATS")
HEADER=$(head -1 "$STATS")
col() { echo "$HEADER" | tr ';' '\n' | grep -n "^$1\$" | cut -d: -f1; }
TOTAL=$(echo "$LAST" | cut -d';' -f"$(col TotalCallCreated)")
OK=$(echo "$LAST" | cut -d';' -f"$(col SuccessfulCall\(C\))")
FAILED=$(echo "$LAST" | cut -d';' -f"$(col FailedCall\(C\))")
rm -f "$STATS"
CPU=$(echo "scale=2; ($UTIME + $STIME) / $TICKS" | bc)
echo "rate=${RATE}/s duration=${SECONDS_}s hold=${HOLD_MS}ms concurrent~$((RATE * HOLD_MS / 1000))"
echo "calls created=$TOTAL successful=$OK failed=$FAILED"
echo "switch CPU ${CPU}s over the run; peak RSS ${RSS_KB} kB"
