//! End-to-end checks of `--plot`: the PNG is written and decodes at the layout's size, each
//! synthetic burst's box lands on the pixel columns its start and end map to, `compare` stacks
//! both keys on one time axis, pulse files get the pulse panel, and a bad path is a clear
//! error naming the file. The pictures explain themselves: the whole verdict is drawn, the
//! dongle's DC line is dim and labelled, the default colour scale is the same for every
//! picture (a weak key looks weaker), a legend names the marks, the Te drawn is the one the
//! verdict judged, and standard error says where the picture went. The layout is read back
//! from the notes written into each PNG.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fobscope::plot::layout::{BOX_RGB, Layout, MARK_RGB, NOTES_KEYWORD, Notes, Rect};
use fobscope::plot::legend::TRACE_RGB;
use fobscope::plot::overlay::DC_RGB;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_fobscope")
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fobscope-plot-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str]) -> Output {
    Command::new(bin()).args(args).output().unwrap()
}

fn ok(args: &[&str]) -> Output {
    let out = run(args);
    assert!(
        out.status.success() || args[0] == "check",
        "fobscope {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Synthesises KeeLoq presses at 433.92 MHz and returns the (start, end) of each burst from
/// the ground truth, and the recording's duration.
fn synth(path: &Path, presses: u32, gap: &str, offset: &str, snr: &str) -> (Vec<(f64, f64)>, f64) {
    let truth = path.with_extension("json");
    ok(&[
        "synth",
        path.to_str().unwrap(),
        "--kind",
        "keeloq",
        "--freq",
        "433.92M",
        "--rate",
        "250k",
        "--offset",
        offset,
        "--snr",
        snr,
        "--level",
        "-18",
        "--repeats",
        "1",
        "--presses",
        &presses.to_string(),
        "--gap",
        gap,
        "--pre",
        "0.2s",
        "--post",
        "0.3s",
        "--seed",
        "7",
        "--serial",
        "0x1234567",
        "--truth",
        truth.to_str().unwrap(),
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&truth).unwrap()).unwrap();
    let bursts = v["bursts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["start_s"].as_f64().unwrap(), b["end_s"].as_f64().unwrap()))
        .collect();
    // cu8: 2 bytes per sample at 250 kS/s.
    let dur = std::fs::metadata(path).unwrap().len() as f64 / 2.0 / 250e3;
    (bursts, dur)
}

struct Image {
    w: u32,
    h: u32,
    rgb: Vec<u8>,
    notes: Notes,
}

impl Image {
    fn px(&self, x: i32, y: i32) -> [u8; 3] {
        let i = (y as usize * self.w as usize + x as usize) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }
}

fn decode(path: &Path) -> Image {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut dec = png::Decoder::new(std::io::BufReader::new(file));
    dec.set_ignore_text_chunk(false);
    let mut reader = dec.read_info().unwrap();
    let chunk = reader
        .info()
        .utf8_text
        .iter()
        .find(|c| c.keyword == NOTES_KEYWORD)
        .expect("the picture carries its notes")
        .get_text()
        .unwrap();
    let notes: Notes = serde_json::from_str(&chunk).unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    buf.truncate(info.buffer_size());
    assert_eq!(
        (info.width, info.height),
        (notes.layout.width, notes.layout.height)
    );
    Image {
        w: info.width,
        h: info.height,
        rgb: buf,
        notes,
    }
}

/// Runs of adjacent pixel columns of `r` holding at least 20 box-coloured pixels: the
/// vertical sides of the boxes.
fn box_sides(img: &Image, r: &Rect) -> Vec<(i32, i32)> {
    let tall: Vec<i32> = (r.x0..r.x1)
        .filter(|&x| (r.y0..r.y1).filter(|&y| img.px(x, y) == BOX_RGB).count() >= 20)
        .collect();
    let mut runs: Vec<(i32, i32)> = Vec::new();
    for x in tall {
        match runs.last_mut() {
            Some(run) if run.1 + 1 == x => run.1 = x,
            _ => runs.push((x, x)),
        }
    }
    runs
}

/// Each burst has a box whose left side starts at the burst's start column and whose right
/// side ends at its end column (±2 px: one column is under a millisecond here).
fn assert_boxes(img: &Image, layout: &Layout, r: &Rect, bursts: &[(f64, f64)]) {
    let sides = box_sides(img, r);
    assert_eq!(
        sides.len(),
        2 * bursts.len(),
        "box sides at {sides:?} for bursts {bursts:?}"
    );
    for (k, &(start, end)) in bursts.iter().enumerate() {
        let left = layout.x_of_time(start);
        let right = layout.x_of_time(end);
        let (l, rr) = (sides[2 * k], sides[2 * k + 1]);
        assert!(
            (l.0 as f64 - left).abs() <= 2.5,
            "burst {k} starts at {start} s = column {left:.1}, its box's left side is at {l:?}"
        );
        assert!(
            (rr.1 as f64 - right).abs() <= 2.5,
            "burst {k} ends at {end} s = column {right:.1}, its box's right side is at {rr:?}"
        );
    }
}

#[test]
fn analyze_and_check_plots_box_each_burst_where_it_is() {
    let dir = scratch("analyze");
    let cap = dir.join("key_433.92M_250k.cu8");
    let (bursts, dur) = synth(&cap, 3, "0.3s", "-30k", "20");
    assert_eq!(bursts.len(), 3);
    let png = dir.join("key.png");
    ok(&[
        "analyze",
        cap.to_str().unwrap(),
        "--plot",
        png.to_str().unwrap(),
    ]);
    let img = decode(&png);
    let layout = img.notes.layout.clone();
    assert!((layout.time_span_s - dur).abs() < 1e-9);
    assert_eq!(
        layout.x_of_time(0.3),
        Layout::new(&[true], dur).x_of_time(0.3)
    );
    assert_eq!((img.w, img.h), (1200, layout.height));
    let r = layout.keys[0].spectrogram.unwrap();
    assert_boxes(&img, &layout, &r, &bursts);
    // The boxes sit at the carrier: -30 kHz from the centre is below the middle row.
    let mid = (r.y0 + r.y1) / 2;
    let x = ((layout.x_of_time(bursts[0].0) + layout.x_of_time(bursts[0].1)) / 2.0) as i32;
    let rows: Vec<i32> = (r.y0..r.y1).filter(|&y| img.px(x, y) == BOX_RGB).collect();
    let want = fobscope::plot::layout::y_of_offset(&r, -30e3, 250e3);
    let centre = (rows.first().unwrap() + rows.last().unwrap()) as f64 / 2.0;
    assert!(
        centre > mid as f64 && (centre - want).abs() < 3.0,
        "{rows:?} want {want}"
    );
    // The trace panel shows the sliced marks.
    let tr = layout.keys[0].trace;
    let green = (tr.x0..tr.x1)
        .flat_map(|x| (tr.y0..tr.y1).map(move |y| (x, y)))
        .filter(|&(x, y)| img.px(x, y) == MARK_RGB)
        .count();
    assert!(green > 500, "{green} mark pixels");

    // `check --plot` draws the same picture (with the verdict in the header).
    let png2 = dir.join("check.png");
    let out = run(&[
        "check",
        cap.to_str().unwrap(),
        "--plot",
        png2.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let img2 = decode(&png2);
    let layout2 = img2.notes.layout.clone();
    assert_boxes(
        &img2,
        &layout2,
        &layout2.keys[0].spectrogram.unwrap(),
        &bursts,
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compare_plot_stacks_both_keys_on_one_time_axis() {
    let dir = scratch("compare");
    let a = dir.join("a_433.92M_250k.cu8");
    let b = dir.join("b_433.92M_250k.cu8");
    let (ba, da) = synth(&a, 1, "0.3s", "-30k", "20");
    let (bb, db) = synth(&b, 3, "0.2s", "20k", "12");
    assert!(db > da + 0.3);
    let png = dir.join("both.png");
    ok(&[
        "compare",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--plot",
        png.to_str().unwrap(),
    ]);
    let img = decode(&png);
    // One time axis: the longer recording's.
    let layout = img.notes.layout.clone();
    assert!((layout.time_span_s - db).abs() < 1e-9);
    assert_eq!(layout.keys.len(), 2);
    assert_boxes(&img, &layout, &layout.keys[0].spectrogram.unwrap(), &ba);
    assert_boxes(&img, &layout, &layout.keys[1].spectrogram.unwrap(), &bb);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pulse_file_plot_is_the_pulse_panel_with_every_mark() {
    let dir = scratch("pulses");
    let sub = dir.join("gate.sub");
    // 24 PWM bits (Te 400 µs), sent 3 times with 5 ms gaps (one transmission of 3 rows).
    let bits: Vec<bool> = (0..24).map(|i| (i * 5) % 3 != 0).collect();
    let mut raw = Vec::new();
    for rep in 0..3 {
        for (i, &b) in bits.iter().enumerate() {
            let (h, l) = if b { (800, 400) } else { (400, 800) };
            let l = if i + 1 == bits.len() && rep < 2 {
                5_000
            } else {
                l
            };
            raw.push(format!("{h} -{l}"));
        }
    }
    let text = format!(
        "Filetype: Flipper SubGhz RAW File\nVersion: 1\nFrequency: 433920000\n\
         Preset: FuriHalSubGhzPresetOok650Async\nProtocol: RAW\nRAW_Data: {}\n",
        raw.join(" ")
    );
    std::fs::write(&sub, text).unwrap();
    let png = dir.join("gate.png");
    ok(&[
        "analyze",
        sub.to_str().unwrap(),
        "--plot",
        png.to_str().unwrap(),
    ]);
    let img = decode(&png);
    let layout = img.notes.layout.clone();
    assert!(layout.keys[0].spectrogram.is_none());
    // Every mark of the train shows as its own green run across the middle of the panel.
    let tr = layout.keys[0].trace;
    let y = (tr.y0 + tr.y1) / 2;
    let mut runs = 0;
    let mut inside = false;
    for x in tr.x0..tr.x1 {
        let g = img.px(x, y) == MARK_RGB;
        if g && !inside {
            runs += 1;
        }
        inside = g;
    }
    assert_eq!(runs, 3 * bits.len(), "mark runs in the pulse panel");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unwritable_picture_path_is_an_error_naming_it() {
    let dir = scratch("badpath");
    let cap = dir.join("key_433.92M_250k.cu8");
    synth(&cap, 1, "0.3s", "10k", "20");
    let png = dir.join("no/such/dir/key.png");
    let out = run(&[
        "analyze",
        cap.to_str().unwrap(),
        "--plot",
        png.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(png.to_str().unwrap()), "{err}");
    assert!(err.contains("cannot write the picture"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A bundled capture, by name.
fn capture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("captures")
        .join(name)
}

fn lum(c: [u8; 3]) -> f32 {
    0.3 * c[0] as f32 + 0.59 * c[1] as f32 + 0.11 * c[2] as f32
}

/// The brightest pixel inside `r`, by luminance, leaving out the box and label colours.
fn brightest(img: &Image, r: &Rect) -> f32 {
    let mut best = 0.0f32;
    for y in r.y0..r.y1 {
        for x in r.x0..r.x1 {
            let c = img.px(x, y);
            if c != BOX_RGB && c[0] != c[2] {
                best = best.max(lum(c));
            }
        }
    }
    best
}

/// The rectangle just inside a transmission's box (`k`-th box, by its sides).
fn inside_box(img: &Image, r: &Rect, k: usize) -> Rect {
    let sides = box_sides(img, r);
    let (l, rr) = (sides[2 * k], sides[2 * k + 1]);
    let x = (l.1 + rr.0) / 2;
    let rows: Vec<i32> = (r.y0..r.y1).filter(|&y| img.px(x, y) == BOX_RGB).collect();
    Rect {
        x0: l.1 + 1,
        y0: rows[0] + 2,
        x1: rr.0,
        y1: *rows.last().unwrap() - 1,
    }
}

fn check_plot(name: &str, png: &Path, extra: &[&str]) -> (Image, Output) {
    let cap = capture(name);
    let mut args = vec![
        "check",
        cap.to_str().unwrap(),
        "--plot",
        png.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (decode(png), out)
}

#[test]
fn the_headline_is_whole_and_stderr_says_where_the_picture_went() {
    let dir = scratch("headline");
    let png = dir.join("weak.png");
    let (img, out) = check_plot("mini-r53-weak-battery_315M_250k.cu8", &png, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let verdict = stdout.lines().next().unwrap();
    let key = &img.notes.keys[0];
    // Every word of the verdict line is drawn, nothing is cut.
    assert_eq!(
        key.headline.join(" "),
        verdict.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    assert!(
        !key.headline.iter().any(|l| l.contains('…')),
        "{:?}",
        key.headline
    );
    assert!(
        key.headline.len() >= 2,
        "the weak verdict wraps: {:?}",
        key.headline
    );
    // Each line has ink across its area, the last line included.
    let area = img.notes.layout.keys[0].headline;
    let line_h = area.height() / key.headline.len() as i32;
    for (i, line) in key.headline.iter().enumerate() {
        let y0 = area.y0 + i as i32 * line_h;
        let ink: Vec<i32> = (area.x0..area.x1)
            .filter(|&x| (y0..y0 + line_h).any(|y| lum(img.px(x, y)) > 90.0))
            .collect();
        let right = *ink.last().unwrap_or(&0);
        let want = fobscope::plot::text::width(line, fobscope::plot::layout::HEADLINE_SIZE);
        assert!(
            (right - area.x0) as f32 > want - 12.0,
            "line {i} {line:?} inked to {right}, its text is {want} px wide"
        );
    }
    let spec = img.notes.layout.keys[0].spectrogram.unwrap();
    assert!(
        spec.y0 > area.y1,
        "the spectrogram starts below the headline"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("picture written to {}", png.display())),
        "{err}"
    );
    // --quiet silences it.
    let cap = capture("mini-r53-weak-battery_315M_250k.cu8");
    let q = run(&[
        "check",
        cap.to_str().unwrap(),
        "--plot",
        png.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(!String::from_utf8_lossy(&q.stderr).contains("picture written"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_dc_line_is_dim_and_labelled_and_bursts_are_not() {
    let dir = scratch("dc");
    let png = dir.join("key.png");
    let (img, _) = check_plot("mini-r53-us-keeloq_315M_250k.cu8", &png, &[]);
    let key = &img.notes.keys[0];
    let spec = img.notes.layout.keys[0].spectrogram.unwrap();
    let (top, bottom) = key.dc_rows.expect("the capture has a DC offset");
    // The DC line sits at the centre frequency, a few rows thick.
    let centre = fobscope::plot::layout::y_of_offset(&spec, 0.0, 250e3);
    assert!(
        (top as f64 - 2.0..=bottom as f64 + 2.0).contains(&centre),
        "{top}..{bottom} vs {centre}"
    );
    assert!(bottom - top <= 4, "{top}..{bottom}");
    // Drawn in the dim DC colour across the panel, far dimmer than a burst.
    let dc_px = (spec.x0..spec.x1)
        .filter(|&x| (top..=bottom).any(|y| img.px(x, y) == DC_RGB))
        .count();
    // (Labels on black plates cover the rest.)
    assert!(dc_px as i32 > spec.width() / 2, "{dc_px} DC columns");
    let burst = brightest(&img, &inside_box(&img, &spec, 0));
    assert!(
        lum(DC_RGB) * 2.5 < burst,
        "DC {} vs burst {burst}",
        lum(DC_RGB)
    );
    // Its label is drawn next to it, inside the panel, with text in it.
    let label = key.dc_label.expect("the DC line is labelled");
    assert!(spec.contains(label.x0, label.y0) && spec.contains(label.x1 - 1, label.y1 - 1));
    assert!(
        (label.y1 - top).abs() < 40 || (label.y0 - bottom).abs() < 40,
        "{label:?}"
    );
    let ink = (label.x0..label.x1)
        .flat_map(|x| (label.y0..label.y1).map(move |y| (x, y)))
        .filter(|&(x, y)| lum(img.px(x, y)) > 80.0)
        .count();
    assert!(ink > 150, "{ink} label pixels");
    // The noise-only capture: the DC line is there, dim, and nothing else is bright.
    let png2 = dir.join("noise.png");
    let (img2, _) = check_plot("dead-key-noise_315M_250k.cu8", &png2, &[]);
    assert!(img2.notes.keys[0].dc_rows.is_some() && img2.notes.keys[0].dc_label.is_some());
    let spec2 = img2.notes.layout.keys[0].spectrogram.unwrap();
    let mut bright = 0;
    for y in spec2.y0..spec2.y1 {
        for x in spec2.x0..spec2.x1 {
            if lum(img2.px(x, y)) > 120.0 && img2.px(x, y) != BOX_RGB {
                bright += 1;
            }
        }
    }
    // Only the label's letters are bright.
    assert!(
        bright < 1500,
        "{bright} bright pixels in a noise-only picture"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_default_colour_scale_is_fixed_so_a_weak_key_looks_weaker() {
    let dir = scratch("scale");
    let (strong, _) = check_plot("mini-r53-us-keeloq_315M_250k.cu8", &dir.join("s.png"), &[]);
    let (weak, _) = check_plot(
        "mini-r53-weak-battery_315M_250k.cu8",
        &dir.join("w.png"),
        &[],
    );
    let (weak_auto, _) = check_plot(
        "mini-r53-weak-battery_315M_250k.cu8",
        &dir.join("wa.png"),
        &["--plot-scale", "auto"],
    );
    let fixed = fobscope::plot::FIXED_DB;
    for n in [&strong.notes, &weak.notes] {
        assert_eq!((n.db_lo, n.db_hi), fixed);
        assert_eq!(n.scale, "fixed");
    }
    assert_eq!(weak_auto.notes.scale, "auto");
    assert_ne!((weak_auto.notes.db_lo, weak_auto.notes.db_hi), fixed);
    let b = |img: &Image| {
        let spec = img.notes.layout.keys[0].spectrogram.unwrap();
        brightest(img, &inside_box(img, &spec, 0))
    };
    let (s, w, wa) = (b(&strong), b(&weak), b(&weak_auto));
    // 10 dB weaker (-20 vs -30 dBFS) shows darker on the fixed scale ...
    assert!(w + 25.0 < s, "weak {w} vs strong {s}");
    // ... while the auto scale stretches the weak key up to the top colours.
    assert!(wa > w + 25.0, "auto {wa} vs fixed {w}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_legend_names_the_marks_and_the_te_is_the_verdicts() {
    let dir = scratch("legend");
    let png = dir.join("k.png");
    let (img, _) = check_plot("keeloq-key_433.92M_250k.cu8", &png, &[]);
    let legend = img.notes.layout.keys[0].legend;
    for (what, c) in [
        ("box", BOX_RGB),
        ("trace", TRACE_RGB),
        ("marks", MARK_RGB),
        ("DC", DC_RGB),
    ] {
        let n = (legend.x0..legend.x1)
            .flat_map(|x| (legend.y0..legend.y1).map(move |y| (x, y)))
            .filter(|&(x, y)| img.px(x, y) == c)
            .count();
        assert!(n >= 10, "the legend has {n} pixels of the {what} colour");
    }
    // Words beside the swatches.
    let ink = (legend.x0..legend.x1)
        .flat_map(|x| (legend.y0..legend.y1).map(move |y| (x, y)))
        .filter(|&(x, y)| lum(img.px(x, y)) > 90.0)
        .count();
    assert!(ink > 800, "{ink} legend text pixels");
    // The Te in the trace title is the KeeLoq decoder's, the figure the verdict judges.
    let cap = capture("keeloq-key_433.92M_250k.cu8");
    let json = run(&["check", cap.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let te = v["transmissions"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|t| t["frames"][0]["fields"]["te_us"].as_f64())
        .expect("a KeeLoq Te");
    let drawn = img.notes.keys[0].te_us.unwrap();
    assert!(
        (drawn - te).abs() < 1.0,
        "drawn Te {drawn} µs, verdict's {te} µs"
    );
    assert!(
        (drawn - 400.0).abs() < 5.0,
        "the synthetic key's Te is 400 µs: {drawn}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
