//! `fobscope cars QUERY` and `--car` as a user types them: one matcher, the same answer, and an
//! error (exit 2) listing the closest entries when make and model do not both match.

use std::process::{Command, Output};

fn fobscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fobscope"))
        .args(args)
        .output()
        .expect("run fobscope")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_car_not_in_the_table_is_an_error_with_the_closest_entries() {
    for q in ["tesla model 3", "bmw x5 2004 us"] {
        let check = fobscope(&["check", "no-such-file.cu8", "--car", q]);
        assert_eq!(check.status.code(), Some(2), "{q}");
        let e = stderr(&check);
        assert!(e.contains("no car in the table matches"), "{q}: {e}");
        assert!(e.contains("Closest entries"), "{q}: {e}");
        assert!(
            !e.contains("no-such-file"),
            "{q}: judged before the car was resolved: {e}"
        );

        let words: Vec<&str> = q.split_whitespace().collect();
        let cars = fobscope(&[&["cars"], words.as_slice()].concat());
        assert_eq!(cars.status.code(), Some(2), "{q}");
        let c = stderr(&cars);
        let tail = |s: &str| s[s.find("no car").unwrap_or(0)..].to_string();
        assert_eq!(tail(&c), tail(&e), "`cars {q}` and `--car` disagree");
    }
    let e = stderr(&fobscope(&["check", "x.cu8", "--car", "bmw x5 2004 us"]));
    assert!(e.contains("'x5'") && e.contains("BMW 3 Series"), "{e}");
}

#[test]
fn cars_query_prints_fcc_id_frequency_and_modulation() {
    let out = fobscope(&["cars", "ACCORD", "2004", "honda"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(
        t.contains("313.85 MHz (band 315), FSK; FCC ID OUCG8D-380H-A"),
        "{t}"
    );
    assert!(t.contains("initialise (Honda)"), "{t}");
    assert!(!t.contains("Nissan"), "{t}");

    let out = fobscope(&["cars", "chevy", "equinox", "2018", "--json"]);
    assert!(out.status.success());
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert!(!rows.is_empty());
    for r in rows {
        assert_eq!(r["make"], "Chevrolet");
        assert!(r["fcc_id"].is_string() && r["freqs_mhz"].is_array(), "{r}");
        assert!(r["procedure"].as_str().unwrap().contains("dealer"), "{r}");
    }
}

#[test]
fn cars_still_lists_the_whole_table() {
    let out = fobscope(&["cars"]);
    assert!(out.status.success());
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(
        t.contains("MINI Cooper") && t.contains("Toyota 4Runner"),
        "{t}"
    );
    let out = fobscope(&["cars", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rows.as_array().unwrap().len() > 900);
}

#[test]
fn a_car_without_a_year_whose_keys_change_asks_for_it() {
    let out = fobscope(&["check", "x.cu8", "--car", "honda accord"]);
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(e.contains("add the model year"), "{e}");
    assert!(e.contains("313.85") && e.contains("433.92"), "{e}");
}
