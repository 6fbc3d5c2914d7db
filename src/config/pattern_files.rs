//! Reading the pattern files of `content = FILE "path"` when a control file is loaded: the
//! lines that are not blank or `#` comments, each compiled. A file that cannot be read is a
//! warning of `-t` (an error with `--strict`), and its rules report the reason while they
//! run; a line that does not compile is an error.

use std::path::Path;

use super::model::{Config, Pattern, PatternFile, PatternFileError, PatternSource, Test};
use crate::files;

/// The most of a pattern file that is read.
const PATTERN_FILE_LIMIT: u64 = 1 << 20;

/// Reads and compiles the pattern file at `path`.
pub fn read(path: &str) -> PatternFile {
    PatternFile { path: path.to_owned(), lines: compile(path) }
}

fn compile(path: &str) -> Result<Vec<Pattern>, PatternFileError> {
    let text = files::read_regular(Path::new(path), PATTERN_FILE_LIMIT)
        .map(|(bytes, _)| String::from_utf8_lossy(&bytes).into_owned())
        .map_err(|e| PatternFileError::Unreadable(format!("cannot read the pattern file {path}: {e}")))?;
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(line, source)| Pattern::new(source).map_err(|error| PatternFileError::BadLine { line, error }))
        .collect()
}

/// Reads every pattern file of `config` that is not read yet (those of a YAML file).
pub fn read_unread(config: &mut Config) {
    for service in &mut config.services {
        let rules = service.rules.iter_mut().filter_map(|rule| match &mut rule.test {
            Test::Content(content) => Some(content),
            Test::Connection(connection) => connection.content.as_mut(),
            _ => None,
        });
        for content in rules.chain(service.ignore_content.iter_mut()) {
            if let PatternSource::File(file) = &mut content.pattern
                && file.lines == Err(PatternFileError::NotRead)
            {
                *file = read(&file.path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_compiled_and_comments_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("patterns");
        std::fs::write(&path, "# alerts\n\n  ERROR  \nfail(ed)?\n").unwrap();
        let file = read(path.to_str().unwrap());
        let lines = file.lines.unwrap();
        assert_eq!(lines, [Pattern::new("ERROR").unwrap(), Pattern::new("fail(ed)?").unwrap()]);
    }

    #[test]
    fn a_bad_line_is_named_and_a_missing_file_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("patterns");
        std::fs::write(&path, "ok\n# x\nworker(\n").unwrap();
        let Err(PatternFileError::BadLine { line, error }) = read(path.to_str().unwrap()).lines else { panic!() };
        assert_eq!((line, error.source.as_str()), (3, "worker("));
        let missing = dir.path().join("missing");
        let missing = missing.to_str().unwrap();
        let Err(error) = read(missing).lines else { panic!() };
        let message = error.run_time_message(missing);
        assert!(message.starts_with(&format!("cannot read the pattern file {missing}: ")), "{message}");
    }

    fn load(text: &str, strict: bool) -> Result<crate::config::Loaded, crate::config::ConfigError> {
        crate::config::load_str("/x/monitrc", text, crate::config::LoadOptions { strict, ..Default::default() })
    }

    #[test]
    fn at_load_a_missing_file_warns_and_a_bad_line_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let text = format!("check file f with path /tmp\n if content = {} then alert\n", missing.display());
        let loaded = load(&text, false).unwrap();
        let warning = loaded.warnings.warnings().next().unwrap();
        assert!(warning.message.starts_with("cannot read the pattern file "), "{}", warning.message);
        assert_eq!(warning.span.map(|s| s.start as usize), text.find(missing.to_str().unwrap()));
        let errors = load(&text, true).unwrap_err().diagnostics;
        assert!(errors.errors().any(|d| d.message.starts_with("cannot read the pattern file ")));

        let bad = dir.path().join("bad");
        std::fs::write(&bad, "ok\nworker(\n").unwrap();
        let text = format!("check file f with path /tmp\n ignore content = {}\n", bad.display());
        let errors = load(&text, false).unwrap_err().diagnostics;
        let message = &errors.errors().next().unwrap().message;
        let expected = format!(
            "invalid regular expression 'worker(': unclosed group, on line 2 of the pattern file {}",
            bad.display()
        );
        assert_eq!(message, &expected);
    }

    #[test]
    fn a_yaml_file_reads_its_pattern_files_too() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good");
        std::fs::write(&good, "ERR\n").unwrap();
        let yaml = format!(
            "services:\n- name: f\n  check: !file {{ path: /tmp }}\n  ignore_content:\n  - pattern: !file {}\n",
            good.display()
        );
        let loaded = crate::config::load_str("/x/monitrc.yml", &yaml, Default::default())
            .unwrap_or_else(|e| panic!("{:?}", e.diagnostics.items));
        let PatternSource::File(file) = &loaded.config.services[0].ignore_content[0].pattern else { panic!() };
        assert_eq!(file.lines.as_ref().map(Vec::len), Ok(1));
    }
}
