//! `rmonit -t`, `rmonit config show` and `rmonit config convert`.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

use super::{Cli, exit};
use crate::config::{self, LoadOptions, Loaded};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Monitrc,
    Yaml,
    Json,
}

#[derive(Debug, Parser)]
#[command(name = "rmonit config", no_binary_name = true)]
enum ConfigCommand {
    /// Print the effective configuration (includes resolved, implicit rules shown).
    Show {
        #[arg(long, value_enum, default_value = "monitrc")]
        format: Format,
    },
    /// Convert a control file to the other syntax.
    Convert {
        file: PathBuf,
        #[arg(long, value_enum)]
        to: Format,
    },
}

/// Loads the control file the command line names (or finds), printing warnings to stderr.
fn load(cli: &Cli) -> Result<Loaded, String> {
    let path = config::find_control_file(cli.conf.as_deref())?;
    let options = LoadOptions { strict: cli.strict, skip_permissions: false };
    let loaded = config::load(&path, options).map_err(|e| e.to_string())?;
    for warning in loaded.render_warnings() {
        eprintln!("{warning}");
    }
    Ok(loaded)
}

/// `rmonit -t [-v]`.
pub fn test(cli: &Cli) -> Result<u8, String> {
    let loaded = load(cli)?;
    if cli.verbose > 0 {
        print!("{}", config::render::effective(&loaded.config));
    }
    println!("Control file syntax OK");
    Ok(exit::OK)
}

pub fn run(cli: &Cli, args: &[String]) -> Result<u8, String> {
    let command = ConfigCommand::try_parse_from(args).map_err(|e| e.render().to_string().trim_end().to_owned())?;
    match command {
        ConfigCommand::Show { format } => {
            let loaded = load(cli)?;
            print!("{}", render(&loaded.config, format, true)?);
        }
        ConfigCommand::Convert { file, to } => {
            let options = LoadOptions { strict: false, skip_permissions: true };
            let loaded = config::load(&file, options).map_err(|e| e.to_string())?;
            for warning in loaded.render_warnings() {
                eprintln!("{warning}");
            }
            print!("{}", render(&loaded.config, to, false)?);
        }
    }
    Ok(exit::OK)
}

fn render(config: &config::Config, format: Format, effective: bool) -> Result<String, String> {
    Ok(match format {
        Format::Monitrc if effective => config::render::effective(config),
        Format::Monitrc => config::render::to_monitrc(config),
        Format::Yaml => config::yaml::to_yaml(config)?,
        Format::Json => serde_json::to_string_pretty(config).map_err(|e| e.to_string())? + "\n",
    })
}
