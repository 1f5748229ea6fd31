//! Where the capture is written: a raw file whose name lacks the sample rate or centre
//! frequency gets them added the rtl_433 way (`k.cu8` is written as `k_433.92M_250k.cu8`).

use std::path::PathBuf;

use super::args::SynthArgs;
use crate::source::FileFormat;

/// A value as an rtl_433 file-name token: `433.92M`, `315M` (MHz), `250k`, `1024k` (kS/s).
fn name_token(v: f64, unit: f64, suffix: &str) -> String {
    let mut s = format!("{:.6}", v / unit);
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.pop();
    }
    format!("{s}{suffix}")
}

/// Where a capture is written: `a.out`, except that a raw file (which has no header) whose
/// name lacks the sample rate or centre frequency gets them added the rtl_433 way
/// (`k.cu8` → `k_433.92M_250k.cu8`), so the file can be read back without flags.
pub(super) fn named_out(a: &SynthArgs) -> PathBuf {
    let format = a
        .format
        .or_else(|| crate::source::format_from_extension(&a.out));
    if !matches!(format, Some(FileFormat::Raw(_))) || a.out.as_os_str() == "-" {
        return a.out.clone();
    }
    let have = crate::source::filename::parse_path(&a.out);
    let mut extra = String::new();
    if have.center_freq_hz.is_none() {
        extra.push('_');
        extra.push_str(&name_token(a.freq, 1e6, "M"));
    }
    if have.sample_rate_hz.is_none() {
        extra.push('_');
        extra.push_str(&name_token(a.rate, 1e3, "k"));
    }
    if extra.is_empty() {
        return a.out.clone();
    }
    let stem = a
        .out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match a.out.extension() {
        Some(ext) => format!("{stem}{extra}.{}", ext.to_string_lossy()),
        None => format!("{stem}{extra}"),
    };
    a.out.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::synth::args::test_cli::args;

    #[test]
    fn values_read_as_rtl_433_name_tokens() {
        assert_eq!(name_token(433.92e6, 1e6, "M"), "433.92M");
        assert_eq!(name_token(315e6, 1e6, "M"), "315M");
        assert_eq!(name_token(250e3, 1e3, "k"), "250k");
        assert_eq!(name_token(1.024e6, 1e3, "k"), "1024k");
    }

    #[test]
    fn raw_names_get_what_they_lack() {
        let named = |out: &str, extra: &[&str]| {
            let mut a = args(extra);
            a.out = PathBuf::from(out);
            named_out(&a).display().to_string()
        };
        assert_eq!(named("k.cu8", &[]), "k_433.92M_250k.cu8");
        assert_eq!(named("k_315M.cu8", &["--freq", "315M"]), "k_315M_250k.cu8");
        assert_eq!(named("k_433.92M_250k.cu8", &[]), "k_433.92M_250k.cu8");
        assert_eq!(named("k.sigmf-meta", &[]), "k.sigmf-meta");
    }
}
