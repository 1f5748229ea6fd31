//! The README's shell commands, run as a new user would: every command of its fenced `sh`
//! blocks, and every `$ ` line of its example transcripts, in a scratch folder holding the
//! bundled captures, with `fobscope` on the PATH and a fresh home folder. Exit codes are
//! checked, and so are the key lines a transcript shows (verdict word and frequency; the
//! evidence lines are prose that may be reworded, so they are not compared).
//!
//! Commands that cannot run here are skipped by the rules in [`SKIP`], each with its reason,
//! and the test prints what it skipped. A command no rule covers is run.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Skip rules: a command starting with (or, for `contains:`, holding) the pattern is not run.
const SKIP: &[(&str, &str)] = &[
    ("cargo test", "runs this very test suite"),
    ("cargo bench", "a benchmark: timing is measured elsewhere"),
    (
        "cargo install",
        "installs into the user's cargo folder; this test uses the built binary",
    ),
    ("cargo fuzz", "fuzzing needs a nightly toolchain"),
    ("bash fuzz/", "fuzzing needs a nightly toolchain"),
    ("bash benches/", "a benchmark: timing is measured elsewhere"),
    ("sudo ", "needs root (system packages, kernel modules)"),
    (
        "echo 'blacklist",
        "changes the system's kernel-module configuration",
    ),
    ("rtl_sdr ", "needs an RTL-SDR dongle"),
    ("rtl_tcp ", "needs an RTL-SDR dongle"),
    ("SoapySDRUtil", "needs SoapySDR and a radio"),
    (
        "fobscope listen",
        "needs a radio or an rtl_tcp server on the network",
    ),
    (
        "fobscope scan",
        "needs a radio or an rtl_tcp server on the network",
    ),
    ("fobscope serve", "serves on the network until stopped"),
    ("fobscope test", "asks for key presses on a radio"),
];

/// Longest a README command may take, s (they run on small bundled captures).
const TIMEOUT_S: &str = "120";

/// `cargo run --release --` in the README means the program itself.
const CARGO_RUN: &str = "cargo run --release --";

struct Cmd {
    line: usize,
    text: String,
    /// The transcript lines shown after a `$ ` command.
    expected: Vec<String>,
}

/// The commands of the README, in order.
fn commands(readme: &str) -> Vec<Cmd> {
    let mut out = Vec::new();
    let mut in_block: Option<String> = None;
    let mut pending = String::new();
    let mut start = 0;
    let mut block_start = 0;
    for (i, raw) in readme.lines().enumerate() {
        let t = raw.trim();
        if let Some(lang) = t.strip_prefix("```") {
            in_block = match in_block {
                None => Some(lang.trim().to_string()),
                Some(_) => None,
            };
            block_start = i + 1;
            continue;
        }
        let Some(lang) = &in_block else { continue };
        if lang == "sh" || lang == "bash" {
            let code = strip_comment(t);
            if code.is_empty() {
                continue;
            }
            if pending.is_empty() {
                start = i + 1;
            }
            if let Some(head) = code.strip_suffix('\\') {
                pending.push_str(head.trim_end());
                pending.push(' ');
                continue;
            }
            pending.push_str(code);
            out.push(Cmd {
                line: start,
                text: std::mem::take(&mut pending),
                expected: Vec::new(),
            });
        } else if let Some(cmd) = t.strip_prefix("$ ") {
            out.push(Cmd {
                line: i + 1,
                text: cmd.to_string(),
                expected: Vec::new(),
            });
        } else if let Some(last) = out.last_mut()
            && last.line > block_start
            && !t.is_empty()
            && lang.is_empty()
        {
            last.expected.push(t.to_string());
        }
    }
    out
}

/// The command part of a shell line (a `#` that starts a word begins a comment).
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    let b = line.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        match (quote, c) {
            (None, b'"' | b'\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, b'#') if i == 0 || b[i - 1] == b' ' => return line[..i].trim(),
            _ => {}
        }
    }
    line.trim()
}

fn skip_reason(cmd: &str) -> Option<&'static str> {
    SKIP.iter()
        .find(|(p, _)| cmd.starts_with(p))
        .map(|(_, why)| *why)
}

/// Verdict words and `N.NNN MHz` frequencies in a line: what must match.
fn key_tokens(line: &str) -> Vec<String> {
    const VERDICTS: [&str; 8] = [
        "WORKING",
        "WEAK",
        "SIGNAL",
        "BAND",
        "working",
        "weak",
        "no_signal",
        "band_mismatch",
    ];
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut out = Vec::new();
    for (k, w) in words.iter().enumerate() {
        if VERDICTS.contains(w) {
            out.push(w.to_string());
        }
        let num = w.trim_matches(|c: char| !c.is_ascii_digit() && c != '.');
        if words.get(k + 1).is_some_and(|n| n.starts_with("MHz"))
            && num.contains('.')
            && num.parse::<f64>().is_ok()
        {
            out.push(format!("{num} MHz"));
        }
    }
    out
}

