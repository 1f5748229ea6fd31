#!/usr/bin/env bash
# Throughput and memory on dense real airwaves: `fobscope analyze` against `rtl_433 -r` on every
# capture of ../shared/corpus/rtl433 (real recordings of 45 devices, most of each file a
# transmission) concatenated COPIES times, at the corpus' own 250 kS/s and resampled to
# 1024 kS/s; then the CPU of live processing of the same dense signal at 2.4 MS/s, streamed in
# real time over rtl_tcp by `fobscope serve`, with `fobscope listen` and `rtl_433` as clients.
#
# The sparse synthetic case (a KeeLoq press every 2 s) is benches/compare_rtl433.sh; this is the
# hard case beside it. Resampling is sox's band-limited resampler on I and Q as two channels (the
# same real low-pass on both is a correct complex resampler).
#
# Each tool runs REPEAT times (default 5), alternating, and the medians are reported with the
# fastest and slowest run. Per-CPU-second figures count user and system time of all threads.
#
# Usage: bash benches/compare_dense.sh       (WORK=/path, REPEAT=n, COPIES=n, LIVE_SECS=n)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${WORK:-/tmp/fobscope-bench}
corpus=${CORPUS:-../shared/corpus/rtl433}
copies=${COPIES:-8}
repeat=${REPEAT:-5}
live_secs=${LIVE_SECS:-15}
mkdir -p "$work"

[ -d "$corpus" ] || { echo "no corpus at $corpus (set CORPUS=)" >&2; exit 2; }
cargo build --release --quiet
fob=${CARGO_TARGET_DIR:-target}/release/fobscope

need=()
command -v rtl_433 >/dev/null || need+=(rtl-433)
command -v sox >/dev/null || need+=(sox)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} from Debian..."
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

dense250="$work/dense_433.92M_250k.cu8"
dense1024="$work/dense_433.92M_1024k.cu8"
dense2400="$work/dense_433.92M_2400k.cu8"
if [ ! -f "$dense250" ]; then
  mapfile -t files < <(find "$corpus" -name '*.cu8' | sort)
  : >"$dense250"
  for _ in $(seq "$copies"); do cat "${files[@]}" >>"$dense250"; done
fi
resample() { # in out rate
  [ -f "$2" ] || sox -D -G -t raw -e unsigned-integer -b 8 -c 2 -r 250000 "$1" \
    -t raw -e unsigned-integer -b 8 -c 2 "$2" rate -v "$3"
}
resample "$dense250" "$dense1024" 1024000
resample "$dense250" "$dense2400" 2400000

run_once() { # tag cmd... : appends "wall cpu rss_kb" to $work/<tag>.runs
  local tag=$1; shift
  /usr/bin/time -v "$@" >"$work/out-$tag.txt" 2>"$work/time.txt" || true
  awk -F': ' '
    /Elapsed \(wall clock\)/ {n=split($2,a,":"); w=0; for(i=1;i<=n;i++) w=w*60+a[i]}
    /User time \(seconds\)|System time \(seconds\)/ {c+=$2}
    /Maximum resident set size/ {r=$2}
    END {print w, c, r}' "$work/time.txt" >>"$work/$tag.runs"
}

report() { # label tag samples : prints medians; leaves "wall cpu rss_kb" in $work/last.txt
  awk -v l="$1" -v s="$3" -v out="$work/last.txt" '
    { w[NR]=$1; c[NR]=$2; if ($3 > r) r=$3 }
    function median(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t=a[j]; a[j]=a[j-1]; a[j-1]=t }
      return (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
    }
    END {
      n = NR; mw = median(w, n); lo = w[1]; hi = w[n]; mc = median(c, n); if (mc <= 0) mc = 0.001
      if (mw <= 0) mw = 0.001
      printf "%-30s %6.1f M samples  wall %6.2f s (%.2f-%.2f) %6.1f Msamples/s  CPU %6.2f s %6.1f Msamples/s  peak RSS %6.1f MiB\n", l, s/1e6, mw, lo, hi, s/mw/1e6, mc, s/mc/1e6, r/1024
      print mw, mc, r > out
    }' "$work/$2.runs"
}

echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPU(s)"
for file in "$dense250" "$dense1024"; do
  samples=$(( $(stat -c %s "$file") / 2 ))
  echo "== $(basename "$file"): the corpus ×$copies, median of $repeat runs each"
  rm -f "$work/fob.runs" "$work/rtl.runs"
  cat "$file" >/dev/null # both tools then find it in the page cache
  for _ in $(seq "$repeat"); do
    run_once fob "$fob" analyze "$file" --json --quiet
    run_once rtl rtl_433 -r "$file" -F null
  done
  report "fobscope analyze" fob "$samples"
  read -r fw fc fr <"$work/last.txt"
  found=$(grep -c '"start_s"' "$work/out-fob.txt" || true)
  report "rtl_433 -r (default decoders)" rtl "$samples"
  read -r rw rc rr <"$work/last.txt"
  awk -v f="$fw" -v r="$rw" -v fc="$fc" -v rc="$rc" -v n="$found" -v fr="$fr" -v rr="$rr" \
    'BEGIN { printf "fobscope / rtl_433 throughput: wall %.2f×, CPU %.2f×; peak memory %.1f / %.1f MiB (fobscope found %d transmissions)\n", r/f, rc/fc, fr/1024, rr/1024, n }'
done

# Live: the 2.4 MS/s dense signal streamed in real time; each client listens LIVE_SECS seconds.
live_client() { # tag cmd... : runs the client against a fresh server, appends to <tag>.runs
  local tag=$1; shift
  local port=$(( 20000 + RANDOM % 20000 ))
  "$fob" serve "$dense2400" --address "127.0.0.1:$port" --once --quiet 2>/dev/null &
  local server=$!
  sleep 0.5
  run_once "$tag" timeout -s INT "$((live_secs + 2))" "${@//PORT/$port}"
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}
echo "== live at 2.4 MS/s over rtl_tcp, $live_secs s per run, median of $repeat runs each"
rm -f "$work/flive.runs" "$work/rlive.runs"
for _ in $(seq "$repeat"); do
  live_client flive "$fob" listen --rtl-tcp 127.0.0.1:PORT --rate 2.4M --freq 433.92M \
    --duration "${live_secs}s" --json --quiet
  live_client rlive rtl_433 -d rtl_tcp:127.0.0.1:PORT -s 2400000 -f 433920000 -T "$live_secs" -F null
done
for t in flive:"fobscope listen" rlive:"rtl_433 -d rtl_tcp"; do
  awk -v l="${t#*:}" '
    { w[NR]=$1; c[NR]=$2; if ($3 > r) r=$3 }
    function median(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t=a[j]; a[j]=a[j-1]; a[j-1]=t }
      return (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
    }
    END { mw = median(w, NR); mc = median(c, NR)
      printf "%-30s wall %5.1f s  CPU %5.2f s (%4.1f %% of one core)  peak RSS %6.1f MiB\n", l, mw, mc, 100*mc/mw, r/1024 }' \
    "$work/${t%%:*}.runs"
done
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
