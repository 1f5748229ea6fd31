//! The pulse analyzer: clusters widths, finds Te and the line coding, slices bits into rows.
//!
//! Method: mark and gap widths are clustered ([`super::cluster`]). Each line coding is then
//! tried as a hypothesis, with symbol widths taken from the clusters: PWM (two mark widths,
//! fixed gap or fixed period), PPM (one mark width, two gap widths), Manchester or DMC (levels
//! of one or two half-bits), PWM with free gaps (two mark widths, two gap widths, as rtl_433's
//! PWM slicer reads marks only), PCM (levels of whole bit times, NRZ or RZ). A hypothesis
//! splits the train into rows at gaps well beyond its own longest data gap, slices each row
//! ([`super::slicer`]) and counts the widths that fit. The best-fitting hypothesis wins; when
//! several fit about equally (within [`PREFER_MARGIN`]), the most specific wins, in the order
//! above (a PWM or Manchester signal is also a valid PCM one, never the other way round).
//! Nothing reaching [`MIN_SCORE`] leaves the coding UNKNOWN with every number `None` (except Te
//! for an unmodulated run, whose single width is measured).
//!
//! The unit (Te, half-bit, bit time) is the shortest width cluster holding a fair share of
//! the levels, averaged between marks and gaps (receivers stretch marks and shrink gaps by the
//! same amount), then refined over mark + gap periods, where that skew cancels.
//!
//! Preambles and syncs are kept from derailing the choice: a row whose marks and gaps each have
//! a single width (a 50 % duty preamble such as KeeLoq's 12 marks, or any unmodulated run)
//! carries no information about the coding and is not scored, nor are rows of one or two
//! pulses; a sync pulse, whose gap is far longer than any data gap (PT2262's 124 α, EV1527's
//! 31 Te, KeeLoq's 10 Te header), ends a row, so it never sits inside the data; a PWM row may
//! open with a long sync mark; and hypotheses whose rows average fewer than 8 pulses are
//! rejected, since they chop the data into crumbs (Megacode's PCM read as PPM would).
//! PCM words sent back to back with only a short pause are cut into rows at that pause when
//! the cut yields identical rows (see `repeating_split`).
//!
//! Manchester and DMC have the same alphabet (levels of one or two half-bits, runs of single
//! half-bit levels of even length between whole-bit levels), so timing alone cannot tell them
//! apart; they differ in where bit boundaries sit. A DMC row starts on a bit boundary, so its
//! levels pair up from the first one. DMC is reported when every scored row parses as DMC from
//! its first edge without an order violation, fits at least as well as Manchester, and starts
//! with a short pair (a DMC `1`); otherwise Manchester, the far more common coding. A
//! Manchester row that starts with `00` (G. E. Thomas) is therefore reported as DMC.

use std::ops::Range;

use super::cluster::{self, Cluster};
use super::slicer::{self, PwmGap, Sliced};
use super::{Coding, PulseAnalysis, PulseTrain, Row, rows};

/// Fewest widths a hypothesis must examine to be trusted.
const MIN_SCORED: usize = 8;
/// Lowest fit score a coding can be reported with.
pub const MIN_SCORE: f64 = 0.8;
/// A more specific coding wins over a better-fitting general one within this margin.
pub const PREFER_MARGIN: f64 = 0.04;
/// Widths beyond this (µs, 100 s) are treated as absurd and clamped.
const MAX_WIDTH_US: f64 = 1e8;
/// At most this many pulses of a train are analysed (memory and time stay bounded).
pub const MAX_PULSES: usize = 1 << 16;
/// Share of the marks (or gaps) a width cluster must hold to set the unit: enough that a
/// few noise pulses at a burst's onset cannot.
const UNIT_SHARE: f64 = 0.15;
/// PWM/PPM rows must average at least this many pulses (they are words, not crumbs).
const MIN_MEAN_ROW: f64 = 8.0;

