//! `fobscope cars`: the vehicle table (key frequencies, modulation, FCC ID, battery,
//! re-initialisation, source), all of it or the entries a query matches.

use std::process::ExitCode;

use clap::Args;

use super::CliError;
use crate::diagnosis::car_fit::with_procedure;
use crate::diagnosis::car_match::no_match;
use crate::diagnosis::car_procedure::reinit_text;
use crate::diagnosis::car_table::FCC_SOURCE;
use crate::diagnosis::vehicles::{Vehicle, filter};

/// Arguments of `cars`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  fobscope cars                      every entry
  fobscope cars 2004 honda accord    year, make and model, in any order, any case
  fobscope cars chevy equinox        aliases: chevy, vw, benz, ...
  fobscope cars mini r53 us          chassis codes and markets
  fobscope cars HYQ12BBX             an FCC ID
  fobscope cars toyota 2005 --json

US entries come from the public list of car keys compiled from FCC filings (keyfobDB); the
hand-written entries add batteries, procedures and European markets. The same matcher picks the
car for `fobscope check --car ...`.

Exit codes:
  0   entries printed (with --json, an empty list when nothing matches)
  2   error: nothing matches the query (the closest entries are listed)")]
pub struct CarsArgs {
    /// Year, make (or alias), model (or chassis code), market, FCC ID: every word must match.
    pub filter: Vec<String>,
    /// Print the entries as JSON (each with its re-initialisation text).
    #[arg(long)]
    pub json: bool,
}

fn render(v: &Vehicle) -> String {
    let bands: Vec<&str> = v.bands().iter().map(|b| b.id).collect();
    let band = if bands.is_empty() {
        String::new()
    } else {
        format!(" (band {})", bands.join("/"))
    };
    let mut s = format!("{}\n", v.label());
    s.push_str(&format!(
        "    {}{band}, {}{}\n",
        v.freq_text(),
        v.modulation.as_deref().unwrap_or("modulation unknown"),
        v.fcc_id
            .as_deref()
            .map(|f| format!("; FCC ID {f}"))
            .unwrap_or_default()
    ));
    if v.source != FCC_SOURCE {
        s.push_str(&format!(
            "    key: {}; battery: {}\n",
            v.key,
            v.battery.as_deref().unwrap_or("unknown")
        ));
        if let Some(p) = &v.procedure {
            s.push_str(&format!("    initialise: {p}\n"));
        }
        if let Some(n) = &v.note {
            s.push_str(&format!("    note: {n}\n"));
        }
        s.push_str(&format!("    source: {}\n", v.source));
    }
    s
}

/// The text for the rows: each row, then the list's source and each US make's
/// re-initialisation once.
pub fn render_rows(rows: &[&Vehicle]) -> String {
    let mut s = String::new();
    for v in rows {
        s.push_str(&render(v));
    }
    let listed: Vec<&&Vehicle> = rows.iter().filter(|v| v.source == FCC_SOURCE).collect();
    if !listed.is_empty() {
        s.push_str(&format!(
            "\nsource of the US entries without their own: {FCC_SOURCE}\n"
        ));
        let mut makes: Vec<&str> = listed.iter().map(|v| v.make.as_str()).collect();
        makes.sort_unstable();
        makes.dedup();
        for m in makes {
            s.push_str(&format!("initialise ({m}): {}\n", reinit_text(m)));
        }
    }
    s
}

/// Runs `cars`.
pub fn run(args: &CarsArgs) -> Result<ExitCode, CliError> {
    let q = args.filter.join(" ");
    let rows = filter(&q);
    if args.json {
        let full: Vec<Vehicle> = rows.iter().map(|v| with_procedure(v)).collect();
        let text = serde_json::to_string_pretty(&full).map_err(|e| CliError::Io {
            path: "standard output".into(),
            source: e.into(),
        })?;
        super::write_stdout(format!("{text}\n").as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        return Err(CliError::Usage(no_match(&q).to_string()));
    }
    super::write_stdout(render_rows(&rows).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
