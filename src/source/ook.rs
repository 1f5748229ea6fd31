//! rtl_433 `.ook` pulse files (placeholder until the parser lands).

use std::path::Path;

use super::{Problem, PulseRecording, SourceError};

/// Reads an rtl_433 `.ook` pulse file.
pub fn read_ook(path: &Path) -> Result<PulseRecording, SourceError> {
    Err(SourceError::new(
        path,
        Problem::Unsupported("rtl_433 .ook pulse files are not supported in this build".into()),
    ))
}
