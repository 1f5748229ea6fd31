//! Flipper Zero RAW recordings of real vehicle remotes (corpus `flipper/`): every file reads,
//! and every file holding a clean key burst yields a transmission with a line coding, a
//! plausible time unit, and repeats that agree.

mod common;

use std::path::{Path, PathBuf};

use fobscope::pulse::{Coding, analyze};
use fobscope::source::flipper::read_sub;

/// `flipper/MANIFEST.tsv`: (path, content).
fn manifest(corpus: &Path) -> Vec<(PathBuf, String)> {
    let base = corpus.join("flipper");
    let text = std::fs::read_to_string(base.join("MANIFEST.tsv")).expect("flipper manifest");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert!(c.len() >= 7, "bad manifest line: {l}");
            (base.join(c[0]), c[6].to_string())
        })
        .collect()
}

/// One sliced row of a transmission: its coding, Te and bits, and how often it repeated.
struct Word {
    coding: Coding,
    te_us: f64,
    bits: Vec<bool>,
    repeats: u32,
}

fn words(path: &Path) -> Vec<Word> {
    let rec = read_sub(path).unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    for t in &rec.trains {
        let a = analyze(t);
        if a.coding == Coding::Unknown {
            continue;
        }
        let te = a.te_us.expect("a coded transmission has a Te");
        for r in a.rows {
            if r.bits.len() >= 16 {
                out.push(Word {
                    coding: a.coding,
                    te_us: te,
                    bits: r.bits,
                    repeats: r.repeats,
                });
            }
        }
    }
    out
}

/// Repeats agree when a word is sent twice in a row with the same bits, or when two words
/// have the same coding, length and Te within 5 % (a rolling code changes its bits from one
/// word to the next, not its frame).
fn consistent_repeats(w: &[Word]) -> bool {
    w.iter().any(|x| x.repeats >= 2)
        || w.iter().enumerate().any(|(i, a)| {
            w[i + 1..].iter().any(|b| {
                a.coding == b.coding
                    && a.bits.len() == b.bits.len()
                    && (a.te_us - b.te_us).abs() <= 0.05 * a.te_us
            })
        })
}

#[test]
fn every_recording_reads_and_key_bursts_are_coded_and_repeat() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let entries = manifest(&corpus);
    assert!(
        entries.len() >= 5,
        "the flipper manifest lists too few files"
    );
    let mut clean = 0;
    for (path, content) in &entries {
        let w = words(path);
        if content != "clean_key_burst" {
            continue;
        }
        clean += 1;
        let name = path.display();
        assert!(!w.is_empty(), "{name}: no coded word of 16 bits or more");
        assert!(
            w.iter().all(|x| (50.0..=5000.0).contains(&x.te_us)),
            "{name}: implausible Te"
        );
        assert!(consistent_repeats(&w), "{name}: no consistent repeats");
    }
    assert!(clean >= 3, "the manifest lists too few clean key bursts");
}

#[test]
fn tesla_charge_port_code_is_manchester_at_400_us() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    for (path, content) in manifest(&corpus) {
        if content != "clean_burst_charge_port_code" {
            continue;
        }
        let w = words(&path);
        let longest = w.iter().max_by_key(|x| x.bits.len()).expect("a coded word");
        assert_eq!(longest.coding, Coding::Manchester, "{}", path.display());
        assert!(
            (longest.te_us - 400.0).abs() < 20.0,
            "{}: Te {}",
            path.display(),
            longest.te_us
        );
    }
}

// ---- Hostile and unusual files (no corpus needed) ----

use fobscope::source::Problem;

const HEADER: &str = "Filetype: Flipper SubGhz RAW File\nVersion: 1\nFrequency: 315000000\n\
                      Preset: FuriHalSubGhzPresetOok650Async\nProtocol: RAW\n";

/// Writes `content` to a fresh file `name` in this test binary's scratch folder.
fn scratch(name: &str, content: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pulse_flipper");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

/// A PWM key word of `n` pulses (1: 400 µs mark, 800 µs gap; 0: the reverse), as RAW_Data
/// values, then a 20 ms silence ending the transmission.
fn word(n: usize) -> String {
    let mut s: String = (0..n)
        .map(|i| {
            if (i * 7 + 3) % 5 < 2 {
                "400 -800 "
            } else {
                "800 -400 "
            }
        })
        .collect();
    s.push_str("-20000 ");
    s
}

/// A well-formed recording of `words` key words of 24 pulses, two words per RAW_Data line.
fn recording(words: usize) -> String {
    let mut s = String::from(HEADER);
    for k in 0..words {
        if k % 2 == 0 {
            s.push_str("RAW_Data: ");
        }
        s.push_str(&word(24));
        if k % 2 == 1 || k + 1 == words {
            s.push('\n');
        }
    }
    s
}

fn error_of(name: &str, content: &[u8]) -> String {
    let p = scratch(name, content);
    match read_sub(&p) {
        Ok(r) => panic!("{name} was accepted: {} trains", r.trains.len()),
        Err(e) => {
            let m = e.to_string();
            assert!(m.contains(name), "the error does not name the file: {m}");
            m
        }
    }
}

#[test]
fn windows_line_ends_and_a_byte_order_mark_read_like_the_plain_file() {
    let plain = recording(6);
    let reference = read_sub(&scratch("plain.sub", plain.as_bytes())).unwrap();
    assert_eq!(reference.trains.len(), 6);
    assert!(reference.warnings.is_empty(), "{:?}", reference.warnings);

    let crlf = plain.replace('\n', "\r\n");
    let bom = format!("\u{feff}{plain}");
    let both = format!("\u{feff}{crlf}");
    for (name, text) in [("crlf.sub", crlf), ("bom.sub", bom), ("bom_crlf.sub", both)] {
        let r = read_sub(&scratch(name, text.as_bytes())).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.trains, reference.trains, "{name}");
        assert_eq!(r.info.center_freq_hz, Some(315e6), "{name}");
        assert_eq!(
            r.info.modulation_hint.as_deref(),
            Some("FuriHalSubGhzPresetOok650Async"),
            "{name}: the preset kept a carriage return"
        );
        assert!(r.warnings.is_empty(), "{name}: {:?}", r.warnings);
    }
}