/// Analyzes one pulse train.
pub fn analyze(train: &PulseTrain) -> PulseAnalysis {
    let pulses: Vec<(f64, f64)> = train
        .pulses
        .iter()
        .take(MAX_PULSES)
        .map(|p| (clean(p.high_us), clean(p.low_us)))
        .collect();
    let unknown = PulseAnalysis::unknown();
    if pulses.len() < 2 {
        return unknown;
    }
    let ctx = Context::new(&pulses);
    let hyps: Vec<Hypothesis> = [
        ctx.pwm(false),
        ctx.ppm(),
        ctx.biphase(),
        ctx.pwm(true),
        ctx.pcm(),
    ]
    .into_iter()
    .flatten()
    .filter(|h| h.scored >= MIN_SCORED && h.score.is_finite())
    .collect();
    let best = hyps
        .iter()
        .map(|h| h.score)
        .fold(f64::NEG_INFINITY, f64::max);
    let Some(h) = hyps
        .into_iter()
        .find(|h| h.score >= MIN_SCORE && h.score >= best - PREFER_MARGIN)
    else {
        return PulseAnalysis {
            te_us: ctx.unmodulated_width(),
            ..unknown
        };
    };
    let gap_us = median(h.row_gaps.clone());
    let mut rows = h.rows;
    if h.coding == Coding::Pwm
        && let Some(first) = rows.first_mut()
        && first.first_pulse == 0
        && first.bits.first() == Some(&true)
        && !first.uncertain.contains(&0)
    {
        // The first mark of a burst is the one a transmitter's oscillator start-up (and a
        // detector's attack) shortens, so a short first mark may be a long one cut: silvercrest
        // in the rtl_433 corpus opens with 216 µs where its repeats send 733 µs.
        first.uncertain.insert(0, 0);
    }
    // PPM carries its last bit in a gap: the train's final row lacks it.
    let rows = rows::group_repeats(rows::settle(rows, h.coding == Coding::Ppm));
    PulseAnalysis {
        coding: h.coding,
        short_us: Some(h.short),
        long_us: h.long,
        gap_us,
        te_us: Some(h.te),
        bitrate_bps: Some(h.bitrate),
        rows,
    }
}

/// A width as a finite, non-negative number of µs.
fn clean(w: f32) -> f64 {
    let w = f64::from(w);
    if w.is_finite() && w > 0.0 {
        w.min(MAX_WIDTH_US)
    } else {
        0.0
    }
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// One coding hypothesis, evaluated on the whole train.
#[derive(Debug)]
struct Hypothesis {
    coding: Coding,
    score: f64,
    scored: usize,
    rows: Vec<Row>,
    row_gaps: Vec<f64>,
    short: f64,
    long: Option<f64>,
    te: f64,
    bitrate: f64,
}

/// The train and its width clusters.
struct Context<'a> {
    pulses: &'a [(f64, f64)],
    /// The space after each pulse (the last one is the trailing silence and never data).
    gaps: Vec<f64>,
    marks_c: Vec<Cluster>,
    gaps_c: Vec<Cluster>,
    periods_c: Vec<Cluster>,
}

impl<'a> Context<'a> {
    fn new(pulses: &'a [(f64, f64)]) -> Self {
        let n = pulses.len();
        let marks: Vec<f64> = pulses.iter().map(|p| p.0).collect();
        let inner: Vec<f64> = pulses[..n - 1].iter().map(|p| p.1).collect();
        let periods: Vec<f64> = pulses[..n - 1].iter().map(|p| p.0 + p.1).collect();
        Context {
            pulses,
            gaps: pulses.iter().map(|p| p.1).collect(),
            marks_c: cluster::cluster(&marks),
            gaps_c: cluster::cluster(&inner),
            periods_c: cluster::cluster(&periods),
        }
    }

