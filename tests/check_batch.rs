//! `fobscope check` on several files: one aligned line per file in the order given, a summary,
//! bad files reported on their own line while the others are still judged, the batch exit code
//! (2 if any file failed, else the highest verdict code), and `--json` as JSON Lines.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh folder holding the bundled captures and two bad files.
fn batch_folder(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let captures = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures");
    for f in [
        "mini-r53-us-keeloq_315M_250k.cu8",
        "mini-r53-weak-battery_315M_250k.cu8",
        "dead-key-noise_315M_250k.cu8",
        "keeloq-key_433.92M_250k.cu8",
    ] {
        std::fs::copy(captures.join(f), dir.join(f)).unwrap();
    }
    // Binary junk with no sample rate in its name or metadata.
    std::fs::write(
        dir.join("junk.cu8"),
        [0xffu8, 0x00, 0x13, 0x37].repeat(1000),
    )
    .unwrap();
    // A SigMF description that is not JSON.
    std::fs::write(
        dir.join("broken.sigmf-meta"),
        b"{\"global\": [this is not json",
    )
    .unwrap();
    dir
}

fn fobscope(args: &[&Path], extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fobscope"))
        .arg("check")
        .args(args)
        .args(extra)
        .env_remove("NO_COLOR")
        .output()
        .expect("run fobscope")
}

fn files(dir: &Path, names: &[&str]) -> Vec<PathBuf> {
    names.iter().map(|n| dir.join(n)).collect()
}

fn refs(v: &[PathBuf]) -> Vec<&Path> {
    v.iter().map(PathBuf::as_path).collect()
}

#[test]
fn bad_files_get_their_own_line_and_the_rest_are_still_checked() {
    let dir = batch_folder("batch_mixed");
    let paths = files(
        &dir,
        &[
            "mini-r53-us-keeloq_315M_250k.cu8",
            "junk.cu8",
            "mini-r53-weak-battery_315M_250k.cu8",
            "broken.sigmf-meta",
            "dead-key-noise_315M_250k.cu8",
        ],
    );
    let out = fobscope(&refs(&paths), &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        !text.contains('\x1b'),
        "escape codes in piped output: {text:?}"
    );

    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("file"), "{text}");
    let header_verdict_col = lines[0].find("verdict").unwrap();
    let expected = [
        ("mini-r53-us-keeloq", "working"),
        ("junk.cu8", "error"),
        ("mini-r53-weak-battery", "weak"),
        ("broken.sigmf-meta", "error"),
        ("dead-key-noise", "no_signal"),
    ];
    for (k, (file, verdict)) in expected.iter().enumerate() {
        let l = lines[k + 1];
        assert!(l.contains(file), "line {k} is not {file}: {l}");
        assert_eq!(
            l[header_verdict_col..].split_whitespace().next(),
            Some(*verdict),
            "{l}"
        );
    }
    // Good lines carry frequency, band, protocol and SNR.
    assert!(lines[1].contains("315.0180 MHz"), "{}", lines[1]);
    assert!(lines[1].contains("KeeLoq"), "{}", lines[1]);
    assert!(lines[1].contains(" dB"), "{}", lines[1]);
    // Error lines name the file again, and the problem.
    assert!(
        lines[2].contains("junk.cu8: no sample rate"),
        "{}",
        lines[2]
    );
    let broken = lines[4];
    assert!(
        broken.matches("broken.sigmf-meta").count() >= 2,
        "the error does not name the file: {broken}"
    );
    assert!(
        text.contains("5 files: working 1, weak 1, no_signal 1, band_mismatch 0, errors 2"),
        "{text}"
    );
}

