//! What the terminal gets: colour (`--color`, `NO_COLOR`) and quiet mode (`--quiet`).
//!
//! The global flags are set once, at start-up, by [`init`]; the subcommands ask [`quiet`] and
//! [`color_stdout`]. Colour follows <https://no-color.org>: with `--color auto` (the default),
//! standard output is coloured only when it is a terminal and `NO_COLOR` is unset or empty;
//! `--color always` and `--color never` win over both.

use std::io::IsTerminal;
use std::sync::OnceLock;

use anstyle::{AnsiColor, Style};

use crate::diagnosis::Status;

/// When to colour the output (`--color`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    /// Always, even into a pipe or a file.
    Always,
    /// Never.
    Never,
}

/// The global terminal settings.
#[derive(Clone, Copy, Debug, Default)]
struct Settings {
    quiet: bool,
    color_stdout: bool,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// Records the global flags; later calls are ignored.
pub fn init(color: ColorChoice, quiet: bool) {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color_stdout = decide(color, std::io::stdout().is_terminal(), no_color);
    let _ = SETTINGS.set(Settings {
        quiet,
        color_stdout,
    });
}

/// Whether standard output is coloured, given the choice, whether it is a terminal and whether
/// `NO_COLOR` is set (to a non-empty value).
pub fn decide(choice: ColorChoice, is_terminal: bool, no_color: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_terminal && !no_color,
    }
}

/// True when `--quiet` was given: no progress bars, no status chatter on standard error.
pub fn quiet() -> bool {
    SETTINGS.get().is_some_and(|s| s.quiet)
}

/// Prints a status line on standard error (`fobscope: ...`), unless `--quiet` was given.
pub fn note(line: &str) {
    if !quiet() {
        eprintln!("fobscope: {line}");
    }
}

/// True when standard output is to be coloured.
pub fn color_stdout() -> bool {
    SETTINGS.get().is_some_and(|s| s.color_stdout)
}

/// The colour of a verdict: working green, weak yellow, no signal red, wrong band magenta.
pub fn status_style(status: Status) -> Style {
    let c = match status {
        Status::Working => AnsiColor::Green,
        Status::Weak => AnsiColor::Yellow,
        Status::NoSignal => AnsiColor::Red,
        Status::BandMismatch => AnsiColor::Magenta,
    };
    Style::new().fg_color(Some(c.into())).bold()
}

/// `text` in the verdict's colour when `on`, else unchanged.
pub fn paint(text: &str, status: Status, on: bool) -> String {
    if !on {
        return text.to_string();
    }
    let style = status_style(status);
    format!("{style}{text}{style:#}")
}

/// `text` with its first line in the verdict's colour when `on` (the headline of a report).
pub fn paint_first_line(text: &str, status: Status, on: bool) -> String {
    if !on {
        return text.to_string();
    }
    match text.split_once('\n') {
        Some((first, rest)) => format!("{}\n{rest}", paint(first, status, true)),
        None => paint(text, status, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_colours_only_a_terminal_without_no_color() {
        assert!(decide(ColorChoice::Auto, true, false));
        assert!(!decide(ColorChoice::Auto, false, false));
        assert!(!decide(ColorChoice::Auto, true, true));
        assert!(decide(ColorChoice::Always, false, true));
        assert!(!decide(ColorChoice::Never, true, false));
    }

    #[test]
    fn painting_wraps_in_escapes_and_resets() {
        let s = paint("WORKING", Status::Working, true);
        assert!(s.starts_with("\x1b["), "{s:?}");
        assert!(s.contains("WORKING"));
        assert!(s.ends_with("\x1b[0m"), "{s:?}");
        assert_eq!(paint("WEAK", Status::Weak, false), "WEAK");
        assert_ne!(
            status_style(Status::Working),
            status_style(Status::NoSignal)
        );
        let t = paint_first_line("NO SIGNAL — x\ninput: k\n", Status::NoSignal, true);
        assert!(t.ends_with("\ninput: k\n"), "{t:?}");
        assert!(t.starts_with("\x1b["), "{t:?}");
    }
}
