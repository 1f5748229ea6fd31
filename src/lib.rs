//! fobscope: a software-defined-radio key fob analyzer.
//!
//! The crate is a streaming pipeline, one module per stage:
//!
//! ```text
//! source ─▶ dsp (tuner, FFT band detector, demodulator) ─▶ pulse (analyzer)
//!        ─▶ protocol (frame decoders) ─▶ diagnosis (verdict) ─▶ report (text, JSON)
//! ```
//!
//! `sink` writes IQ recordings, `synth` generates realistic key-fob captures, `band` knows the
//! key-fob frequency bands, `guided` runs the guided key test, `model` holds the plain data types the stages exchange, and `cli`
//! is the command-line front end.

pub mod band;
pub mod cli;
pub mod diagnosis;
pub mod dsp;
pub mod guided;
pub mod live;
pub mod model;
pub mod pipeline;
pub mod plot;
pub mod protocol;
pub mod pulse;
pub mod report;
pub mod rtl_tcp_server;
pub mod sink;
pub mod source;
pub mod synth;
