//! The vehicle rows: which frequencies a car's remote key uses, its battery, and how a key is
//! re-initialised to the car. Two sources feed them:
//! - `data/vehicles.txt`, written by hand (embedded at build time; parsed here): European
//!   markets, batteries and procedures, each row with the public source it comes from;
//! - `data/keyfobdb.txt`, the US list compiled from FCC filings ([`super::car_table`]).
//!
//! [`super::car_match`] finds rows from what a person types, [`super::car_fit`] checks a key
//! against them.

use serde::Serialize;

use crate::band::{Band, band_of};

pub use super::car_fit::CarBand;
pub use super::car_match::{CarMatch, filter, find_car};
pub use super::car_table::table;

/// The embedded table text.
pub const TABLE_TEXT: &str = include_str!("../../data/vehicles.txt");

/// One row of the vehicle table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Vehicle {
    /// Manufacturer (`MINI`, `BMW`, `Toyota`, ...).
    pub make: String,
    /// Model names the row covers.
    pub models: Vec<String>,
    /// Chassis codes and aliases (`R50`, `E46`, ...).
    pub chassis: Vec<String>,
    /// First and last model year.
    pub years: (u16, u16),
    /// Markets (`US`, `Canada`, `Europe`, `UK`, ...).
    pub markets: Vec<String>,
    /// Carrier frequencies of the key, MHz.
    pub freqs_mhz: Vec<f64>,
    /// Modulation, when known (`ASK`, `FSK`).
    pub modulation: Option<String>,
    /// Key description.
    pub key: String,
    /// Number of buttons, when known.
    pub buttons: Option<u8>,
    /// Battery type, when known.
    pub battery: Option<String>,
    /// FCC ID of the key (US rows).
    pub fcc_id: Option<String>,
    /// How a key is initialised (synchronised) to the car, when known.
    pub procedure: Option<String>,
    /// Anything else worth knowing.
    pub note: Option<String>,
    /// Where the facts come from.
    pub source: String,
}

impl Vehicle {
    /// `MINI Cooper, Cooper S, One (R50, R52, R53) 2001–2004, US/Canada/Australia`.
    pub fn label(&self) -> String {
        let chassis = if self.chassis.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.chassis.join(", "))
        };
        format!(
            "{} {}{} {}–{}, {}",
            self.make,
            self.models.join(", "),
            chassis,
            self.years.0,
            self.years.1,
            self.markets.join("/")
        )
    }

    /// The bands the key's frequencies fall in (deduplicated, in table order).
    pub fn bands(&self) -> Vec<&'static Band> {
        let mut out: Vec<&'static Band> = Vec::new();
        for f in &self.freqs_mhz {
            if let Some(b) = band_of(f * 1e6)
                && !out.iter().any(|o| o.id == b.id)
            {
                out.push(b);
            }
        }
        out
    }

    /// The frequencies as text: `314.5/315.5 MHz` (`no frequency on record` when the filing
    /// gave none).
    pub fn freq_text(&self) -> String {
        if self.freqs_mhz.is_empty() {
            return "no frequency on record".into();
        }
        let f: Vec<String> = self.freqs_mhz.iter().map(|f| format!("{f}")).collect();
        format!("{} MHz", f.join("/"))
    }
}

