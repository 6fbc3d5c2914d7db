//! `completions bash|zsh|fish|elvish|powershell` and `man`: shell completions and the
//! rmonit(1) man page, generated from the clap definition of the command line, so they
//! cannot drift from it. The Debian package installs both.

use clap::CommandFactory;

use super::args::Cli;
use super::exit;

/// `completions SHELL`: the completion script on stdout.
pub fn completions(args: &[String]) -> Result<u8, String> {
    use clap_complete::Shell;
    let [shell] = args else {
        return Err("usage: rmonit completions bash|zsh|fish|elvish|powershell".to_owned());
    };
    let shell: Shell =
        shell.parse().map_err(|_| format!("unknown shell '{shell}': bash, zsh, fish, elvish or powershell"))?;
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "rmonit", &mut std::io::stdout());
    Ok(exit::OK)
}

/// `man`: rmonit(1) in roff on stdout (`rmonit man > rmonit.1`).
pub fn man(args: &[String]) -> Result<u8, String> {
    if let Some(extra) = args.first() {
        return Err(format!("man takes no argument, not '{extra}'"));
    }
    let page = clap_mangen::Man::new(Cli::command().version(crate::VERSION));
    page.render(&mut std::io::stdout()).map_err(|e| format!("cannot write the man page: {e}"))?;
    Ok(exit::OK)
}
