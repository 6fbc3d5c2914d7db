//! The state file: which services are monitored, and each rule's event state (so that a
//! restart neither alerts a known failure again nor misses a recovery), written
//! atomically (temporary file, fsync, rename) so a crash never leaves half a file. The
//! daemon writes it through [`super::saver`]. A corrupt or foreign file is moved
//! aside and logged, never a reason not to start. Restore follows Monit's `onreboot`: after
//! the same boot the monitoring state comes back; after a reboot `start` monitors,
//! `nostart` does not, `laststate` restores. Monit's own binary state file is read too
//! (see [`super::monit_state`]): converted, kept as `<path>.monit`, and replaced by rmonit's
//! format on the next save.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::model::{Config, Mode, OnReboot, ServiceConfig};
use crate::state::Monitoring;

/// Bumped when the format changes incompatibly.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateFile {
    pub format: String,
    pub version: u32,
    /// Boot time (seconds since the epoch) of the host when written.
    pub boot_time: u64,
    pub services: Vec<ServiceState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceState {
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub monitored: bool,
    /// Event-driven restarts still counting against the restart limits.
    #[serde(default)]
    pub restarts: u32,
    /// The outcome of the last action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_action: Option<crate::state::ActionOutcome>,
    /// Where content reading stopped (inode and offset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_position: Option<crate::state::status::ContentPosition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_baseline: Option<String>,
    /// `unmonitor --for`: when monitoring comes back by itself.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::timestamp::option")]
    pub monitor_again_at: Option<std::time::SystemTime>,
    /// The dependants this service's `unmonitor` disabled, for its `monitor` to enable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disabled_dependants: Vec<String>,
    /// Each rule's event state (those not in their initial state), so that a restart
    /// neither alerts a known failure again nor misses a recovery.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<SavedEvent>,
}

/// A rule's event state: failed or succeeded, the window of its last cycles (for `X times
/// within Y cycles`) and the cycles since its last transition (reminders count these).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedEvent {
    /// The rule's identity: its event and its text as rendered (`Resource: if cpu > 90%
    /// then alert`). A rule whose text changed has another identity and starts afresh.
    pub rule: String,
    pub state: crate::outcome::EventState,
    /// Bit i set: the test failed i cycles ago.
    pub window: u64,
    pub cycles_in_state: u32,
    /// How many transitions the rule went through (the identity of its latest alert).
    #[serde(default)]
    pub transitions: u64,
}

impl StateFile {
    pub fn new(boot_time: u64, services: Vec<ServiceState>) -> StateFile {
        StateFile { format: "rmonit-state".to_owned(), version: FORMAT_VERSION, boot_time, services }
    }
}

/// Writes the state atomically with mode 0600.
pub fn save(path: &Path, state: &StateFile) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(state).map_err(std::io::Error::other)?;
    write_atomically(path, text.as_bytes())
}

/// Replaces a file with `bytes` in one step (a temporary file, synced, then renamed over
/// it), mode 0600: a crash leaves the old content or the new, never half of one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = temp_path(path);
    {
        let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(dir) = std::fs::File::open(dir)
    {
        let _ = dir.sync_all();
    }
    Ok(())
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".tmp.{}", std::process::id()));
    path.with_file_name(name)
}

/// What loading found.
#[derive(Debug)]
pub enum Loaded {
    Missing,
    Valid(StateFile),
    /// Monit's binary state file, converted; the original was copied to this path (or
    /// could not be, for this reason). The next save replaces it with rmonit's format.
    FromMonit(StateFile, Result<PathBuf, String>),
    /// Unreadable or foreign: moved to this path.
    MovedAside(PathBuf, String),
}

