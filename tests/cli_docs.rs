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
