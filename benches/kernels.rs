//! Throughput of the per-sample kernels: the channel filter (decimating FIR) with the taps a
//! burst uses at 1024 and 2400 kS/s, the mixer, the `cu8` sample decoder and the band
//! detector's per-frame work. Criterion reports elements per second = input samples per second.
//!
//! With `FOBSCOPE_KERNEL_RUNS=NAME` (`decimator`, `nco`, `raw`, `detector`) the binary instead
//! runs that kernel a fixed number of times in `counted` and exits, for instruction counts that
//! do not depend on the machine's load: `valgrind --tool=callgrind --toggle-collect='*counted*'`.

use criterion::{Criterion, Throughput, criterion_group};
use fobscope::dsp::decimator::Decimator;
use fobscope::dsp::detector::{Detector, INIT_FRAMES};
use fobscope::dsp::nco::Nco;
use fobscope::dsp::{burst, fir};
use fobscope::source::SampleFormat;
use fobscope::source::raw::decode;
use num_complex::Complex;
use std::hint::black_box;

/// A deterministic test signal (no noise generator needed: only the arithmetic is timed).
fn signal(n: usize) -> Vec<Complex<f32>> {
    (0..n)
        .map(|i| {
            let t = i as f32;
            Complex::new((t * 0.0137).sin() * 0.3, (t * 0.0291).cos() * 0.3)
        })
        .collect()
}

/// The channel filter of a burst at `fs` (as `burst::OpenBurst` builds it).
fn channel_filter(fs: f64) -> Decimator {
    let d = burst::decimation(fs);
    let fs_c = fs / d as f64;
    let taps = fir::lowpass(fs, fs_c / 2.0, fir::blackman_taps(fs, 0.4 * fs_c, 1025));
    Decimator::new(taps, d)
}

fn decimator(c: &mut Criterion) {
    let x = signal(1 << 16);
    let mut g = c.benchmark_group("decimator");
    g.throughput(Throughput::Elements(x.len() as u64));
    for (name, fs) in [("1024k", 1_024_000.0), ("2400k", 2_400_000.0)] {
        let mut dec = channel_filter(fs);
        let mut out = Vec::with_capacity(x.len());
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                for block in x.chunks(16_384) {
                    dec.process(black_box(block), &mut out);
                }
                out.len()
            })
        });
    }
    // A long filter without decimation, as the demodulator's channel filter.
    let taps = fir::lowpass(256_000.0, 10_000.0, 257);
    let mut dec = Decimator::new(taps, 1);
    let mut out = Vec::with_capacity(x.len());
    g.bench_function("257taps_d1", |b| {
        b.iter(|| {
            out.clear();
            dec.process(black_box(&x), &mut out);
            out.len()
        })
    });
    g.finish();
}

fn nco(c: &mut Criterion) {
    let x = signal(1 << 16);
    let mut y = vec![Complex::new(0.0f32, 0.0); x.len()];
    let mut nco = Nco::new(123_456.0, 1_024_000.0);
    let mut g = c.benchmark_group("nco");
    g.throughput(Throughput::Elements(x.len() as u64));
    g.bench_function("mix", |b| b.iter(|| nco.mix(black_box(&x), &mut y)));
    g.finish();
}

fn raw(c: &mut Criterion) {
    let bytes: Vec<u8> = (0..1u32 << 17)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let mut out = vec![Complex::new(0.0f32, 0.0); bytes.len() / 2];
    let mut g = c.benchmark_group("raw");
    g.throughput(Throughput::Elements(out.len() as u64));
    g.bench_function("cu8", |b| {
        b.iter(|| decode(SampleFormat::Cu8, black_box(&bytes), &mut out))
    });
    g.finish();
}

fn detector(c: &mut Criterion) {
    let fs = 1_024_000.0;
    let mut d = Detector::new(fs);
    let n = d.frame_len();
    let x = signal(n * 64);
    for f in x.chunks_exact(n).take(INIT_FRAMES) {
        d.init_frame(f);
    }
    let mut runs = Vec::new();
    let mut g = c.benchmark_group("detector");
    g.throughput(Throughput::Elements(x.len() as u64));
    g.bench_function("1024k_frames", |b| {
        b.iter(|| {
            for f in x.chunks_exact(n) {
                d.frame(black_box(f), &mut runs);
            }
            runs.len()
        })
    });
    g.finish();
}

/// Runs `f` `runs` times (the only function whose instructions are counted).
#[inline(never)]
fn counted(runs: usize, mut f: impl FnMut() -> usize) -> usize {
    (0..runs).map(|_| f()).sum()
}

/// A fixed amount of one kernel's work, for instruction counts.
fn count(name: &str) {
    let x = signal(1 << 16);
    let total = match name {
        "decimator" => {
            let mut dec = channel_filter(1_024_000.0);
            let mut out = Vec::with_capacity(x.len());
            counted(20, || {
                out.clear();
                for block in x.chunks(16_384) {
                    dec.process(black_box(block), &mut out);
                }
                out.len()
            })
        }
        "nco" => {
            let mut y = vec![Complex::new(0.0f32, 0.0); x.len()];
            let mut nco = Nco::new(123_456.0, 1_024_000.0);
            counted(20, || {
                nco.mix(black_box(&x), &mut y);
                y.len()
            })
        }
        "raw" => {
            let bytes: Vec<u8> = (0..1u32 << 17)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
                .collect();
            let mut out = vec![Complex::new(0.0f32, 0.0); bytes.len() / 2];
            counted(20, || {
                decode(SampleFormat::Cu8, black_box(&bytes), &mut out).0
            })
        }
        "detector" => {
            let mut d = Detector::new(1_024_000.0);
            let n = d.frame_len();
            for f in x.chunks_exact(n).take(INIT_FRAMES) {
                d.init_frame(f);
            }
            let mut runs = Vec::new();
            counted(20, || {
                for f in x.chunks_exact(n) {
                    d.frame(black_box(f), &mut runs);
                }
                runs.len()
            })
        }
        _ => panic!("unknown kernel {name}"),
    };
    println!("{name}: {total}");
}

criterion_group!(benches, decimator, nco, raw, detector);

fn main() {
    if let Ok(name) = std::env::var("FOBSCOPE_KERNEL_RUNS") {
        count(&name);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
