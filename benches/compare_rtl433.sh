#!/usr/bin/env bash
# Times `fobscope analyze` against `rtl_433 -r` on the same synthetic captures (KeeLoq presses
# in noise at 1024 kS/s: ~25 M and ~100 M samples), printing each tool's throughput, their
# ratio, and peak RSS from /usr/bin/time -v, so that memory growth with file size shows.
# Throughput is given per wall-clock second and per CPU second (user + system, all threads):
# fobscope reads the input and demodulates on threads of their own, and on a loaded machine
# wall time mostly measures the other jobs, so both figures and the load average are printed.
# Each tool runs REPEAT times (default 5), alternating, and the medians are reported, with the
# fastest and slowest run beside them.
#
# Usage: bash benches/compare_rtl433.sh     (WORK=/path keeps the captures elsewhere, REPEAT=n)
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

repeat=${REPEAT:-5}

run_once() { # tag cmd... : appends "wall cpu rss_kb" to $work/<tag>.runs
  local tag=$1; shift
  /usr/bin/time -v "$@" >"$work/out-$tag.txt" 2>"$work/time.txt" || true
  awk -F': ' '
    /Elapsed \(wall clock\)/ {n=split($2,a,":"); w=0; for(i=1;i<=n;i++) w=w*60+a[i]}
    /User time \(seconds\)|System time \(seconds\)/ {c+=$2}
    /Maximum resident set size/ {r=$2}
    END {print w, c, r}' "$work/time.txt" >>"$work/$tag.runs"
}

report() { # label tag file : prints medians; leaves "samples wall cpu" in $work/last.txt
  local label=$1 tag=$2 samples
  samples=$(( $(stat -c %s "$3") / 2 ))
  awk -v l="$label" -v s="$samples" -v out="$work/last.txt" '
    { w[NR]=$1; c[NR]=$2; if ($3 > r) r=$3 }
    function median(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t=a[j]; a[j]=a[j-1]; a[j-1]=t }
      return (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
    }
    END {
      n = NR; mw = median(w, n); lo = w[1]; hi = w[n]; mc = median(c, n); if (mc <= 0) mc = 0.001
      printf "%-30s %6.1f M samples  wall %5.2f s (%.2f-%.2f) %6.1f Msamples/s  CPU %5.2f s %6.1f Msamples/s  peak RSS %5.1f MB\n", l, s/1e6, mw, lo, hi, s/mw/1e6, mc, s/mc/1e6, r/1024
      print s, mw, mc > out
    }' "$work/$tag.runs"
}

echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPU(s)"
for secs in 24 98; do
  file="$work/bench${secs}_433.92M_1024k.cu8"
  make_capture "$secs" "$file"
  echo "== $(basename "$file"), median of $repeat runs each"
  rm -f "$work/fob.runs" "$work/rtl.runs"
  # Read once so that both tools find the file in the page cache.
  cat "$file" >/dev/null
  for _ in $(seq "$repeat"); do
    run_once fob "$fob" analyze "$file" --json
    run_once rtl rtl_433 -r "$file" -F null
  done
  report "fobscope analyze" fob "$file"
  read -r s fw fc <"$work/last.txt"
  found=$(grep -c '"start_s"' "$work/out-fob.txt" || true)
  report "rtl_433 -r (default decoders)" rtl "$file"
  read -r s rw rc <"$work/last.txt"
  awk -v f="$fw" -v r="$rw" -v fc="$fc" -v rc="$rc" -v n="$found" \
    'BEGIN { printf "fobscope / rtl_433 throughput: wall %.1f×, CPU %.1f×   (fobscope found %d transmissions)\n", r/f, rc/fc, n }'
done
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
