//! `import-state FILE`: a state file of Monit's (reference §7.1, versions 0-4) read on
//! demand, what it holds printed record by record with the service each pairs with, and
//! the result written as rmonit's state file, as the daemon's start does with a Monit file
//! it finds at its own state file's path. Not while a daemon runs: it would write over the
//! import at its next save, so the command says so and writes nothing.

use std::path::Path;

use super::Cli;
use super::daemon_cmd::load_config;
use crate::config::paths;
use crate::state::monit_state;
use crate::state::persist::{self, ServiceState, StateFile};

/// Exit code when the file was read but nothing was written.
const NOT_WRITTEN: u8 = 1;

pub fn import_state(cli: &Cli, args: &[String]) -> Result<u8, String> {
    let [file] = args else {
        return Err("usage: rmonit import-state FILE (a state file written by Monit)".to_owned());
    };
    let config = crate::daemon::with_system_service(load_config(cli)?);
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let monit = monit_state::parse(&bytes).map_err(|why| format!("{file} is not a Monit state file: {why}"))?;
    let version = monit.version;
    let has_boot_time = monit.boot_time.is_some();
    let this_boot = crate::procfs::system::boot_time_cached();
    let state = monit.into_state_file(this_boot);
    let boot = match (has_boot_time, state.boot_time == this_boot) {
        (false, _) => "no boot time (taken as this boot, as Monit does)",
        (true, true) => "written during this boot",
        (true, false) => "written before the last reboot (`onreboot` decides)",
    };
    println!("Monit state file {file}: format version {version}, {boot}");
    for record in &state.services {
        println!("  {}", describe(record, &config));
    }
    let matched = persist::matched_services(&config, &state);
    println!("{matched} of {} services of the control file have a record", config.services.len());

    let pidfile = cli.pidfile.clone().unwrap_or_else(|| paths::pidfile(&config));
    if let Some(pid) = crate::daemon::running_daemon(&pidfile) {
        println!("Not written: the daemon (pid {pid}) runs and would write over it; stop it, then import again");
        return Ok(NOT_WRITTEN);
    }
    let statefile = cli.statefile.clone().unwrap_or_else(|| paths::statefile(&config));
    write(&statefile, Path::new(file), &bytes, &state)?;
    Ok(0)
}

/// One record: type, name, what it holds, and the service it pairs with.
fn describe(record: &ServiceState, config: &crate::config::Config) -> String {
    let kind = if record.type_name.is_empty() { "(any type)" } else { &record.type_name };
    let mut line = format!(
        "{kind} '{}': {}, {} restart{}",
        record.name,
        if record.monitored { "monitored" } else { "not monitored" },
        record.restarts,
        if record.restarts == 1 { "" } else { "s" }
    );
    if let Some(position) = &record.content_position {
        line.push_str(&format!(", content read to byte {} of inode {}", position.offset, position.inode));
    }
    if let Some(checksum) = &record.checksum_baseline {
        line.push_str(&format!(", checksum {checksum}"));
    }
    let paired = config.services.iter().any(|service| record.is_for(service));
    line.push_str(if paired { "" } else { " (no such service in the control file: ignored)" });
    line
}

/// Writes `state` to `statefile`, keeping what it replaces: Monit's file itself when it is
/// the one imported (as `<statefile>.monit`), else an earlier state file.
fn write(statefile: &Path, imported: &Path, bytes: &[u8], state: &StateFile) -> Result<(), String> {
    let same = std::fs::canonicalize(statefile).ok() == std::fs::canonicalize(imported).ok();
    let kept = if same {
        Some(
            persist::keep_monit_copy(statefile, bytes)
                .map_err(|e| format!("cannot keep a copy of {file}: {e}", file = statefile.display()))?,
        )
    } else if statefile.exists() {
        let copy = persist::with_suffix(statefile, ".before-import");
        std::fs::rename(statefile, &copy).map_err(|e| format!("cannot keep {}: {e}", statefile.display()))?;
        Some(copy)
    } else {
        None
    };
    persist::save(statefile, state).map_err(|e| format!("cannot write {}: {e}", statefile.display()))?;
    match kept {
        Some(copy) => println!("Written to {} (what was there is kept as {})", statefile.display(), copy.display()),
        None => println!("Written to {}", statefile.display()),
    }
    Ok(())
}
