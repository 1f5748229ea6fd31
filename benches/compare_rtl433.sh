#!/usr/bin/env bash
# Times `fobscope analyze` against `rtl_433 -r` on the same synthetic captures (KeeLoq presses
# in noise at 1024 kS/s: ~25 M and ~100 M samples), printing each tool's throughput, their
# ratio, and peak RSS from /usr/bin/time -v, so that memory growth with file size shows.
# Throughput is given per wall-clock second and per CPU second (user + system, all threads):
# fobscope reads the input on a second thread, and on a loaded machine wall time mostly
# measures the other jobs, so both figures and the load average are printed.
#
# Usage: bash benches/compare_rtl433.sh            (WORK=/path to keep the captures elsewhere)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${WORK:-/tmp/fobscope-bench}
mkdir -p "$work"

cargo build --release --quiet
fob=${CARGO_TARGET_DIR:-target}/release/fobscope

if ! command -v rtl_433 >/dev/null; then
  echo "installing rtl-433 from Debian..."
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rtl-433 >/dev/null
fi
[ -x /usr/bin/time ] || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }

# KeeLoq presses every ~2 s at 10 dB wideband SNR, 30 kHz off centre, RTL-like DC offset.
make_capture() { # seconds file
  local presses=$(( $1 / 2 ))
  [ -f "$2" ] || "$fob" synth "$2" --kind keeloq --rate 1024k --freq 433.92M --offset 30k \
    --snr 10 --level -20 --presses "$presses" --gap 1.6s --pre 1s --post 1s --dc 0.01 \
    --seed 9 >/dev/null
}

measure() { # label file cmd...
  local label=$1 file=$2; shift 2
  /usr/bin/time -v "$@" >"$work/out.txt" 2>"$work/time.txt" || true
  local wall cpu rss samples
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$work/time.txt")
  cpu=$(awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ {s+=$2} END {print s}' "$work/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
  samples=$(( $(stat -c %s "$file") / 2 ))
  awk -v l="$label" -v s="$samples" -v w="$wall" -v c="$cpu" -v r="$rss" \
    'BEGIN { if (c <= 0) c = 0.001; printf "%-28s %7.1f M samples  wall %6.2f s %7.1f Msamples/s  CPU %6.2f s %7.1f Msamples/s  peak RSS %6.1f MB\n", l, s/1e6, w, s/w/1e6, c, s/c/1e6, r/1024 }'
  echo "$samples $wall $cpu" >"$work/last.txt"
}

echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPU(s)"
for secs in 24 98; do
  file="$work/bench${secs}_433.92M_1024k.cu8"
  make_capture "$secs" "$file"
  echo "== $(basename "$file")"
  measure "fobscope analyze" "$file" "$fob" analyze "$file" --json
  read -r s fw fc <"$work/last.txt"
  found=$(grep -c '"start_s"' "$work/out.txt" || true)
  measure "rtl_433 -r (default decoders)" "$file" rtl_433 -r "$file" -F null
  read -r s rw rc <"$work/last.txt"
  awk -v f="$fw" -v r="$rw" -v fc="$fc" -v rc="$rc" -v n="$found" \
    'BEGIN { printf "fobscope / rtl_433 throughput: wall %.1f×, CPU %.1f×   (fobscope found %d transmissions)\n", r/f, rc/fc, n }'
done
