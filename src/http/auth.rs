//! Who may use the TCP listener (reference §6.2): the host ACL checked at accept, and Basic
//! credentials on every request — `allow user:password` (cleartext or a hash),
//! htpasswd files, and `allow @group` (members of a Unix group, checked against
//! /etc/shadow). Read-only users and listeners.
//!
//! Better than Monit: hash checks run off the async threads, one at a time, and a
//! successful login is remembered for ten minutes (keyed by a salted digest of the
//! credentials), so a browser or a script polling `/_status` costs a hash lookup, not an
//! argon2 run. Wrong passwords are throttled per client address and per user name: after
//! three, each answer is delayed, doubling up to two seconds; a right password still gets
//! in at once.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64ct::{Base64, Encoding};
use ipnet::IpNet;
use sha2::{Digest, Sha256};
use tracing::{error, warn};

use super::password::{self, Scheme};
use crate::config::model::{Allow, HtpasswdHash, HttpdConfig};

/// How long a successful login is remembered.
const LOGIN_CACHE_TTL: Duration = Duration::from_secs(600);
/// The most logins remembered at once (the cache is emptied when full).
const LOGIN_CACHE_MAX: usize = 4096;
/// Wrong passwords from one address before answers are delayed.
const FREE_FAILURES: u32 = 3;
/// The longest delay of a wrong-password answer.
const MAX_FAILURE_DELAY: Duration = Duration::from_secs(2);
/// Failures older than this are forgotten.
const FAILURE_MEMORY: Duration = Duration::from_secs(900);

/// An authenticated user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub user: String,
    pub read_only: bool,
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// No or wrong credentials: 401 with `WWW-Authenticate`. The delay is applied before
    /// answering (throttling).
    Unauthorized { delay: Duration },
}

/// One `allow user:password` or htpasswd line.
#[derive(Debug, Clone)]
struct Account {
    user: String,
    stored: String,
    htpasswd: bool,
    read_only: bool,
}

/// One `allow @group`.
#[derive(Debug, Clone)]
struct GroupAllow {
    name: String,
    read_only: bool,
}