pub fn load(path: &Path) -> Loaded {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Loaded::Missing,
        Err(e) => return move_aside(path, format!("cannot read: {e}")),
    };
    match serde_json::from_slice::<StateFile>(&bytes) {
        Ok(state) if state.format == "rmonit-state" && state.version == FORMAT_VERSION => Loaded::Valid(state),
        Ok(state) => move_aside(path, format!("unknown format {} version {}", state.format, state.version)),
        Err(e) => match super::monit_state::parse(&bytes) {
            Ok(monit) => {
                let state = monit.into_state_file(crate::procfs::system::boot_time_cached());
                Loaded::FromMonit(state, keep_monit_copy(path, &bytes))
            }
            Err(why) => move_aside(path, format!("not an rmonit state file: {e}; not a Monit state file: {why}")),
        },
    }
}

/// Copies Monit's state file to `<path>.monit`; the original stays until the next save.
pub fn keep_monit_copy(path: &Path, bytes: &[u8]) -> Result<PathBuf, String> {
    let copy = with_suffix(path, ".monit");
    write_atomically(&copy, bytes).map(|()| copy).map_err(|e| e.to_string())
}

/// How many configured services a state file has a record for (by name and type).
pub fn matched_services(config: &Config, state: &StateFile) -> usize {
    config.services.iter().filter(|service| saved_for(state, service).is_some()).count()
}

/// The state saved for `service`.
fn saved_for<'a>(state: &'a StateFile, service: &ServiceConfig) -> Option<&'a ServiceState> {
    state.services.iter().find(|s| s.is_for(service))
}

