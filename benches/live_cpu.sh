#!/usr/bin/env bash
# CPU use of live processing: `fobscope serve` streams a synthetic 2.4 MS/s capture (KeeLoq
# presses in noise) over rtl_tcp in real time, `fobscope listen --rtl-tcp` analyses it, and
# /usr/bin/time reports the listener's CPU time against the wall time (percent of one core).
#
# Usage: bash benches/live_cpu.sh [seconds]      (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
work=${WORK:-/tmp/fobscope-bench}
mkdir -p "$work"
cargo build --release --quiet
fob=target/release/fobscope
file="$work/live_433.92M_2400k.cu8"
"$fob" synth "$file" --kind keeloq --rate 2.4M --freq 433.92M --offset 150k --snr 10 \
  --level -25 --presses $(( secs / 2 )) --gap 1.6s --pre 0.5s --post 0.5s --dc 0.01 \
  --seed 11 >/dev/null
port=$(( 20000 + RANDOM % 20000 ))
"$fob" serve "$file" --address "127.0.0.1:$port" --once 2>/dev/null &
server=$!
sleep 0.5
/usr/bin/time -v "$fob" listen --rtl-tcp "127.0.0.1:$port" --rate 2.4M --freq 433.92M \
  --json --quiet >"$work/live.json" 2>"$work/live_time.txt" || true
wait "$server" || true
user=$(awk -F': ' '/User time/ {print $2}' "$work/live_time.txt")
sys=$(awk -F': ' '/System time/ {print $2}' "$work/live_time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$work/live_time.txt")
rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/live_time.txt")
heard=$(grep -c '"start_s"' "$work/live.json" || true)
awk -v u="$user" -v s="$sys" -v w="$wall" -v r="$rss" -v h="$heard" 'BEGIN {
  printf "listen at 2.4 MS/s over rtl_tcp: %.1f s wall, %.2f s CPU (%.1f %% of one core), peak RSS %.1f MB, %d JSON transmission records\n", w, u+s, 100*(u+s)/w, r/1024, h }'
