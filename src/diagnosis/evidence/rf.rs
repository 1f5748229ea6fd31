//! RF level of the key: the SNR of its transmissions, judged against [`WEAK_SNR_DB`] (with
//! [`MARGINAL_SNR_DB`] marking a marginal one), the strongest level in dBFS (reported, not
//! judged), and the band the key transmits on.

use std::collections::BTreeMap;

use super::{Evidence, EvidenceItem, Role, median};
use crate::diagnosis::thresholds::*;
use crate::model::{Report, Transmission};

/// The key's band: the most common among its transmissions.
pub(super) fn key_band(keys: &[&Transmission]) -> Option<String> {
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for t in keys {
        let b = t.band.clone().or_else(|| {
            t.freq_hz
                .and_then(crate::band::band_of)
                .map(|b| b.id.to_string())
        });
        if let Some(b) = b {
            *count.entry(b).or_default() += 1;
        }
    }
    count.into_iter().max_by_key(|(_, n)| *n).map(|(b, _)| b)
}

/// SNR (judged) and the strongest level (reported); a note on bursts the recording cut off.
pub(super) fn rf(report: &Report, keys: &[&Transmission], ev: &mut Evidence) {
    let snrs: Vec<f64> = keys.iter().filter_map(|t| t.snr_db).collect();
    let rssi = keys
        .iter()
        .filter_map(|t| t.rssi_dbfs)
        .fold(f64::NEG_INFINITY, f64::max);
    if snrs.is_empty() {
        let why = if report.transmissions.iter().all(|t| t.rssi_dbfs.is_none()) {
            "the input carries no RF levels (a pulse file)"
        } else {
            "no SNR was measured"
        };
        ev.items.push(EvidenceItem {
            pass: None,
            ..EvidenceItem::at_least(
                "snr_db",
                None,
                WEAK_SNR_DB,
                "dB",
                Role::Weakness,
                format!("Power and SNR are unknown: {why}; the verdict rests on the timing alone."),
            )
        });
    } else {
        let med = median(snrs.clone()).unwrap_or(0.0);
        let best = snrs.iter().cloned().fold(f64::MIN, f64::max);
        let marginal = if (WEAK_SNR_DB..MARGINAL_SNR_DB).contains(&med) {
            " (marginal: a key about 1 m from the antenna gives 20–40 dB)"
        } else {
            ""
        };
        ev.items.push(EvidenceItem::at_least(
            "snr_db",
            Some(med),
            WEAK_SNR_DB,
            "dB",
            Role::Weakness,
            format!(
                "SNR {med:.1} dB (median over {} burst(s), best {best:.1} dB){marginal}.",
                snrs.len()
            ),
        ));
    }
    if rssi.is_finite() {
        ev.items.push(EvidenceItem::info(
            "rssi_dbfs",
            Some(rssi),
            "dBFS",
            format!("Strongest burst {rssi:.1} dBFS."),
        ));
    }
    let cut = report.transmissions.iter().filter(|t| t.truncated).count();
    if cut > 0 {
        ev.notes.push(format!(
            "{cut} burst(s) were cut off by the end of the recording (not counted against the key)."
        ));
    }
}
