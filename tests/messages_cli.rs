//! The messages a new user meets first: each names the real cause and, where a flag was
//! probably mistyped, what was likely meant.

use std::process::{Command, Output};

fn fobscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fobscope"))
        .args(args)
        .output()
        .unwrap()
}

fn err_of(args: &[&str]) -> String {
    let out = fobscope(args);
    assert_eq!(out.status.code(), Some(2), "fobscope {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn bundled() -> String {
    format!(
        "{}/captures/keeloq-key_433.92M_250k.cu8",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn a_missing_file_is_reported_as_missing_whatever_its_name() {
    let dir = std::env::temp_dir().join(format!("fobscope-msg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for name in [
        "no_such_recording",
        "no_such.cu8",
        "no_such_433.92M_250k.cu8",
    ] {
        let p = dir.join(name);
        for cmd in ["analyze", "check", "info"] {
            let err = err_of(&[cmd, p.to_str().unwrap()]);
            assert!(err.contains(p.to_str().unwrap()), "{err}");
            assert!(err.contains("No such file"), "{cmd} {name}: {err}");
            assert!(
                !err.contains("cannot tell the format") && !err.contains("no sample rate"),
                "{cmd} {name}: {err}"
            );
        }
    }
    // A directory is a directory.
    for cmd in ["analyze", "check"] {
        let err = err_of(&[cmd, dir.to_str().unwrap()]);
        assert!(err.contains("is a directory"), "{cmd}: {err}");
        assert!(!err.contains("cannot tell the format"), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn negative_and_implausible_values_name_the_likely_intent() {
    let cap = bundled();
    let err = err_of(&["analyze", &cap, "--rate", "-250k"]);
    assert!(!err.contains("unexpected argument"), "{err}");
    assert!(err.contains("negative") && err.contains("250k"), "{err}");
    let err = err_of(&["check", &cap, "--rate", "250"]);
    assert!(err.contains("did you mean 250k?"), "{err}");
    let err = err_of(&["check", &cap, "--freq", "3150"]);
    assert!(err.contains("did you mean 315M?"), "{err}");
    let err = err_of(&["analyze", &cap, "--freq", "-433.92M"]);
    assert!(err.contains("negative"), "{err}");
    for cmd in ["analyze", "check"] {
        let err = err_of(&[cmd, &cap, "--ppm", "abc"]);
        assert!(err.contains("'abc' is not a number of ppm"), "{err}");
        assert!(!err.contains("float"), "{err}");
    }
    // Plausible values still work.
    let out = fobscope(&[
        "analyze", &cap, "--rate", "250k", "--freq", "433.92", "--ppm", "-3",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn synth_to_a_bare_raw_name_writes_a_file_that_reads_back() {
    let dir = std::env::temp_dir().join(format!("fobscope-msg-synth-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let asked = dir.join("k.cu8");
    let out = fobscope(&[
        "synth",
        asked.to_str().unwrap(),
        "--kind",
        "keeloq",
        "--freq",
        "315M",
        "--rate",
        "250k",
        "--seed",
        "3",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = dir.join("k_315M_250k.cu8");
    assert!(
        written.is_file(),
        "{:?}",
        std::fs::read_dir(&dir).unwrap().collect::<Vec<_>>()
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("k_315M_250k.cu8"),
        "the new name is said: {err}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with(written.to_str().unwrap()), "{stdout}");
    let check = fobscope(&["check", written.to_str().unwrap()]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(String::from_utf8_lossy(&check.stdout).starts_with("WORKING"));
    // A name that carries both is kept as given.
    let named = dir.join("x_433.92M_1024k.cu8");
    let out = fobscope(&[
        "synth",
        named.to_str().unwrap(),
        "--kind",
        "noise",
        "--freq",
        "433.92M",
        "--rate",
        "1024k",
        "--duration",
        "0.1s",
    ]);
    assert!(out.status.success() && named.is_file());
    let _ = std::fs::remove_dir_all(&dir);
}
