//! Reports: human-readable text (default) and JSON (`--json`).