/// A problem in the table text.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("vehicle table, record starting at line {line}: {message}")]
pub struct TableError {
    /// 1-based line of the record's first field.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

fn list(v: &str) -> Vec<String> {
    v.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn parse_record(fields: &[(String, String)], line: usize) -> Result<Vehicle, TableError> {
    let err = |m: String| TableError { line, message: m };
    let get = |k: &str| {
        fields
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let need = |k: &str| get(k).ok_or_else(|| err(format!("missing field '{k}'")));
    for (k, _) in fields {
        const KNOWN: [&str; 14] = [
            "make",
            "model",
            "chassis",
            "years",
            "market",
            "freq_mhz",
            "modulation",
            "key",
            "buttons",
            "battery",
            "fcc_id",
            "procedure",
            "note",
            "source",
        ];
        if !KNOWN.contains(&k.as_str()) {
            return Err(err(format!("unknown field '{k}'")));
        }
    }
    let years_text = need("years")?;
    let (a, b) = years_text
        .split_once('-')
        .ok_or_else(|| err(format!("years '{years_text}' is not YYYY-YYYY")))?;
    let y0: u16 = a
        .trim()
        .parse()
        .map_err(|_| err(format!("bad year '{a}'")))?;
    let y1: u16 = b
        .trim()
        .parse()
        .map_err(|_| err(format!("bad year '{b}'")))?;
    if y0 > y1 {
        return Err(err(format!("years '{years_text}' run backwards")));
    }
    let mut freqs = Vec::new();
    for f in list(&need("freq_mhz")?) {
        let v: f64 = f
            .parse()
            .map_err(|_| err(format!("frequency '{f}' is not a number of MHz")))?;
        freqs.push(v);
    }
    if freqs.is_empty() {
        return Err(err("no frequency".into()));
    }
    let buttons = match get("buttons") {
        Some(b) => Some(
            b.parse::<u8>()
                .map_err(|_| err(format!("buttons '{b}' is not a number")))?,
        ),
        None => None,
    };
    let source = need("source")?;
    if source.trim().is_empty() {
        return Err(err("empty source".into()));
    }
    Ok(Vehicle {
        make: need("make")?,
        models: list(&need("model")?),
        chassis: get("chassis").map(|c| list(&c)).unwrap_or_default(),
        years: (y0, y1),
        markets: list(&need("market")?),
        freqs_mhz: freqs,
        modulation: get("modulation"),
        key: need("key")?,
        buttons,
        battery: get("battery"),
        fcc_id: get("fcc_id"),
        procedure: get("procedure"),
        note: get("note"),
        source,
    })
}

/// Parses the table format (records separated by blank lines, `field = value` lines, `#`
/// comments).
pub fn parse_table(text: &str) -> Result<Vec<Vehicle>, TableError> {
    let mut out = Vec::new();
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut start = 0;
    for (i, raw) in text.lines().chain(std::iter::once("")).enumerate() {
        let line = raw.trim();
        if line.starts_with('#') {
            continue;
        }
        if line.is_empty() {
            if !fields.is_empty() {
                out.push(parse_record(&fields, start)?);
                fields.clear();
            }
            continue;
        }
        if fields.is_empty() {
            start = i + 1;
        }
        let (k, v) = line.split_once('=').ok_or_else(|| TableError {
            line: i + 1,
            message: format!("'{line}' is not 'field = value'"),
        })?;
        fields.push((k.trim().to_string(), v.trim().to_string()));
    }
    Ok(out)
}

/// The hand-written rows (parsed once; their validity is checked by the tests).
pub fn hand_written() -> &'static [Vehicle] {
    static ROWS: std::sync::OnceLock<Vec<Vehicle>> = std::sync::OnceLock::new();
    ROWS.get_or_init(|| parse_table(TABLE_TEXT).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_and_every_row_names_a_source() {
        let rows = parse_table(TABLE_TEXT).expect("table parses");
        assert!(rows.len() >= 20, "{} rows", rows.len());
        assert_eq!(rows.len(), hand_written().len());
        for v in &rows {
            assert!(v.source.len() > 10, "{}: no real source", v.label());
            assert!(!v.models.is_empty() && !v.markets.is_empty());
        }
    }

    #[test]
    fn every_hand_written_frequency_lies_in_a_key_fob_band() {
        for v in hand_written() {
            for f in &v.freqs_mhz {
                let b = band_of(f * 1e6);
                assert!(b.is_some(), "{}: {f} MHz is outside every band", v.label());
            }
            assert!(!v.bands().is_empty());
        }
    }

    #[test]
    fn bad_records_are_rejected_with_a_line() {
        let e = parse_table("make = X\nmodel = Y\nyears = 2001-2000\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("backwards"));
        assert!(parse_table("make X\n").is_err());
        let no_source =
            "make = X\nmodel = Y\nyears = 2001-2002\nmarket = US\nfreq_mhz = 315\nkey = k\n";
        assert!(
            parse_table(no_source)
                .unwrap_err()
                .message
                .contains("source")
        );
    }
}
