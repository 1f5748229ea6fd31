//! The `cars`, `check` and `compare` commands as a user runs them (argument handling and the
//! vehicle table; verdicts on real recordings are tested end to end elsewhere).

use std::process::Command;

fn fobscope(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fobscope"))
        .args(args)
        .output()
        .expect("run fobscope")
}

#[test]
fn cars_lists_and_filters_the_table() {
    let out = fobscope(&["cars", "mini", "2005"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("VL2020"), "{text}");
    assert!(text.contains("hold the unlock button"), "{text}");
    assert!(text.contains("source:"), "{text}");
    assert!(!text.contains("Toyota"));

    let out = fobscope(&["cars", "--json"]);
    assert!(out.status.success());
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rows.as_array().unwrap().len() >= 20);

    let out = fobscope(&["cars", "trabant"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn check_rejects_an_ambiguous_car_before_reading() {
    let out = fobscope(&["check", "no-such-file.cu8", "--car", "mini r53"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("add the market"), "{err}");
    assert!(err.contains("2001–2004"), "{err}");

    let out = fobscope(&["check", "x.cu8", "--expect-band", "2400"]);
    assert_eq!(out.status.code(), Some(2));
    let out = fobscope(&["check", "x.cu8", "--car", "mini", "--expect-band", "315"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "--car and --expect-band exclude each other"
    );
}

#[test]
fn help_documents_exit_codes_and_examples() {
    let out = fobscope(&["check", "--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for s in [
        "10  weak",
        "11  no_signal",
        "12  band_mismatch",
        "--car \"mini r53 2004 us\"",
    ] {
        assert!(text.contains(s), "missing '{s}' in help");
    }
    let out = fobscope(&["compare", "--help"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Examples"));
}
