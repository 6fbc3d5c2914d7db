//! What the CLI needs of a control file to reach its daemon, read fast: the control
//! socket (`set httpd unixsocket`, else beside `set pidfile`) and `set terminal batch`.
//!
//! One pass of the lexer over the file and its includes, without parsing, validating or
//! compiling anything: a `summary` of a host with thousands of services starts in about the
//! time of `rmonit -V`. Whatever the pass cannot read plainly gives `None`, and the CLI loads
//! the file in full (with every error at its line, as before): a YAML file, a token the
//! lexer refuses, an include it cannot follow, a control file whose owner or mode the full
//! load would refuse or needs the services to judge (readable by others).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::lexer::{Lexer, TokenKind};
use super::model::defaults::{MAX_INCLUDE_DEPTH, MAX_INCLUDED_FILES};
use super::{Config, is_yaml_path, paths, read_source};

/// The control socket and the output mode of a control file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientView {
    pub socket: PathBuf,
    pub terminal_batch: bool,
}

impl ClientView {
    /// The view of a fully loaded configuration.
    pub fn of(config: &Config) -> ClientView {
        ClientView { socket: paths::control_socket(config), terminal_batch: config.terminal_batch }
    }
}

/// What the pass found so far.
#[derive(Default)]
struct Found {
    unixsocket: Option<String>,
    pidfile: Option<String>,
    terminal_batch: bool,
    files: usize,
}

/// The view of the control file at `path`, or None when only a full load can tell.
pub fn client_view(path: &Path) -> Option<ClientView> {
    let meta = std::fs::metadata(path).ok()?;
    let euid = nix::unistd::geteuid().as_raw();
    if !meta.is_file() || (meta.uid() != euid && meta.uid() != 0) || meta.mode() & 0o026 != 0 {
        return None;
    }
    let mut found = Found::default();
    scan(path, 0, &mut found)?;
    let mut config = Config { terminal_batch: found.terminal_batch, pidfile: found.pidfile, ..Config::default() };
    if let Some(socket) = found.unixsocket {
        config.httpd = Some(Default::default());
        let httpd = config.httpd.as_mut().expect("just set");
        httpd.unixsocket = Some(super::model::UnixSocketConfig {
            path: socket,
            uid: None,
            gid: None,
            permission: None,
            read_only: false,
        });
    }
    Some(ClientView::of(&config))
}

fn scan(path: &Path, depth: usize, found: &mut Found) -> Option<()> {
    found.files += 1;
    if is_yaml_path(path) || depth > MAX_INCLUDE_DEPTH || found.files > MAX_INCLUDED_FILES {
        return None;
    }
    let text: Arc<str> = read_source(path).ok()?.into();
    let mut lexer = Lexer::new(text, 0);
    let mut depth_of_braces = 0usize;
    // The statement being read at the top level: `set` and the word after it.
    let mut statement: Option<String> = None;
    let mut after_set = false;
    loop {
        let token = lexer.next_token();
        let service_name = lexer.last_was_service_name();
        match &token.kind {
            TokenKind::Eof => return Some(()),
            TokenKind::Invalid(_) => return None,
            TokenKind::LBrace => depth_of_braces += 1,
            TokenKind::RBrace => depth_of_braces = depth_of_braces.saturating_sub(1),
            TokenKind::Word(word) if word.eq_ignore_ascii_case("include") && !service_name => {
                let target = lexer.include_target();
                let (TokenKind::Word(pattern) | TokenKind::Str(pattern)) = &target.kind else { return None };
                for included in included_files(path, pattern)? {
                    scan(&included, depth + 1, found)?;
                }
                statement = None;
            }
            // The raw text of a mail format's subject and message is not tokens.
            TokenKind::Word(word) if depth_of_braces > 0 && is_key(word, "message") => {
                lexer.raw_until_brace();
            }
            TokenKind::Word(word) if depth_of_braces > 0 && is_key(word, "subject") => {
                lexer.raw_line();
            }
            TokenKind::Word(_) if depth_of_braces == 0 => {
                if token.is_word("set") {
                    (statement, after_set) = (None, true);
                } else if token.is_word("check") || token.is_word("include") {
                    (statement, after_set) = (None, false);
                } else if after_set {
                    statement = token.keyword();
                    after_set = false;
                    if token.is_word("terminal") {
                        found.terminal_batch = true;
                    }
                } else {
                    match statement.as_deref() {
                        Some("pidfile") => {
                            found.pidfile = token.text().map(str::to_owned);
                            statement = None;
                        }
                        Some("httpd") if token.is_word("unixsocket") => {
                            let next = lexer.next_token();
                            let socket = next.text()?.to_owned();
                            found.unixsocket = Some(socket);
                        }
                        _ => {}
                    }
                }
            }
            TokenKind::Str(text) if depth_of_braces == 0 && statement.as_deref() == Some("pidfile") => {
                found.pidfile = Some(text.clone());
                statement = None;
            }
            _ => {}
        }
    }
}

