//! SigMF recordings (SigMF specification v1.0.0): samples in `NAME.sigmf-data`, metadata in
//! `NAME.sigmf-meta`. The meta is written when the recording starts and again when it ends,
//! so a recording that is cut short still has a valid meta beside its data.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use num_complex::Complex;
use serde_json::{Map, Value, json};

use super::raw::SampleWriter;
use super::{Annotation, IqSink, SinkError, SinkMeta};
use crate::source::SampleFormat;

/// The SigMF `core:datatype` of a sample format (little-endian where it matters).
pub fn datatype(format: SampleFormat) -> &'static str {
    match format {
        SampleFormat::Cu8 => "cu8",
        SampleFormat::Cs8 => "ci8",
        SampleFormat::Cs16 => "ci16_le",
        SampleFormat::Cu16 => "cu16_le",
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
    meta: Value,
    annotations: usize,
    data: SampleWriter<BufWriter<File>>,
}

/// Most annotations one recording keeps (the meta is rewritten at each).
pub const MAX_ANNOTATIONS: usize = 10_000;

/// The SigMF annotation object of an [`Annotation`].
pub fn annotation_json(a: &Annotation) -> Value {
    let mut m = Map::new();
    m.insert("core:sample_start".into(), json!(a.sample_start));
    m.insert("core:sample_count".into(), json!(a.sample_count));
    if let Some(f) = a.freq_lower_hz {
        m.insert("core:freq_lower_edge".into(), json!(f));
    }
    if let Some(f) = a.freq_upper_hz {
        m.insert("core:freq_upper_edge".into(), json!(f));
    }
    m.insert("core:label".into(), json!(a.label));
    if let Some(c) = &a.comment {
        m.insert("core:comment".into(), json!(c));
    }
    m.insert("core:generator".into(), json!("fobscope"));
    Value::Object(m)
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
        let meta = meta_json(format, meta);
        let f = File::create(&data_path).map_err(|e| SinkError::new(&data_path, e))?;
        write_meta(&meta_path, &render(&meta_path, &meta)?)?;
        Ok(SigmfWriter {
            meta_path,
            data_path,
            meta,
            annotations: 0,
            data: SampleWriter::new(BufWriter::with_capacity(1 << 16, f), format),
        })
    }
}

fn render(path: &Path, meta: &Value) -> Result<String, SinkError> {
    serde_json::to_string_pretty(meta).map_err(|e| SinkError::new(path, e))
}

impl IqSink for SigmfWriter {
    fn annotate(&mut self, annotation: &Annotation) -> Result<(), SinkError> {
        if self.annotations >= MAX_ANNOTATIONS {
            return Ok(());
        }
        if let Some(list) = self.meta["annotations"].as_array_mut() {
            list.push(annotation_json(annotation));
            self.annotations += 1;
        }
        // Rewritten at once, so an interrupted recording keeps its annotations.
        write_meta(&self.meta_path, &render(&self.meta_path, &self.meta)?)
    }

    fn write(&mut self, samples: &[Complex<f32>]) -> Result<(), SinkError> {
        self.data
            .write(samples)
            .map_err(|e| SinkError::new(&self.data_path, e))
    }

    fn finish(self: Box<Self>) -> Result<(), SinkError> {
        let SigmfWriter {
            meta_path,
            data_path,
            meta,
            data,
            ..
        } = *self;
        let mut w = data.into_inner();
        w.flush().map_err(|e| SinkError::new(&data_path, e))?;
        w.get_ref()
            .sync_all()
            .map_err(|e| SinkError::new(&data_path, e))?;
        write_meta(&meta_path, &render(&meta_path, &meta)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_are_on_disk_before_the_recording_ends() {
        let dir = std::env::temp_dir().join(format!("fobscope-sigmf-ann-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rec.sigmf-meta");
        let mut w = SigmfWriter::create(
            &path,
            SampleFormat::Cu8,
            &SinkMeta {
                sample_rate_hz: 250e3,
                ..Default::default()
            },
        )
        .unwrap();
        w.write(&[Complex::new(0.5, -0.5); 1000]).unwrap();
        w.annotate(&Annotation {
            sample_start: 100,
            sample_count: 500,
            freq_lower_hz: Some(433.91e6),
            freq_upper_hz: Some(433.93e6),
            label: "KeeLoq".into(),
            comment: None,
        })
        .unwrap();
        // Not finished: as after a crash, the meta on disk already holds the annotation.
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(v["global"]["core:datatype"], "cu8");
        let a = &v["annotations"][0];
        assert_eq!(a["core:sample_start"], 100);
        assert_eq!(a["core:sample_count"], 500);
        assert_eq!(a["core:label"], "KeeLoq");
        assert_eq!(a["core:freq_upper_edge"], 433.93e6);
        Box::new(w).finish().unwrap();
        assert_eq!(
            std::fs::metadata(dir.join("rec.sigmf-data")).unwrap().len(),
            2000
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn meta_has_the_core_fields() {
        let m = SinkMeta {
            sample_rate_hz: 250e3,
            center_freq_hz: Some(433.92e6),
            datetime: Some("2024-01-02T03:04:05Z".into()),
            description: Some("key".into()),
            hardware: Some("RTL-SDR".into()),
            sigmf_sample_format: None,
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
