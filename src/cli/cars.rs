//! `fobscope cars`: the vehicle table (band, key, battery, initialisation, source).

use std::process::ExitCode;

use clap::Args;

use super::CliError;
use crate::diagnosis::vehicles::{Vehicle, filter};

/// Arguments of `cars`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  fobscope cars                 every row
  fobscope cars mini            MINI rows
  fobscope cars toyota 2005 us  rows for a Toyota of 2005 sold in the US
  fobscope cars --json

The rows feed `fobscope check --car ...`.

Exit codes:
  0   rows printed (with --json, an empty list when nothing matches)
  2   error: no row matches the filter")]
pub struct CarsArgs {
    /// Words that must all appear (make, model, chassis, market, FCC ID) or a year in range.
    pub filter: Vec<String>,
    /// Print the rows as JSON.
    #[arg(long)]
    pub json: bool,
}

fn render(v: &Vehicle) -> String {
    let bands: Vec<&str> = v.bands().iter().map(|b| b.id).collect();
    let mut s = format!("{}\n", v.label());
    s.push_str(&format!(
        "    {} (band {}){}\n",
        v.freq_text(),
        bands.join("/"),
        v.modulation
            .as_deref()
            .map(|m| format!(", {m}"))
            .unwrap_or_default()
    ));
    s.push_str(&format!(
        "    key: {}; battery: {}{}\n",
        v.key,
        v.battery.as_deref().unwrap_or("unknown"),
        v.fcc_id
            .as_deref()
            .map(|f| format!("; FCC ID {f}"))
            .unwrap_or_default()
    ));
    if let Some(p) = &v.procedure {
        s.push_str(&format!("    initialise: {p}\n"));
    }
    if let Some(n) = &v.note {
        s.push_str(&format!("    note: {n}\n"));
    }
    s.push_str(&format!("    source: {}\n", v.source));
    s
}

/// Runs `cars`.
pub fn run(args: &CarsArgs) -> Result<ExitCode, CliError> {
    let q = args.filter.join(" ");
    let rows = filter(&q);
    if args.json {
        let text = serde_json::to_string_pretty(&rows).map_err(|e| CliError::Io {
            path: "standard output".into(),
            source: e.into(),
        })?;
        println!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        return Err(CliError::Usage(format!(
            "no vehicle matches '{q}'; run `fobscope cars` for the whole table"
        )));
    }
    for v in rows {
        print!("{}", render(v));
    }
    Ok(ExitCode::SUCCESS)
}
