//! Headerless sample files, written the way the reference tools write them: `cu8` as rtl_sdr
//! (unsigned bytes centred on 127.5), `cs8` as HackRF, `cs16` and `cf32` little-endian
//! (GNU Radio `.cfile`). Integer formats round to nearest and clip at full scale.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use num_complex::Complex;

use super::{IqSink, SinkError};
use crate::source::SampleFormat;

/// Appends the encoding of `samples` in `format` to `out`.
pub fn encode(format: SampleFormat, samples: &[Complex<f32>], out: &mut Vec<u8>) {
    out.reserve(samples.len() * format.bytes_per_sample());
    match format {
        SampleFormat::Cu8 => {
            let q = |x: f32| (x * 127.5 + 127.5).round().clamp(0.0, 255.0) as u8;
            for s in samples {
                out.extend_from_slice(&[q(s.re), q(s.im)]);
            }
        }
        SampleFormat::Cs8 => {
            let q = |x: f32| (x * 128.0).round().clamp(-128.0, 127.0) as i8 as u8;
            for s in samples {
                out.extend_from_slice(&[q(s.re), q(s.im)]);
            }
        }
        SampleFormat::Cs16 => {
            let q = |x: f32| ((x * 32768.0).round().clamp(-32768.0, 32767.0) as i16).to_le_bytes();
            for s in samples {
                out.extend_from_slice(&q(s.re));
                out.extend_from_slice(&q(s.im));
            }
        }
        SampleFormat::Cu16 => {
            let q =
                |x: f32| ((x * 32767.5 + 32767.5).round().clamp(0.0, 65535.0) as u16).to_le_bytes();
            for s in samples {
                out.extend_from_slice(&q(s.re));
                out.extend_from_slice(&q(s.im));
            }
        }
        SampleFormat::Cf32 => {
            for s in samples {
                out.extend_from_slice(&s.re.to_le_bytes());
                out.extend_from_slice(&s.im.to_le_bytes());
            }
        }
    }
}

/// Writes samples of one format to any byte sink, through a reusable buffer.
pub struct SampleWriter<W: Write> {
    inner: W,
    format: SampleFormat,
    buf: Vec<u8>,
    samples: u64,
}

impl<W: Write> SampleWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W, format: SampleFormat) -> Self {
        SampleWriter {
            inner,
            format,
            buf: Vec::new(),
            samples: 0,
        }
    }

    /// Encodes and writes `samples`.
    pub fn write(&mut self, samples: &[Complex<f32>]) -> std::io::Result<()> {
        self.buf.clear();
        encode(self.format, samples, &mut self.buf);
        self.inner.write_all(&self.buf)?;
        self.samples += samples.len() as u64;
        Ok(())
    }

    /// Samples written so far.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// The underlying writer.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Gives back the underlying writer.
    pub fn into_inner(self) -> W {
        self.inner
    }
}

/// A headerless raw file.
pub struct RawWriter {
    path: String,
    w: SampleWriter<BufWriter<File>>,
}

impl RawWriter {
    /// Creates (truncates) `path`.
    pub fn create(path: &Path, format: SampleFormat) -> Result<Self, SinkError> {
        let f = File::create(path).map_err(|e| SinkError::new(path, e))?;
        Ok(RawWriter {
            path: path.display().to_string(),
            w: SampleWriter::new(BufWriter::with_capacity(1 << 16, f), format),
        })
    }
}

impl IqSink for RawWriter {
    fn write(&mut self, samples: &[Complex<f32>]) -> Result<(), SinkError> {
        self.w
            .write(samples)
            .map_err(|e| SinkError::new(&self.path, e))
    }

    fn finish(self: Box<Self>) -> Result<(), SinkError> {
        let path = self.path;
        let mut w = self.w.into_inner();
        w.flush().map_err(|e| SinkError::new(&path, e))?;
        w.get_ref().sync_all().map_err(|e| SinkError::new(&path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::raw::decode;

    #[test]
    fn integer_formats_round_trip_codes_and_clip() {
        for (f, codes) in [
            (SampleFormat::Cu8, vec![0u8, 1, 127, 128, 254, 255]),
            (SampleFormat::Cs8, vec![0x80, 0x81, 0xff, 0, 1, 0x7f]),
        ] {
            let mut v = vec![Complex::default(); 3];
            decode(f, &codes, &mut v);
            let mut back = Vec::new();
            encode(f, &v, &mut back);
            assert_eq!(back, codes, "{f:?}");
        }
        let mut b = Vec::new();
        encode(
            SampleFormat::Cu8,
            &[Complex::new(2.0, -2.0), Complex::new(0.0, 0.0)],
            &mut b,
        );
        assert_eq!(b, vec![255, 0, 128, 128]);
        b.clear();
        encode(SampleFormat::Cs16, &[Complex::new(1.0, -1.5)], &mut b);
        assert_eq!(b, [0xff, 0x7f, 0x00, 0x80]);
        b.clear();
        encode(SampleFormat::Cs8, &[Complex::new(1.0, -1.0)], &mut b);
        assert_eq!(b, [0x7f, 0x80]);
    }
}
