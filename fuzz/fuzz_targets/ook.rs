//! rtl_433 `.ook` parsing and rtl_433 file-name metadata: the input's first line is the file
//! name, the rest the file; the parsed pulses go through the analysis.
#![no_main]

mod common;

use fobscope::source::filename;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let raw_name = String::from_utf8_lossy(&data[..split]);
    let _ = filename::parse_name(&raw_name);
    // A name the file system accepts: no separators or NULs, not too long, `.ook` extension.
    // (At most 200 bytes: file names are limited to 255 bytes, not characters.)
    let mut stem = String::new();
    for c in raw_name.chars().filter(|c| *c != '/' && *c != '\0') {
        if stem.len() + c.len_utf8() > 200 {
            break;
        }
        stem.push(c);
    }
    if stem.is_empty() || stem == "." || stem == ".." {
        stem = "x".into();
    }
    let body = data.get(split + 1..).unwrap_or(&[]);
    let path = common::scratch(&format!("{stem}.ook"), body);
    common::open_and_drain(&path, &Default::default());
    let _ = std::fs::remove_file(&path);
});
