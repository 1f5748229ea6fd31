//! Text in pictures: the bundled font (DejaVu Sans Mono, Bitstream Vera licence, see
//! `fonts/DejaVu-LICENSE.txt`), measured and rasterised glyph by glyph, and greedy line
//! wrapping so a long verdict is shown whole instead of cut.
//!
//! Each glyph is placed at its own pixel bounds (origin plus left side bearing). Placing the
//! outline's bounding box at the pen position instead, as a plotting library's text path
//! does, pulls every narrow glyph to the left of its cell: in a monospaced font a full stop
//! then sits against the digit before it and leaves a gap after it ("315. 018").

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};

/// The bundled font's bytes.
pub const FONT_BYTES: &[u8] = include_bytes!("fonts/DejaVuSansMono.ttf");

/// Where a text's anchor point sits on the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// Left edge / top.
    Start,
    /// Middle.
    Centre,
    /// Right edge / bottom.
    End,
}

/// The parsed bundled font.
pub fn font() -> Result<&'static FontRef<'static>, String> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).ok())
        .as_ref()
        .ok_or_else(|| "the bundled font cannot be read".to_string())
}

/// Width of `s` at font `size` (px of line height), px.
pub fn width(s: &str, size: f32) -> f32 {
    let Ok(f) = font() else {
        return s.chars().count() as f32 * size * 0.602;
    };
    let f = f.as_scaled(PxScale::from(size));
    let mut w = 0.0;
    let mut prev = None;
    for c in s.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            w += f.kern(p, id);
        }
        w += f.h_advance(id);
        prev = Some(id);
    }
    w
}

/// `s` broken into lines no wider than `max_px` at `size`: at spaces where possible, inside a
/// word only when the word alone is wider than a line. No character is dropped; joining the
/// lines with single spaces gives `s` back (with runs of spaces collapsed).
pub fn wrap(s: &str, size: f32, max_px: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if width(&candidate, size) <= max_px {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // A word wider than a line is split by characters.
        for c in word.chars() {
            let mut next = line.clone();
            next.push(c);
            if !line.is_empty() && width(&next, size) > max_px {
                lines.push(std::mem::take(&mut line));
                next = c.to_string();
            }
            line = next;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Rasterises `s` at `size` with its anchor `(h, v)` at `(x, y)`; `put(x, y, coverage)` is
/// called for every covered pixel (coverage in `0..=1`).
pub fn draw(
    s: &str,
    (x, y): (i32, i32),
    size: f32,
    (h, v): (Anchor, Anchor),
    put: &mut dyn FnMut(i32, i32, f32),
) -> Result<(), String> {
    let f = font()?.as_scaled(PxScale::from(size));
    let w = width(s, size);
    let x0 = match h {
        Anchor::Start => x as f32,
        Anchor::Centre => x as f32 - w / 2.0,
        Anchor::End => x as f32 - w,
    };
    let (asc, desc) = (f.ascent(), f.descent());
    let baseline = match v {
        Anchor::Start => y as f32 + asc,
        Anchor::Centre => y as f32 + (asc + desc) / 2.0,
        Anchor::End => y as f32 + desc,
    };
    let mut caret = x0;
    let mut prev = None;
    for c in s.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            caret += f.kern(p, id);
        }
        let glyph = id.with_scale_and_position(PxScale::from(size), point(caret, baseline));
        if let Some(o) = f.outline_glyph(glyph) {
            let b = o.px_bounds();
            let (bx, by) = (b.min.x as i32, b.min.y as i32);
            o.draw(|gx, gy, cov| put(bx + gx as i32, by + gy as i32, cov));
        }
        caret += f.h_advance(id);
        prev = Some(id);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Columns holding ink, for a string drawn at the origin.
    fn ink_columns(s: &str) -> Vec<i32> {
        let mut cols = std::collections::BTreeSet::new();
        draw(
            s,
            (0, 0),
            20.0,
            (Anchor::Start, Anchor::Start),
            &mut |x, _, c| {
                if c > 0.3 {
                    cols.insert(x);
                }
            },
        )
        .unwrap();
        cols.into_iter().collect()
    }

    #[test]
    fn a_full_stop_sits_in_the_middle_of_its_cell() {
        // "5.0": in a monospaced font the dot is centred in its cell, so the blank run on its
        // left is about as wide as the one on its right.
        let cols = ink_columns("5.0");
        let cell = width("5", 20.0);
        let dot: Vec<i32> = cols
            .iter()
            .copied()
            .filter(|&x| x as f32 >= cell && (x as f32) < 2.0 * cell)
            .collect();
        assert!(!dot.is_empty(), "no ink for the dot in {cols:?}");
        let centre = (dot[0] + dot[dot.len() - 1]) as f32 / 2.0 + 0.5;
        assert!(
            (centre - 1.5 * cell).abs() < 1.5,
            "dot centred at {centre}, its cell's centre is {}",
            1.5 * cell
        );
    }

    #[test]
    fn wrapping_keeps_every_word_and_fits() {
        let s = "WEAK — A transmission is there on 315.018 MHz but it is too weak or broken \
                 to trust: KeeLoq code words ×2 from serial 5A1C3E7 (buttons S1, battery LOW)";
        let lines = wrap(s, 14.0, 300.0);
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(width(l, 14.0) <= 300.0, "{l}");
        }
        assert_eq!(
            lines.join(" "),
            s.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        let long = "x".repeat(100);
        let parts = wrap(&long, 14.0, 100.0);
        assert_eq!(parts.concat(), long);
        assert_eq!(wrap("", 14.0, 100.0), vec![String::new()]);
    }

    #[test]
    fn anchors_place_the_text() {
        let w = width("0101", 20.0);
        let mut xs = Vec::new();
        draw(
            "0101",
            (100, 50),
            20.0,
            (Anchor::End, Anchor::Centre),
            &mut |x, y, c| {
                if c > 0.3 {
                    xs.push((x, y));
                }
            },
        )
        .unwrap();
        let max_x = xs.iter().map(|p| p.0).max().unwrap();
        let min_x = xs.iter().map(|p| p.0).min().unwrap();
        assert!(max_x < 100 && max_x > 90, "{max_x}");
        assert!((min_x as f32) >= 100.0 - w - 1.0);
        let (ymin, ymax) = (
            xs.iter().map(|p| p.1).min().unwrap(),
            xs.iter().map(|p| p.1).max().unwrap(),
        );
        assert!(ymin < 50 && ymax > 50, "{ymin}..{ymax}");
    }
}
