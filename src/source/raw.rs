//! Headerless interleaved IQ samples (`cu8`, `cs8`, `cs16`, `cf32`), and the sample decoding
//! shared by every container whose payload is such a stream (SigMF data, WAV `data` chunks).
//!
//! [`RawReader`] reads through one reusable byte buffer, so memory stays flat however long the
//! input is. Short reads are retried until a block is full or the input ends; a trailing partial
//! sample is dropped and reported; non-finite `cf32` values are zeroed, counted and reported.
//! The `cu8` conversion, the hot one, is compiled for the baseline and for AVX2 by
//! `multiversion`, which picks one at run time.

use std::io::{ErrorKind, Read};

use multiversion::multiversion;
use num_complex::Complex;

use super::{IqSource, SampleFormat, SourceError, StreamInfo};

/// Views `n` complex samples as `2n` interleaved floats (I, Q, I, Q, ...), so the decode
/// loops below are plain element-wise maps the compiler vectorises.
fn as_flat(out: &mut [Complex<f32>]) -> &mut [f32] {
    // SAFETY: num-complex declares `Complex<T>` `#[repr(C)]` with fields `re`, `im` (both
    // `T`), so `n` consecutive `Complex<f32>` are `2n` consecutive, aligned `f32`s; the borrow
    // of `out` is carried over to the result.
    unsafe { std::slice::from_raw_parts_mut(out.as_mut_ptr().cast::<f32>(), out.len() * 2) }
}

/// One `cu8` byte as a sample component: rtl_sdr writes unsigned bytes centred on 127.5, so
/// `(x − 127.5) / 127.5`, computed as a product with the reciprocal (within one unit in the last
/// place of the quotient; 0 and 255 map exactly to −1 and +1).
#[inline(always)]
pub(crate) fn cu8_value(b: u8) -> f32 {
    (f32::from(b) - 127.5) * (1.0 / 127.5)
}

/// [`cu8_value`] of each byte, for as many values as both slices hold. Compiled for the
/// baseline and for AVX2 (eight bytes widened and converted at once), picked at run time by
/// `multiversion`; the arithmetic is the same, so are the bits.
#[multiversion(targets("x86_64+avx2"))]
fn decode_cu8(bytes: &[u8], out: &mut [f32]) {
    for (o, &b) in out.iter_mut().zip(bytes) {
        *o = cu8_value(b);
    }
}

/// Decodes whole samples from `bytes` into `out` (as many as both hold) and returns how many
/// were decoded and how many non-finite `cf32` components were replaced by zero.
pub fn decode(format: SampleFormat, bytes: &[u8], out: &mut [Complex<f32>]) -> (usize, u64) {
    let n = (bytes.len() / format.bytes_per_sample()).min(out.len());
    let out = &mut out[..n];
    let mut nonfinite = 0u64;
    match format {
        SampleFormat::Cu8 => decode_cu8(bytes, as_flat(out)),
        SampleFormat::Cs8 => {
            for (o, &b) in as_flat(out).iter_mut().zip(bytes) {
                *o = b as i8 as f32 / 128.0;
            }
        }
        SampleFormat::Cs16 => {
            for (o, b) in as_flat(out).iter_mut().zip(bytes.chunks_exact(2)) {
                *o = i16::from_le_bytes([b[0], b[1]]) as f32 / 32768.0;
            }
        }
        SampleFormat::Cu16 => {
            for (o, b) in as_flat(out).iter_mut().zip(bytes.chunks_exact(2)) {
                *o = (f32::from(u16::from_le_bytes([b[0], b[1]])) - 32767.5) / 32767.5;
            }
        }
        SampleFormat::Cf32 => {
            for (o, b) in out.iter_mut().zip(bytes.chunks_exact(8)) {
                let mut i = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                let mut q = f32::from_le_bytes([b[4], b[5], b[6], b[7]]);
                if !i.is_finite() {
                    i = 0.0;
                    nonfinite += 1;
                }
                if !q.is_finite() {
                    q = 0.0;
                    nonfinite += 1;
                }
                *o = Complex::new(i, q);
            }
        }
    }
    (n, nonfinite)
}

/// Streams samples of one [`SampleFormat`] from any byte source: a file, standard input, a
/// section of a WAV file or a member of a SigMF archive (use [`Read::take`] to bound it).
pub struct RawReader<R: Read + Send> {
    inner: R,
    info: StreamInfo,
    format: SampleFormat,
    buf: Vec<u8>,
    /// Bytes of an incomplete sample carried over at the front of `buf`.
    carry: usize,
    done: bool,
    partial_bytes: usize,
    /// Bytes of an incomplete sample the container cut off before the reader (see
    /// [`RawReader::with_cut_tail`]).
    cut_tail: usize,
    nonfinite: u64,
    samples_read: u64,
}

impl<R: Read + Send> RawReader<R> {
    /// Wraps `inner`, whose bytes are samples in `info.sample_format`.
    pub fn new(inner: R, info: StreamInfo) -> Self {
        RawReader {
            inner,
            format: info.sample_format,
            info,
            buf: Vec::new(),
            carry: 0,
            done: false,
            partial_bytes: 0,
            cut_tail: 0,
            nonfinite: 0,
            samples_read: 0,
        }
    }

    /// Notes that the container held `bytes` more after the last whole sample, which were
    /// never handed to this reader (a SigMF data file limited to whole samples): they are
    /// reported like a trailing partial sample of a raw file.
    pub fn with_cut_tail(mut self, bytes: usize) -> Self {
        self.cut_tail = bytes;
        self
    }

    /// Number of complex samples handed out so far.
    pub fn samples_read(&self) -> u64 {
        self.samples_read
    }
}

