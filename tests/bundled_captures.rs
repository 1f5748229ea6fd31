//! The bundled example captures give the verdicts `captures/README.md` promises, through the
//! binary as a user runs it (the README's quick start among them).

use std::process::Command;

fn check(file: &str, extra: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fobscope"))
        .arg("check")
        .arg(format!("{}/captures/{file}", env!("CARGO_MANIFEST_DIR")))
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn bundled_captures_get_their_documented_verdicts() {
    let (code, text) = check(
        "mini-r53-us-keeloq_315M_250k.cu8",
        &["--car", "mini r53 2004 us"],
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.starts_with("WORKING"), "{text}");
    assert!(text.contains("serial 5A1C3E7"), "{text}");
    assert!(text.contains("ignition briefly to position 2"), "{text}");

    let (code, text) = check("mini-r53-weak-battery_315M_250k.cu8", &[]);
    assert_eq!(code, Some(10), "{text}");
    assert!(text.contains("battery LOW"), "{text}");

    let (code, text) = check("keeloq-key_433.92M_250k.cu8", &[]);
    assert_eq!(code, Some(0), "{text}");

    let (code, text) = check("fsk-key_433.92M_250k.cu8", &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("FSK"), "{text}");

    let (code, text) = check("dead-key-noise_315M_250k.cu8", &[]);
    assert_eq!(code, Some(11), "{text}");
    assert!(text.contains("314.875–315.125 MHz"), "{text}");

    // A European key checked for a US MINI: on the wrong band.
    let (code, text) = check(
        "keeloq-key_433.92M_250k.cu8",
        &["--car", "mini r53 2004 us"],
    );
    assert_eq!(code, Some(12), "{text}");
}
