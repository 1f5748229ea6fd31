#!/usr/bin/env bash
# Regenerates the bundled example captures (all synthetic, made by `fobscope synth`) and their
# pictures (captures/plots/*.png). Run from anywhere: bash captures/make.sh
# (FOBSCOPE_BIN=path/to/fobscope uses that binary instead of building a release one).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${FOBSCOPE_BIN:-}" ]; then
  cargo build --release --quiet
  FOBSCOPE_BIN="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release/fobscope"
fi
fob=$FOBSCOPE_BIN
out=captures

# A MINI R53-style 3-button key (US market, 315 MHz, KeeLoq HCS301), lock button, held close to
# the dongle: 4 code words, the crystal 18 kHz off, a little DC offset as an RTL-SDR has.
$fob synth "$out/mini-r53-us-keeloq_315M_250k.cu8" --kind keeloq --freq 315M --rate 250k \
  --offset 18k --snr 18 --level -20 --repeats 4 --serial 0x5A1C3E7 --hop 0x3C9E27D1 \
  --buttons 0b0010 --dc 0.01 --pre 0.25s --post 0.35s --seed 1

# A European KeeLoq key on 433.92 MHz, 25 kHz below centre.
$fob synth "$out/keeloq-key_433.92M_250k.cu8" --kind keeloq --freq 433.92M --rate 250k \
  --offset -25k --snr 20 --level -18 --repeats 4 --serial 0x0B7F2A4 --hop 0x8D41F00E \
  --buttons 0b0001 --dc 0.01 --pre 0.25s --post 0.35s --seed 2

# A KeeLoq key with an FSK transmitter (±25 kHz deviation) on 433.92 MHz.
$fob synth "$out/fsk-key_433.92M_250k.cu8" --kind keeloq --modulation fsk --deviation 25k \
  --freq 433.92M --rate 250k --offset 10k --snr 20 --level -20 --repeats 3 \
  --serial 0x1234567 --hop 0xCAFEF00D --buttons 0b0100 --pre 0.25s --post 0.3s --seed 3

# The same MINI key with a dying CR2032: battery-low flag, 6 dB of sag across the press, the
# press cut short after 60 % by brown-out, and a weaker signal.
$fob synth "$out/mini-r53-weak-battery_315M_250k.cu8" --kind keeloq --freq 315M --rate 250k \
  --offset 18k --snr 8 --level -30 --repeats 4 --serial 0x5A1C3E7 --hop 0x77E0193B \
  --buttons 0b0010 --battery-low --sag 6 --truncate 0.6 --dc 0.01 --pre 0.25s --post 0.35s \
  --seed 4

# A dead key: 2 s of an RTL-SDR's noise at 315 MHz (DC offset, 8-bit quantisation), nothing else.
$fob synth "$out/dead-key-noise_315M_250k.cu8" --kind noise --freq 315M --rate 250k \
  --level -30 --snr 0 --dc 0.02 --duration 2s --seed 5

# A key on the wrong band (for the picture only, not kept: 1 MS/s is a large file): a 433 MHz
# car, a key at 434.90 MHz, above the band's 434.79 MHz edge.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$fob synth "$tmp/wrong-band-key_434.6M_1024k.cu8" --kind keeloq --freq 434.6M --rate 1024k \
  --offset 300k --snr 25 --level -20 --repeats 2 --serial 0x0B7F2A4 --pre 0.1s --post 0.15s \
  --seed 6 >/dev/null

# Pictures (`check --plot`; exit codes 10-12 are verdicts, only 2 is an error).
mkdir -p "$out/plots"
for f in "$out"/*.cu8; do
  name=$(basename "$f" .cu8)
  $fob check "$f" --plot "$out/plots/$name.png" >/dev/null || [ $? -ne 2 ]
done
plots=$(pwd)/$out/plots
(cd "$tmp" && $fob check wrong-band-key_434.6M_1024k.cu8 --expect-band 433 \
  --plot "$plots/wrong-band-key.png" >/dev/null) || [ $? -ne 2 ]
$fob compare "$out/mini-r53-us-keeloq_315M_250k.cu8" "$out/mini-r53-weak-battery_315M_250k.cu8" \
  --car "mini r53 2004 us" --plot "$plots/compare-mini-r53.png" >/dev/null

ls -l "$out"/*.cu8 "$out"/plots/*.png
