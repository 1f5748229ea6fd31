//! SigMF recordings: a `.sigmf-meta` JSON file beside a `.sigmf-data` sample file, or both as
//! members of a `.sigmf` tar archive (SigMF specification v1.0.0, "SigMF Archive Format").
//!
//! The meta file is size-capped before it is read; the data is streamed (from the archive at
//! the member's offset, without extracting it).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::raw::RawReader;
use super::{FileFormat, IqSource, Problem, SampleFormat, SourceError, StreamInfo};

/// Largest `.sigmf-meta` accepted, bytes. Real meta files are a few kB; annotations of long
/// recordings can reach megabytes, never this.
pub const MAX_META_BYTES: u64 = 16 << 20;

/// The fields of a SigMF meta file that matter here (SigMF v1.0.0 `core` namespace).
#[derive(Clone, Debug, Deserialize)]
pub struct Meta {
    /// The `global` object.
    pub global: Global,
    /// Capture segments.
    #[serde(default)]
    pub captures: Vec<Capture>,
    /// Annotations.
    #[serde(default)]
    pub annotations: Vec<Annotation>,
}

/// The `global` object.
#[derive(Clone, Debug, Deserialize)]
pub struct Global {
    /// `core:datatype`, e.g. `cu8`, `ci16_le`, `cf32_le`.
    #[serde(rename = "core:datatype")]
    pub datatype: String,
    /// `core:sample_rate`, S/s.
    #[serde(rename = "core:sample_rate", default)]
    pub sample_rate: Option<f64>,
    /// `core:hw`.
    #[serde(rename = "core:hw", default)]
    pub hw: Option<String>,
    /// `core:num_channels` (only 1 is supported).
    #[serde(rename = "core:num_channels", default)]
    pub num_channels: Option<u64>,
    /// `core:sample_count`, when a writer gives it.
    #[serde(rename = "core:sample_count", default)]
    pub sample_count: Option<u64>,
}

/// One `captures` segment.
#[derive(Clone, Debug, Deserialize)]
pub struct Capture {
    /// `core:sample_start`.
    #[serde(rename = "core:sample_start", default)]
    pub sample_start: u64,
    /// `core:frequency`, Hz.
    #[serde(rename = "core:frequency", default)]
    pub frequency: Option<f64>,
    /// `core:datetime`, ISO 8601.
    #[serde(rename = "core:datetime", default)]
    pub datetime: Option<String>,
}

/// One annotation (only its extent is used, to check the data is long enough).
#[derive(Clone, Debug, Deserialize)]
pub struct Annotation {
    /// `core:sample_start`.
    #[serde(rename = "core:sample_start", default)]
    pub sample_start: u64,
    /// `core:sample_count`.
    #[serde(rename = "core:sample_count", default)]
    pub sample_count: Option<u64>,
}

impl Meta {
    /// The sample encoding named by `core:datatype`.
    pub fn sample_format(&self) -> Result<SampleFormat, Problem> {
        let t = self.global.datatype.trim();
        Ok(match t {
            "cu8" => SampleFormat::Cu8,
            "ci8" => SampleFormat::Cs8,
            "ci16_le" => SampleFormat::Cs16,
            "cu16_le" => SampleFormat::Cu16,
            "cf32_le" => SampleFormat::Cf32,
            _ if t.starts_with('r') => {
                return Err(Problem::Unsupported(format!(
                    "SigMF core:datatype \"{t}\" is real-valued; only complex (IQ) recordings can be analysed (cu8, ci8, ci16_le, cf32_le)"
                )));
            }
            _ => {
                return Err(Problem::Unsupported(format!(
                    "SigMF core:datatype \"{t}\" is not supported (supported: cu8, ci8, ci16_le, cu16_le, cf32_le)"
                )));
            }
        })
    }

    /// The smallest number of samples the meta says the data holds.
    pub fn claimed_samples(&self) -> u64 {
        let caps = self.captures.iter().map(|c| c.sample_start);
        let anns = self
            .annotations
            .iter()
            .map(|a| a.sample_start.saturating_add(a.sample_count.unwrap_or(0)));
        caps.chain(anns)
            .chain(self.global.sample_count)
            .max()
            .unwrap_or(0)
    }
}

