//! A guided key test: the owner is asked to press each button in turn ("press LOCK now"),
//! each prompt given a fixed stretch of signal time, while the live pipeline listens; at the
//! end every button gets its own verdict, and the presses are compared with one another (the
//! button map) and, when given, with another recording.
//!
//! Time is signal time (samples received ÷ rate), which is wall-clock time for a radio and
//! reproducible for a replayed recording: a scene whose presses fall in the prompts' windows
//! gives the same answer however fast it is served.

pub mod result;

use crate::live::LiveObserver;
use crate::model::Transmission;

/// One prompt and the window of signal time its presses are expected in.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Step {
    /// The button asked for (`LOCK`).
    pub button: String,
    /// Start of the window, s.
    pub start_s: f64,
    /// End of the window, s.
    pub end_s: f64,
}

/// The prompts for `buttons`, `step_s` seconds each, back to back from 0.
pub fn plan(buttons: &[String], step_s: f64) -> Vec<Step> {
    buttons
        .iter()
        .enumerate()
        .map(|(k, b)| Step {
            button: b.to_uppercase(),
            start_s: k as f64 * step_s,
            end_s: (k + 1) as f64 * step_s,
        })
        .collect()
}

/// The step a transmission starting at `start_s` belongs to.
pub fn step_of(steps: &[Step], start_s: f64) -> Option<usize> {
    steps
        .iter()
        .position(|s| start_s >= s.start_s && start_s < s.end_s)
}

/// The default buttons for a key with `count` buttons (2: lock and unlock, the keys most cars
/// have; 3 adds the boot; 4 adds panic).
pub fn default_buttons(count: Option<u8>) -> Vec<String> {
    let all = ["lock", "unlock", "trunk", "panic"];
    let n = usize::from(count.unwrap_or(2)).clamp(1, all.len());
    all[..n].iter().map(|s| s.to_string()).collect()
}

/// What a guided session tells its user as it runs.
pub trait Guide {
    /// Step `index` begins: ask for its button.
    fn prompt(&mut self, index: usize, step: &Step);
    /// The level of the last block, dBFS, at `time_s`, during step `index` (if any).
    fn level(&mut self, dbfs: f64, time_s: f64, index: Option<usize>);
    /// A transmission completed, heard during step `index` (if any).
    fn transmission(&mut self, t: &Transmission, index: Option<usize>);
}

/// Drives the prompts from the live session's clock.
pub struct GuidedObserver<'a> {
    steps: &'a [Step],
    next_prompt: usize,
    guide: &'a mut dyn Guide,
}

impl<'a> GuidedObserver<'a> {
    /// An observer prompting `steps` through `guide`.
    pub fn new(steps: &'a [Step], guide: &'a mut dyn Guide) -> Self {
        GuidedObserver {
            steps,
            next_prompt: 0,
            guide,
        }
    }

    /// How many prompts were given.
    pub fn prompted(&self) -> usize {
        self.next_prompt
    }
}

impl LiveObserver for GuidedObserver<'_> {
    fn transmission(&mut self, t: &Transmission) {
        self.guide.transmission(t, step_of(self.steps, t.start_s));
    }

    fn level(&mut self, dbfs: f64, time_s: f64) {
        while self.next_prompt < self.steps.len() && time_s >= self.steps[self.next_prompt].start_s
        {
            self.guide
                .prompt(self.next_prompt, &self.steps[self.next_prompt]);
            self.next_prompt += 1;
        }
        self.guide.level(dbfs, time_s, step_of(self.steps, time_s));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Script(Vec<String>);

    impl Guide for Script {
        fn prompt(&mut self, index: usize, step: &Step) {
            self.0.push(format!("{index}:{}", step.button));
        }
        fn level(&mut self, _dbfs: f64, _time_s: f64, _index: Option<usize>) {}
        fn transmission(&mut self, t: &Transmission, index: Option<usize>) {
            self.0.push(format!("tx {} in {index:?}", t.start_s));
        }
    }

    #[test]
    fn prompts_follow_the_signal_clock() {
        let steps = plan(&["lock".into(), "unlock".into()], 3.0);
        assert_eq!(steps[1].button, "UNLOCK");
        assert_eq!((steps[1].start_s, steps[1].end_s), (3.0, 6.0));
        let mut script = Script::default();
        {
            let mut obs = GuidedObserver::new(&steps, &mut script);
            for k in 0..13 {
                obs.level(-40.0, k as f64 * 0.5);
            }
            assert_eq!(obs.prompted(), 2);
        }
        assert_eq!(script.0, ["0:LOCK", "1:UNLOCK"]);
        assert_eq!(step_of(&steps, 2.99), Some(0));
        assert_eq!(step_of(&steps, 3.0), Some(1));
        assert_eq!(step_of(&steps, 6.0), None);
    }

    #[test]
    fn default_buttons_by_count() {
        assert_eq!(default_buttons(None), ["lock", "unlock"]);
        assert_eq!(default_buttons(Some(3)), ["lock", "unlock", "trunk"]);
        assert_eq!(default_buttons(Some(9)).len(), 4);
    }
}
