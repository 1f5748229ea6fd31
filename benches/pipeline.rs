//! Throughput of the streaming front end (`BurstProcessor`) on a synthetic 1024 kS/s capture:
//! two seconds of noise with OOK key-fob bursts (about 20 % of the time on air) at two offsets.
//! Criterion reports elements per second = samples per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fobscope::dsp::{BurstProcessor, DspConfig};
use num_complex::Complex;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

const FS: f64 = 1_024_000.0;

fn signal() -> Vec<Complex<f32>> {
    let n = (2.0 * FS) as usize;
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let g = Normal::new(0.0f32, 0.02).unwrap();
    let mut x: Vec<Complex<f32>> = (0..n)
        .map(|_| Complex::new(g.sample(&mut rng), g.sample(&mut rng)))
        .collect();
    // A 100 ms PWM burst (Te 400 µs) every 500 ms, alternating between two offsets.
    let te = (400e-6 * FS) as usize;
    for (k, start) in (n / 8..n).step_by(n / 4).enumerate() {
        let f = if k % 2 == 0 { 40_000.0 } else { -75_000.0 };
        let end = (start + (0.1 * FS) as usize).min(n);
        for (i, v) in x[start..end].iter_mut().enumerate() {
            let bit = (i / (3 * te)).is_multiple_of(2);
            let ph = i % (3 * te);
            let on = ph < te || (bit && ph < 2 * te);
            if on {
                let a = 2.0 * std::f64::consts::PI * f * (start + i) as f64 / FS;
                *v += Complex::new(0.3 * a.cos() as f32, 0.3 * a.sin() as f32);
            }
        }
    }
    x
}

fn bench(c: &mut Criterion) {
    let x = signal();
    let mut g = c.benchmark_group("burst_processor");
    g.throughput(Throughput::Elements(x.len() as u64));
    g.sample_size(10);
    g.bench_function("1024k_mixed", |b| {
        b.iter(|| {
            let mut p = BurstProcessor::new(DspConfig { sample_rate_hz: FS });
            let mut out = Vec::new();
            for block in x.chunks(16_384) {
                p.push(block, &mut out);
            }
            p.finish(&mut out);
            assert_eq!(out.len(), 4);
            out.len()
        })
    });
    let noise: Vec<Complex<f32>> = {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let g = Normal::new(0.0f32, 0.02).unwrap();
        (0..x.len())
            .map(|_| Complex::new(g.sample(&mut rng), g.sample(&mut rng)))
            .collect()
    };
    g.bench_function("1024k_noise_only", |b| {
        b.iter(|| {
            let mut p = BurstProcessor::new(DspConfig { sample_rate_hz: FS });
            let mut out = Vec::new();
            for block in noise.chunks(16_384) {
                p.push(block, &mut out);
            }
            p.finish(&mut out);
            out.len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
