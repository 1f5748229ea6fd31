//! `fobscope manpage`: the manual page in roff on standard output (clap_mangen).

use std::process::ExitCode;

use clap::{Args, CommandFactory};

use super::{Cli, CliError};

/// Arguments of `manpage`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  fobscope manpage > fobscope.1 && man ./fobscope.1
  fobscope manpage check > fobscope-check.1
  sudo sh -c 'fobscope manpage > /usr/local/share/man/man1/fobscope.1'

Exit codes:
  0   the page was printed
  2   error: unknown command, or standard output could not be written")]
pub struct ManpageArgs {
    /// A command whose own page to print (e.g. check); default: the page of fobscope.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// The roff page of fobscope, or of one of its commands.
pub fn page(command: Option<&str>) -> Result<Vec<u8>, CliError> {
    let mut cmd = Cli::command();
    cmd.build();
    if let Some(name) = command {
        let names: Vec<String> = cmd
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        let sub = cmd.find_subcommand(name).cloned().ok_or_else(|| {
            CliError::Usage(format!("no command '{name}'; one of: {}", names.join(", ")))
        })?;
        let full = format!("fobscope-{}", sub.get_name());
        cmd = sub.display_name(full.clone()).bin_name(full);
    }
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .map_err(|source| CliError::Io {
            path: "manual page".into(),
            source,
        })?;
    Ok(out)
}

/// Runs `manpage`.
pub fn run(args: &ManpageArgs) -> Result<ExitCode, CliError> {
    let text = page(args.command.as_deref())?;
    super::write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_of_fobscope_and_of_a_command() {
        let top = String::from_utf8(page(None).unwrap()).unwrap();
        assert!(top.starts_with(".ie") || top.contains(".TH"), "{top}");
        assert!(top.contains("check"));
        let check = String::from_utf8(page(Some("check")).unwrap()).unwrap();
        assert!(check.contains("fobscope\\-check"), "{check}");
        assert!(check.contains("expect\\-band"), "{check}");
        assert!(page(Some("nonsense")).is_err());
    }
}