    /// The width of a train with a single mark width and a single gap width, if it is one.
    fn unmodulated_width(&self) -> Option<f64> {
        let m = cluster::significant(&self.marks_c, 0.1, 1);
        let g = cluster::significant(&self.gaps_c, 0.1, 1);
        (m.len() == 1 && g.len() <= 1).then(|| m[0].mean)
    }

    /// Splits at `row_gap`, slices every row with `slice`, and scores the result.
    fn evaluate(&self, row_gap: f64, slice: impl Fn(&[(f64, f64)]) -> Sliced) -> Evaluation {
        let ranges = rows::split(&self.gaps, row_gap);
        let mut ev = Evaluation::default();
        for r in &ranges {
            let p = &self.pulses[r.clone()];
            let s = slice(p);
            if r.len() >= 3 && !self.uniform(r.clone()) {
                ev.fit += s.fit;
                ev.total += s.total;
                ev.violations += s.violations;
                ev.scored_rows.push(r.clone());
            }
            if r.end < self.pulses.len() {
                ev.row_gaps.push(self.gaps[r.end - 1]);
            }
            ev.rows.push(Row {
                bits: s.bits,
                repeats: 1,
                first_pulse: r.start,
                pulse_count: r.len(),
                uncertain: s.uncertain,
                inferred: 0,
            });
        }
        ev.ranges = ranges;
        ev
    }

    /// Like [`Self::evaluate`] at `row_gap`, but PCM words are often sent back to back with
    /// a pause of only a few bit times: when cutting at the longest gap width (longer than
    /// `min_gap`) turns the train into runs of identical rows covering at least half of it,
    /// that cut is used instead. The repetition itself is the evidence; no gap is assumed.
    fn repeating_split(
        &self,
        row_gap: f64,
        min_gap: f64,
        slice: impl Fn(&[(f64, f64)]) -> Sliced,
    ) -> Evaluation {
        let plain = self.evaluate(row_gap, &slice);
        let Some(top) = self
            .gaps_c
            .iter()
            .rev()
            .find(|c| c.count >= 2 && c.min > min_gap && c.max < row_gap)
        else {
            return plain;
        };
        let cut = self.evaluate(top.min * 0.95, &slice);
        let grouped = rows::group_repeats(cut.rows.clone());
        let repeated: usize = grouped
            .iter()
            .filter(|r| r.repeats >= 2 && r.bits.len() >= 8)
            .map(|r| r.pulse_count)
            .sum();
        if cut.rows_are_words() && 2 * repeated >= self.pulses.len() {
            cut
        } else {
            plain
        }
    }

    /// Whether a row has a single mark width and a single inner gap width.
    fn uniform(&self, r: Range<usize>) -> bool {
        let p = &self.pulses[r];
        let spread = |it: &mut dyn Iterator<Item = f64>| {
            let (lo, hi) = it.fold((f64::INFINITY, 0.0f64), |(lo, hi), w| {
                (lo.min(w), hi.max(w))
            });
            hi <= lo * cluster::MAX_SPREAD
        };
        spread(&mut p.iter().map(|x| x.0)) && spread(&mut p[..p.len() - 1].iter().map(|x| x.1))
    }

