//! End-to-end checks of `--plot`: the PNG is written and decodes at the layout's size, each
//! synthetic burst's box lands on the pixel columns its start and end map to, `compare` stacks
//! both keys on one time axis, pulse files get the pulse panel, and a bad path is a clear
//! error naming the file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fobscope::plot::layout::{BOX_RGB, Layout, MARK_RGB, Rect};

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
}

impl Image {
    fn px(&self, x: i32, y: i32) -> [u8; 3] {
        let i = (y as usize * self.w as usize + x as usize) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }
}

fn decode(path: &Path) -> Image {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    buf.truncate(info.buffer_size());
    Image {
        w: info.width,
        h: info.height,
        rgb: buf,
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
    let layout = Layout::new(&[true], dur);
    assert_eq!((img.w, img.h), (layout.width, layout.height));
    assert_eq!(img.w, 1200);
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
    assert_eq!((img2.w, img2.h), (layout.width, layout.height));
    assert_boxes(&img2, &layout, &r, &bursts);
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
    let layout = Layout::new(&[true, true], db);
    assert_eq!((img.w, img.h), (layout.width, layout.height));
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
    let layout = Layout::new(&[false], 1.0);
    assert_eq!((img.w, img.h), (layout.width, layout.height));
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
