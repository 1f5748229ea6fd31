//! The frames a new burst needs: the stream before the floor is ready, then its pre-roll.

use num_complex::Complex;

/// The last frames of the stream, frame `g` in slot `g % slots`: the frames before the floor
/// is ready, then the pre-roll of a burst opened by a later frame.
#[derive(Default)]
pub(super) struct FrameRing {
    n: usize,
    slots: usize,
    data: Vec<Complex<f32>>,
}

impl FrameRing {
    /// A ring of `slots` frames of `n` samples.
    pub(super) fn new(n: usize, slots: usize) -> Self {
        FrameRing {
            n,
            slots,
            data: vec![Complex::new(0.0, 0.0); n * slots],
        }
    }

    /// The samples of frame `g` (the last stored in its slot).
    pub(super) fn frame(&self, g: u64) -> &[Complex<f32>] {
        let at = (g % self.slots as u64) as usize * self.n;
        &self.data[at..at + self.n]
    }

    /// Stores frame `g`.
    pub(super) fn store(&mut self, g: u64, x: &[Complex<f32>]) {
        let at = (g % self.slots as u64) as usize * self.n;
        self.data[at..at + self.n].copy_from_slice(x);
    }

    /// Keeps only the last `slots` frames before frame `end`.
    pub(super) fn shrink(&mut self, slots: usize, end: u64) {
        let mut kept = FrameRing::new(self.n, slots.min(self.slots));
        for g in end.saturating_sub(kept.slots as u64)..end {
            kept.store(g, self.frame(g));
        }
        *self = kept;
    }
}

/// Where the frames around the one analysed are: from frame `first` on in `block` (the
/// stream, `n` samples a frame), before it in the ring.
pub(super) struct Recent<'a> {
    pub(super) ring: &'a FrameRing,
    pub(super) block: &'a [Complex<f32>],
    pub(super) first: u64,
}

impl<'a> Recent<'a> {
    /// The samples of frame `g`, which must be in the block or still in the ring.
    pub(super) fn frame(&self, g: u64) -> &'a [Complex<f32>] {
        match g.checked_sub(self.first) {
            Some(i) => {
                let n = self.ring.n;
                &self.block[i as usize * n..(i as usize + 1) * n]
            }
            None => self.ring.frame(g),
        }
    }
}
