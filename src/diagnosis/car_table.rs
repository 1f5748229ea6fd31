//! The vehicle table: the US list of car keys from FCC filings merged with the hand-written
//! rows.
//!
//! The US list is `data/keyfobdb.txt`, converted by `data/keyfobdb.py` from the keyfobDB list
//! `car_fcc_info_DB.csv` (github.com/gusgorman402/keyfobDB, commit 3cf5b6e, April 2025; 4,206
//! rows compiled from FCC equipment filings). Each line is a run of model years:
//! `make|model|first-last|fcc_id|frequency_mhz|modulation`. A key with several frequencies in its
//! filing (`314.5/315.5`, `902.375/903.425`) keeps all of them; a car with several FCC IDs (key
//! styles) has one line per style. The list only covers the US market: its rows are marked `US`.
//!
//! The hand-written rows of `data/vehicles.txt` come first (they carry batteries, procedures and
//! the European markets), then the list's rows.

use std::sync::OnceLock;

use super::vehicles::{TableError, Vehicle, hand_written};

/// The embedded US list.
pub const FCC_TEXT: &str = include_str!("../../data/keyfobdb.txt");

/// Where the US list's rows come from, as a row's `source` says it.
pub const FCC_SOURCE: &str = "FCC equipment filing, per keyfobDB car_fcc_info_DB.csv \
                              (github.com/gusgorman402/keyfobDB, commit 3cf5b6e)";

/// Turns the list's modulation text into the table's (`???` and `XXX` mean unknown).
fn modulation(text: &str) -> Option<String> {
    match text {
        "ASK" | "FSK" | "ASK/FSK" => Some(text.to_string()),
        _ => None,
    }
}

fn parse_line(line: &str, n: usize) -> Result<Vehicle, TableError> {
    let err = |m: String| TableError {
        line: n,
        message: m,
    };
    let f: Vec<&str> = line.split('|').map(str::trim).collect();
    let [make, model, years, fcc, freq, modu] = f[..] else {
        return Err(err(format!(
            "'{line}' has {} fields, not 6 (make|model|years|fcc_id|frequency|modulation)",
            f.len()
        )));
    };
    if make.is_empty() || model.is_empty() {
        return Err(err("empty make or model".into()));
    }
    let (a, b) = years
        .split_once('-')
        .ok_or_else(|| err(format!("years '{years}' is not YYYY-YYYY")))?;
    let y0: u16 = a.parse().map_err(|_| err(format!("bad year '{a}'")))?;
    let y1: u16 = b.parse().map_err(|_| err(format!("bad year '{b}'")))?;
    if y0 > y1 {
        return Err(err(format!("years '{years}' run backwards")));
    }
    let freqs_mhz = if freq == "noRecord" {
        Vec::new()
    } else {
        freq.split('/')
            .map(|v| {
                v.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|m| m.is_finite() && (100.0..=3000.0).contains(m))
                    .ok_or_else(|| err(format!("frequency '{v}' is not a number of MHz")))
            })
            .collect::<Result<Vec<f64>, TableError>>()?
    };
    if fcc.is_empty() {
        return Err(err("empty FCC ID".into()));
    }
    Ok(Vehicle {
        make: make.to_string(),
        models: vec![model.to_string()],
        chassis: Vec::new(),
        years: (y0, y1),
        markets: vec!["US".to_string()],
        freqs_mhz,
        modulation: modulation(modu),
        key: format!("key of FCC ID {fcc}"),
        buttons: None,
        battery: None,
        fcc_id: Some(fcc.to_string()),
        procedure: None,
        note: None,
        source: FCC_SOURCE.to_string(),
    })
}

/// Parses the US list (`#` comments, one row a line).
pub fn parse_fcc(text: &str) -> Result<Vec<Vehicle>, TableError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| parse_line(l, i + 1))
        .collect()
}

/// The US list's rows (parsed once; their validity is checked by the tests).
pub fn fcc_rows() -> &'static [Vehicle] {
    static ROWS: OnceLock<Vec<Vehicle>> = OnceLock::new();
    ROWS.get_or_init(|| parse_fcc(FCC_TEXT).unwrap_or_default())
}

/// The whole table: hand-written rows first, then the US list.
pub fn table() -> &'static [Vehicle] {
    static TABLE: OnceLock<Vec<Vehicle>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut all = hand_written().to_vec();
        all.extend_from_slice(fcc_rows());
        all
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_parses_and_keeps_every_frequency() {
        let rows = parse_fcc(FCC_TEXT).expect("list parses");
        assert!(rows.len() > 800, "{} rows", rows.len());
        assert_eq!(rows.len(), fcc_rows().len());
        let escort = rows
            .iter()
            .find(|v| v.make == "Ford" && v.models[0] == "Escort")
            .unwrap();
        assert_eq!(escort.freqs_mhz, vec![314.5, 315.5]);
        assert!(rows.iter().any(|v| v.freqs_mhz == vec![902.375, 903.425]));
        assert!(
            rows.iter().any(|v| v.freqs_mhz.is_empty()),
            "noRecord rows kept"
        );
        assert!(rows.iter().all(|v| v.markets == ["US"]));
        assert_eq!(table().len(), hand_written().len() + rows.len());
    }

    #[test]
    fn bad_lines_name_their_line() {
        let e = parse_fcc("# c\nFord|F150|2004-2001|X|315|ASK\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("backwards"), "{e}");
        let e = parse_fcc("Ford|F150|2004|X|315|ASK\n").unwrap_err();
        assert!(e.message.contains("YYYY-YYYY"), "{e}");
        let e = parse_fcc("Ford|F150|2001-2004|X|31x5|ASK\n").unwrap_err();
        assert!(e.message.contains("31x5"), "{e}");
        assert!(parse_fcc("Ford|F150|2001-2004|X|315\n").is_err());
        let ok = parse_fcc("Ford|F150|2001-2004|X|noRecord|???\n").unwrap();
        assert!(ok[0].freqs_mhz.is_empty() && ok[0].modulation.is_none());
    }
}
