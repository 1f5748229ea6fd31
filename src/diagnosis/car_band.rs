//! What the car expects, as the car check sees it: the key styles of a car (FCC ID, filed
//! frequencies, modulation, markets) gathered from the table rows `--car` resolved to, or a
//! band given by hand with `--expect-band`.

use serde::Serialize;

use super::car_match::CarMatch;
use super::car_procedure::reinit_text;
use super::car_table::FCC_SOURCE;
use super::vehicles::Vehicle;
use crate::band::{Band, band_of};

/// What a key style's frequencies rest on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The key's own FCC filing: exact frequencies.
    Filing,
    /// The market's rule (433.92 MHz Europe/UK, ...): the band, not the car's exact frequency.
    MarketRule,
    /// A band given by hand (`--expect-band`).
    Band,
}

/// One kind of key the car accepts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KeyStyle {
    /// FCC ID, for a filed key.
    pub fcc_id: Option<String>,
    /// Frequencies, Hz (empty when the filing gives none).
    pub freqs_hz: Vec<f64>,
    /// `ASK`, `FSK` or `ASK/FSK`, when known.
    pub modulation: Option<String>,
    /// Markets the style is for.
    pub markets: Vec<String>,
    /// What the frequencies rest on.
    pub basis: Basis,
}

pub(super) fn mhz(hz: f64) -> String {
    let m = hz / 1e6;
    if (m * 100.0 - (m * 100.0).round()).abs() < 1e-6 {
        format!("{m:.2} MHz")
    } else {
        format!("{m:.3} MHz")
    }
}

pub(super) fn offset_text(hz: f64) -> String {
    let a = hz.abs();
    if a < 1e6 {
        format!("{:.0} kHz", a / 1e3)
    } else {
        format!("{:.3} MHz", a / 1e6)
    }
}

impl KeyStyle {
    pub(super) fn from_vehicle(v: &Vehicle) -> KeyStyle {
        let filed = v.fcc_id.is_some();
        KeyStyle {
            fcc_id: v.fcc_id.clone(),
            freqs_hz: v.freqs_mhz.iter().map(|f| f * 1e6).collect(),
            modulation: v.modulation.clone(),
            markets: v.markets.clone(),
            basis: if filed {
                Basis::Filing
            } else {
                Basis::MarketRule
            },
        }
    }

    /// `FCC ID KBRASTU15`, or `the US/Canada market rule`.
    pub fn name(&self) -> String {
        match (&self.fcc_id, self.basis) {
            (Some(f), _) => format!("FCC ID {f}"),
            (None, Basis::Band) => "the band given".into(),
            (None, _) => format!("the {} market rule", self.markets.join("/")),
        }
    }

    /// `313.85 MHz`, `314.5/315.5 MHz`, `no frequency on record`.
    pub fn freq_text(&self) -> String {
        if self.freqs_hz.is_empty() {
            return "no frequency on record".into();
        }
        // As the table writes them: `315`, `313.85`, `902.375`.
        let f: Vec<String> = self
            .freqs_hz
            .iter()
            .map(|f| {
                let t = format!("{:.3}", f / 1e6);
                t.trim_end_matches('0').trim_end_matches('.').to_string()
            })
            .collect();
        format!("{} MHz", f.join("/"))
    }

    fn same_key(&self, other: &KeyStyle) -> bool {
        self.fcc_id == other.fcc_id
            && self.freqs_hz == other.freqs_hz
            && self.modulation == other.modulation
    }
}

/// What the car expects: its key styles and bands, from table rows or from `--expect-band`.
#[derive(Clone, Debug, PartialEq)]
pub struct CarBand {
    /// How to name it in a verdict (`2004 Honda Accord (US/Canada)` or `the 315 MHz band`).
    pub label: String,
    /// The bands a key for this car may use.
    pub bands: Vec<&'static Band>,
    /// Every frequency of the car's keys, Hz (empty for a band given by hand).
    pub freqs_hz: Vec<f64>,
    /// The main table row (with battery and re-initialisation procedure), when the car was
    /// named.
    pub vehicle: Option<Vehicle>,
    /// The key styles the car accepts.
    pub keys: Vec<KeyStyle>,
}