    /// PWM. `free`: the gap may take either of two widths whatever the mark (tried after
    /// Manchester, whose levels it would also accept); otherwise the gap or the period is fixed.
    fn pwm(&self, free: bool) -> Option<Hypothesis> {
        let two = cluster::most_populous(&self.marks_c, 2);
        let [s, l] = two.as_slice() else { return None };
        let ratio = l.mean / s.mean;
        if s.count < 2 || l.count < 2 || !(1.4..=8.0).contains(&ratio) {
            return None;
        }
        // (spacing, longest data gap, bit period)
        let mut modes: Vec<(PwmGap, f64, f64)> = Vec::new();
        if free {
            let g = cluster::most_populous(&self.gaps_c, 2);
            if let [a, b] = g.as_slice() {
                let period = (s.mean + l.mean + a.mean + b.mean) / 2.0;
                modes.push((PwmGap::Either(a.mean, b.mean), b.mean, period));
            }
        } else {
            if let Some(g) = cluster::most_populous(&self.gaps_c, 1).first() {
                let period = (s.mean + l.mean) / 2.0 + g.mean;
                modes.push((PwmGap::Fixed(g.mean), g.mean, period));
            }
            if let Some(p) = cluster::most_populous(&self.periods_c, 1).first() {
                modes.push((PwmGap::Period(p.mean), p.mean - s.mean, p.mean));
            }
        }
        let mut best: Option<Hypothesis> = None;
        for (mode, longest_gap, period) in modes {
            if longest_gap <= 0.0 {
                continue;
            }
            let ev = self.evaluate(2.0 * longest_gap, |r| slicer::pwm(r, s.mean, l.mean, mode));
            if !ev.rows_are_words() {
                continue;
            }
            let h = ev.into_hypothesis(Coding::Pwm, s.mean, Some(l.mean), s.mean, 1e6 / period);
            if best.as_ref().is_none_or(|b| h.score > b.score) {
                best = Some(h);
            }
        }
        best
    }

    fn ppm(&self) -> Option<Hypothesis> {
        let m = *cluster::most_populous(&self.marks_c, 1).first()?;
        let two = cluster::most_populous(&self.gaps_c, 2);
        let [g0, g1] = two.as_slice() else {
            return None;
        };
        let ratio = g1.mean / g0.mean;
        if g0.count < 2 || g1.count < 2 || !(1.4..=8.0).contains(&ratio) {
            return None;
        }
        let row_gap = (1.5 * g1.mean).max(1.15 * g1.max);
        let ev = self.evaluate(row_gap, |r| slicer::ppm(r, m.mean, g0.mean, g1.mean));
        if !ev.rows_are_words() {
            return None;
        }
        let bitrate = 1e6 / (m.mean + (g0.mean + g1.mean) / 2.0);
        Some(ev.into_hypothesis(
            Coding::Ppm,
            g0.mean,
            Some(g1.mean),
            m.mean.min(g0.mean),
            bitrate,
        ))
    }

    /// The unit width: the shortest significant level, refined over the widths that are whole
    /// multiples (up to `max_k`) of it. Receivers often stretch marks and shrink gaps by the
    /// same amount; when the shortest mark and the shortest gap are the same symbol (within a
    /// factor 1.8) their mean cancels that skew.
    fn unit(&self, max_k: f64) -> Option<f64> {
        let m = cluster::significant(&self.marks_c, UNIT_SHARE, 2)
            .first()
            .map(|c| c.mean);
        let g = cluster::significant(&self.gaps_c, UNIT_SHARE, 2)
            .first()
            .map(|c| c.mean);
        let t0 = match (m, g) {
            (Some(m), Some(g)) if m.max(g) <= 1.8 * m.min(g) => (m + g) / 2.0,
            (Some(m), Some(g)) => m.min(g),
            (Some(x), None) | (None, Some(x)) => x,
            (None, None) => return None,
        };
        let n = self.pulses.len();
        let (mut sw, mut sk) = (0.0, 0.0);
        for (i, p) in self.pulses.iter().enumerate() {
            // A mark and its gap together: the skew cancels in the sum.
            if i + 1 == n {
                break;
            }
            let w = p.0 + p.1;
            let k = (w / t0).round();
            if (2.0..=2.0 * max_k).contains(&k) && (w - k * t0).abs() <= 0.3 * t0 {
                sw += w;
                sk += k;
            }
        }
        Some(if sk > 0.0 { sw / sk } else { t0 })
    }

