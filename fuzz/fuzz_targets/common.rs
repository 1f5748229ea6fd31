//! Helpers shared by the fuzz targets: fuzz input written to a per-process scratch file (the
//! readers open paths), and an IQ source drained to its end.

#![allow(dead_code)]

use std::path::PathBuf;

use fobscope::source::{self, Input, Overrides};
use num_complex::Complex;

/// Writes `data` to a scratch file named `name` in a per-process directory (tmpfs when there
/// is one) and returns its path.
pub fn scratch(name: &str, data: &[u8]) -> PathBuf {
    let base = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!("fobscope-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let path = dir.join(name);
    std::fs::write(&path, data).expect("scratch file");
    path
}

/// Opens `path` as fobscope does and reads every sample (or pulse train) of it.
pub fn open_and_drain(path: &std::path::Path, ov: &Overrides) {
    match source::open_with_origins(path, ov) {
        Ok((Input::Iq(mut src), _)) => {
            let mut block = vec![Complex::new(0.0f32, 0.0); 4096];
            let mut total = 0u64;
            loop {
                match src.read(&mut block) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        assert!(n <= block.len());
                        assert!(
                            block[..n]
                                .iter()
                                .all(|c| c.re.is_finite() && c.im.is_finite())
                        );
                        total += n as u64;
                    }
                }
            }
            if let Some(claimed) = src.info().total_samples {
                assert!(
                    total <= claimed,
                    "read {total} samples, the header said {claimed}"
                );
            }
            let _ = src.warnings();
        }
        Ok((Input::Pulses(rec), _)) => {
            let report = fobscope::pipeline::analyze_pulses(&rec, &Default::default());
            let _ = serde_json_len(&report);
        }
        Err(e) => {
            // Every error names the file.
            assert!(e.to_string().contains(&path.display().to_string()));
        }
    }
}

/// Serialises a report the way `--json` does (exercises the serialisers on odd values).
pub fn serde_json_len(report: &fobscope::model::Report) -> usize {
    fobscope::report::json::to_json(report).len()
}