impl ServiceState {
    /// A monitored service with nothing else kept.
    pub fn new(name: &str, type_name: &str) -> ServiceState {
        ServiceState {
            name: name.to_owned(),
            type_name: type_name.to_owned(),
            monitored: true,
            restarts: 0,
            last_action: None,
            content_position: None,
            checksum_baseline: None,
            monitor_again_at: None,
            disabled_dependants: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Whether this is the saved state of `service`: paired by name and type (a name
    /// reused for another kind of check starts afresh).
    pub fn is_for(&self, service: &ServiceConfig) -> bool {
        // No type: a record of Monit 5.3's state file, which Monit pairs by name alone.
        self.name == service.name && (self.type_name.is_empty() || self.type_name == service.type_name())
    }
}

/// `path` with `suffix` added to its file name (`state` -> `state.monit`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

fn move_aside(path: &Path, reason: String) -> Loaded {
    let aside = with_suffix(path, ".corrupt");
    match std::fs::rename(path, &aside) {
        Ok(()) => Loaded::MovedAside(aside, reason),
        Err(e) => Loaded::MovedAside(path.to_path_buf(), format!("{reason}; could not move it aside: {e}")),
    }
}

/// The monitoring state each service starts with, given the state file and boot time.
pub fn initial_monitoring(config: &Config, state: Option<&StateFile>, boot_time: u64) -> Vec<(String, Monitoring)> {
    let Some(state) = state else { return Vec::new() };
    let same_boot = state.boot_time == boot_time;
    config
        .services
        .iter()
        .filter_map(|service| {
            let saved = saved_for(state, service)?;
            // `mode manual` is Monit's old spelling of `onreboot laststate`.
            let manual = (service.mode == Some(Mode::Manual)).then_some(OnReboot::Laststate);
            let policy = service.onreboot.or(manual).or(config.onreboot).unwrap_or(OnReboot::Start);
            let monitored = match (same_boot, policy) {
                (true, _) | (false, OnReboot::Laststate) => saved.monitored,
                (false, OnReboot::Start) => true,
                (false, OnReboot::Nostart) => false,
            };
            Some((service.name.clone(), if monitored { Monitoring::Initializing } else { Monitoring::NotMonitored }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        crate::config::load_str("/x/monitrc", text, crate::config::LoadOptions::default()).unwrap().config
    }

    #[test]
    fn save_and_load_round_trip_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        let state = StateFile::new(
            42,
            vec![ServiceState {
                name: "web".into(),
                type_name: "Process".into(),
                monitored: false,
                restarts: 2,
                last_action: None,
                content_position: None,
                checksum_baseline: None,
                monitor_again_at: None,
                disabled_dependants: Vec::new(),
                events: vec![SavedEvent {
                    rule: "Resource: if cpu > 90% then alert".into(),
                    state: crate::outcome::EventState::Failed,
                    window: 3,
                    cycles_in_state: 4,
                    transitions: 1,
                }],
            }],
        );
        save(&path, &state).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        match load(&path) {
            Loaded::Valid(loaded) => assert_eq!(loaded, state),
            other => panic!("{other:?}"),
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left behind");
    }

    #[test]
    fn a_file_without_event_states_still_loads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        let old = r#"{"format":"rmonit-state","version":1,"boot_time":7,
            "services":[{"name":"web","type":"Process","monitored":false,"restarts":1}]}"#;
        std::fs::write(&path, old).unwrap();
        match load(&path) {
            Loaded::Valid(state) => {
                assert!(!state.services[0].monitored);
                assert!(state.services[0].events.is_empty());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_corrupt_file_is_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        std::fs::write(&path, b"\x00\x00\x00\x00\x04\x00garbage").unwrap();
        match load(&path) {
            Loaded::MovedAside(aside, reason) => {
                assert!(aside.ends_with("state.corrupt"), "{aside:?}");
                assert!(reason.contains("not an rmonit state file"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert!(!path.exists());
        assert!(matches!(load(&path), Loaded::Missing));
    }

    #[test]
    fn monits_state_file_is_converted_and_kept_as_dot_monit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        let mut image = Vec::new();
        image.extend_from_slice(&0i32.to_ne_bytes());
        image.extend_from_slice(&4i32.to_ne_bytes());
        image.extend_from_slice(&77u64.to_ne_bytes());
        let mut record = vec![0u8; 392];
        record[..3].copy_from_slice(b"web");
        record[256..260].copy_from_slice(&3u32.to_ne_bytes());
        image.extend_from_slice(&record);
        std::fs::write(&path, &image).unwrap();
        match load(&path) {
            Loaded::FromMonit(state, Ok(copy)) => {
                assert_eq!(state.boot_time, 77);
                assert_eq!(state.services.len(), 1);
                assert!(!state.services[0].monitored);
                assert!(copy.ends_with("state.monit"), "{copy:?}");
                assert_eq!(std::fs::read(&copy).unwrap(), image);
                let cfg = config("check process web pidfile /w\ncheck file web2 path /x\n");
                assert_eq!(matched_services(&cfg, &state), 1);
                assert_eq!(initial_monitoring(&cfg, Some(&state), 77), [("web".to_owned(), Monitoring::NotMonitored)]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(std::fs::read(&path).unwrap(), image, "the original stays until rmonit saves");
    }

    #[test]
    fn onreboot_decides_after_a_reboot() {
        let cfg = config(
            "check process a pidfile /a\ncheck process b pidfile /b\n onreboot nostart\ncheck process c pidfile /c\n onreboot laststate\n\
             check process d pidfile /d\n mode manual\n",
        );
        let saved = StateFile::new(
            100,
            ["a", "b", "c", "d"]
                .iter()
                .map(|n| ServiceState { monitored: false, ..ServiceState::new(n, "Process") })
                .collect(),
        );
        let same = initial_monitoring(&cfg, Some(&saved), 100);
        assert!(same.iter().all(|(_, m)| *m == Monitoring::NotMonitored), "same boot restores all");
        let rebooted = initial_monitoring(&cfg, Some(&saved), 200);
        assert_eq!(
            rebooted,
            [
                ("a".to_owned(), Monitoring::Initializing),
                ("b".to_owned(), Monitoring::NotMonitored),
                ("c".to_owned(), Monitoring::NotMonitored),
                ("d".to_owned(), Monitoring::NotMonitored),
            ]
        );
    }
}
