//! The daemon: load the configuration, daemonize unless `-I`, write the pid file, start the
//! engine and the control socket, and handle signals — SIGTERM/SIGINT stop in order with
//! the state saved, SIGHUP reloads (a broken configuration keeps the running one), SIGUSR1
//! checks every service now.

pub mod limits;
pub mod logging;
pub mod memory;
pub mod mmonit;
mod reaper;
pub mod reload;
pub mod systemd;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::alert::{self, NotifierHandle};
use crate::config::{self, Config, LoadOptions, paths};
use crate::control::{self, tcp::TcpServer};
use crate::engine::{self, EngineHandle, EngineOptions};
use crate::http::{self, AppState};
use crate::state::persist::{self, ServiceState, StateFile};
use crate::state::saver;
use crate::state::{Board, Monitoring};

/// How the daemon was asked to run (from the command line).
#[derive(Debug, Clone, Default)]
pub struct DaemonOptions {
    pub config_path: PathBuf,
    pub foreground: bool,
    /// `-d N`: overrides `set daemon`.
    pub interval: Option<Duration>,
    pub logfile: Option<String>,
    pub pidfile: Option<PathBuf>,
    pub statefile: Option<PathBuf>,
    pub verbose: bool,
}

/// Runs the daemon until it is told to stop. Returns the error that kept it from running.
pub fn run(options: DaemonOptions) -> Result<(), String> {
    let loaded = config::load(&options.config_path, LoadOptions::default()).map_err(|e| e.to_string())?;
    // On stderr, before the log is set up; under journald each line at warning priority.
    let journal = logging::stderr_is_the_journal();
    for warning in loaded.render_warnings() {
        if journal {
            warning.lines().for_each(|line| eprintln!("<4>{line}"));
        } else {
            eprintln!("{warning}");
        }
    }
    let config = with_system_service(loaded.config);
    let pidfile = options.pidfile.clone().unwrap_or_else(|| paths::pidfile(&config));
    if let Some(pid) = running_daemon(&pidfile) {
        // As Monit: a second start wakes the running daemon.
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGUSR1);
        println!("rmonit daemon with PID {pid} awakened");
        return Ok(());
    }
    if config.daemon.is_none() && options.interval.is_none() {
        // No `set daemon` and no `-d`: one pass and exit, as Monit does (cron-driven use).
        return run_once(config, &options);
    }
    let foreground = options.foreground || config.init;
    let banner = start_banner(&config);
    daemon_started();
    if !foreground {
        // As Monit: the caller's terminal sees the start line before the daemon detaches.
        println!("{banner}");
    }
    // Descriptors the launcher left open (a deploy script's pipe, an ssh session's) must
    // not reach the programs we start: they would hold the launcher's session open.
    seal_inherited_descriptors(!foreground);
    if !foreground {
        daemonize()?;
    }
    logging::init(log_target(&options, &config, foreground), options.verbose)?;
    info!("{banner}");
    limits::raise_open_files();
    write_pidfile(&pidfile)?;
    if let Err(e) = paths::instance_id(&config) {
        tracing::warn!("{e}");
    }
    // One thread for the async work; a few for blocking reads (a process-table scan),
    // bounded so that a burst of them cannot grow the daemon's memory.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(4)
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let result = runtime.block_on(serve(Arc::new(config), options));
    let _ = std::fs::remove_file(&pidfile);
    result
}

/// Where the log goes: `-l`, else `set log`, else stderr in the foreground and nowhere
/// once detached.
fn log_target(options: &DaemonOptions, config: &Config, foreground: bool) -> logging::Target {
    match (options.logfile.as_deref(), &config.log) {
        (Some("syslog"), _) => logging::Target::Syslog(None),
        (Some(path), _) => logging::Target::File(PathBuf::from(path)),
        (None, Some(crate::config::model::LogConfig::File(path))) => logging::Target::File(PathBuf::from(path)),
        (None, Some(crate::config::model::LogConfig::Syslog { facility })) => logging::Target::Syslog(facility.clone()),
        (None, None) if foreground => logging::Target::Stderr,
        (None, None) => logging::Target::Discard,
    }
}

