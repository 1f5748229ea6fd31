//! The vehicle table: which band a car's remote key uses, its battery, and how a key is
//! re-initialised to the car. The rows live in `data/vehicles.txt` (embedded at build time),
//! each with the public source it comes from.
//!
//! [`find_car`] picks a row from what a person types (`mini r53 2004 us`): tokens are matched
//! against make, model and chassis codes, a year must fall in the row's years, and market words
//! (`us`, `usa`, `canada`, `uk`, `eu`, `europe`, ...) must match the row's market.

use std::sync::OnceLock;

use serde::Serialize;

use crate::band::{Band, band_of};

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

    /// The frequencies as text: `314.5/315.5 MHz`.
    pub fn freq_text(&self) -> String {
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

/// The embedded table (parsed once; its validity is checked by the tests).
pub fn table() -> &'static [Vehicle] {
    static TABLE: OnceLock<Vec<Vehicle>> = OnceLock::new();
    TABLE.get_or_init(|| parse_table(TABLE_TEXT).unwrap_or_default())
}

/// Market words people type, and the table's market names they mean.
fn market_words(token: &str) -> Option<&'static [&'static str]> {
    Some(match token {
        "us" | "usa" | "america" | "american" | "states" => &["US"],
        "canada" | "ca" | "canadian" => &["Canada"],
        "uk" | "gb" | "britain" | "england" | "scotland" | "wales" => &["UK"],
        "eu" | "europe" | "european" | "euro" => &["Europe", "UK"],
        "australia" | "au" | "aus" => &["Australia"],
        "na" => &["US", "Canada"],
        _ => return None,
    })
}

/// Make names people type for the table's makes.
fn make_alias(token: &str) -> &str {
    match token {
        "vw" => "volkswagen",
        "chevy" => "chevrolet",
        "mercedes-benz" | "benz" => "mercedes",
        t => t,
    }
}

fn tokens(query: &str) -> Vec<String> {
    query
        .split(|c: char| c.is_whitespace() || c == ',' || c == '/' || c == ';')
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}

fn year_token(token: &str) -> Option<u16> {
    if token.len() != 4 {
        return None;
    }
    token
        .parse::<u16>()
        .ok()
        .filter(|y| (1950..=2100).contains(y))
}

fn button_token(token: &str) -> Option<u8> {
    let t = token
        .trim_end_matches("buttons")
        .trim_end_matches("button")
        .trim_end_matches("btn")
        .trim_end_matches('b')
        .trim_end_matches('-');
    if t.len() == token.len() {
        return None;
    }
    t.parse().ok()
}

/// How well a row matches: `None` when a year, market or button count rules it out, else
/// the number of name tokens matched.
fn score(v: &Vehicle, toks: &[String]) -> Option<usize> {
    let mut s = 0;
    let make = v.make.to_lowercase();
    let model_words: Vec<String> = v
        .models
        .iter()
        .flat_map(|m| {
            m.split_whitespace()
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        })
        .collect();
    let models: Vec<String> = v.models.iter().map(|m| m.to_lowercase()).collect();
    let chassis: Vec<String> = v.chassis.iter().map(|c| c.to_lowercase()).collect();
    for t in toks {
        if let Some(y) = year_token(t) {
            if y < v.years.0 || y > v.years.1 {
                return None;
            }
            continue;
        }
        if let Some(markets) = market_words(t) {
            if !v.markets.iter().any(|m| markets.contains(&m.as_str())) {
                return None;
            }
            continue;
        }
        if let Some(n) = button_token(t) {
            if v.buttons.is_some_and(|b| b != n) {
                return None;
            }
            continue;
        }
        let t = make_alias(t);
        if t == make || chassis.iter().any(|c| c == t) || models.iter().any(|m| m == t) {
            s += 2;
        } else if model_words.iter().any(|w| w == t) {
            s += 1;
        }
    }
    (s > 0).then_some(s)
}

/// Rows whose make, model, chassis, market or years contain the filter text (all rows for an
/// empty filter).
pub fn filter(query: &str) -> Vec<&'static Vehicle> {
    let toks = tokens(query);
    table()
        .iter()
        .filter(|v| {
            if toks.is_empty() {
                return true;
            }
            let hay = format!(
                "{} {} {} {} {}",
                v.make,
                v.models.join(" "),
                v.chassis.join(" "),
                v.markets.join(" "),
                v.fcc_id.as_deref().unwrap_or("")
            )
            .to_lowercase();
            toks.iter().all(|t| {
                if let Some(y) = year_token(t) {
                    return y >= v.years.0 && y <= v.years.1;
                }
                if let Some(m) = market_words(t) {
                    return v.markets.iter().any(|vm| m.contains(&vm.as_str()));
                }
                hay.contains(make_alias(t))
            })
        })
        .collect()
}

/// The row chosen for `--car`, and what else matched.
#[derive(Clone, Debug, PartialEq)]
pub struct CarMatch {
    /// The chosen row.
    pub vehicle: &'static Vehicle,
    /// Other rows that matched as well as the chosen one (same bands).
    pub also_matched: Vec<&'static Vehicle>,
}