/// The nets of an `allow` host word (see [`crate::config::net`]): a host name is resolved
/// now, so call this off the async threads. The listener takes the nets the loaded
/// configuration holds; this is for building an ACL from words.
pub fn parse_host(word: &str) -> Result<Vec<IpNet>, String> {
    crate::config::net::resolve(word)
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// The credentials and ACL of the TCP listener.
pub struct Authenticator {
    accounts: Vec<Account>,
    groups: Vec<GroupAllow>,
    hosts: Vec<IpNet>,
    salt: [u8; 16],
    logins: Mutex<HashMap<[u8; 32], (Login, Instant)>>,
    failures: Mutex<HashMap<Source, Failures>>,
    /// Slow hash checks run one at a time (argon2 takes 80 MB while it runs).
    hashing: tokio::sync::Semaphore,
}

impl Authenticator {
    /// Builds the authenticator from `set httpd`, with the nets of `allow` as the loaded
    /// configuration resolved them; htpasswd files are read now. Problems that leave some entries unusable are returned as warnings.
    pub fn new(httpd: &HttpdConfig) -> (Authenticator, Vec<String>) {
        let mut warnings = Vec::new();
        let mut accounts = Vec::new();
        let mut groups = Vec::new();
        let mut hosts = Vec::new();
        for allow in &httpd.allow {
            match allow {
                Allow::User { user, password, read_only } => accounts.push(Account {
                    user: user.clone(),
                    stored: password.clone(),
                    htpasswd: false,
                    read_only: *read_only,
                }),
                Allow::Group { group, read_only } => {
                    groups.push(GroupAllow { name: group.clone(), read_only: *read_only })
                }
                Allow::Htpasswd { path, hash, users, read_only } => {
                    match read_htpasswd(path, *hash, users, *read_only) {
                        Ok((entries, mut problems)) => {
                            accounts.extend(entries);
                            warnings.append(&mut problems);
                        }
                        Err(e) => warnings.push(e),
                    }
                }
                Allow::Host(host) => hosts.extend(host.nets.iter().copied()),
            }
        }
        let mut salt = [0u8; 16];
        if getrandom::fill(&mut salt).is_err() {
            // Without randomness the cache key is still a digest of the secret.
            salt = *b"rmonit-no-random";
        }
        let authenticator = Authenticator {
            accounts,
            groups,
            hosts,
            salt,
            logins: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
            hashing: tokio::sync::Semaphore::new(1),
        };
        (authenticator, warnings)
    }

    /// Whether any credential is configured (without one the TCP listener is not started).
    pub fn has_credentials(&self) -> bool {
        !self.accounts.is_empty() || !self.groups.is_empty()
    }

    /// The host ACL: an empty list allows every address.
    pub fn host_allowed(&self, ip: IpAddr) -> bool {
        self.hosts.is_empty() || self.hosts.iter().any(|net| net.contains(&ip.to_canonical()))
    }

    /// Checks the `Authorization` header of a request from `ip`.
    pub async fn authenticate(self: &Arc<Self>, header: Option<&str>, ip: IpAddr) -> Result<Login, Denied> {
        let Some((user, password)) = header.and_then(basic_credentials) else {
            return Err(Denied::Unauthorized { delay: Duration::ZERO });
        };
        self.login(&user, &password, ip).await
    }

    /// Checks a user and password from `ip` (Basic authentication or the login form).
    /// Failures are counted per address and per user name; the longer of the two delays
    /// applies, so neither one address nor many addresses can guess fast.
    pub async fn login(self: &Arc<Self>, user: &str, password: &str, ip: IpAddr) -> Result<Login, Denied> {
        let key = self.cache_key(user, password);
        if let Some(login) = self.cached(&key) {
            self.forgive(ip, user);
            return Ok(login);
        }
        let this = Arc::clone(self);
        let checked = {
            let _permit = self.hashing.acquire().await;
            let (user, password) = (user.to_owned(), password.to_owned());
            tokio::task::spawn_blocking(move || this.check(&user, &password)).await
        };
        match checked {
            Ok(Ok(login)) => {
                self.remember(key, &login);
                self.forgive(ip, user);
                Ok(login)
            }
            Ok(Err(reason)) => {
                warn!("access denied -- client [{ip}]: {reason}");
                Err(Denied::Unauthorized { delay: self.failed(ip, user) })
            }
            Err(e) => {
                error!("password check failed: {e}");
                Err(Denied::Unauthorized { delay: Duration::ZERO })
            }
        }
    }

    /// The blocking part: the accounts of that user, then the groups.
    fn check(&self, user: &str, password: &str) -> Result<Login, String> {
        let mut known = false;
        for account in self.accounts.iter().filter(|a| a.user == user) {
            known = true;
            if password::verify(&account.stored, password, account.htpasswd) {
                return Ok(Login { user: user.to_owned(), read_only: account.read_only });
            }
        }
        for group in &self.groups {
            if !is_group_member(user, &group.name) {
                continue;
            }
            known = true;
            match shadow_hash(user) {
                Ok(stored) if password::verify(&stored, password, true) => {
                    return Ok(Login { user: user.to_owned(), read_only: group.read_only });
                }
                Ok(_) => {}
                Err(e) => return Err(format!("cannot check the password of '{user}': {e}")),
            }
        }
        Err(if known { format!("wrong password for user '{user}'") } else { format!("unknown user '{user}'") })
    }

    fn cache_key(&self, user: &str, password: &str) -> [u8; 32] {
        let mut digest = Sha256::new();
        digest.update(self.salt);
        digest.update(user.as_bytes());
        digest.update([0]);
        digest.update(password.as_bytes());
        digest.finalize().into()
    }

    fn cached(&self, key: &[u8; 32]) -> Option<Login> {
        let logins = lock(&self.logins);
        logins.get(key).filter(|(_, at)| at.elapsed() < LOGIN_CACHE_TTL).map(|(login, _)| login.clone())
    }

    fn remember(&self, key: [u8; 32], login: &Login) {
        let mut logins = lock(&self.logins);
        if logins.len() >= LOGIN_CACHE_MAX {
            logins.clear();
        }
        logins.insert(key, (login.clone(), Instant::now()));
    }

    /// A right password clears the failures of its address and its user.
    fn forgive(&self, ip: IpAddr, user: &str) {
        let mut failures = lock(&self.failures);
        if !failures.is_empty() {
            failures.remove(&Source::Address(ip));
            failures.remove(&Source::User(user.to_owned()));
        }
    }

    /// Counts a failure from `ip` for `user` and returns how long to delay its answer.
    fn failed(&self, ip: IpAddr, user: &str) -> Duration {
        let mut failures = lock(&self.failures);
        failures.retain(|_, f| f.last.elapsed() < FAILURE_MEMORY);
        if failures.len() >= MAX_FAILURE_SOURCES {
            failures.clear();
        }
        let mut delay = Duration::ZERO;
        for source in [Source::Address(ip), Source::User(user.to_owned())] {
            let entry = failures.entry(source).or_insert(Failures { count: 0, last: Instant::now() });
            entry.count += 1;
            entry.last = Instant::now();
            delay = delay.max(failure_delay(entry.count));
        }
        delay
    }
}

/// Where failures are counted: per client address and per user name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Source {
    Address(IpAddr),
    User(String),
}

