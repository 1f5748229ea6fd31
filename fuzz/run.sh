#!/usr/bin/env bash
# Runs every fuzz target in turn for SECONDS each (default 600), one at a time, and prints a
# summary. Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
#
#   bash fuzz/run.sh [SECONDS] [TARGET...]
#
# Seeds come from fuzz/seeds/TARGET (checked in); new inputs go to fuzz/corpus/TARGET, crashes
# to fuzz/artifacts/TARGET, logs to fuzz/logs/TARGET.log (all three ignored by git).
set -uo pipefail
cd "$(dirname "$0")"
secs=${1:-600}
shift || true
all=(sigmf_meta wav sigmf_archive ook flipper_sub rtl_tcp pulses pipeline_cu8)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
mkdir -p logs

# Largest input per target: file formats need room for a header and some data; the pipeline
# needs a few hundred milliseconds of samples to hold a key press.
max_len() {
  case "$1" in
    pipeline_cu8) echo 131072 ;;
    sigmf_archive | wav) echo 65536 ;;
    *) echo 16384 ;;
  esac
}

for t in "${targets[@]}"; do
  cargo +nightly fuzz build -O "$t" >>logs/build.log 2>&1 || { echo "build of $t failed (fuzz/logs/build.log)"; exit 1; }
done

summary=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "seeds/$t" "artifacts/$t"
  start=$(date +%s)
  echo "== $t: ${secs}s from $(date -u +%H:%M:%S)"
  cargo +nightly fuzz run -O "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$secs" -max_len="$(max_len "$t")" -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 >"logs/$t.log" 2>&1
  rc=$?
  took=$(( $(date +%s) - start ))
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "logs/$t.log" | tail -1)
  if [ $rc -eq 0 ]; then result="no finding"; else result="FINDING (exit $rc): $(ls artifacts/$t | tail -1)"; fi
  line="$t: ran ${took}s, ${runs:-?} executions, ${cov:-cov ?}, $result"
  echo "$line"
  summary+=("$line")
done
echo
echo "== summary ($(date -u +%H:%M:%S))"
printf '%s\n' "${summary[@]}" | tee -a logs/summary.log
