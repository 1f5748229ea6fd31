//! Flipper Zero `.sub` RAW files (placeholder until the parser lands).

use std::path::Path;

use super::{Problem, PulseRecording, SourceError};

/// Reads a Flipper Zero `.sub` file with `Protocol: RAW`.
pub fn read_sub(path: &Path) -> Result<PulseRecording, SourceError> {
    Err(SourceError::new(
        path,
        Problem::Unsupported("Flipper Zero .sub files are not supported in this build".into()),
    ))
}
