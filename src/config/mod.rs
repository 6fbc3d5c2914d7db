//! The control-file language: finding and reading a control file (Monit's search order and
//! permission rules), its two syntaxes (monitrc and YAML) and the validation that turns
//! either into a checked [`model::Config`].
//!
//! `lexer` -> `parser` (with includes) -> `validate` -> `model`; `yaml` is a second front end
//! to the same model and `render` writes a model back as monitrc. `paths` holds the default
//! places of the daemon's files (pid, state, id, control socket).

pub mod client_view;
mod excerpt;
pub mod lexer;
pub mod merge;
pub mod model;
pub mod net;
pub mod parser;
pub mod paths;
pub mod pattern_files;
pub mod permissions;
pub mod read;
pub mod render;
pub mod source;
pub mod validate;
pub mod yaml;

use std::path::{Path, PathBuf};

pub use model::Config;
pub use read::{MAX_FILE_SIZE, ReadError, read_source};
pub use source::{ConfigError, Diagnostic, Diagnostics, SourceMap};

/// How strict a load is.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Facts of the host (missing programs, unknown users) become errors, not warnings.
    pub strict: bool,
    /// Skip the permission check of the control file (for `config convert` of a file
    /// someone else owns, and for tests).
    pub skip_permissions: bool,
}

/// A loaded, validated configuration with its warnings.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub path: PathBuf,
    pub warnings: Diagnostics,
    pub sources: SourceMap,
}

impl Loaded {
    /// The warnings rendered, one block each, and a last line for those not kept.
    pub fn render_warnings(&self) -> Vec<String> {
        self.warnings.render_warnings(&self.sources)
    }
}

/// Whether a path is read as YAML (by its extension).
pub fn is_yaml_path(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref(), Some("yml" | "yaml"))
}

/// Monit's search order for the control file (reference §1.1): `~/.monitrc`,
/// `/etc/monitrc`, `/etc/monit/monitrc`, `/usr/local/etc/monitrc`, `./monitrc`; and the
/// same names with `.yml` for a YAML control file.
pub fn search_paths() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(home) = std::env::var_os("HOME") {
        paths.push(PathBuf::from(&home).join(".monitrc"));
        paths.push(PathBuf::from(&home).join(".rmonitrc.yml"));
    }
    for p in [
        "/etc/monitrc",
        "/etc/monit/monitrc",
        "/usr/local/etc/monitrc",
        "./monitrc",
        "/etc/rmonit.yml",
        "./rmonitrc.yml",
    ] {
        paths.push(PathBuf::from(p));
    }
    paths
}

/// The control file: the given one, or the first of [`search_paths`] that exists.
pub fn find_control_file(given: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(path) = given {
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().map(|d| d.join(path)).unwrap_or_else(|_| path.to_path_buf())
        };
        return Ok(absolute);
    }
    search_paths().into_iter().find(|p| p.is_file()).map(|p| std::fs::canonicalize(&p).unwrap_or(p)).ok_or_else(|| {
        let tried: Vec<String> = search_paths().iter().map(|p| p.display().to_string()).collect();
        format!("cannot find the control file; tried {}", tried.join(", "))
    })
}

/// Runs the front end the path's extension picks; `None` when nothing could be parsed.
fn front_end(path: &Path, text: String, sources: &mut SourceMap, diags: &mut Diagnostics) -> Option<parser::Parsed> {
    if !is_yaml_path(path) {
        return Some(parser::parse_text(path, text, sources, diags));
    }
    let id = sources.add(source::SourceFile::new(path, text));
    let text = sources.get(id).map(|f| f.text.clone()).unwrap_or_default();
    match yaml::parse_yaml(&text, id) {
        Ok(config) => {
            let spans = yaml::service_spans(&config, id, &text);
            Some(parser::Parsed { config, spans, global: Default::default(), unapplied: Vec::new() })
        }
        Err(d) => {
            diags.push(d);
            None
        }
    }
}

/// Reads, parses and validates a control file and everything it includes.
pub fn load(path: &Path, options: LoadOptions) -> Result<Loaded, ConfigError> {
    let mut sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let text = match read_source(path) {
        Ok(text) => text,
        Err(ReadError::NotText(not_text)) => {
            diags.push(not_text.diagnostic(path, "the control file", &mut sources));
            return Err(ConfigError { diagnostics: diags, sources });
        }
        Err(error) => {
            let message = format!("cannot read the control file '{}': {}", path.display(), error);
            diags.push(Diagnostic::global(message));
            return Err(ConfigError { diagnostics: diags, sources });
        }
    };
    let parsed = front_end(path, text, &mut sources, &mut diags);
    finish(path, parsed, options, sources, diags)
}

/// Parses and validates control-file text; `name` is shown in messages and picks the syntax
/// by its extension. Includes are read relative to `name`'s directory.
pub fn load_str(name: &str, text: &str, options: LoadOptions) -> Result<Loaded, ConfigError> {
    let mut sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let path = Path::new(name);
    let parsed = front_end(path, text.to_owned(), &mut sources, &mut diags);
    finish(path, parsed, LoadOptions { skip_permissions: true, ..options }, sources, diags)
}

fn finish(
    path: &Path,
    parsed: Option<parser::Parsed>,
    options: LoadOptions,
    sources: SourceMap,
    mut diags: Diagnostics,
) -> Result<Loaded, ConfigError> {
    let Some(mut parsed) = parsed else {
        return Err(ConfigError { diagnostics: diags, sources });
    };
    if !options.skip_permissions
        && let Err(d) = permissions::check_control_file(path, &parsed.config)
    {
        diags.push(d);
    }
    validate::validate(&parsed, options, &mut diags);
    if diags.has_errors() {
        return Err(ConfigError { diagnostics: diags, sources });
    }
    net::resolve_allows(&mut parsed.config, &parsed.global.hosts, &mut diags);
    Ok(Loaded { config: parsed.config, path: path.to_path_buf(), warnings: diags, sources })
}
