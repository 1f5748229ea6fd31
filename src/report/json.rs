//! The JSON report (`--json`): one object per analysed input, as DESIGN.md specifies.

use crate::model::Report;

/// Serialises a report as pretty-printed JSON.
pub fn to_json(report: &Report) -> String {
    // Serialising plain data with string keys cannot fail.
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::Modulation;
    use crate::model::{Frame, InputSummary, Spur, Transmission};
    use crate::pulse::{Coding, PulseTrain};

    fn sample_report() -> Report {
        Report {
            input: InputSummary {
                path: "k.cu8".into(),
                format: "cu8".into(),
                sample_rate_hz: Some(250e3),
                center_freq_hz: Some(433.92e6),
                duration_s: Some(1.5),
            },
            transmissions: vec![Transmission {
                start_s: 0.1,
                duration_s: 0.1,
                freq_hz: Some(433.93e6),
                freq_offset_hz: Some(10e3),
                band: Some("433".into()),
                modulation: Some(Modulation::Ook),
                fsk_deviation_hz: None,
                bandwidth_hz: Some(5e3),
                rssi_dbfs: Some(-20.0),
                snr_db: Some(30.0),
                noise_dbfs: Some(-50.0),
                amplitude_sag_db: None,
                truncated: false,
                spurs: vec![Spur {
                    freq_hz: Some(433.965e6),
                    freq_offset_hz: 45e3,
                    level_dbc: -38.0,
                }],
                coding: Coding::Pwm,
                short_us: Some(400.0),
                long_us: Some(800.0),
                gap_us: None,
                te_us: Some(400.0),
                bitrate_bps: Some(833.0),
                pulses: 78,
                frames: vec![Frame {
                    bits: "1010".into(),
                    hex: "a".into(),
                    protocol: None,
                    fields: serde_json::Map::new(),
                    repeats: 2,
                }],
                train: PulseTrain::default(),
            }],
            verdict: None,
            warnings: vec![],
        }
    }

    #[test]
    fn json_has_the_contract_fields() {
        let v: serde_json::Value = serde_json::from_str(&to_json(&sample_report())).unwrap();
        for k in [
            "path",
            "format",
            "sample_rate_hz",
            "center_freq_hz",
            "duration_s",
        ] {
            assert!(v["input"].get(k).is_some(), "input.{k}");
        }
        let t = &v["transmissions"][0];
        for k in [
            "start_s",
            "duration_s",
            "freq_hz",
            "band",
            "modulation",
            "fsk_deviation_hz",
            "rssi_dbfs",
            "snr_db",
            "noise_dbfs",
            "coding",
            "short_us",
            "long_us",
            "gap_us",
            "bitrate_bps",
            "pulses",
            "frames",
        ] {
            assert!(t.get(k).is_some(), "transmissions[0].{k}");
        }
        assert_eq!(t["modulation"], "OOK");
        assert_eq!(t["coding"], "PWM");
        assert!(t["fsk_deviation_hz"].is_null());
        assert!(t.get("train").is_none());
        assert_eq!(t["spurs"][0]["freq_offset_hz"], 45e3);
        assert_eq!(t["spurs"][0]["level_dbc"], -38.0);
        let f = &t["frames"][0];
        for k in ["bits", "hex", "protocol", "fields", "repeats"] {
            assert!(f.get(k).is_some(), "frames[0].{k}");
        }
        assert!(v.get("verdict").is_none());
    }
}
