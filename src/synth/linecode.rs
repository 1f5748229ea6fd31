//! Envelope programs and line codes.
//!
//! An [`Envelope`] is the keying of a transmitter as a list of segments: carrier on (`true`,
//! a *mark*; the upper tone in FSK) or off (`false`, a *space*; the lower tone in FSK) for a
//! duration in microseconds. Encoders turn bits into an envelope at a symbol time Te:
//!
//! | code | a `0` | a `1` | period |
//! |------|-------|-------|--------|
//! | PWM (short = 1) | 2 Te mark, 1 Te space | 1 Te mark, 2 Te space | 3 Te |
//! | PWM (short = 0) | 1 Te mark, 2 Te space | 2 Te mark, 1 Te space | 3 Te |
//! | PPM | 1 Te mark, 2 Te space | 1 Te mark, 4 Te space | 3 or 5 Te |
//! | Manchester (IEEE 802.3) | mark then space, Te each | space then mark, Te each | 2 Te |
//! | Differential Manchester | level change at the bit start and mid-bit | level change at the bit start only | 2 Te |
//! | NRZ / PCM | 1 Te space | 1 Te mark | 1 Te |
//!
//! Te is always the shortest element the receiver sees: for Manchester it is the half bit, so
//! the bit period is 2 Te. Manchester follows IEEE 802.3: a `0` is a high-to-low transition in
//! the middle of the bit, a `1` low-to-high. PPM ends with a closing mark so the last gap is
//! measurable. Segments of equal level are merged, so an envelope always alternates.

use serde::Serialize;

/// One keyed segment.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Segment {
    /// Carrier on (or upper FSK tone) when `true`.
    pub level: bool,
    /// Duration, µs.
    pub duration_us: f64,
}

/// A keying program: alternating marks and spaces.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Envelope {
    segments: Vec<Segment>,
}

impl Envelope {
    /// An empty program.
    pub fn new() -> Self {
        Envelope::default()
    }

    /// Appends a segment, merging it with the last one when the level is the same; durations
    /// that are not positive and finite are ignored.
    pub fn push(&mut self, level: bool, duration_us: f64) {
        if !(duration_us.is_finite() && duration_us > 0.0) {
            return;
        }
        match self.segments.last_mut() {
            Some(last) if last.level == level => last.duration_us += duration_us,
            _ => self.segments.push(Segment { level, duration_us }),
        }
    }

    /// Appends carrier on for `duration_us`.
    pub fn mark(&mut self, duration_us: f64) {
        self.push(true, duration_us);
    }

    /// Appends carrier off for `duration_us`.
    pub fn space(&mut self, duration_us: f64) {
        self.push(false, duration_us);
    }

    /// Appends another program.
    pub fn append(&mut self, other: &Envelope) {
        for s in &other.segments {
            self.push(s.level, s.duration_us);
        }
    }

    /// The segments in time order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Total duration, µs.
    pub fn duration_us(&self) -> f64 {
        self.segments.iter().map(|s| s.duration_us).sum()
    }

    /// Total time with the carrier on (marks), µs.
    pub fn mark_time_us(&self) -> f64 {
        self.segments
            .iter()
            .filter(|s| s.level)
            .map(|s| s.duration_us)
            .sum()
    }

    /// Number of marks.
    pub fn marks(&self) -> usize {
        self.segments.iter().filter(|s| s.level).count()
    }

    /// Time of the first rising edge and of the last falling edge, µs from the start;
    /// `None` when the program has no mark.
    pub fn mark_span_us(&self) -> Option<(f64, f64)> {
        let mut t = 0.0;
        let mut first = None;
        let mut last = None;
        for s in &self.segments {
            if s.level {
                first.get_or_insert(t);
                last = Some(t + s.duration_us);
            }
            t += s.duration_us;
        }
        Some((first?, last?))
    }

    /// The level at time `t_us` (spaces outside the program).
    pub fn level_at(&self, t_us: f64) -> bool {
        if t_us < 0.0 {
            return false;
        }
        let mut t = 0.0;
        for s in &self.segments {
            t += s.duration_us;
            if t_us < t {
                return s.level;
            }
        }
        false
    }

    /// Every duration multiplied by `factor` (timing drift of the transmitter's oscillator).
    pub fn scaled(&self, factor: f64) -> Envelope {
        let mut e = Envelope::new();
        for s in &self.segments {
            e.push(s.level, s.duration_us * factor);
        }
        e
    }