/// The state the last run saved; an unusable file is moved aside, with a warning.
fn load_saved_state(statefile: &Path, config: &Config) -> Option<StateFile> {
    match persist::load(statefile) {
        persist::Loaded::Valid(state) => Some(state),
        persist::Loaded::FromMonit(state, copy) => {
            let matched = persist::matched_services(config, &state);
            let kept = match &copy {
                Ok(path) => format!("original kept as {}", path.display()),
                Err(e) => format!("could not keep a copy: {e}"),
            };
            info!(
                "state carried over from Monit's state file {}: {matched} of {} services matched ({kept})",
                statefile.display(),
                config.services.len()
            );
            Some(state)
        }
        persist::Loaded::Missing => None,
        persist::Loaded::MovedAside(path, reason) => {
            warn!("the state file was unusable ({reason}); moved to {}", path.display());
            None
        }
    }
}

/// How long a single pass may take, its actions (start programs) included.
const ONE_PASS_LIMIT: Duration = Duration::from_secs(300);

/// One pass over every service in this process, then exit: the checks, the actions their
/// rules call and the alerts they raise, with the state file read before and written after.
fn run_once(config: Config, options: &DaemonOptions) -> Result<(), String> {
    // A pass runs from a terminal or cron: without `set log`, its lines go to stderr.
    logging::init(log_target(options, &config, true), options.verbose)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async {
        let config = Arc::new(config);
        let statefile = options.statefile.clone().unwrap_or_else(|| paths::statefile(&config));
        let boot_time = crate::procfs::system::boot_time().unwrap_or(0);
        let saved = load_saved_state(&statefile, &config);
        let initial = persist::initial_monitoring(&config, saved.as_ref(), boot_time);
        let notifier = alert::spawn(config.clone(), &alert::queue_dir(&config, &statefile)).ok();
        let mut running = start_engine(&config, options, initial, saved.as_ref(), false, notifier.as_ref());
        let board = running.engine.board().clone();
        let settled = || {
            board
                .snapshot()
                .services
                .iter()
                .all(|s| s.pending.is_none() && (s.collected_at.is_some() || s.monitoring != Monitoring::Monitored))
        };
        let deadline = tokio::time::Instant::now() + ONE_PASS_LIMIT;
        // Past the first look, until every watched service was checked and no action waits.
        tokio::time::sleep(Duration::from_millis(50)).await;
        while !settled() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let last = state_of(running.engine.board());
        stop_engine(&mut running).await;
        if let Some(notifier) = notifier {
            notifier.stop(ALERT_FLUSH_AT_STOP).await;
        }
        persist::save(&statefile, &last)
            .map_err(|e| format!("cannot write the state file {}: {e}", statefile.display()))
    })
}

/// The pid of a live daemon named by the pid file, if any: a process that runs rmonit's
/// own binary (the same executable, or one of the same name), never this process. A pid
/// file naming anything else (PID 1, a recycled pid) names no daemon, so `quit`, `reload`
/// and a second start signal nothing.
pub fn running_daemon(pidfile: &Path) -> Option<i32> {
    let (pid, _) = crate::procfs::process::read_pidfile(pidfile).ok()?;
    (pid != std::process::id() as i32 && runs_this_binary(pid)).then_some(pid)
}

/// Whether a live process runs the binary this process runs: the same executable path
/// (also after an upgrade replaced it: `/usr/bin/rmonit (deleted)`), or the same name.
fn runs_this_binary(pid: i32) -> bool {
    let exe = |p: &str| {
        std::fs::read_link(format!("/proc/{p}/exe"))
            .ok()
            .map(|l| l.to_string_lossy().trim_end_matches(" (deleted)").to_owned())
    };
    let comm = |p: &str| std::fs::read_to_string(format!("/proc/{p}/comm")).ok();
    let theirs = pid.to_string();
    let same = |read: &dyn Fn(&str) -> Option<String>| read(&theirs).is_some_and(|t| Some(t) == read("self"));
    same(&exe) || same(&comm)
}

fn write_pidfile(path: &Path) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = std::fs::remove_file(path);
    std::fs::write(path, format!("{}\n", std::process::id()))
        .map_err(|e| format!("cannot write the pid file {}: {e}", path.display()))
}

