//! Enough evidence for a verdict: a recording at an implausible sample rate cannot say
//! anything, and one that found no key's frame cannot say the key is dead when it is too
//! short or covered no key band. [`check`] names what is
//! missing and how to fix it; the caller reports it as an error (exit 2), never a verdict.

use super::evidence;
use super::thresholds::{MIN_LISTEN_S, PLAUSIBLE_RATE_HZ};
use crate::model::Report;

/// Why a report holds too little evidence for a verdict.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Insufficient {
    /// The input held no samples (or pulses) at all.
    #[error(
        "{path}: the input delivered no samples, so nothing was listened to (an empty file or \
         standard input, or a radio that streams nothing: check the device and its driver); \
         record while holding the key's button (e.g. rtl_sdr -f 433.92M -s 250k -n 2500000 \
         key.cu8)"
    )]
    Empty {
        /// The input.
        path: String,
    },
    /// Shorter than the least listening a verdict needs.
    #[error(
        "{path}: only {listened_s:.3} s of recording ({samples} samples); a verdict needs at \
         least {min_s} s of listening (a press lasts at least 0.1 s); record for 1–2 s while \
         holding the button"
    )]
    TooShort {
        /// The input.
        path: String,
        /// Seconds listened.
        listened_s: f64,
        /// Seconds needed.
        min_s: f64,
        /// Samples the recording held.
        samples: u64,
    },
    /// A sample rate no key recording is made at.
    #[error("{path}: a sample rate of {rate} S/s is implausible for a key recording{hint}")]
    ImplausibleRate {
        /// The input.
        path: String,
        /// The rate, S/s.
        rate: String,
        /// `; did you mean --rate 250k?` and the like.
        hint: String,
    },
    /// Nothing found, and the span listened to holds no key band (or is unknown).
    #[error("{path}: {what}, so no band a key uses was listened to; {fix}")]
    NoKeyBand {
        /// The input.
        path: String,
        /// What was covered.
        what: String,
        /// How to fix it.
        fix: String,
    },
}

/// What a rate most likely meant (`250` → `250k`), as a hint sentence.
fn rate_hint(rate: f64) -> String {
    if rate < PLAUSIBLE_RATE_HZ.0 {
        let k = rate * 1e3;
        let m = rate * 1e6;
        if (PLAUSIBLE_RATE_HZ.0..=PLAUSIBLE_RATE_HZ.1).contains(&k) {
            return format!("; did you mean --rate {}k?", evidence::fmt_num(rate));
        }
        if (PLAUSIBLE_RATE_HZ.0..=PLAUSIBLE_RATE_HZ.1).contains(&m) {
            return format!("; did you mean --rate {}M?", evidence::fmt_num(rate));
        }
        return "; give the rate with its unit (--rate 250k, --rate 2.4M)".into();
    }
    "; give the rate the recording was made at (--rate 250k, --rate 2.4M)".into()
}

/// Checks that a report holds enough evidence for a verdict.
pub fn check(report: &Report) -> Result<(), Insufficient> {
    let path = report.input.path.clone();
    let listened = report
        .input
        .duration_s
        .filter(|d| d.is_finite())
        .unwrap_or(0.0);
    if report.transmissions.is_empty() && listened <= 0.0 {
        return Err(Insufficient::Empty { path });
    }
    if let Some(rate) = report.input.sample_rate_hz
        && !(PLAUSIBLE_RATE_HZ.0..=PLAUSIBLE_RATE_HZ.1).contains(&rate)
    {
        return Err(Insufficient::ImplausibleRate {
            path,
            rate: evidence::fmt_num(rate),
            hint: rate_hint(rate),
        });
    }
    let pulse_file = report.input.sample_rate_hz.is_none();
    let found = report.transmissions.iter().any(evidence::is_key_sized);
    if found {
        // A key's frame in the recording is evidence however short the recording is.
        return Ok(());
    }
    // Nothing found: "dead" needs enough listening. A pulse file holds the pulses only, not
    // the silence around them, so its length says nothing of how long was listened.
    if !pulse_file && listened < MIN_LISTEN_S {
        return Err(Insufficient::TooShort {
            path,
            listened_s: listened,
            min_s: MIN_LISTEN_S,
            samples: (listened * report.input.sample_rate_hz.unwrap_or(0.0)).round() as u64,
        });
    }
    match report.input.covered_span_hz() {
        Some((lo, hi))
            if !crate::band::BANDS
                .iter()
                .any(|b| b.high_hz >= lo && b.low_hz <= hi) =>
        {
            Err(Insufficient::NoKeyBand {
                path,
                what: format!(
                    "nothing was found and the recording covered {:.3}–{:.3} MHz",
                    lo / 1e6,
                    hi / 1e6
                ),
                fix: "record tuned to the car's band (--freq 315M, 433.92M or 868.35M on the \
                      receiver)"
                    .into(),
            })
        }
        None if report.input.center_freq_hz.is_none() && !pulse_file => {
            Err(Insufficient::NoKeyBand {
                path,
                what: "nothing was found and the recording's centre frequency is unknown".into(),
                fix: "give the frequency it was tuned to (--freq 433.92M)".into(),
            })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InputSummary;

    fn report(rate: Option<f64>, freq: Option<f64>, dur: Option<f64>) -> Report {
        Report {
            input: InputSummary {
                path: "k.cu8".into(),
                format: "cu8".into(),
                sample_rate_hz: rate,
                center_freq_hz: freq,
                duration_s: dur,
            },
            transmissions: Vec::new(),
            verdict: None,
            warnings: Vec::new(),
        }
    }

    #[test]
    fn enough_listening_on_a_key_band_is_evidence() {
        assert_eq!(
            check(&report(Some(250e3), Some(433.92e6), Some(1.0))),
            Ok(())
        );
    }

    #[test]
    fn each_missing_piece_is_named() {
        let e = check(&report(Some(250e3), Some(433.92e6), Some(0.02))).unwrap_err();
        assert!(e.to_string().contains("only 0.020 s"), "{e}");
        let e = check(&report(Some(250.0), Some(433.92e6), Some(1000.0))).unwrap_err();
        assert!(e.to_string().contains("did you mean --rate 250k?"), "{e}");
        let e = check(&report(Some(2.4), Some(433.92e6), Some(1.0))).unwrap_err();
        assert!(e.to_string().contains("did you mean --rate 2.4M?"), "{e}");
        let e = check(&report(Some(250e3), None, Some(0.0))).unwrap_err();
        assert!(matches!(e, Insufficient::Empty { .. }), "{e}");
        let e = check(&report(Some(250e3), Some(100e6), Some(1.0))).unwrap_err();
        assert!(e.to_string().contains("99.875–100.125 MHz"), "{e}");
        let e = check(&report(Some(250e3), None, Some(1.0))).unwrap_err();
        assert!(e.to_string().contains("centre frequency is unknown"), "{e}");
    }
}
