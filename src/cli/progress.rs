//! Progress bars on standard error for work that takes more than a moment.
//!
//! A bar appears only when standard error is a terminal, `--quiet` was not given, and the work
//! has already taken [`SHOW_AFTER`]: quick files never flash a bar, and nothing reaches a pipe
//! or a log. Standard output (text or JSON) is never touched; lines printed while a bar is
//! drawn go through [`Bar::print`], which lifts the bar out of the way first.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::term;

/// How long work runs before its bar is shown.
pub const SHOW_AFTER: Duration = Duration::from_millis(500);

/// Steps of a fraction bar (0..=1 mapped onto 0..=STEPS).
const STEPS: u64 = 1000;

/// A bar that shows itself once the work has taken [`SHOW_AFTER`], if bars are allowed.
pub struct Bar {
    enabled: bool,
    started: Instant,
    len: u64,
    template: &'static str,
    label: String,
    bar: Option<ProgressBar>,
}

impl Bar {
    /// A bar over the fraction done of one input (for [`Bar::fraction`]), labelled `label`.
    pub fn for_fraction(label: &str) -> Bar {
        Bar::new(
            STEPS,
            "[{bar:25}] {percent:>3}%  about {eta} left  {wide_msg}",
            label,
        )
    }

    /// A bar over `n` files (for [`Bar::set`]), labelled `label`.
    pub fn for_files(n: usize, label: &str) -> Bar {
        Bar::new(
            n as u64,
            "[{bar:25}] {pos}/{len} files  {elapsed}  {wide_msg}",
            label,
        )
    }

    fn new(len: u64, template: &'static str, label: &str) -> Bar {
        Bar {
            enabled: !term::quiet() && std::io::stderr().is_terminal(),
            started: Instant::now(),
            len,
            template,
            label: label.to_string(),
            bar: None,
        }
    }

    /// Records the fraction done (0..=1).
    pub fn fraction(&mut self, done: f64) {
        self.set((done.clamp(0.0, 1.0) * STEPS as f64) as u64);
    }

    /// Records the position (steps or files done).
    pub fn set(&mut self, pos: u64) {
        if let Some(b) = &self.bar {
            b.set_position(pos);
            return;
        }
        if !self.enabled || pos >= self.len || self.started.elapsed() < SHOW_AFTER {
            return;
        }
        let mut b = ProgressBar::hidden()
            .with_position(pos)
            .with_elapsed(self.started.elapsed())
            .with_message(self.label.clone());
        b.set_length(self.len);
        if let Ok(style) = ProgressStyle::with_template(self.template) {
            b = b.with_style(style.progress_chars("=> "));
        }
        // Drawn only now that it is set up: no half-configured first frame.
        b.set_draw_target(ProgressDrawTarget::stderr());
        self.bar = Some(b);
    }

    /// Runs `f` (which prints) with the bar lifted out of the way.
    pub fn print<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(b) => b.suspend(f),
            None => f(),
        }
    }

    /// True once the bar is on screen.
    pub fn shown(&self) -> bool {
        self.bar.is_some()
    }

    /// Removes the bar from the screen.
    pub fn clear(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_is_not_shown_before_its_delay_nor_when_done() {
        let mut b = Bar::for_fraction("x");
        b.enabled = true;
        b.fraction(0.3);
        assert!(!b.shown(), "shown before the delay");
        b.started = Instant::now() - SHOW_AFTER * 2;
        b.fraction(1.0);
        assert!(!b.shown(), "shown for work already done");
        b.enabled = false;
        b.fraction(0.5);
        assert!(!b.shown(), "shown while disabled");
        b.enabled = true;
        b.fraction(0.5);
        assert!(b.shown(), "not shown after the delay");
        b.clear();
        assert!(!b.shown());
    }
}