/// Picks the row for a description such as `mini r53 2004 us`.
///
/// Errors (a sentence for the user) when nothing matches, or when equally good rows disagree
/// on the band, listing the rows so the user can add a year or market.
pub fn find_car(query: &str) -> Result<CarMatch, String> {
    let toks = tokens(query);
    if toks.is_empty() {
        return Err("--car is empty; example: --car \"mini r53 2004 us\"".into());
    }
    let scored: Vec<(usize, &'static Vehicle)> = table()
        .iter()
        .filter_map(|v| score(v, &toks).map(|s| (s, v)))
        .collect();
    let Some(best) = scored.iter().map(|(s, _)| *s).max() else {
        return Err(format!(
            "no vehicle in the table matches '{query}'; see `fobscope cars`, or give the \
             band with --expect-band (315, 433, 868, 915)"
        ));
    };
    let top: Vec<&'static Vehicle> = scored
        .iter()
        .filter(|(s, _)| *s == best)
        .map(|(_, v)| *v)
        .collect();
    let first = top[0];
    let first_bands: Vec<&str> = first.bands().iter().map(|b| b.id).collect();
    let disagree = top.iter().any(|v| {
        let ids: Vec<&str> = v.bands().iter().map(|b| b.id).collect();
        ids != first_bands
    });
    if disagree {
        let rows: Vec<String> = top
            .iter()
            .map(|v| format!("  {} — {}", v.label(), v.freq_text()))
            .collect();
        return Err(format!(
            "'{query}' matches rows with different bands; add the year or market (us, canada, \
             uk, europe):\n{}",
            rows.join("\n")
        ));
    }
    Ok(CarMatch {
        vehicle: first,
        also_matched: top[1..].to_vec(),
    })
}

/// What the car expects: its band(s), from a table row or from `--expect-band`.
#[derive(Clone, Debug, PartialEq)]
pub struct CarBand {
    /// How to name it in a verdict (`MINI Cooper ... US` or `315 MHz band`).
    pub label: String,
    /// The bands a key for this car may use.
    pub bands: Vec<&'static Band>,
    /// The car's key frequencies, Hz, when known from the table.
    pub freqs_hz: Vec<f64>,
    /// The table row, when the car was named.
    pub vehicle: Option<Vehicle>,
}

impl CarBand {
    /// From a table row.
    pub fn from_vehicle(v: &Vehicle) -> CarBand {
        CarBand {
            label: v.label(),
            bands: v.bands(),
            freqs_hz: v.freqs_mhz.iter().map(|f| f * 1e6).collect(),
            vehicle: Some(v.clone()),
        }
    }

    /// From a band given by hand.
    pub fn from_band(b: &'static Band) -> CarBand {
        CarBand {
            label: format!("the {}", b.name),
            bands: vec![b],
            freqs_hz: Vec::new(),
            vehicle: None,
        }
    }

    /// The band ids joined (`315`, `315/433`).
    pub fn band_ids(&self) -> String {
        let ids: Vec<&str> = self.bands.iter().map(|b| b.id).collect();
        ids.join("/")
    }

    /// How the car's frequency reads in a sentence (`315 MHz`, `314.5/315.5 MHz`).
    pub fn freq_text(&self) -> String {
        match &self.vehicle {
            Some(v) => v.freq_text(),
            None => {
                let f: Vec<String> = self
                    .bands
                    .iter()
                    .map(|b| format!("{}", b.nominal_hz / 1e6))
                    .collect();
                format!("{} MHz", f.join("/"))
            }
        }
    }

    /// True when `freq_hz` lies in one of the car's bands.
    pub fn contains(&self, freq_hz: f64) -> bool {
        self.bands
            .iter()
            .any(|b| freq_hz >= b.low_hz && freq_hz <= b.high_hz)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_and_every_row_names_a_source() {
        let rows = parse_table(TABLE_TEXT).expect("table parses");
        assert!(rows.len() >= 20, "{} rows", rows.len());
        for v in &rows {
            assert!(v.source.len() > 10, "{}: no real source", v.label());
            assert!(!v.models.is_empty() && !v.markets.is_empty());
        }
    }

    #[test]
    fn every_frequency_lies_in_a_key_fob_band() {
        for v in table() {
            for f in &v.freqs_mhz {
                let b = band_of(f * 1e6);
                assert!(b.is_some(), "{}: {f} MHz is outside every band", v.label());
            }
            assert!(!v.bands().is_empty());
        }
        assert_eq!(table().len(), parse_table(TABLE_TEXT).unwrap().len());
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

    #[test]
    fn find_car_uses_year_market_and_chassis() {
        let m = find_car("mini r53 2004 us").unwrap();
        assert_eq!(m.vehicle.make, "MINI");
        assert_eq!(m.vehicle.bands()[0].id, "315");
        assert_eq!(m.vehicle.buttons, Some(2));
        let m = find_car("Mini Cooper 2005 UK").unwrap();
        assert_eq!(m.vehicle.bands()[0].id, "433");
        assert_eq!(m.vehicle.buttons, Some(3));
        let m = find_car("MINI R56 uk").unwrap();
        assert_eq!(m.vehicle.bands()[0].id, "868");
        let m = find_car("vw golf 2001 europe").unwrap();
        assert_eq!(m.vehicle.make, "Volkswagen");
    }

    #[test]
    fn ambiguous_bands_ask_for_more() {
        let e = find_car("mini r53").unwrap_err();
        assert!(e.contains("different bands"), "{e}");
        assert!(e.contains("315") && e.contains("433.92"), "{e}");
        assert!(find_car("trabant 601").is_err());
        assert!(find_car("mini 1990").is_err());
    }

    #[test]
    fn filter_lists_rows() {
        assert!(filter("").len() >= 20);
        let minis = filter("mini");
        assert!(minis.len() >= 5);
        assert!(minis.iter().all(|v| v.make == "MINI"));
        assert!(filter("toyota 2004").iter().all(|v| v.make == "Toyota"));
    }
}