    /// The program cut at `at_us` (a burst stopped by brown-out).
    pub fn truncated(&self, at_us: f64) -> Envelope {
        let mut e = Envelope::new();
        let mut t = 0.0;
        for s in &self.segments {
            if t >= at_us {
                break;
            }
            e.push(s.level, s.duration_us.min(at_us - t));
            t += s.duration_us;
        }
        e
    }

    /// The pulses as (mark, following space) pairs in µs, rtl_433 style; a leading space is
    /// dropped and the last space is whatever the program ends with (0 if it ends on a mark).
    pub fn pulses(&self) -> Vec<(f64, f64)> {
        let mut out: Vec<(f64, f64)> = Vec::new();
        for s in &self.segments {
            if s.level {
                out.push((s.duration_us, 0.0));
            } else if let Some(last) = out.last_mut() {
                last.1 = s.duration_us;
            }
        }
        out
    }
}

/// A line code (see the module documentation for the exact timings).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LineCode {
    /// Pulse-width modulation, period 3 Te, marks of 1 Te and 2 Te.
    Pwm {
        /// The short mark stands for `1` (KeeLoq convention) when `true`, for `0` otherwise.
        short_is_one: bool,
    },
    /// Pulse-position (gap-width) modulation: 1 Te marks, a gap of 2 Te for `0`, 4 Te for `1`.
    Ppm,
    /// Manchester, IEEE 802.3 convention (`0` = high→low, `1` = low→high), half bit = Te.
    Manchester,
    /// Differential Manchester: a transition at every bit start, plus one mid-bit for `0`.
    DiffManchester,
    /// Plain NRZ / PCM: one Te per bit, mark = `1`.
    Nrz,
}

impl LineCode {
    /// The coding name used in reports (`PWM`, `PPM`, `MANCHESTER`, `DMC`, `PCM`).
    pub fn name(self) -> &'static str {
        match self {
            LineCode::Pwm { .. } => "PWM",
            LineCode::Ppm => "PPM",
            LineCode::Manchester => "MANCHESTER",
            LineCode::DiffManchester => "DMC",
            LineCode::Nrz => "PCM",
        }
    }
}

/// Appends bits in PWM with explicit timings: each bit is a mark of `short_us` or `long_us`
/// followed by a space completing `period_us`.
pub fn pwm_into(
    env: &mut Envelope,
    bits: &[bool],
    short_us: f64,
    long_us: f64,
    period_us: f64,
    short_is_one: bool,
) {
    for &b in bits {
        let mark = if b == short_is_one { short_us } else { long_us };
        env.mark(mark);
        env.space(period_us - mark);
    }
}

/// Encodes `bits` with `code` at symbol time `te_us`.
pub fn encode(bits: &[bool], code: LineCode, te_us: f64) -> Envelope {
    let mut env = Envelope::new();
    match code {
        LineCode::Pwm { short_is_one } => pwm_into(
            &mut env,
            bits,
            te_us,
            2.0 * te_us,
            3.0 * te_us,
            short_is_one,
        ),
        LineCode::Ppm => {
            for &b in bits {
                env.mark(te_us);
                env.space(if b { 4.0 } else { 2.0 } * te_us);
            }
            if !bits.is_empty() {
                env.mark(te_us);
            }
        }
        LineCode::Manchester => {
            for &b in bits {
                // IEEE 802.3: 1 = low then high, 0 = high then low.
                env.push(!b, te_us);
                env.push(b, te_us);
            }
        }
        LineCode::DiffManchester => {
            // The line idles low, so the first bit starts with a rising edge.
            let mut level = false;
            for &b in bits {
                level = !level;
                if b {
                    env.push(level, 2.0 * te_us);
                } else {
                    env.push(level, te_us);
                    level = !level;
                    env.push(level, te_us);
                }
            }
        }
        LineCode::Nrz => {
            for &b in bits {
                env.push(b, te_us);
            }
        }
    }
    env
}

/// Parses a bit string of `0` and `1` (spaces and `_` ignored); `None` on any other
/// character or an empty string.
pub fn parse_bits(text: &str) -> Option<Vec<bool>> {
    let mut bits = Vec::new();
    for c in text.chars() {
        match c {
            '0' => bits.push(false),
            '1' => bits.push(true),
            ' ' | '_' => {}
            _ => return None,
        }
    }
    (!bits.is_empty()).then_some(bits)
}