/// The row with its procedure filled in from the make's entry (US rows) when it has none of
/// its own.
pub fn with_procedure(v: &Vehicle) -> Vehicle {
    let mut v = v.clone();
    if v.procedure.is_none() && (v.source == FCC_SOURCE || v.markets.iter().any(|m| m == "US")) {
        v.procedure = Some(reinit_text(&v.make));
    }
    v
}

fn bands_of(keys: &[KeyStyle]) -> Vec<&'static Band> {
    let mut out: Vec<&'static Band> = Vec::new();
    for f in keys.iter().flat_map(|k| k.freqs_hz.iter()) {
        if let Some(b) = band_of(*f)
            && !out.iter().any(|o| o.id == b.id)
        {
            out.push(b);
        }
    }
    out
}

impl CarBand {
    fn from_rows(label: String, rows: &[&Vehicle]) -> CarBand {
        let mut keys: Vec<KeyStyle> = Vec::new();
        for v in rows {
            let k = KeyStyle::from_vehicle(v);
            if !keys.iter().any(|o| o.same_key(&k)) {
                keys.push(k);
            }
        }
        let mut freqs_hz: Vec<f64> = Vec::new();
        for f in keys.iter().flat_map(|k| k.freqs_hz.iter()) {
            if !freqs_hz.contains(f) {
                freqs_hz.push(*f);
            }
        }
        CarBand {
            label,
            bands: bands_of(&keys),
            freqs_hz,
            vehicle: rows.first().map(|v| with_procedure(v)),
            keys,
        }
    }

    /// From one table row.
    pub fn from_vehicle(v: &Vehicle) -> CarBand {
        CarBand::from_rows(v.label(), &[v])
    }

    /// From the rows `--car` resolved to: every key style of the car.
    pub fn from_match(m: &CarMatch) -> CarBand {
        CarBand::from_rows(m.label(), &m.rows())
    }

    /// From a band given by hand.
    pub fn from_band(b: &'static Band) -> CarBand {
        CarBand {
            label: format!("the {}", b.name),
            bands: vec![b],
            freqs_hz: Vec::new(),
            vehicle: None,
            keys: vec![KeyStyle {
                fcc_id: None,
                freqs_hz: vec![b.nominal_hz],
                modulation: None,
                markets: Vec::new(),
                basis: Basis::Band,
            }],
        }
    }

    /// The band ids joined (`315`, `315/433`); the frequencies when none lies in a band.
    pub fn band_ids(&self) -> String {
        if self.bands.is_empty() {
            return self
                .freqs_hz
                .iter()
                .map(|f| format!("{}", f / 1e6))
                .collect::<Vec<_>>()
                .join("/");
        }
        let ids: Vec<&str> = self.bands.iter().map(|b| b.id).collect();
        ids.join("/")
    }

    /// How the car's frequency reads in a sentence: `315 MHz`, `314.5/315.5 MHz`, or
    /// `313.85 MHz (FCC ID A) or 433.92 MHz (FCC ID B)` for several key styles.
    pub fn freq_text(&self) -> String {
        match self.keys.as_slice() {
            [] => "no frequency on record".into(),
            [k] if k.basis == Basis::Band => {
                let f: Vec<String> = self
                    .bands
                    .iter()
                    .map(|b| format!("{}", b.nominal_hz / 1e6))
                    .collect();
                format!("{} MHz", f.join("/"))
            }
            [k] => k.freq_text(),
            ks => ks
                .iter()
                .map(|k| format!("{} ({})", k.freq_text(), k.name()))
                .collect::<Vec<_>>()
                .join(" or "),
        }
    }

    /// True when `freq_hz` lies in one of the car's bands.
    pub fn contains(&self, freq_hz: f64) -> bool {
        self.bands
            .iter()
            .any(|b| freq_hz >= b.low_hz && freq_hz <= b.high_hz)
    }
}
