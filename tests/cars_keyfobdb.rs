//! The vehicle table against its source: the compact `data/keyfobdb.txt` expands back to exactly
//! the rows of the public list `../shared/data/keyfobdb/car_fcc_info_DB.csv`, and any row of the
//! list, asked as "YEAR MAKE MODEL", finds its key's FCC ID and frequencies (rows drawn at random
//! with a fixed seed, through the library and through `fobscope cars`).
//!
//! These tests read the shared list; when it is missing they print a notice, and fail when `CI`
//! is set.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use fobscope::diagnosis::car_table::fcc_rows;
use fobscope::diagnosis::{CarBand, find_car};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One row of the CSV, with spaces around fields trimmed (as the conversion does).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    year: u16,
    make: String,
    model: String,
    fcc: String,
    freq: String,
    modulation: String,
}

fn csv_rows() -> Option<Vec<Row>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/keyfobdb/car_fcc_info_DB.csv");
    let Ok(text) = std::fs::read_to_string(&path) else {
        if std::env::var_os("CI").is_some() {
            panic!(
                "the keyfobDB list is missing at {} (CI is set, so this is a failure)",
                path.display()
            );
        }
        eprintln!(
            "notice: keyfobDB list not found at {}; these tests did nothing",
            path.display()
        );
        return None;
    };
    let mut lines = text.lines();
    assert_eq!(
        lines.next().map(str::trim),
        Some("Year,Make,Model,FCCid,Frequency,Modulation,Exploit,ExploitSource,Chipset")
    );
    Some(
        lines
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let c: Vec<&str> = l.split(',').map(str::trim).collect();
                assert_eq!(c.len(), 9, "{l}");
                Row {
                    year: c[0].parse().expect("year"),
                    make: c[1].into(),
                    model: c[2].into(),
                    fcc: c[3].into(),
                    freq: c[4].into(),
                    modulation: c[5].into(),
                }
            })
            .collect(),
    )
}

fn freqs_of(text: &str) -> Vec<f64> {
    if text == "noRecord" {
        return Vec::new();
    }
    text.split('/').map(|f| f.parse().expect("MHz")).collect()
}

fn modulation_of(text: &str) -> Option<String> {
    matches!(text, "ASK" | "FSK" | "ASK/FSK").then(|| text.to_string())
}

#[test]
fn the_compiled_list_is_the_source_list() {
    let Some(rows) = csv_rows() else { return };
    assert_eq!(rows.len(), 4206);
    let source: BTreeSet<Row> = rows.into_iter().collect();
    // One row of the source appears twice (2019 Kia Sorento OSLOKA-910T, once as "Sorento ").
    assert_eq!(source.len(), 4205);
    let mut compiled = BTreeSet::new();
    for v in fcc_rows() {
        for year in v.years.0..=v.years.1 {
            let freq = if v.freqs_mhz.is_empty() {
                "noRecord".to_string()
            } else {
                v.freqs_mhz
                    .iter()
                    .map(f64::to_string)
                    .collect::<Vec<_>>()
                    .join("/")
            };
            let fresh = compiled.insert((
                year,
                v.make.clone(),
                v.models[0].clone(),
                v.fcc_id.clone().unwrap(),
                freq,
                v.modulation.clone(),
            ));
            assert!(fresh, "{} {year}: twice in the compiled list", v.label());
        }
    }
    let source: BTreeSet<_> = source
        .into_iter()
        .map(|r| {
            let freq = if r.freq == "noRecord" {
                r.freq
            } else {
                freqs_of(&r.freq)
                    .iter()
                    .map(f64::to_string)
                    .collect::<Vec<_>>()
                    .join("/")
            };
            (
                r.year,
                r.make,
                r.model,
                r.fcc,
                freq,
                modulation_of(&r.modulation),
            )
        })
        .collect();
    let missing: Vec<_> = source.difference(&compiled).take(5).collect();
    let extra: Vec<_> = compiled.difference(&source).take(5).collect();
    assert!(
        missing.is_empty(),
        "rows of the source not compiled: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "compiled rows not in the source: {extra:?}"
    );
}

/// Rows drawn (`FOBSCOPE_CARS_ROWS` overrides, e.g. 100000 to try every row many times).
fn rows_drawn() -> usize {
    std::env::var("FOBSCOPE_CARS_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}

#[test]
fn any_row_asked_as_year_make_model_shows_its_key() {
    let Some(rows) = csv_rows() else { return };
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    for _ in 0..rows_drawn() {
        let r = &rows[rng.random_range(0..rows.len())];
        let q = format!("{} {} {}", r.year, r.make, r.model);
        let m = find_car(&q).unwrap_or_else(|e| panic!("{q}: {e}"));
        let car = CarBand::from_match(&m);
        let want: Vec<f64> = freqs_of(&r.freq).iter().map(|f| f * 1e6).collect();
        assert!(
            car.keys
                .iter()
                .any(|k| k.fcc_id.as_deref() == Some(r.fcc.as_str()) && k.freqs_hz == want),
            "{q}: FCC ID {} at {} MHz not among {:?}",
            r.fcc,
            r.freq,
            car.keys
        );
    }
}

#[test]
fn fobscope_cars_prints_a_drawn_rows_frequency() {
    let Some(rows) = csv_rows() else { return };
    let mut rng = ChaCha8Rng::seed_from_u64(1215);
    for _ in 0..12 {
        let r = &rows[rng.random_range(0..rows.len())];
        let q = format!("{} {} {}", r.year, r.make, r.model);
        let out = Command::new(env!("CARGO_BIN_EXE_fobscope"))
            .args(["cars"])
            .args(q.split_whitespace())
            .output()
            .expect("run fobscope");
        assert!(
            out.status.success(),
            "{q}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let freq = if r.freq == "noRecord" {
            "no frequency on record".to_string()
        } else {
            format!("{} MHz", r.freq)
        };
        let line = freq;
        assert!(
            text.lines()
                .any(|l| l.contains(&line) && l.contains(&format!("FCC ID {}", r.fcc))),
            "{q}: no line with {line} and FCC ID {}:\n{text}",
            r.fcc
        );
    }
}
