//! The pipeline glue: runs an input through detection, pulse analysis and frame decoding and
//! assembles the [`crate::model::Report`].