/// Reads and parses a meta file of at most [`MAX_META_BYTES`] from `r`; `len` is its size as
/// reported by the file system or the archive header.
pub fn parse_meta(path: &Path, len: u64, r: impl Read) -> Result<Meta, SourceError> {
    if len > MAX_META_BYTES {
        return Err(SourceError::malformed(
            path,
            format!(
                "the SigMF meta is {len} bytes, more than the {MAX_META_BYTES}-byte limit for a meta file"
            ),
        ));
    }
    let mut text = Vec::with_capacity(len as usize);
    r.take(MAX_META_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(|e| SourceError::new(path, e))?;
    if text.len() as u64 > MAX_META_BYTES {
        return Err(SourceError::malformed(
            path,
            format!("the SigMF meta is larger than the {MAX_META_BYTES}-byte limit"),
        ));
    }
    if text.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(SourceError::new(path, Problem::Empty));
    }
    serde_json::from_slice(&text).map_err(|e| {
        SourceError::malformed(path, format!("the SigMF meta is not valid SigMF JSON: {e}"))
    })
}

/// The meta and data paths of the pair that `path` (either of them) belongs to.
pub fn pair_paths(path: &Path) -> (PathBuf, PathBuf) {
    (
        path.with_extension("sigmf-meta"),
        path.with_extension("sigmf-data"),
    )
}

fn build_info(
    user_path: &Path,
    format: FileFormat,
    meta: &Meta,
    sample_format: SampleFormat,
    total: u64,
) -> StreamInfo {
    let cap = meta.captures.first();
    StreamInfo {
        path: user_path.display().to_string(),
        format,
        sample_format,
        // Resolved by `open` (flags, then this, then the file name); 0 means "not given".
        sample_rate_hz: meta
            .global
            .sample_rate
            .filter(|r| r.is_finite() && *r > 0.0)
            .unwrap_or(0.0),
        center_freq_hz: cap.and_then(|c| c.frequency).filter(|f| f.is_finite()),
        total_samples: Some(total),
        datetime: cap.and_then(|c| c.datetime.clone()),
        hardware: meta.global.hw.clone(),
    }
}

fn check_channels(path: &Path, meta: &Meta) -> Result<(), SourceError> {
    match meta.global.num_channels {
        None | Some(1) => Ok(()),
        Some(n) => Err(SourceError::new(
            path,
            Problem::Unsupported(format!(
                "SigMF core:num_channels is {n}; only single-channel recordings are supported"
            )),
        )),
    }
}

fn check_length(
    meta_name: &Path,
    data_name: &Path,
    meta: &Meta,
    data_bytes: u64,
    sf: SampleFormat,
) -> Result<u64, SourceError> {
    let bps = sf.bytes_per_sample() as u64;
    let have = data_bytes / bps;
    let claimed = meta.claimed_samples();
    if have < claimed {
        return Err(SourceError::malformed(
            data_name,
            format!(
                "the data holds {have} samples but {} describes at least {claimed} (truncated recording?)",
                meta_name.display()
            ),
        ));
    }
    if data_bytes == 0 {
        return Err(SourceError::new(data_name, Problem::Empty));
    }
    Ok(have)
}

/// Opens a SigMF pair; `path` may name either file. The returned info's sample rate is 0
/// when the meta gives none.
pub fn open_pair(path: &Path) -> Result<Box<dyn IqSource>, SourceError> {
    let (meta_path, data_path) = pair_paths(path);
    let mf = File::open(&meta_path).map_err(|e| SourceError::new(&meta_path, e))?;
    let mlen = mf
        .metadata()
        .map_err(|e| SourceError::new(&meta_path, e))?
        .len();
    let meta = parse_meta(&meta_path, mlen, mf)?;
    let sf = meta
        .sample_format()
        .map_err(|p| SourceError::new(&meta_path, p))?;
    check_channels(&meta_path, &meta)?;
    let df = File::open(&data_path).map_err(|e| SourceError::new(&data_path, e))?;
    let dlen = df
        .metadata()
        .map_err(|e| SourceError::new(&data_path, e))?
        .len();
    let total = check_length(&meta_path, &data_path, &meta, dlen, sf)?;
    let info = build_info(path, FileFormat::Sigmf, &meta, sf, total);
    Ok(whole_samples(df, dlen, total, info))
}