impl<R: Read + Send> IqSource for RawReader<R> {
    fn info(&self) -> &StreamInfo {
        &self.info
    }

    fn read(&mut self, out: &mut [Complex<f32>]) -> Result<usize, SourceError> {
        if self.done || out.is_empty() {
            return Ok(0);
        }
        let bps = self.format.bytes_per_sample();
        let want = out.len() * bps;
        if self.buf.len() < want {
            // Sized by the caller's block, never by the input.
            self.buf.resize(want, 0);
        }
        let mut filled = self.carry;
        while filled < want {
            match self.inner.read(&mut self.buf[filled..want]) {
                Ok(0) => {
                    self.done = true;
                    break;
                }
                Ok(k) => filled += k,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(SourceError::new(&self.info.path, e)),
            }
        }
        let (n, bad) = decode(self.format, &self.buf[..filled], out);
        self.nonfinite += bad;
        let rest = filled - n * bps;
        if self.done {
            self.partial_bytes = rest;
            self.carry = 0;
        } else {
            self.buf.copy_within(n * bps..filled, 0);
            self.carry = rest;
        }
        self.samples_read += n as u64;
        Ok(n)
    }

    fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        let partial = self.partial_bytes + self.cut_tail;
        if partial > 0 {
            w.push(format!(
                "{}: the input ends with {} byte(s) of an incomplete {} sample ({} bytes each); they were dropped.",
                self.info.path,
                partial,
                self.format.name(),
                self.format.bytes_per_sample()
            ));
        }
        if self.nonfinite > 0 {
            w.push(format!(
                "{}: {} non-finite (NaN or infinite) I/Q value(s) were replaced by 0.",
                self.info.path, self.nonfinite
            ));
        }
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileFormat;

    fn info(f: SampleFormat) -> StreamInfo {
        StreamInfo {
            path: "mem".into(),
            format: FileFormat::Raw(f),
            sample_format: f,
            sample_rate_hz: 1.0,
            center_freq_hz: None,
            total_samples: None,
            datetime: None,
            hardware: None,
        }
    }

    /// Hands out at most 3 bytes per call, to exercise short reads.
    struct Dribble<'a>(&'a [u8]);
    impl Read for Dribble<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let k = buf.len().min(3).min(self.0.len());
            buf[..k].copy_from_slice(&self.0[..k]);
            self.0 = &self.0[k..];
            Ok(k)
        }
    }

    #[test]
    fn cu8_bytes_decode_within_one_ulp_of_the_quotient_on_every_path() {
        let bytes: Vec<u8> = (0..=255u8)
            .chain((0..=255u8).rev())
            .cycle()
            .take(4099)
            .collect();
        let mut out = vec![0.0f32; bytes.len()];
        // Whatever path `decode_cu8` takes here (AVX2 or not), each value is the scalar one.
        decode_cu8(&bytes, &mut out);
        for (&b, &v) in bytes.iter().zip(&out) {
            assert_eq!(v, cu8_value(b), "byte {b}");
            let exact = (f64::from(b) - 127.5) / 127.5;
            let ulp = f64::from(f32::EPSILON) * exact.abs().max(f64::from(f32::MIN_POSITIVE));
            assert!(
                (f64::from(v) - exact).abs() <= ulp,
                "byte {b}: {v} vs {exact}"
            );
        }
        assert_eq!((cu8_value(0), cu8_value(255)), (-1.0, 1.0));
    }

    #[test]
    fn decodes_each_format_to_full_scale() {
        let mut out = [Complex::new(9.0f32, 9.0); 2];
        assert_eq!(
            decode(SampleFormat::Cu8, &[0, 255, 127, 128], &mut out).0,
            2
        );
        assert_eq!(out[0], Complex::new(-1.0, 1.0));
        assert!((out[1].re + 0.5 / 127.5).abs() < 1e-7 && (out[1].im - 0.5 / 127.5).abs() < 1e-7);
        decode(SampleFormat::Cs8, &[0x80, 0x7f, 0, 0x40], &mut out);
        assert_eq!(out[0], Complex::new(-1.0, 127.0 / 128.0));
        assert_eq!(out[1], Complex::new(0.0, 0.5));
        decode(SampleFormat::Cs16, &[0, 0x80, 0xff, 0x7f], &mut out[..1]);
        assert_eq!(out[0], Complex::new(-1.0, 32767.0 / 32768.0));
        let mut b = Vec::new();
        b.extend_from_slice(&0.25f32.to_le_bytes());
        b.extend_from_slice(&f32::NAN.to_le_bytes());
        let (n, bad) = decode(SampleFormat::Cf32, &b, &mut out);
        assert_eq!((n, bad), (1, 1));
        assert_eq!(out[0], Complex::new(0.25, 0.0));
    }

    #[test]
    fn short_reads_still_fill_blocks_and_partial_sample_is_reported() {
        let bytes: Vec<u8> = (0..=20u8).collect(); // 10 cs8 samples and one stray byte
        let mut r = RawReader::new(Dribble(&bytes), info(SampleFormat::Cs8));
        let mut out = vec![Complex::default(); 4];
        let mut got = Vec::new();
        loop {
            let n = r.read(&mut out).unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&out[..n]);
        }
        assert_eq!(got.len(), 10);
        for (k, s) in got.iter().enumerate() {
            assert_eq!(s.re, (2 * k) as f32 / 128.0);
            assert_eq!(s.im, (2 * k + 1) as f32 / 128.0);
        }
        let w = r.warnings();
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("1 byte(s)") && w[0].contains("mem"), "{w:?}");
    }
}
