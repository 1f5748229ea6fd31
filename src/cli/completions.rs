//! `fobscope completions`: a shell completion script on standard output (clap_complete).

use std::process::ExitCode;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, CliError};

/// Arguments of `completions`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  fobscope completions bash > ~/.local/share/bash-completion/completions/fobscope
  fobscope completions zsh > ~/.zfunc/_fobscope        (with fpath+=~/.zfunc in ~/.zshrc)
  fobscope completions fish > ~/.config/fish/completions/fobscope.fish
  fobscope completions powershell >> $PROFILE

Exit codes:
  0   the script was printed
  2   error: unknown shell, or standard output could not be written")]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The completion script for `shell`.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "fobscope", &mut out);
    out
}

/// Runs `completions`.
pub fn run(args: &CompletionsArgs) -> Result<ExitCode, CliError> {
    super::write_stdout(&script(args.shell))?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_gets_a_script_naming_the_commands() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let s = String::from_utf8(script(shell)).unwrap();
            for sub in ["check", "analyze", "completions"] {
                assert!(s.contains(sub), "{shell:?} script lacks {sub}");
            }
        }
    }
}