#[test]
fn a_one_megabyte_raw_data_line_is_read_whole() {
    let one = word(24);
    let count = (1 << 20) / one.len() + 1;
    let mut s = String::from(HEADER);
    s.push_str("RAW_Data: ");
    for _ in 0..count {
        s.push_str(&one);
    }
    s.push_str("\r\n");
    assert!(s.len() > 1 << 20);
    let r = read_sub(&scratch("long_line.sub", s.as_bytes())).unwrap();
    assert_eq!(r.trains.len(), count);
    assert!(r.trains.iter().all(|t| t.pulses.len() == 24));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    // The last word starts where the others put it: no value was lost at buffer edges.
    let word_us: f64 = 24.0 * 1200.0 + 20_000.0;
    let last = r.trains.last().unwrap().start_s;
    assert!(
        (last - (count - 1) as f64 * word_us * 1e-6).abs() < 1e-6,
        "{last}"
    );
}

#[test]
fn non_numeric_values_are_skipped_with_a_warning_naming_the_line() {
    let mut s = String::from(HEADER);
    s.push_str("RAW_Data: ");
    s.push_str(&word(24));
    s.push('\n');
    s.push_str("RAW_Data: 400 -8O0 abc 1e3 ");
    s.push_str(&word(24));
    s.push('\n');
    s.push_str("Frequency: three hundred\n");
    let r = read_sub(&scratch("letters.sub", s.as_bytes())).unwrap();
    assert_eq!(r.trains.len(), 2, "{:?}", r.warnings);
    for bad in ["8O0", "abc", "1e3"] {
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("line 7") && w.contains(bad)),
            "no warning for {bad}: {:?}",
            r.warnings
        );
    }
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("line 8") && w.contains("three hundred")),
        "{:?}",
        r.warnings
    );
    assert_eq!(r.info.center_freq_hz, Some(315e6));
}

#[test]
fn garbage_is_a_clear_error_naming_the_file() {
    // Binary junk: not a Flipper file at all.
    let junk: Vec<u8> = (0..50_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let m = error_of("junk.sub", &junk);
    assert!(m.contains("not a Flipper Sub-GHz file"), "{m}");

    // A decoded key instead of a recording.
    let m = error_of(
        "princeton.sub",
        b"Filetype: Flipper SubGhz Key File\r\nVersion: 1\r\nFrequency: 433920000\r\n\
          Preset: FuriHalSubGhzPresetOok650Async\r\nProtocol: Princeton\r\nBit: 24\r\n\
          Key: 00 00 00 00 00 95 D5 D4\r\nTE: 400\r\n",
    );
    assert!(
        m.contains("Protocol: Princeton") && m.contains("line 5"),
        "{m}"
    );

    // BinRAW: durations packed as bits.
    let m = error_of(
        "binraw.sub",
        b"Filetype: Flipper SubGhz RAW File\nVersion: 1\nProtocol: BinRAW\nBit: 100\n",
    );
    assert!(m.contains("BinRAW"), "{m}");

    // A RAW header without any RAW_Data.
    let m = error_of("no_data.sub", HEADER.as_bytes());
    assert!(m.contains("no transmission"), "{m}");

    // Neither a protocol nor data.
    let m = error_of(
        "header_only.sub",
        b"Filetype: Flipper SubGhz RAW File\nVersion: 1\nFrequency: 433920000\n",
    );
    assert!(m.contains("Protocol: RAW"), "{m}");

    // Only words, no numbers.
    let mut s = String::from(HEADER);
    s.push_str("RAW_Data: lorem ipsum dolor sit amet\n");
    let m = error_of("words.sub", s.as_bytes());
    assert!(m.contains("no transmission"), "{m}");

    // A valid header followed by binary junk in place of the data.
    let mut b = HEADER.as_bytes().to_vec();
    b.extend_from_slice(b"RAW_Data: ");
    b.extend_from_slice(&junk);
    let m = error_of("junk_data.sub", &b);
    assert!(m.contains("no transmission"), "{m}");

    // Empty.
    let p = scratch("empty.sub", b"");
    let e = read_sub(&p).unwrap_err();
    assert!(matches!(e.problem, Problem::Empty));
    assert!(e.to_string().contains("empty.sub"));
}

#[test]
fn the_command_line_names_a_bad_sub_file_and_exits_with_2() {
    let good = scratch(
        "cli_good.sub",
        recording(4).replace('\n', "\r\n").as_bytes(),
    );
    let bad = scratch("cli_bad.sub", b"\xff\xfe\x00garbage\x00\x01\x02\n\n:::\n");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fobscope"))
        .arg("analyze")
        .arg(&good)
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cli_bad.sub"), "{err}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("cli_good.sub"), "{text}");
    assert!(text.contains("4 transmissions"), "{text}");
}