/// `message` or `message:` (the key of a mail format's field).
fn is_key(word: &str, key: &str) -> bool {
    word.strip_suffix(':').unwrap_or(word).eq_ignore_ascii_case(key)
}

/// The files an `include` names, as the parser finds them; None for a bad glob.
fn included_files(including: &Path, pattern: &str) -> Option<Vec<PathBuf>> {
    let base = including.parent().map(Path::to_path_buf).unwrap_or_default();
    let full = if Path::new(pattern).is_absolute() { PathBuf::from(pattern) } else { base.join(pattern) };
    let mut paths: Vec<PathBuf> = if pattern.contains(['*', '?', '[']) {
        glob::glob(&full.to_string_lossy()).ok()?.filter_map(Result::ok).filter(|p| !p.is_dir()).collect()
    } else if full.exists() {
        vec![full]
    } else {
        Vec::new()
    };
    paths.sort();
    Some(paths)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        path
    }

    fn full(path: &Path) -> ClientView {
        let loaded = crate::config::load(path, Default::default());
        ClientView::of(&loaded.unwrap_or_else(|e| panic!("{}: {e}", path.display())).config)
    }

    #[test]
    fn the_socket_and_batch_mode_as_the_full_load_finds_them() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(
            d,
            "more.monitrc",
            "set httpd port 2812\n  allow admin:s3cr3t\n  unixsocket \"/run/x/control.sock\" uid 0\n",
        );
        let cases = [
            "set daemon 30\n",
            "set pidfile /run/r/r.pid\ncheck process include with pidfile /x.pid\n",
            "set pidfile '/run/a.pid'\nset terminal batch\nset pidfile /run/b.pid\n",
            "include more.monitrc\nset daemon 5\n",
            "set httpd unixsocket /run/one.sock\nset httpd unix /run/two.sock allow admin:x\n",
            "set mail-format { subject: set pidfile /wrong.pid\n message: set httpd unixsocket /wrong.sock\n  }\n\
             check file f path /etc/hosts\n  if changed checksum then alert\n",
            "check process web matching \"set pidfile /wrong\"\n  start program = \"/bin/true set pidfile\"\n",
        ];
        for (i, text) in cases.iter().enumerate() {
            let path = write(d, &format!("case{i}"), text);
            assert_eq!(client_view(&path), Some(full(&path)), "{text}");
        }
    }

    #[test]
    fn every_shipped_and_corpus_file_reads_the_same_fast() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().unwrap();
        let mut files: Vec<PathBuf> = ["tests/corpus/valid", "checks"]
            .iter()
            .flat_map(|sub| std::fs::read_dir(root.join(sub)).unwrap().flatten().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "monitrc"))
            .collect();
        files.push(root.join("monitrc.example"));
        let mut compared = 0;
        for file in files {
            let path = write(dir.path(), "monitrc", &std::fs::read_to_string(&file).unwrap());
            let Ok(loaded) = crate::config::load(&path, Default::default()) else { continue };
            if let Some(view) = client_view(&path) {
                assert_eq!(view, ClientView::of(&loaded.config), "{}", file.display());
                compared += 1;
            }
        }
        assert!(compared > 20, "only {compared} files compared");
    }

    #[test]
    fn what_the_pass_cannot_tell_is_left_to_the_full_load() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let yaml = write(d, "monitrc.yml", "daemon: 30\n");
        assert_eq!(client_view(&yaml), None, "YAML");
        let invalid = write(d, "invalid", "set pidfile \"/run/unterminated\n");
        assert_eq!(client_view(&invalid), None, "a token the lexer refuses");
        let readable = write(d, "readable", "set daemon 30\n");
        std::fs::set_permissions(&readable, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(client_view(&readable), None, "readable by others: the full load judges its passwords");
        let looping = write(d, "looping", "include looping\n");
        assert_eq!(client_view(&looping), None, "an include loop");
        assert_eq!(client_view(&d.join("missing")), None);
    }
}