/// The most addresses and users whose failures are remembered at once.
const MAX_FAILURE_SOURCES: usize = 100_000;

/// The delay of the `count`th wrong password in a row: none for the first three, then
/// 100 ms doubling up to [`MAX_FAILURE_DELAY`].
fn failure_delay(count: u32) -> Duration {
    if count <= FREE_FAILURES {
        return Duration::ZERO;
    }
    let doublings = (count - FREE_FAILURES - 1).min(10);
    (Duration::from_millis(100) * 2u32.pow(doublings)).min(MAX_FAILURE_DELAY)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// `Basic base64(user:password)`.
pub fn basic_credentials(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = Base64::decode_vec(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// The entries of an htpasswd file (`user:hash` lines), restricted to `users` if given.
fn read_htpasswd(
    path: &str,
    hash: Option<HtpasswdHash>,
    users: &[String],
    read_only: bool,
) -> Result<(Vec<Account>, Vec<String>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the htpasswd file {path}: {e}"))?;
    let mut accounts = Vec::new();
    let mut problems = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((user, stored)) = line.split_once(':') else {
            problems.push(format!("{path}:{}: not a 'user:password' line", number + 1));
            continue;
        };
        if !users.is_empty() && !users.iter().any(|u| u == user) {
            continue;
        }
        let htpasswd = hash != Some(HtpasswdHash::Cleartext);
        if htpasswd && Scheme::of(stored, true) == Scheme::Unsupported {
            problems.push(format!(
                "{path}:{}: user '{user}' has a DES-crypt password, which rmonit does not accept; \
                 make a bcrypt one with `htpasswd -B`",
                number + 1
            ));
            continue;
        }
        accounts.push(Account { user: user.to_owned(), stored: stored.to_owned(), htpasswd, read_only });
    }
    Ok((accounts, problems))
}

/// Whether `user` belongs to the Unix group `group` (as a listed member or by its primary
/// group).
fn is_group_member(user: &str, group: &str) -> bool {
    let Ok(Some(entry)) = nix::unistd::Group::from_name(group) else {
        return false;
    };
    entry.mem.iter().any(|m| m == user)
        || nix::unistd::User::from_name(user).ok().flatten().is_some_and(|u| u.gid == entry.gid)
}

/// The password hash of a system user, from /etc/shadow (readable by root only).
fn shadow_hash(user: &str) -> Result<String, String> {
    let text = std::fs::read_to_string("/etc/shadow").map_err(|e| format!("/etc/shadow: {e}"))?;
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| *name == user)
        .map(|(_, rest)| rest.split(':').next().unwrap_or("").to_owned())
        .ok_or_else(|| format!("'{user}' is not in /etc/shadow"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn httpd(allow: Vec<Allow>) -> HttpdConfig {
        HttpdConfig { port: Some(2812), allow, ..HttpdConfig::default() }
    }

    #[test]
    fn host_acl_with_prefixes_masks_and_names() {
        let nets: Vec<IpNet> = ["10.1.0.0/16", "192.168.1.0/255.255.255.0", "::1", "localhost"]
            .iter()
            .flat_map(|w| parse_host(w).unwrap())
            .collect();
        let (mut auth, _) = Authenticator::new(&httpd(vec![]));
        assert!(auth.host_allowed("8.8.8.8".parse().unwrap()), "no ACL allows everyone");
        auth.hosts = nets;
        for ok in ["10.1.200.3", "192.168.1.77", "::1", "127.0.0.1", "::ffff:10.1.0.1"] {
            assert!(auth.host_allowed(ok.parse().unwrap()), "{ok}");
        }
        for refused in ["10.2.0.1", "192.168.2.1", "8.8.8.8", "::2"] {
            assert!(!auth.host_allowed(refused.parse().unwrap()), "{refused}");
        }
        assert!(parse_host("10.0.0.0/255.0.255.0").is_err());
        assert!(parse_host("10.0.0.0/33").is_err());
    }

    #[test]
    fn basic_headers() {
        assert_eq!(basic_credentials("Basic YWRtaW46bW9uaXQ="), Some(("admin".into(), "monit".into())));
        assert_eq!(basic_credentials("basic YTpiOmM="), Some(("a".into(), "b:c".into())));
        assert_eq!(basic_credentials("Bearer xyz"), None);
        assert_eq!(basic_credentials("Basic !!!"), None);
    }

    #[test]
    fn delays_double_after_three_failures_up_to_two_seconds() {
        let delays: Vec<u64> = (1..=10).map(|n| failure_delay(n).as_millis() as u64).collect();
        assert_eq!(delays, [0, 0, 0, 100, 200, 400, 800, 1600, 2000, 2000]);
    }

    #[tokio::test]
    async fn users_read_only_users_and_throttled_failures() {
        let (auth, warnings) = Authenticator::new(&httpd(vec![
            Allow::User { user: "admin".into(), password: "monit".into(), read_only: false },
            Allow::User {
                user: "guest".into(),
                password: "$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq/".into(),
                read_only: true,
            },
        ]));
        assert!(warnings.is_empty());
        let auth = Arc::new(auth);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let header = |u: &str, p: &str| format!("Basic {}", Base64::encode_string(format!("{u}:{p}").as_bytes()));
        let admin = auth.authenticate(Some(&header("admin", "monit")), ip).await.unwrap();
        assert!(!admin.read_only);
        let guest = auth.authenticate(Some(&header("guest", "password")), ip).await.unwrap();
        assert!(guest.read_only);
        assert_eq!(auth.authenticate(None, ip).await, Err(Denied::Unauthorized { delay: Duration::ZERO }));
        let mut delays = Vec::new();
        for _ in 0..5 {
            match auth.authenticate(Some(&header("admin", "wrong")), ip).await {
                Err(Denied::Unauthorized { delay }) => delays.push(delay.as_millis()),
                Ok(_) => panic!("a wrong password got in"),
            }
        }
        assert_eq!(delays, [0, 0, 0, 100, 200]);
        // The right password still gets in, and resets the count.
        assert!(auth.authenticate(Some(&header("admin", "monit")), ip).await.is_ok());
        assert!(lock(&auth.failures).is_empty());
    }

    #[test]
    fn htpasswd_files_with_user_filters() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("htpasswd");
        std::fs::write(&path, "# users\nalice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\nbob:abcdefghijklm\ncarol:x\nbroken\n")
            .unwrap();
        let path = path.to_str().unwrap().to_owned();
        let (auth, warnings) = Authenticator::new(&httpd(vec![Allow::Htpasswd {
            path: path.clone(),
            hash: None,
            users: vec!["alice".into(), "bob".into()],
            read_only: false,
        }]));
        assert_eq!(auth.accounts.len(), 1, "only alice: bob is DES, carol not listed");
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(auth.check("alice", "password").is_ok());
        assert_eq!(auth.check("carol", "x"), Err("unknown user 'carol'".to_owned()));
    }
}

#[cfg(test)]
mod fuzz {
    //! What clients and files send is parsed without panicking, whatever it is.
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn authorization_headers(header in ".{0,200}", raw in proptest::collection::vec(any::<u8>(), 0..120)) {
            let _ = super::basic_credentials(&header);
            use base64ct::{Base64, Encoding};
            let _ = super::basic_credentials(&format!("Basic {}", Base64::encode_string(&raw)));
        }

        #[test]
        fn allow_host_words(word in "[0-9a-f:./]{0,40}") {
            // Only addresses and masks: names would ask the resolver.
            if word.contains('/') || word.parse::<std::net::IpAddr>().is_ok() {
                let _ = super::parse_host(&word);
            }
        }

        #[test]
        fn stored_passwords(stored in ".{0,120}", given in ".{0,40}") {
            let _ = super::password::verify(&stored, &given, true);
            let _ = super::password::verify(&format!("$1${stored}"), &given, true);
            let _ = super::password::verify(&format!("$apr1${stored}"), &given, true);
            let _ = super::password::verify(&format!("{{SHA}}{stored}"), &given, true);
        }

        #[test]
        fn htpasswd_files(text in "(.{0,60}\n){0,20}") {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("htpasswd");
            std::fs::write(&path, &text).unwrap();
            let _ = super::read_htpasswd(path.to_str().unwrap(), None, &[], false);
        }
    }
}