/// Closes (when detaching) or marks close-on-exec every descriptor above 2 that the
/// daemon inherited. Runs first, before the daemon opens anything of its own.
fn seal_inherited_descriptors(close: bool) {
    let Ok(entries) = std::fs::read_dir("/proc/self/fd") else { return };
    let inherited: Vec<i32> =
        entries.flatten().filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok()).filter(|&fd| fd > 2).collect();
    // The listing's own descriptor is in it, closed by now: fcntl fails on it harmlessly.
    for fd in inherited {
        // SAFETY: `fd` is only used for this call; the daemon holds no other reference to
        // a descriptor it inherited and has not opened anything yet.
        let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
        if rustix::io::fcntl_getfd(borrowed).is_err() {
            continue;
        }
        if close {
            // SAFETY: as above; nothing else owns or uses the inherited descriptor.
            unsafe { rustix::io::close(fd) };
        } else {
            let _ = rustix::io::fcntl_setfd(borrowed, rustix::io::FdFlags::CLOEXEC);
        }
    }
}

/// Detaches from the terminal: fork, new session, fork again, `/` as working directory,
/// standard streams on /dev/null. Runs before any thread exists.
fn daemonize() -> Result<(), String> {
    use nix::unistd::{ForkResult, fork, setsid};
    // SAFETY: called before the runtime or any other thread is started, so the child is a
    // copy of a single-threaded process.
    match unsafe { fork() }.map_err(|e| format!("fork failed: {e}"))? {
        ForkResult::Parent { .. } => std::process::exit(0),
        ForkResult::Child => {}
    }
    setsid().map_err(|e| format!("setsid failed: {e}"))?;
    // SAFETY: as above; still single-threaded.
    match unsafe { fork() }.map_err(|e| format!("fork failed: {e}"))? {
        ForkResult::Parent { .. } => std::process::exit(0),
        ForkResult::Child => {}
    }
    let _ = std::env::set_current_dir("/");
    let null = std::fs::OpenOptions::new().read(true).write(true).open("/dev/null").map_err(|e| e.to_string())?;
    rustix::stdio::dup2_stdin(&null).map_err(|e| e.to_string())?;
    rustix::stdio::dup2_stdout(&null).map_err(|e| e.to_string())?;
    rustix::stdio::dup2_stderr(&null).map_err(|e| e.to_string())?;
    Ok(())
}

/// The configuration with a `check system` service, named after the host, when it has
/// none (as Monit creates one, at the end of the list).
pub fn with_system_service(mut config: Config) -> Config {
    use crate::config::model::{ServiceConfig, ServiceKind};
    if !config.services.iter().any(|s| s.check == ServiceKind::System) {
        // Last, as Monit appends it: `status` and `report` list it after the rest.
        config.services.push(ServiceConfig::new(crate::config::parser::local_hostname(), ServiceKind::System));
    }
    config
}

/// The groups of a configuration: (group, members).
pub fn groups(config: &Config) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for service in &config.services {
        for group in &service.groups {
            match groups.iter_mut().find(|(g, _)| g == group) {
                Some((_, members)) => members.push(service.name.clone()),
                None => groups.push((group.clone(), vec![service.name.clone()])),
            }
        }
    }
    groups
}

/// When this daemon started: the uptime counts from it across reloads.
fn daemon_started() -> std::time::SystemTime {
    static STARTED: std::sync::OnceLock<std::time::SystemTime> = std::sync::OnceLock::new();
    *STARTED.get_or_init(std::time::SystemTime::now)
}

/// Monit's start line: `Starting Monit 5.33.0 daemon with http interface at
/// [127.0.0.1]:2812`, with rmonit's name and version; the control socket's path when no
/// TCP port is set (rmonit always listens on it).
fn start_banner(config: &Config) -> String {
    let name = format!("rmonit {}", crate::VERSION);
    match config.httpd.as_ref().and_then(|h| h.port.map(|p| (h.address.as_deref(), p))) {
        Some((address, port)) => {
            format!("Starting {name} daemon with http interface at [{}]:{port}", address.unwrap_or("*"))
        }
        None => format!("Starting {name} daemon with http interface at {}", paths::control_socket(config).display()),
    }
}

struct Running {
    engine: EngineHandle,
    cancel: CancellationToken,
    tasks: JoinSet<()>,
}