/// The exit code a transcript's verdict implies for `check`.
fn verdict_code(expected: &[String]) -> Option<i32> {
    let first = expected.first()?;
    Some(match first.split_whitespace().next()? {
        "WORKING" => 0,
        "WEAK" => 10,
        "NO" => 11,
        "WRONG" => 12,
        _ => return None,
    })
}

fn scratch() -> PathBuf {
    let d = std::env::temp_dir().join(format!("fobscope-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("home")).unwrap();
    std::fs::create_dir_all(d.join("bin")).unwrap();
    std::fs::create_dir_all(d.join("work")).unwrap();
    d
}

#[test]
fn every_readme_command_that_needs_no_radio_runs_as_documented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    // The README starts with the two commands a new user runs first.
    let mut lines = readme.lines().skip_while(|l| !l.starts_with("```"));
    assert_eq!(lines.next(), Some("```sh"));
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("cargo run --release -- check captures/")
    );
    assert_eq!(lines.next(), Some("cargo test"));

    let dir = scratch();
    let work = dir.join("work");
    std::os::unix::fs::symlink(root.join("captures"), work.join("captures")).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_fobscope"), dir.join("bin/fobscope")).unwrap();
    let path = format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let cmds = commands(&readme);
    let (mut ran, mut skipped) = (0, Vec::new());
    for c in &cmds {
        if let Some(why) = skip_reason(&c.text) {
            skipped.push(format!("README:{}: {}  ({why})", c.line, c.text));
            continue;
        }
        let mut text = c.text.replace(CARGO_RUN, "fobscope");
        // A pager cannot run here: the manual page is written, not shown.
        if let Some((head, _)) = text.split_once(" && man ") {
            text = head.to_string();
        }
        let out = Command::new("timeout")
            .args([TIMEOUT_S, "sh", "-c"])
            .arg(&text)
            .current_dir(&work)
            .env("PATH", &path)
            .env("HOME", dir.join("home"))
            .env("NO_COLOR", "1")
            .env_remove("CARGO_TARGET_DIR")
            .output()
            .unwrap();
        let code = out.status.code();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let ctx = format!(
            "README:{}: {text}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            c.line
        );
        let is_check = text.starts_with("fobscope check");
        match (is_check, verdict_code(&c.expected)) {
            (true, Some(want)) => assert_eq!(code, Some(want), "{ctx}"),
            (true, None) => assert!(matches!(code, Some(0 | 10 | 11 | 12)), "{ctx}"),
            (false, _) => assert_eq!(code, Some(0), "{ctx}"),
        }
        // Key lines of the transcript: the verdict line, and one line per file of a batch.
        for (k, e) in c.expected.iter().enumerate() {
            if !(k == 0 || e.starts_with("captures/")) {
                continue;
            }
            let actual = if k == 0 {
                stdout.lines().next().unwrap_or("").to_string()
            } else {
                let file = e.split_whitespace().next().unwrap();
                stdout
                    .lines()
                    .find(|l| l.starts_with(file))
                    .unwrap_or_else(|| panic!("no line for {file}: {ctx}"))
                    .to_string()
            };
            for tok in key_tokens(e) {
                assert!(
                    actual.contains(&tok),
                    "README:{} shows {tok:?} in {e:?}, the command printed {actual:?}\n{ctx}",
                    c.line
                );
            }
        }
        ran += 1;
    }
    // What the completion lines promise: the files are where the shells look for them.
    let home = dir.join("home");
    for f in [
        ".local/share/bash-completion/completions/fobscope",
        ".zfunc/_fobscope",
        ".config/fish/completions/fobscope.fish",
    ] {
        let len = std::fs::metadata(home.join(f))
            .map(|m| m.len())
            .unwrap_or(0);
        assert!(len > 1000, "{f}: {len} bytes");
    }
    assert!(
        work.join("fobscope.1").is_file(),
        "the manual page was written"
    );
    eprintln!("ran {ran} README commands; skipped {}:", skipped.len());
    for s in &skipped {
        eprintln!("  {s}");
    }
    assert!(ran >= 8, "only {ran} commands ran");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn commands_are_extracted_with_comments_and_continuations_handled() {
    let md = "x\n```sh\na --b # note\nc \\\n  d\n# only a comment\n```\n```\n$ e f\nWORKING — on 315.018 MHz\n  - detail\n```\n```\nnot a transcript\n```\n";
    let c = commands(md);
    let texts: Vec<&str> = c.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, ["a --b", "c d", "e f"]);
    assert_eq!(c[2].expected, ["WORKING — on 315.018 MHz", "- detail"]);
    assert_eq!(key_tokens(&c[2].expected[0]), ["WORKING", "315.018 MHz"]);
    assert_eq!(strip_comment("a '#x' # y"), "a '#x'");
    assert_eq!(verdict_code(&c[2].expected), Some(0));
    assert_eq!(
        skip_reason("sudo apt-get x"),
        Some("needs root (system packages, kernel modules)")
    );
}
