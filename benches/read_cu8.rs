//! cu8 → `Complex<f32>` throughput: the decode loop alone (bytes in memory), and a whole file
//! read through `source::open` in blocks of `BLOCK_SAMPLES` (page cache warm).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fobscope::source::raw::decode;
use fobscope::source::{BLOCK_SAMPLES, Input, Overrides, SampleFormat, open};
use num_complex::Complex;

const FILE_SAMPLES: usize = 16 << 20;

fn bytes(n: usize) -> Vec<u8> {
    // Deterministic, not constant: a cheap LCG.
    let mut x = 12345u32;
    (0..2 * n)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        })
        .collect()
}

fn decode_loop(c: &mut Criterion) {
    let b = bytes(BLOCK_SAMPLES);
    let mut out = vec![Complex::<f32>::default(); BLOCK_SAMPLES];
    let mut g = c.benchmark_group("cu8_decode");
    g.throughput(Throughput::Elements(BLOCK_SAMPLES as u64));
    g.bench_function("block", |bch| {
        bch.iter(|| decode(SampleFormat::Cu8, black_box(&b), black_box(&mut out)))
    });
    g.finish();
}

fn read_file(c: &mut Criterion) {
    let path: PathBuf =
        std::env::temp_dir().join(format!("fobscope-bench-{}_1024k.cu8", std::process::id()));
    std::fs::write(&path, bytes(FILE_SAMPLES)).unwrap();
    let mut out = vec![Complex::<f32>::default(); BLOCK_SAMPLES];
    let mut g = c.benchmark_group("cu8_file");
    g.throughput(Throughput::Elements(FILE_SAMPLES as u64));
    g.sample_size(20);
    g.bench_function("open_and_read_all", |bch| {
        bch.iter(|| {
            let Ok(Input::Iq(mut src)) = open(&path, &Overrides::default()) else {
                panic!("bench file did not open");
            };
            let mut total = 0usize;
            loop {
                let n = src.read(&mut out).unwrap();
                if n == 0 {
                    break;
                }
                total += n;
            }
            assert_eq!(total, FILE_SAMPLES);
            black_box(&out);
        })
    });
    g.finish();
    let _ = std::fs::remove_file(&path);
}

criterion_group!(benches, decode_loop, read_file);
criterion_main!(benches);