fn start_engine(
    config: &Arc<Config>,
    options: &DaemonOptions,
    initial: Vec<(String, Monitoring)>,
    saved: Option<&StateFile>,
    apply_start_delay: bool,
    notifier: Option<&NotifierHandle>,
) -> Running {
    let cancel = CancellationToken::new();
    let mut tasks = JoinSet::new();
    let restored = saved.map(|s| s.services.clone()).unwrap_or_default();
    let engine_options = EngineOptions {
        initial_monitoring: initial,
        restored,
        interval: options.interval,
        apply_start_delay,
        alerts: notifier.map(NotifierHandle::sender).unwrap_or_default(),
        alert_status: notifier.map(NotifierHandle::status).unwrap_or_default(),
        daemon_started: Some(daemon_started()),
    };
    let engine = engine::spawn(config.clone(), engine_options, cancel.clone(), &mut tasks);
    Running { engine, cancel, tasks }
}

async fn stop_engine(running: &mut Running) {
    running.cancel.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(5), async { while running.tasks.join_next().await.is_some() {} })
        .await;
    running.tasks.abort_all();
}

/// What the state file keeps of the services on `board`.
fn state_of(board: &Board) -> StateFile {
    let snapshot = board.snapshot();
    let services = snapshot
        .services
        .iter()
        .map(|s| ServiceState {
            name: s.name.clone(),
            type_name: s.type_name.clone(),
            monitored: s.monitoring != Monitoring::NotMonitored,
            restarts: s.restarts,
            last_action: s.last_action.clone(),
            content_position: s.content_position,
            checksum_baseline: s.checksum_baseline.clone(),
            monitor_again_at: s.monitor_again_at,
            disabled_dependants: s.disabled_dependants.clone(),
            events: s.saved_events.clone(),
        })
        .collect();
    StateFile::new(crate::procfs::system::boot_time().unwrap_or(0), services)
}

/// Reads the control file again (SIGHUP and `/_reload`). A broken file is logged and
/// returned, and the running configuration stays. Otherwise the engine is replaced; every
/// service keeps its state (monitoring, restart counts, file positions) through the state
/// carried over, and its process is found again, not restarted. Returns what changed.
async fn reload(
    options: &DaemonOptions,
    config: &mut Arc<Config>,
    running: &mut Running,
    state: &AppState,
    notifier: Option<&NotifierHandle>,
) -> Result<String, String> {
    systemd::reloading();
    let result = reload_configuration(options, config, running, state, notifier).await;
    systemd::reloaded(state);
    result
}

/// The reload itself, between systemd's RELOADING and READY.
async fn reload_configuration(
    options: &DaemonOptions,
    config: &mut Arc<Config>,
    running: &mut Running,
    state: &AppState,
    notifier: Option<&NotifierHandle>,
) -> Result<String, String> {
    info!("reinitializing rmonit -- control file '{}'", options.config_path.display());
    // Off the async threads: loading reads files and resolves the host names of `allow`.
    let path = options.config_path.clone();
    let loaded = tokio::task::spawn_blocking(move || config::load(&path, LoadOptions::default()))
        .await
        .map_err(|e| format!("loading the control file failed: {e}"))?;
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(e) => {
            let errors = e.to_string();
            for line in errors.lines() {
                error!("{line}");
            }
            error!("the new control file is invalid: keeping the running configuration");
            return Err(errors);
        }
    };
    let new_config = Arc::new(with_system_service(loaded.config));
    let changes = reload::changes(config, &new_config);
    // `set log` changed: the log moves (`-l` keeps it where it is).
    let foreground = options.foreground || config.init;
    let (old_log, new_log) = (log_target(options, config, foreground), log_target(options, &new_config, foreground));
    if old_log != new_log {
        // The last line of the old log says where the next ones are.
        info!("reload: the log moves to {}", new_log.describe());
        match logging::retarget(&new_log) {
            Ok(()) => info!("reload: the log moved here from {}", old_log.describe()),
            Err(e) => error!("reload: the log stays where it is: {e}"),
        }
    }
    let keep = state_of(running.engine.board());
    stop_engine(running).await;
    *config = new_config;
    let initial = persist::initial_monitoring(config, Some(&keep), keep.boot_time);
    if let Some(notifier) = notifier {
        notifier.reconfigure(config.clone());
    }
    *running = start_engine(config, options, initial, Some(&keep), false, notifier);
    state.replace(running.engine.clone(), groups(config));
    // Monit's reload event carries the start action (its `Action:` line says start).
    post_instance_event(config, notifier, "rmonit reloaded", "start");
    for line in changes.lines() {
        info!("reload: {line}");
    }
    info!("rmonit reloaded");
    Ok(changes)
}