/// Formats bits as a `0`/`1` string.
pub fn bits_string(bits: &[bool]) -> String {
    bits.iter().map(|&b| if b { '1' } else { '0' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(e: &Envelope) -> Vec<(bool, f64)> {
        e.segments()
            .iter()
            .map(|s| (s.level, s.duration_us))
            .collect()
    }

    #[test]
    fn push_merges_and_ignores_empty() {
        let mut e = Envelope::new();
        e.mark(100.0);
        e.mark(50.0);
        e.space(0.0);
        e.space(f64::NAN);
        e.space(200.0);
        assert_eq!(segs(&e), vec![(true, 150.0), (false, 200.0)]);
        assert_eq!(e.duration_us(), 350.0);
        assert_eq!(e.mark_time_us(), 150.0);
        assert_eq!(e.mark_span_us(), Some((0.0, 150.0)));
    }

    #[test]
    fn pwm_timings() {
        let e = encode(&[true, false], LineCode::Pwm { short_is_one: true }, 400.0);
        assert_eq!(
            segs(&e),
            vec![(true, 400.0), (false, 800.0), (true, 800.0), (false, 400.0)]
        );
        let e = encode(
            &[true, false],
            LineCode::Pwm {
                short_is_one: false,
            },
            100.0,
        );
        assert_eq!(
            segs(&e),
            vec![(true, 200.0), (false, 100.0), (true, 100.0), (false, 200.0)]
        );
        assert_eq!(e.duration_us(), 2.0 * 3.0 * 100.0);
    }

    #[test]
    fn ppm_timings() {
        let e = encode(&[false, true, true], LineCode::Ppm, 250.0);
        assert_eq!(
            segs(&e),
            vec![
                (true, 250.0),
                (false, 500.0),
                (true, 250.0),
                (false, 1000.0),
                (true, 250.0),
                (false, 1000.0),
                (true, 250.0)
            ]
        );
        // Every mark has the same width: only the gaps carry the bits.
        assert!(e.pulses().iter().all(|p| p.0 == 250.0));
    }

    #[test]
    fn manchester_ieee() {
        // 1 0 0 1: LH HL HL LH -> L, HH, L, H, LL, H (merged).
        let e = encode(&[true, false, false, true], LineCode::Manchester, 500.0);
        assert_eq!(
            segs(&e),
            vec![
                (false, 500.0),
                (true, 1000.0),
                (false, 500.0),
                (true, 500.0),
                (false, 1000.0),
                (true, 500.0)
            ]
        );
        // Mid-bit level is the bit itself.
        for (i, b) in [true, false, false, true].iter().enumerate() {
            let t = i as f64 * 1000.0 + 750.0;
            assert_eq!(e.level_at(t), *b, "bit {i}");
        }
    }

    #[test]
    fn differential_manchester() {
        // 1 0 1 1: [H H] [L H] [L L] [H H]
        let e = encode(&[true, false, true, true], LineCode::DiffManchester, 100.0);
        assert_eq!(
            segs(&e),
            vec![
                (true, 200.0),
                (false, 100.0),
                (true, 100.0),
                (false, 200.0),
                (true, 200.0)
            ]
        );
        // A level change at every bit boundary.
        for k in 1..4 {
            let t = k as f64 * 200.0;
            assert_ne!(e.level_at(t - 1.0), e.level_at(t + 1.0), "boundary {k}");
        }
    }

    #[test]
    fn nrz_levels() {
        let e = encode(&[true, true, false, true], LineCode::Nrz, 10.0);
        assert_eq!(segs(&e), vec![(true, 20.0), (false, 10.0), (true, 10.0)]);
    }

    #[test]
    fn scale_truncate_pulses() {
        let e = encode(&[true, false], LineCode::Pwm { short_is_one: true }, 100.0);
        assert_eq!(e.scaled(1.5).duration_us(), 900.0);
        let t = e.truncated(350.0);
        assert_eq!(segs(&t), vec![(true, 100.0), (false, 200.0), (true, 50.0)]);
        assert_eq!(e.pulses(), vec![(100.0, 200.0), (200.0, 100.0)]);
    }

    #[test]
    fn bit_strings() {
        assert_eq!(parse_bits("10 1_1"), Some(vec![true, false, true, true]));
        assert_eq!(parse_bits("102"), None);
        assert_eq!(parse_bits(""), None);
        assert_eq!(bits_string(&[true, false]), "10");
    }
}
