//! Colour and quiet mode: verdicts are coloured on request (`--color always`) but never in a
//! pipe by default nor under `NO_COLOR`; `--quiet` keeps standard error free of chatter; the
//! text a pipe receives is the same, colour or not.

use std::process::{Command, Output};

fn capture(name: &str) -> String {
    format!("{}/captures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn fobscope(args: &[&str], no_color: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fobscope"));
    cmd.args(args);
    match no_color {
        Some(v) => cmd.env("NO_COLOR", v),
        None => cmd.env_remove("NO_COLOR"),
    };
    cmd.output().expect("run fobscope")
}

/// The text without ANSI escape sequences (`ESC [ ... letter`).
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn single_check_is_coloured_only_on_request() {
    let key = capture("mini-r53-us-keeloq_315M_250k.cu8");
    let plain = fobscope(&["check", &key], None);
    let plain_text = String::from_utf8(plain.stdout).unwrap();
    assert!(plain_text.starts_with("WORKING — "), "{plain_text}");
    assert!(!plain_text.contains('\x1b'), "escape codes in a pipe");

    let always = fobscope(&["check", &key, "--color", "always"], None);
    assert_eq!(always.status.code(), Some(0));
    let always_text = String::from_utf8(always.stdout).unwrap();
    assert!(always_text.starts_with("\x1b["), "{always_text:?}");
    assert_eq!(
        strip_ansi(&always_text),
        plain_text,
        "colour changed the text"
    );

    let no_color = fobscope(&["check", &key, "--color", "auto"], Some("1"));
    assert!(!String::from_utf8_lossy(&no_color.stdout).contains('\x1b'));
    let never = fobscope(&["--color", "never", "check", &key], None);
    assert!(!String::from_utf8_lossy(&never.stdout).contains('\x1b'));
    // --color always wins over NO_COLOR, as an explicit request.
    let forced = fobscope(&["check", &key, "--color", "always"], Some("1"));
    assert!(String::from_utf8_lossy(&forced.stdout).contains('\x1b'));
    // JSON is never coloured.
    let json = fobscope(&["check", &key, "--json", "--color", "always"], None);
    assert!(!String::from_utf8_lossy(&json.stdout).contains('\x1b'));
    assert!(
        fobscope(&["check", &key, "--color", "sometimes"], None)
            .status
            .code()
            == Some(2)
    );
}

#[test]
fn batch_verdicts_are_coloured_by_status() {
    let a = capture("mini-r53-us-keeloq_315M_250k.cu8");
    let b = capture("dead-key-noise_315M_250k.cu8");
    let out = fobscope(&["check", &a, &b, "--color", "always"], None);
    let text = String::from_utf8(out.stdout).unwrap();
    let working = text.lines().find(|l| l.contains("mini-r53")).unwrap();
    let dead = text.lines().find(|l| l.contains("dead-key")).unwrap();
    assert!(
        working.contains("\x1b[32m") || working.contains(";32m"),
        "{working:?}"
    );
    assert!(
        dead.contains("\x1b[31m") || dead.contains(";31m"),
        "{dead:?}"
    );
    let plain = fobscope(&["check", &a, &b], Some("1"));
    assert_eq!(strip_ansi(&text), String::from_utf8(plain.stdout).unwrap());
}

#[test]
fn quiet_is_accepted_anywhere_and_leaves_the_report_alone() {
    let key = capture("keeloq-key_433.92M_250k.cu8");
    let normal = fobscope(&["check", &key], None);
    for args in [["-q", "check", &key], ["check", &key, "--quiet"]] {
        let out = fobscope(&args, None);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(out.stdout, normal.stdout);
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Errors are still reported when quiet.
    let out = fobscope(&["-q", "check", "no-such-file_433.92M_250k.cu8"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-file"));
}

#[test]
fn compare_headlines_are_coloured_only_on_request() {
    let (a, b) = (
        capture("mini-r53-us-keeloq_315M_250k.cu8"),
        capture("mini-r53-weak-battery_315M_250k.cu8"),
    );
    let plain = fobscope(&["compare", &a, &b], None);
    let painted = fobscope(&["--color", "always", "compare", &a, &b], None);
    assert!(plain.status.success() && painted.status.success());
    let (plain, painted) = (
        String::from_utf8(plain.stdout).unwrap(),
        String::from_utf8(painted.stdout).unwrap(),
    );
    assert!(!plain.contains('\x1b'), "piped compare has no escapes");
    assert!(
        painted.contains('\x1b'),
        "--color always paints the headlines"
    );
    assert_eq!(strip_ansi(&painted), plain, "the text itself is unchanged");
}
