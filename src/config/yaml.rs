//! The YAML front end: the same [`Config`] model, read with serde-saphyr from `.yml` and
//! `.yaml` files. Unknown keys are errors, and every error carries `file:line:col`.

use std::sync::Arc;

use super::model::Config;
use super::parser::ServiceSpans;
use super::source::{Diagnostic, FileId, SourceFile, Span};

/// Parses a YAML control file (or included fragment), and reads its pattern files.
pub fn parse_yaml(text: &Arc<str>, file: FileId) -> Result<Config, Diagnostic> {
    if text.trim().is_empty() {
        return Ok(Config::default());
    }
    let mut config = serde_saphyr::from_str::<Config>(text).map_err(|error| {
        let source = SourceFile::new("", text.to_string());
        let offset = error.location().map_or(0, |l| source.offset_of(l.line() as usize, l.column() as usize));
        let message = error.without_snippet().to_string();
        let message = strip_position(&message);
        Diagnostic::error(Span::new(file, offset, offset + 1), format!("invalid YAML: {message}"))
    })?;
    super::pattern_files::read_unread(&mut config);
    Ok(config)
}

/// serde-saphyr prefixes messages with `line N column M:`; we print the position ourselves.
fn strip_position(message: &str) -> &str {
    let trimmed = message.trim();
    if let Some(rest) = trimmed.strip_prefix("line ")
        && let Some(idx) = rest.find(": ")
        && rest[..idx].split_whitespace().all(|w| w == "column" || w.chars().all(|c| c.is_ascii_digit()))
    {
        return rest[idx + 2..].trim();
    }
    trimmed
}

/// Writes a model as YAML.
pub fn to_yaml(config: &Config) -> Result<String, String> {
    serde_saphyr::to_string(config).map_err(|e| e.to_string())
}

/// Positions for the validator: each service's `name:` in the YAML text (or the file's
/// start when it cannot be found).
pub fn service_spans(config: &Config, file: FileId, text: &str) -> Vec<ServiceSpans> {
    let mut search_from = 0;
    config
        .services
        .iter()
        .map(|service| {
            let rest = text.get(search_from..).unwrap_or("");
            let found = ["name: ", "name: \"", "name: '"].iter().find_map(|prefix| {
                let needle = format!("{prefix}{}", service.name);
                rest.find(&needle).map(|i| search_from + i + prefix.len())
            });
            let span = match found {
                Some(offset) => {
                    search_from = offset;
                    Span::new(file, offset, offset + service.name.len())
                }
                None => Span::new(file, 0, 0),
            };
            ServiceSpans { name: span, target: span, ..ServiceSpans::default() }
        })
        .collect()
}
