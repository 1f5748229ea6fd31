//! SigMF recordings (SigMF specification v1.0.0): samples in `NAME.sigmf-data`, metadata in
//! `NAME.sigmf-meta`. The meta is written when the recording starts and again when it ends,
//! so a recording that is cut short still has a valid meta beside its data.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use num_complex::Complex;
use serde_json::{Map, Value, json};

use super::raw::SampleWriter;
use super::{IqSink, SinkError, SinkMeta};
use crate::source::SampleFormat;

/// The SigMF `core:datatype` of a sample format (little-endian where it matters).
pub fn datatype(format: SampleFormat) -> &'static str {
    match format {
        SampleFormat::Cu8 => "cu8",
        SampleFormat::Cs8 => "ci8",
        SampleFormat::Cs16 => "ci16_le",
        SampleFormat::Cf32 => "cf32_le",
    }
}

/// Builds the meta document.
pub fn meta_json(format: SampleFormat, meta: &SinkMeta) -> Value {
    let mut global = Map::new();
    global.insert("core:datatype".into(), json!(datatype(format)));
    global.insert("core:sample_rate".into(), json!(meta.sample_rate_hz));
    global.insert("core:version".into(), json!("1.0.0"));
    global.insert("core:num_channels".into(), json!(1));
    global.insert(
        "core:recorder".into(),
        json!(concat!("fobscope ", env!("CARGO_PKG_VERSION"))),
    );
    if let Some(hw) = &meta.hardware {
        global.insert("core:hw".into(), json!(hw));
    }
    if let Some(d) = &meta.description {
        global.insert("core:description".into(), json!(d));
    }
    let mut capture = Map::new();
    capture.insert("core:sample_start".into(), json!(0));
    if let Some(f) = meta.center_freq_hz {
        capture.insert("core:frequency".into(), json!(f));
    }
    if let Some(t) = &meta.datetime {
        capture.insert("core:datetime".into(), json!(t));
    }
    json!({ "global": global, "captures": [capture], "annotations": [] })
}

/// A SigMF pair being written.
pub struct SigmfWriter {
    meta_path: PathBuf,
    data_path: PathBuf,
    meta_text: String,
    data: SampleWriter<BufWriter<File>>,
}

fn write_meta(path: &Path, text: &str) -> Result<(), SinkError> {
    // Write beside, then rename: the meta on disk is always whole.
    let tmp = path.with_extension("sigmf-meta.tmp");
    std::fs::write(&tmp, text).map_err(|e| SinkError::new(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| SinkError::new(path, e))
}

impl SigmfWriter {
    /// Creates `NAME.sigmf-meta` and `NAME.sigmf-data` for `path` (either name, or a bare
    /// name), with samples encoded as `format`.
    pub fn create(path: &Path, format: SampleFormat, meta: &SinkMeta) -> Result<Self, SinkError> {
        if path.extension().is_some_and(|e| e == "sigmf") {
            return Err(SinkError::new(
                path,
                "writing .sigmf archives is not supported; name the output NAME.sigmf-meta to write a SigMF pair",
            ));
        }
        let meta_path = path.with_extension("sigmf-meta");
        let data_path = path.with_extension("sigmf-data");
        let meta_text = serde_json::to_string_pretty(&meta_json(format, meta))
            .map_err(|e| SinkError::new(&meta_path, e))?;
        let f = File::create(&data_path).map_err(|e| SinkError::new(&data_path, e))?;
        write_meta(&meta_path, &meta_text)?;
        Ok(SigmfWriter {
            meta_path,
            data_path,
            meta_text,
            data: SampleWriter::new(BufWriter::with_capacity(1 << 16, f), format),
        })
    }
}

impl IqSink for SigmfWriter {
    fn write(&mut self, samples: &[Complex<f32>]) -> Result<(), SinkError> {
        self.data
            .write(samples)
            .map_err(|e| SinkError::new(&self.data_path, e))
    }

    fn finish(self: Box<Self>) -> Result<(), SinkError> {
        let SigmfWriter {
            meta_path,
            data_path,
            meta_text,
            data,
        } = *self;
        let mut w = data.into_inner();
        w.flush().map_err(|e| SinkError::new(&data_path, e))?;
        w.get_ref()
            .sync_all()
            .map_err(|e| SinkError::new(&data_path, e))?;
        write_meta(&meta_path, &meta_text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_has_the_core_fields() {
        let m = SinkMeta {
            sample_rate_hz: 250e3,
            center_freq_hz: Some(433.92e6),
            datetime: Some("2024-01-02T03:04:05Z".into()),
            description: Some("key".into()),
            hardware: Some("RTL-SDR".into()),
        };
        let v = meta_json(SampleFormat::Cs16, &m);
        assert_eq!(v["global"]["core:datatype"], "ci16_le");
        assert_eq!(v["global"]["core:sample_rate"], 250e3);
        assert_eq!(v["global"]["core:version"], "1.0.0");
        assert_eq!(v["global"]["core:hw"], "RTL-SDR");
        assert_eq!(v["global"]["core:description"], "key");
        assert_eq!(v["captures"][0]["core:sample_start"], 0);
        assert_eq!(v["captures"][0]["core:frequency"], 433.92e6);
        assert_eq!(v["captures"][0]["core:datetime"], "2024-01-02T03:04:05Z");
        assert_eq!(v["annotations"], json!([]));
        let v = meta_json(
            SampleFormat::Cu8,
            &SinkMeta {
                sample_rate_hz: 1.0,
                ..Default::default()
            },
        );
        assert!(v["captures"][0].get("core:frequency").is_none());
    }
}