#[test]
fn exit_code_is_the_worst_verdict_when_every_file_is_read() {
    let dir = batch_folder("batch_codes");
    let good = files(
        &dir,
        &[
            "mini-r53-us-keeloq_315M_250k.cu8",
            "keeloq-key_433.92M_250k.cu8",
        ],
    );
    assert_eq!(fobscope(&refs(&good), &[]).status.code(), Some(0));

    let mut weak = good.clone();
    weak.push(dir.join("mini-r53-weak-battery_315M_250k.cu8"));
    assert_eq!(fobscope(&refs(&weak), &[]).status.code(), Some(10));

    let mut dead = weak.clone();
    dead.insert(0, dir.join("dead-key-noise_315M_250k.cu8"));
    assert_eq!(fobscope(&refs(&dead), &[]).status.code(), Some(11));

    // For a US MINI, the 433.92 MHz key is on the wrong band: 12 beats 10 and 0.
    let out = fobscope(&refs(&weak), &["--car", "mini r53 2004 us"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(12), "{text}");
    assert!(text.contains("band_mismatch"), "{text}");
}

#[test]
fn results_follow_the_order_given() {
    let dir = batch_folder("batch_order");
    let mut names = vec![
        "dead-key-noise_315M_250k.cu8",
        "keeloq-key_433.92M_250k.cu8",
        "mini-r53-weak-battery_315M_250k.cu8",
        "mini-r53-us-keeloq_315M_250k.cu8",
    ];
    for _ in 0..2 {
        let paths = files(&dir, &names);
        let out = fobscope(&refs(&paths), &[]);
        let text = String::from_utf8_lossy(&out.stdout);
        let shown: Vec<&str> = text.lines().skip(1).take(names.len()).collect();
        for (l, n) in shown.iter().zip(&names) {
            assert!(l.contains(n), "expected {n} on: {l}\n{text}");
        }
        names.reverse();
    }
}

#[test]
fn json_is_one_object_per_line_in_order() {
    let dir = batch_folder("batch_json");
    let paths = files(
        &dir,
        &[
            "keeloq-key_433.92M_250k.cu8",
            "junk.cu8",
            "dead-key-noise_315M_250k.cu8",
        ],
    );
    let out = fobscope(&refs(&paths), &["--json"]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    let objs: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    assert_eq!(objs.len(), 3, "{text}");
    assert_eq!(objs[0]["verdict"]["status"], "working");
    assert!(
        objs[0]["input"]["path"]
            .as_str()
            .unwrap()
            .ends_with("keeloq-key_433.92M_250k.cu8")
    );
    assert!(objs[1]["path"].as_str().unwrap().ends_with("junk.cu8"));
    assert!(
        objs[1]["error"]
            .as_str()
            .unwrap()
            .contains("no sample rate")
    );
    assert_eq!(objs[2]["verdict"]["status"], "no_signal");
    // The error is on standard error as well.
    assert!(String::from_utf8_lossy(&out.stderr).contains("junk.cu8"));
}

#[test]
fn standard_input_cannot_join_a_batch() {
    let dir = batch_folder("batch_stdin");
    let a = dir.join("keeloq-key_433.92M_250k.cu8");
    let out = fobscope(&[a.as_path(), Path::new("-")], &["--format", "cu8"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard input"));
}

#[test]
fn a_batch_with_plot_draws_one_numbered_picture_per_readable_file() {
    let dir = batch_folder("batch_plot");
    let paths = files(
        &dir,
        &[
            "mini-r53-us-keeloq_315M_250k.cu8",
            "junk.cu8",
            "dead-key-noise_315M_250k.cu8",
        ],
    );
    let png = dir.join("key.png");
    let out = fobscope(&refs(&paths), &["--plot", png.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a bad file makes the batch exit 2"
    );
    for (k, expect) in [(1, true), (2, false), (3, true)] {
        let p = dir.join(format!("key-{k}.png"));
        assert_eq!(p.exists(), expect, "{}", p.display());
        if expect {
            let head = std::fs::read(&p).unwrap();
            assert_eq!(&head[..8], b"\x89PNG\r\n\x1a\n", "{} is a PNG", p.display());
        }
    }
    assert!(
        !png.exists(),
        "several files never write the unnumbered name"
    );
}
