//! Universal Radio Hacker's compressed complex files (`.coco`): a bzip2-compressed tar
//! archive holding one file of interleaved float32 I/Q samples (`cf32`). URH writes them
//! with Python's `tarfile.open(name, "w:bz2")` and one member, the raw `.complex` data
//! (URH `src/urh/util/FileOperator.py`, `save_data`).
//!
//! The archive is streamed: bzip2 is decompressed on the fly (the `bzip2` crate, on its
//! pure-Rust backend), tar headers are read with the `tar` crate's [`tar::Header`], members
//! before the first regular file (PAX or GNU long-name records, directories) are skipped
//! by reading through them, and the first regular file is handed to [`RawReader`] limited to
//! the size its header gives. Memory is one tar block plus the decoder's state, whatever the
//! size of the recording.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use bzip2::read::MultiBzDecoder;

use super::raw::RawReader;
use super::{FileFormat, IqSource, Problem, SampleFormat, SourceError, StreamInfo};

/// Members looked at before giving up on finding the samples.
const MAX_MEMBERS: usize = 64;
/// Largest non-sample member skipped (PAX headers, long names), bytes.
const MAX_SKIPPED_BYTES: u64 = 1 << 20;

type Stream = MultiBzDecoder<BufReader<File>>;

/// The member's bytes: exactly the size its header declares, an early end of the compressed
/// stream being an error (so a damaged or lying archive never passes for a short recording).
struct Member {
    inner: Stream,
    left: u64,
    size: u64,
}

impl Read for Member {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!(
                    "the archive ends after {} of the {} bytes its member declares",
                    self.size - self.left,
                    self.size
                ),
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Reads one 512-byte tar block; `Ok(false)` at a clean end of the stream.
fn read_block(r: &mut Stream, block: &mut [u8; 512]) -> std::io::Result<bool> {
    let mut got = 0;
    while got < block.len() {
        match r.read(&mut block[got..]) {
            Ok(0) if got == 0 => return Ok(false),
            Ok(0) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the archive ends inside a tar header",
                ));
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// Opens `path` as a `.coco` file: a stream of its `cf32` samples.
pub fn open(path: &Path) -> Result<Box<dyn IqSource>, SourceError> {
    let file = File::open(path).map_err(|e| SourceError::new(path, e))?;
    let len = file
        .metadata()
        .map_err(|e| SourceError::new(path, e))?
        .len();
    if len == 0 {
        return Err(SourceError::new(path, Problem::Empty));
    }
    let bad = |msg: String| {
        SourceError::malformed(
            path,
            format!("not a readable .coco file (a bzip2-compressed tar of cf32 samples): {msg}"),
        )
    };
    let mut z = MultiBzDecoder::new(BufReader::new(file));
    let mut block = [0u8; 512];
    for _ in 0..MAX_MEMBERS {
        if !read_block(&mut z, &mut block).map_err(|e| bad(e.to_string()))? {
            break;
        }
        if block.iter().all(|&b| b == 0) {
            break;
        }
        let header = tar::Header::from_byte_slice(&block);
        let size = header
            .entry_size()
            .map_err(|e| bad(format!("a tar header is damaged: {e}")))?;
        if header.entry_type().is_file() {
            let name = header
                .path()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            let info = StreamInfo {
                path: path.display().to_string(),
                format: FileFormat::Coco,
                sample_format: SampleFormat::Cf32,
                sample_rate_hz: 0.0,
                center_freq_hz: None,
                total_samples: Some(size / SampleFormat::Cf32.bytes_per_sample() as u64),
                datetime: None,
                hardware: None,
            };
            if size == 0 {
                return Err(bad(format!("its member {name} is empty")));
            }
            let member = Member {
                inner: z,
                left: size,
                size,
            };
            return Ok(Box::new(RawReader::new(member, info)));
        }
        if size > MAX_SKIPPED_BYTES {
            return Err(bad(format!(
                "a {size}-byte member that is not a regular file comes before the samples"
            )));
        }
        let padded = size.div_ceil(512) * 512;
        let skipped = std::io::copy(&mut (&mut z).take(padded), &mut std::io::sink())
            .map_err(|e| bad(e.to_string()))?;
        if skipped < padded {
            return Err(bad("the archive ends inside a member".into()));
        }
    }
    Err(bad("the archive holds no file of samples".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bzip2::Compression;
    use bzip2::write::BzEncoder;
    use num_complex::Complex;
    use std::io::Write;

    /// A `.coco` written as URH writes it: a bzip2 tar with one member of cf32 samples.
    fn write_coco(path: &Path, samples: &[Complex<f32>]) {
        let mut data = Vec::new();
        for s in samples {
            data.extend_from_slice(&s.re.to_le_bytes());
            data.extend_from_slice(&s.im.to_le_bytes());
        }
        let enc = BzEncoder::new(File::create(path).unwrap(), Compression::best());
        let mut tar = tar::Builder::new(enc);
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, "tmp/tmpfile", &data[..]).unwrap();
        tar.into_inner().unwrap().finish().unwrap().flush().unwrap();
    }

    #[test]
    fn samples_stream_out_of_the_archive() {
        let dir = std::env::temp_dir().join(format!("fobscope-coco-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("key.coco");
        let x: Vec<Complex<f32>> = (0..100_000)
            .map(|k| Complex::new((k as f32 * 0.01).cos() * 0.5, (k as f32 * 0.01).sin() * 0.5))
            .collect();
        write_coco(&p, &x);
        let mut src = open(&p).unwrap();
        assert_eq!(src.info().total_samples, Some(100_000));
        let mut got = Vec::new();
        let mut buf = vec![Complex::new(0.0, 0.0); 4096];
        loop {
            let n = src.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, x);
        // A member that claims more than the archive holds ends in an error, not early.
        let lying = dir.join("lying.coco");
        {
            let mut data = Vec::new();
            for s in &x[..1000] {
                data.extend_from_slice(&s.re.to_le_bytes());
                data.extend_from_slice(&s.im.to_le_bytes());
            }
            let mut h = tar::Header::new_ustar();
            h.set_size(1 << 40);
            h.set_mode(0o644);
            h.set_path("tmpfile").unwrap();
            h.set_cksum();
            let mut enc = BzEncoder::new(File::create(&lying).unwrap(), Compression::fast());
            enc.write_all(h.as_bytes()).unwrap();
            enc.write_all(&data).unwrap();
            enc.finish().unwrap();
        }
        let mut src = open(&lying).unwrap();
        let mut failed = None;
        for _ in 0..10 {
            match src.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    failed = Some(e.to_string());
                    break;
                }
            }
        }
        let e = failed.expect("an early end is an error");
        assert!(e.contains("lying.coco") && e.contains("declares"), "{e}");
        // Not bzip2 at all: a clear error naming the format.
        let q = dir.join("bad.coco");
        std::fs::write(&q, b"this is not an archive").unwrap();
        let e = open(&q).err().unwrap().to_string();
        assert!(e.contains("bad.coco") && e.contains(".coco file"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