    /// Manchester or differential Manchester.
    fn biphase(&self) -> Option<Hypothesis> {
        let t = self.unit(2.0)?;
        let row_gap = 4.0 * t;
        let man = self.evaluate(row_gap, |r| slicer::manchester(r, t));
        let dmc = self.evaluate(row_gap, |r| slicer::dmc(r, t));
        let short = |w: f64| w < 1.5 * t;
        let starts_short_pair = dmc.scored_rows.iter().all(|r| {
            let (m, g) = self.pulses[r.start];
            short(m) && short(g)
        });
        let dmc_clean =
            dmc.total > 0 && dmc.violations == 0 && dmc.fit >= man.fit && starts_short_pair;
        let (ev, coding) = if dmc_clean {
            (dmc, Coding::Dmc)
        } else {
            (man, Coding::Manchester)
        };
        Some(ev.into_hypothesis(coding, t, Some(2.0 * t), t, 1e6 / (2.0 * t)))
    }

    /// PCM, NRZ or RZ.
    fn pcm(&self) -> Option<Hypothesis> {
        let mut best: Option<Hypothesis> = None;
        if let Some(t) = self.unit(64.0) {
            let ev = self.repeating_split(16.0 * t, 2.0 * t, |r| slicer::pcm(r, t, None));
            best = Some(ev.into_hypothesis(Coding::Pcm, t, None, t, 1e6 / t));
        }
        // Return-to-zero: one mark width, clearly shorter than the bit period.
        let mark = cluster::most_populous(&self.marks_c, 1).first().copied();
        let period = cluster::significant(&self.periods_c, 0.05, 2)
            .first()
            .copied();
        if let (Some(m), Some(p)) = (mark, period) {
            if m.mean >= 0.75 * p.mean {
                return best;
            }
            let t = p.mean;
            let ev = self.repeating_split(16.0 * t, 2.0 * t, |r| slicer::pcm(r, t, Some(m.mean)));
            let h = ev.into_hypothesis(Coding::Pcm, t, None, t, 1e6 / t);
            if best.as_ref().is_none_or(|b| h.score > b.score) {
                best = Some(h);
            }
        }
        best
    }
}

/// The outcome of slicing every row under one hypothesis.
#[derive(Debug, Default)]
struct Evaluation {
    rows: Vec<Row>,
    ranges: Vec<Range<usize>>,
    row_gaps: Vec<f64>,
    fit: usize,
    total: usize,
    /// Order violations in the scored rows.
    violations: usize,
    /// Rows that were scored (not strays, not uniform).
    scored_rows: Vec<Range<usize>>,
}

impl Evaluation {
    /// Whether rows average enough pulses to be words rather than a chopped-up signal.
    fn rows_are_words(&self) -> bool {
        let pulses: usize = self.ranges.iter().map(|r| r.len()).sum();
        !self.ranges.is_empty() && pulses as f64 / self.ranges.len() as f64 >= MIN_MEAN_ROW
    }

    fn into_hypothesis(
        self,
        coding: Coding,
        short: f64,
        long: Option<f64>,
        te: f64,
        bitrate: f64,
    ) -> Hypothesis {
        Hypothesis {
            coding,
            score: if self.total == 0 || !self.rows_are_words() {
                0.0
            } else {
                self.fit as f64 / self.total as f64
            },
            scored: self.total,
            rows: self.rows,
            row_gaps: self.row_gaps,
            short,
            long,
            te,
            bitrate,
        }
    }
}

/// A description of how the analyzer judged each hypothesis on a train, for diagnostics.
pub fn explain(train: &PulseTrain) -> Vec<(Coding, f64, usize)> {
    let pulses: Vec<(f64, f64)> = train
        .pulses
        .iter()
        .take(MAX_PULSES)
        .map(|p| (clean(p.high_us), clean(p.low_us)))
        .collect();
    if pulses.len() < 2 {
        return Vec::new();
    }
    let ctx = Context::new(&pulses);
    [
        ctx.pwm(false),
        ctx.ppm(),
        ctx.biphase(),
        ctx.pwm(true),
        ctx.pcm(),
    ]
    .into_iter()
    .flatten()
    .map(|h| (h.coding, h.score, h.scored))
    .collect()
}