/// A reader of the first `samples` whole samples of the `bytes` data bytes `r` starts with; the
/// bytes of an incomplete sample after them are reported, not read.
fn whole_samples(r: File, bytes: u64, samples: u64, info: StreamInfo) -> Box<dyn IqSource> {
    let whole = samples * info.sample_format.bytes_per_sample() as u64;
    Box::new(
        RawReader::new(
            std::io::BufReader::with_capacity(1 << 16, r).take(whole),
            info,
        )
        .with_cut_tail(bytes.saturating_sub(whole) as usize),
    )
}

/// How a member of archive `path` is named in errors: `ARCHIVE/MEMBER`, always under the
/// archive's own path (a member stored with an absolute name such as `/x.sigmf-meta` must not
/// replace it, as `Path::join` would).
fn member_label(path: &Path, member: &Path) -> PathBuf {
    let rel: PathBuf = member
        .components()
        .filter(|c| matches!(c, std::path::Component::Normal(_)))
        .collect();
    path.join(rel)
}

/// Opens a `.sigmf` archive: the first `.sigmf-meta` member and its `.sigmf-data` member,
/// streamed in place.
pub fn open_archive(path: &Path) -> Result<Box<dyn IqSource>, SourceError> {
    let file = File::open(path).map_err(|e| SourceError::new(path, e))?;
    let file_len = file
        .metadata()
        .map_err(|e| SourceError::new(path, e))?
        .len();
    if file_len == 0 {
        return Err(SourceError::new(path, Problem::Empty));
    }
    let tar_err = |e: std::io::Error| {
        SourceError::malformed(path, format!("not a readable SigMF tar archive: {e}"))
    };
    let mut archive = tar::Archive::new(file);
    let mut meta: Option<(PathBuf, Meta)> = None;
    // (member name, offset, size)
    let mut datas: Vec<(PathBuf, u64, u64)> = Vec::new();
    for (k, entry) in archive.entries_with_seek().map_err(tar_err)?.enumerate() {
        if k >= 10_000 {
            return Err(SourceError::malformed(
                path,
                "the archive has over 10000 members",
            ));
        }
        let mut entry = entry.map_err(tar_err)?;
        let name = entry.path().map_err(tar_err)?.into_owned();
        let size = entry.header().entry_size().map_err(tar_err)?;
        let pos = entry.raw_file_position();
        if pos.saturating_add(size) > file_len {
            return Err(SourceError::malformed(
                path,
                format!(
                    "the archive is truncated: member {} claims {size} bytes at offset {pos}, but the file is {file_len} bytes",
                    name.display()
                ),
            ));
        }
        match name.extension().and_then(|e| e.to_str()) {
            Some("sigmf-meta") if meta.is_none() => {
                let label = member_label(path, &name);
                let m = parse_meta(&label, size, &mut entry)?;
                meta = Some((name, m));
            }
            Some("sigmf-data") if datas.len() < 1000 => datas.push((name, pos, size)),
            _ => {}
        }
    }
    let Some((meta_name, meta)) = meta else {
        return Err(SourceError::malformed(
            path,
            "the archive holds no .sigmf-meta member (or is not a tar archive)",
        ));
    };
    let want = meta_name.with_extension("sigmf-data");
    let Some((data_name, pos, size)) = datas
        .iter()
        .find(|d| d.0 == want)
        .or_else(|| datas.first())
        .cloned()
    else {
        return Err(SourceError::malformed(
            path,
            format!(
                "the archive holds {} but no .sigmf-data member",
                meta_name.display()
            ),
        ));
    };
    let sf = meta
        .sample_format()
        .map_err(|p| SourceError::new(path, p))?;
    check_channels(path, &meta)?;
    let total = check_length(
        &member_label(path, &meta_name),
        &member_label(path, &data_name),
        &meta,
        size,
        sf,
    )?;
    let mut f = File::open(path).map_err(|e| SourceError::new(path, e))?;
    f.seek(SeekFrom::Start(pos))
        .map_err(|e| SourceError::new(path, e))?;
    let info = build_info(path, FileFormat::SigmfArchive, &meta, sf, total);
    Ok(whole_samples(f, size, total, info))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(json: &str) -> Result<Meta, SourceError> {
        parse_meta(
            Path::new("m.sigmf-meta"),
            json.len() as u64,
            json.as_bytes(),
        )
    }

    #[test]
    fn parses_core_fields() {
        let m = meta(
            r#"{"global":{"core:datatype":"ci16_le","core:sample_rate":2e6,"core:version":"1.0.0","core:hw":"RTL-SDR"},
                "captures":[{"core:sample_start":0,"core:frequency":433.92e6,"core:datetime":"2024-01-02T03:04:05Z"}],
                "annotations":[{"core:sample_start":100,"core:sample_count":50}]}"#,
        )
        .unwrap();
        assert_eq!(m.sample_format().unwrap(), SampleFormat::Cs16);
        assert_eq!(m.global.sample_rate, Some(2e6));
        assert_eq!(m.captures[0].frequency, Some(433.92e6));
        assert_eq!(m.claimed_samples(), 150);
        assert_eq!(m.global.hw.as_deref(), Some("RTL-SDR"));
    }

    #[test]
    fn rejects_real_and_unknown_datatypes() {
        let m = meta(r#"{"global":{"core:datatype":"rf32_le"}}"#).unwrap();
        assert!(
            m.sample_format()
                .unwrap_err()
                .to_string()
                .contains("real-valued")
        );
        let m = meta(r#"{"global":{"core:datatype":"cf64_be"}}"#).unwrap();
        assert!(
            m.sample_format()
                .unwrap_err()
                .to_string()
                .contains("cf64_be")
        );
    }

    #[test]
    fn rejects_oversized_and_non_json_meta() {
        let e =
            parse_meta(Path::new("big.sigmf-meta"), MAX_META_BYTES + 1, &b"{}"[..]).unwrap_err();
        assert!(e.to_string().contains("big.sigmf-meta") && e.to_string().contains("limit"));
        let e = meta("hello").unwrap_err();
        assert!(e.to_string().contains("not valid SigMF JSON"), "{e}");
    }

    #[test]
    fn a_trailing_partial_sample_in_the_data_file_is_reported() {
        let dir = std::env::temp_dir().join(format!("fobscope-sigmf-tail-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let meta_path = dir.join("tail.sigmf-meta");
        std::fs::write(
            &meta_path,
            r#"{"global":{"core:datatype":"cu8","core:sample_rate":250000,"core:version":"1.0.0"},"captures":[{"core:sample_start":0}]}"#,
        )
        .unwrap();
        // Three whole cu8 samples and one byte of a fourth.
        std::fs::write(dir.join("tail.sigmf-data"), [1u8, 2, 3, 4, 5, 6, 7]).unwrap();
        let mut src = open_pair(&meta_path).unwrap();
        let mut block = vec![num_complex::Complex::new(0.0f32, 0.0); 16];
        assert_eq!(src.read(&mut block).unwrap(), 3);
        assert_eq!(src.read(&mut block).unwrap(), 0);
        let w = src.warnings();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("tail.sigmf-meta") && w[0].contains("1 byte(s) of an incomplete cu8"),
            "{w:?}"
        );
    }

    #[test]
    fn pair_paths_from_either_file() {
        let (m, d) = pair_paths(Path::new("/x/rec.sigmf-data"));
        assert_eq!(m, Path::new("/x/rec.sigmf-meta"));
        assert_eq!(d, Path::new("/x/rec.sigmf-data"));
        let (m, _) = pair_paths(Path::new("rec.v2.sigmf-meta"));
        assert_eq!(m, Path::new("rec.v2.sigmf-meta"));
    }
}
