//! The documentation the binary carries: every command's `--help` has examples and its exit
//! codes, shell completion scripts and manual pages are printed and name the commands.

use std::process::{Command, Output};

fn fobscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fobscope"))
        .args(args)
        .output()
        .expect("run fobscope")
}

const COMMANDS: [&str; 11] = [
    "check",
    "compare",
    "cars",
    "analyze",
    "listen",
    "scan",
    "serve",
    "synth",
    "info",
    "completions",
    "manpage",
];

#[test]
fn every_command_help_has_examples_and_exit_codes() {
    let top = fobscope(&["--help"]);
    assert!(top.status.success());
    let top = String::from_utf8_lossy(&top.stdout);
    for c in COMMANDS {
        assert!(top.contains(c), "top-level help does not list {c}");
    }
    assert!(top.contains("Exit codes:"), "{top}");
    for c in COMMANDS {
        let out = fobscope(&[c, "--help"]);
        assert!(out.status.success(), "{c} --help failed");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Examples:"), "{c} --help has no examples");
        assert!(
            text.contains(&format!("fobscope {c}")),
            "{c} --help has no example of {c}"
        );
        assert!(text.contains("Exit codes"), "{c} --help has no exit codes");
        assert!(
            text.contains("2 "),
            "{c} --help does not give the error code"
        );
        assert!(
            text.contains("--quiet"),
            "{c} --help lacks the global --quiet"
        );
        assert!(
            text.contains("--color"),
            "{c} --help lacks the global --color"
        );
    }
    let check = String::from_utf8_lossy(&fobscope(&["check", "--help"]).stdout).into_owned();
    assert!(check.contains("several files"), "{check}");
    assert!(check.contains("JSON Lines"), "{check}");
}

#[test]
fn completion_scripts_name_the_commands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = fobscope(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.len() > 1000, "{shell} script is too short: {text}");
        for c in ["check", "analyze", "listen", "manpage"] {
            assert!(text.contains(c), "{shell} script does not name {c}");
        }
    }
    let bash = String::from_utf8_lossy(&fobscope(&["completions", "bash"]).stdout).into_owned();
    assert!(
        bash.contains("--expect-band"),
        "options of check are completed"
    );
    let out = fobscope(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn manual_pages_of_fobscope_and_its_commands() {
    let out = fobscope(&["manpage"]);
    assert!(out.status.success());
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.contains(".TH fobscope 1"), "{page}");
    for c in ["check", "analyze", "compare", "completions"] {
        assert!(page.contains(c), "manual page does not name {c}");
    }
    let out = fobscope(&["manpage", "check"]);
    assert!(out.status.success());
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.contains("fobscope\\-check"), "{page}");
    assert!(
        page.contains("band_mismatch"),
        "exit codes missing from the page: {page}"
    );

    let out = fobscope(&["manpage", "frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("frobnicate"));
}

/// Every bundled capture an example names (`captures/...`, globs included) exists, so an
/// example can be run as printed from the project's folder.
#[test]
fn examples_name_real_captures() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut texts = vec![String::from_utf8_lossy(&fobscope(&["--help"]).stdout).into_owned()];
    for c in COMMANDS {
        texts.push(String::from_utf8_lossy(&fobscope(&[c, "--help"]).stdout).into_owned());
    }
    let mut named = 0;
    for text in &texts {
        for word in text.split_whitespace() {
            let Some(rest) = word.strip_prefix("captures/") else {
                continue;
            };
            named += 1;
            let rest = rest.trim_end_matches(['"', ',', ')']);
            if let Some(ext) = rest.strip_prefix("*.") {
                let any = std::fs::read_dir(root.join("captures"))
                    .unwrap()
                    .flatten()
                    .any(|e| e.path().extension().is_some_and(|x| x == ext));
                assert!(any, "no capture matches {word}");
            } else {
                assert!(
                    root.join("captures").join(rest).is_file(),
                    "{word} does not exist"
                );
            }
        }
    }
    assert!(named >= 3, "only {named} examples name a bundled capture");
}

/// Option help is whole sentences: the input flags say what they override.
#[test]
fn input_flag_help_is_not_cut_short() {
    let text = String::from_utf8_lossy(&fobscope(&["analyze", "--help"]).stdout).into_owned();
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("overrides the frequency in the file's metadata and name"),
        "{text}"
    );
    assert!(
        flat.contains("overrides the rate in the file's metadata and name"),
        "{text}"
    );
}