/// What the web pages say about the daemon.
fn facts_of(config: &Config, options: &DaemonOptions) -> http::pages::DaemonFacts {
    let pidfile = options.pidfile.clone().unwrap_or_else(|| paths::pidfile(config));
    let statefile = options.statefile.clone().unwrap_or_else(|| paths::statefile(config));
    http::pages::DaemonFacts::new(
        config,
        &options.config_path.display().to_string(),
        &pidfile.display().to_string(),
        &statefile.display().to_string(),
        &paths::control_socket(config).display().to_string(),
    )
}

/// After the first cycles (and after a reload, which runs the parser again), the start-up
/// code's pages are given back (see [`memory`]).
fn release_startup_pages_soon() {
    tokio::spawn(async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        let _ = tokio::task::spawn_blocking(memory::release_startup_pages).await;
    });
}

/// How many samples pass between two saves of the history (5 minutes).
const HISTORY_SAVE_EVERY: u32 = 30;

/// Where the dashboard's history is kept: beside the state file.
fn history_path(statefile: &Path) -> PathBuf {
    let mut name = statefile.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".history");
    statefile.with_file_name(name)
}

/// Takes back the history saved by the last run, if any.
fn restore_history(state: &AppState, path: &Path) {
    match std::fs::read(path) {
        Ok(bytes) => {
            if let Err(e) = state.history().restore(&bytes) {
                warn!("the dashboard history {} is ignored: {e}", path.display());
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => warn!("cannot read the dashboard history {}: {e}", path.display()),
    }
}

fn save_history(history: &crate::http::web::history::History, path: &Path) {
    if let Err(e) = persist::write_atomically(path, &history.to_bytes()) {
        warn!("cannot write the dashboard history {}: {e}", path.display());
    }
}

/// Feeds the dashboard's history charts, one point per service every sample period, and
/// saves them now and then (off the runtime).
async fn sample_history(state: AppState, path: PathBuf) {
    let mut tick = tokio::time::interval(crate::http::web::history::SAMPLE_EVERY);
    for sample in 1u32.. {
        tick.tick().await;
        state.history().sample(&state.engine().board().snapshot());
        if sample % HISTORY_SAVE_EVERY == 0 {
            let (history, path) = (state.history(), path.clone());
            let _ = tokio::task::spawn_blocking(move || save_history(&history, &path)).await;
        }
    }
}

/// The TCP listener of `set httpd port`, if configured.
async fn start_web(config: &Config, state: &AppState) -> Result<Option<TcpServer>, String> {
    TcpServer::start(config.httpd.as_ref(), state.clone()).await
}

/// After a reload: the TCP listener restarted when `set httpd` changed. A listener that
/// cannot start is logged; the unix socket keeps working.
async fn restart_web(web: Option<TcpServer>, old: &Config, new: &Config, state: &AppState) -> Option<TcpServer> {
    if old.httpd == new.httpd {
        return web;
    }
    if let Some(web) = web {
        web.stop().await;
    }
    start_web(new, state).await.unwrap_or_else(|e| {
        error!("{e}");
        None
    })
}

/// How long a stopping daemon tries to deliver the alerts still queued; the rest go out
/// after the next start.
const ALERT_FLUSH_AT_STOP: Duration = Duration::from_secs(3);

/// The monitor's own start, stop and reload, as Monit's `Monit instance changed` alerts
/// of the system service.
fn post_instance_event(config: &Config, notifier: Option<&NotifierHandle>, message: &str, action: &str) {
    let Some(notifier) = notifier else { return };
    let system = config.services.iter().find(|s| s.check == crate::config::model::ServiceKind::System);
    let name = system.map_or_else(crate::config::parser::local_hostname, |s| s.name.clone());
    let kind = crate::config::model::EventKind::Instance;
    notifier.sender().post(alert::Notice::transition(&name, kind, alert::NoticeState::Changed, message, action));
}

/// The async part: engine, control socket, signals, state.
async fn serve(config: Arc<Config>, options: DaemonOptions) -> Result<(), String> {
    let statefile = options.statefile.clone().unwrap_or_else(|| paths::statefile(&config));
    let boot_time = crate::procfs::system::boot_time().unwrap_or(0);
    let saved = load_saved_state(&statefile, &config);
    let rebooted = saved.as_ref().is_none_or(|s| s.boot_time != boot_time);
    let initial = persist::initial_monitoring(&config, saved.as_ref(), boot_time);
    info!("rmonit {} daemon with pid {} started", crate::VERSION, std::process::id());
    let mut config = config;
    let notifier = match alert::spawn(config.clone(), &alert::queue_dir(&config, &statefile)) {
        Ok(notifier) => Some(notifier),
        Err(e) => {
            error!("{e}; alerts are logged only");
            None
        }
    };
    let mut running = start_engine(&config, &options, initial, saved.as_ref(), rebooted, notifier.as_ref());
    post_instance_event(&config, notifier.as_ref(), &format!("rmonit {} started", crate::VERSION), "start");
    let (reloader, mut reload_requests) = http::reload::Reloader::channel();
    let state = AppState::new(running.engine.clone(), groups(&config)).with_reloader(reloader);
    // The saver reads the engine the handlers see: after a reload, the new one's board.
    let saver_cancel = CancellationToken::new();
    let source = state.clone();
    let (saver, saver_task) =
        saver::spawn(statefile.clone(), Box::new(move || state_of(source.engine().board())), saver_cancel.clone());
    let state = state.with_saver(saver);

    let socket_path = paths::control_socket(&config);
    let socket_config = config.httpd.as_ref().and_then(|h| h.unixsocket.as_ref());
    let (listener, access) = control::unix::bind(&socket_path, socket_config).await?;
    let server_cancel = CancellationToken::new();
    let server = tokio::spawn(control::unix::serve(
        listener,
        socket_path.clone(),
        http::router(state.clone()),
        access,
        server_cancel.clone(),
    ));

    state.set_facts(facts_of(&config, &options));
    let history_file = history_path(&statefile);
    restore_history(&state, &history_file);
    let sampler = tokio::spawn(sample_history(state.clone(), history_file.clone()));
    let reaper = reaper::is_init().then(|| {
        info!("running as the init of its PID namespace: orphaned processes are reaped");
        tokio::spawn(reaper::reap_orphans())
    });
    release_startup_pages_soon();
    let mut web = start_web(&config, &state).await.unwrap_or_else(|e| {
        error!("{e}; the web interface is off (the CLI works through the unix socket)");
        None
    });
    systemd::started(&state);
    let mmonit = mmonit::spawn(state.clone());
    if let Some(notifier) = &notifier {
        notifier.set_mmonit_source(mmonit::event_source(state.clone()));
    }

    let mut terminate = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
    let mut hangup = signal(SignalKind::hangup()).map_err(|e| e.to_string())?;
    let mut user1 = signal(SignalKind::user_defined1()).map_err(|e| e.to_string())?;
    loop {
        tokio::select! {
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
            _ = user1.recv() => {
                info!("awakened by User defined signal 1");
                running.engine.check_all_now();
            }
            _ = hangup.recv() => {
                let before = Arc::clone(&config);
                let _ = reload(&options, &mut config, &mut running, &state, notifier.as_ref()).await;
                state.set_facts(facts_of(&config, &options));
                web = restart_web(web, &before, &config, &state).await;
                release_startup_pages_soon();
            }
            Some(reply) = reload_requests.recv() => {
                let before = Arc::clone(&config);
                let _ = reply.send(reload(&options, &mut config, &mut running, &state, notifier.as_ref()).await);
                state.set_facts(facts_of(&config, &options));
                web = restart_web(web, &before, &config, &state).await;
                release_startup_pages_soon();
            }
        }
    }
    systemd::stopping();
    info!("rmonit daemon with pid {} stopped", std::process::id());
    let last = state_of(running.engine.board());
    // The saver stops between two saves; the last state is written once it has.
    saver_cancel.cancel();
    let _ = saver_task.await;
    server_cancel.cancel();
    if let Some(web) = web.take() {
        web.stop().await;
    }
    sampler.abort();
    mmonit.abort();
    // A last point, the state at exit, then the whole history for the next run.
    state.history().sample(&running.engine.board().snapshot());
    save_history(&state.history(), &history_file);
    if let Some(reaper) = reaper {
        reaper.abort();
    }
    stop_engine(&mut running).await;
    if let Some(notifier) = notifier {
        post_instance_event(&config, Some(&notifier), "rmonit stopped", "stop");
        notifier.stop(ALERT_FLUSH_AT_STOP).await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), server).await;
    if let Err(e) = persist::save(&statefile, &last) {
        warn!("cannot write the state file {}: {e}", statefile.display());
    }
    Ok(())
}
