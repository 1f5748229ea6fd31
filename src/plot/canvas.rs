//! An RGB pixel buffer to draw on: opaque rectangles, outlines, blended pixels and text.

use super::layout::Rect;
use super::text::{self, Anchor};

/// An RGB buffer of `width × height` pixels, row by row.
pub struct Canvas {
    /// Width, px.
    pub width: u32,
    /// Height, px.
    pub height: u32,
    /// `width × height × 3` bytes.
    pub rgb: Vec<u8>,
}

impl Canvas {
    /// A canvas filled with `background`.
    pub fn new(width: u32, height: u32, background: [u8; 3]) -> Canvas {
        let mut rgb = Vec::with_capacity(width as usize * height as usize * 3);
        for _ in 0..width as usize * height as usize {
            rgb.extend_from_slice(&background);
        }
        Canvas { width, height, rgb }
    }

    fn index(&self, x: i32, y: i32) -> Option<usize> {
        (x >= 0 && y >= 0 && (x as u32) < self.width && (y as u32) < self.height)
            .then(|| (y as usize * self.width as usize + x as usize) * 3)
    }

    /// Sets one pixel (outside the canvas: nothing).
    pub fn put(&mut self, x: i32, y: i32, c: [u8; 3]) {
        if let Some(i) = self.index(x, y) {
            self.rgb[i..i + 3].copy_from_slice(&c);
        }
    }

    /// Mixes `c` into one pixel with weight `alpha` in `0..=1`.
    pub fn blend(&mut self, x: i32, y: i32, c: [u8; 3], alpha: f32) {
        let a = alpha.clamp(0.0, 1.0);
        if let Some(i) = self.index(x, y) {
            for (px, &want) in self.rgb[i..i + 3].iter_mut().zip(&c) {
                let old = *px as f32;
                *px = (old + (want as f32 - old) * a).round() as u8;
            }
        }
    }

    /// The pixel at `(x, y)` (black outside).
    pub fn get(&self, x: i32, y: i32) -> [u8; 3] {
        match self.index(x, y) {
            Some(i) => [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]],
            None => [0, 0, 0],
        }
    }

    /// Fills `x0..x1 × y0..y1` (ends exclusive).
    pub fn fill(&mut self, (x0, y0): (i32, i32), (x1, y1): (i32, i32), c: [u8; 3]) {
        for y in y0.max(0)..y1.min(self.height as i32) {
            for x in x0.max(0)..x1.min(self.width as i32) {
                self.put(x, y, c);
            }
        }
    }

    /// A one-pixel frame just outside `r`.
    pub fn outline(&mut self, r: &Rect, c: [u8; 3]) {
        self.fill((r.x0 - 1, r.y0 - 1), (r.x1 + 1, r.y0), c);
        self.fill((r.x0 - 1, r.y1), (r.x1 + 1, r.y1 + 1), c);
        self.fill((r.x0 - 1, r.y0), (r.x0, r.y1), c);
        self.fill((r.x1, r.y0), (r.x1 + 1, r.y1), c);
    }

    /// Draws `s` at `size` in colour `c`, its anchor `at` placed at `(x, y)`.
    pub fn text(
        &mut self,
        s: &str,
        xy: (i32, i32),
        size: f32,
        c: [u8; 3],
        at: (Anchor, Anchor),
    ) -> Result<(), String> {
        text::draw(s, xy, size, at, &mut |x, y, cov| self.blend(x, y, c, cov))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_clip_and_text_draws_ink() {
        let mut c = Canvas::new(40, 20, [0, 0, 0]);
        c.fill((-5, -5), (3, 3), [9, 9, 9]);
        assert_eq!(c.get(2, 2), [9, 9, 9]);
        assert_eq!(c.get(3, 3), [0, 0, 0]);
        c.blend(10, 10, [200, 100, 0], 0.5);
        assert_eq!(c.get(10, 10), [100, 50, 0]);
        let mut t = Canvas::new(200, 40, [0, 0, 0]);
        t.text(
            "0101 key",
            (5, 5),
            20.0,
            [255, 255, 255],
            (Anchor::Start, Anchor::Start),
        )
        .unwrap();
        let lit = t.rgb.chunks(3).filter(|p| p[0] > 128).count();
        assert!(lit > 50, "text drew {lit} bright pixels");
    }
}
